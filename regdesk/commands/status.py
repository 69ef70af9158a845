"""``regdesk status``: the data folder at a glance, and whether its last backup is too old.

Shows the database (schema, applications) and the last verified backup (``regdesk backup``) with
its age against ``[backup] max_age_hours``. Nothing is changed: the database is opened read-only
and not migrated. Exit 0 when all is well, 1 with a warning (no backup, or too old), 74 when
there is no database.
"""

from __future__ import annotations

import argparse
from typing import Any

from regdesk.cli import Context

EXIT_OK = 0
EXIT_WARNING = 1
EXIT_NO_DATABASE = 74


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("status", help=t("backup.status_help"), description=t("backup.status_help"))
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    import sqlite3

    from regdesk.store.backup import backup_age, open_read_only
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    paths = DataPaths.for_config(config)
    if not paths.database.is_file():
        ctx.warn("store.no_database", path=str(paths.database))
        return EXIT_NO_DATABASE
    try:
        with open_read_only(paths.database) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            applications = int(conn.execute("SELECT count(*) FROM applications").fetchone()[0])
    except sqlite3.Error as exc:
        ctx.warn("store.db_unusable", path=str(paths.database), detail=str(exc))
        return EXIT_NO_DATABASE
    ctx.say(
        "backup.status_database",
        path=str(paths.database),
        schema=version,
        applications=applications,
    )
    clock = ctx.clock()
    age = backup_age(paths, clock.now(), config.backup.max_age_hours)
    if age.last is None or age.hours is None:
        ctx.warn("backup.status_never", max=age.max_hours)
        return EXIT_WARNING
    when = clock.local(age.last.made_at).isoformat(timespec="minutes")
    hours = f"{age.hours:.1f}"
    if age.overdue:
        ctx.warn("backup.status_overdue", when=when, hours=hours, max=age.max_hours)
        ctx.say("backup.status_where", dest=age.last.dest)
        return EXIT_WARNING
    ctx.say("backup.status_last", when=when, hours=hours, max=age.max_hours)
    ctx.say("backup.status_where", dest=age.last.dest)
    return EXIT_OK
