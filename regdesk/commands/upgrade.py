"""``regdesk upgrade --as ADMIN_IIN``: bring the clinic's database up to this regdesk's schema.

The one place where an existing database is migrated (issue 14, "Install and upgrade as a
procedure"): the desks and the other commands refuse an older database in words and touch
nothing. In one write transaction of the live database, so that nobody writes in between and an
interruption at any point leaves the database as it was:

1. a backup of the database as it is (``make_checked_backup``, what ``regdesk backup`` runs:
   checked as it is copied), into ``--backup-dir`` (default: ``backups/`` in the data folder);
2. the missing migrations;
3. the sign-in (``--as``, the password asked before the backup starts, or ``--password-stdin``)
   against the migrated schema, by the desk's own ``Session.sign_in``, and the role check of the
   use cases (an admin: ``Permission.SETTINGS``);
4. an audit record ``admin.upgrade``: from and to which schema, the backup's path and the
   SHA-256 of its manifest, by whom.

Once committed, the audit log is switched to keyed records as ``regdesk init`` does on a new
database (``commands/audit.ensure_keyed``: the audit key made when missing).

Only then is it committed. A refused sign-in or role, a backup that does not verify, a migration
that fails: rolled back, the backup removed, said in words. Because the sign-in needs the new
schema, a refused sign-in here is said but not counted towards the throttle (it is rolled back
with the rest); whoever can run this can write the database file anyway.

Each step goes to the operational log (``logs/regdesk.log``): the start with the schema from
and to, the backup made and checked (or not), and the end, committed or rolled back with why; no
IIN or name (the audit record says who).

Exit codes: 0 upgraded (or already current), 1 refused or failed (nothing changed), 2 wrong
usage, 74 no database or one from a newer regdesk, 78 configuration error.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.config import Config
    from regdesk.store.paths import DataPaths

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NO_DATABASE = 74

log = logging.getLogger("regdesk.upgrade")


def register(sub: Any, ctx: Context) -> None:
    from regdesk.commands.signed_in import add_options

    t = ctx.t
    p = sub.add_parser(
        "upgrade",
        help=t("deploy.upgrade_help"),
        description=t("deploy.upgrade_description"),
        epilog=t("deploy.upgrade_epilog"),
    )
    p.add_argument("--backup-dir", metavar="DIR", help=t("deploy.upgrade_opt_backup_dir"))
    add_options(p, ctx)
    p.set_defaults(handler=run)


def backup_folder(paths: DataPaths, base: Path | None, found: int, needed: int, stamp: str) -> Path:
    """Where the backup before the upgrade goes: a new folder named for the versions and time."""
    return (base or paths.upgrade_backups_dir) / f"before-upgrade-{found}-to-{needed}-{stamp}"


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.signed_in import Refused, credentials
    from regdesk.store import schema
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    paths = DataPaths.for_config(config)
    if not paths.database.is_file():
        ctx.warn("store.no_database", path=str(paths.database))
        return EXIT_NO_DATABASE
    found = schema.file_version(paths.database)
    needed = schema.SCHEMA_VERSION
    if found is not None and found > needed:
        ctx.warn("store.schema_too_new", path=str(paths.database), found=found, known=needed)
        return EXIT_NO_DATABASE
    if found == needed:
        ctx.say("deploy.upgrade_current", path=str(paths.database), version=needed)
        return EXIT_OK
    if found == 0:
        # An empty file has nothing to keep: ``regdesk init`` makes the database.
        ctx.warn("store.no_database", path=str(paths.database))
        return EXIT_NO_DATABASE
    stamp = ctx.clock().now().strftime("%Y%m%d-%H%M%S")
    base = Path(ns.backup_dir) if ns.backup_dir else None
    dest = backup_folder(paths, base, found or 0, needed, stamp)
    ctx.say("deploy.upgrade_plan", path=str(paths.database), found=found, needed=needed)
    try:
        # Asked before the backup, which may take minutes: nobody waits to type a password.
        iin, password = credentials(ns, ctx)
        return _upgrade(ns, ctx, config, paths, dest, iin, password)
    except Refused as stop:
        return stop.code


def _upgrade(
    ns: argparse.Namespace,
    ctx: Context,
    config: Config,
    paths: DataPaths,
    dest: Path,
    iin: str,
    password: str,
) -> int:
    import shutil
    import sqlite3

    from regdesk.commands.signed_in import sign_in
    from regdesk.core.errors import UserError
    from regdesk.core.roles import Permission
    from regdesk.desk.context import DeskContext
    from regdesk.store import audit, schema
    from regdesk.store.db import open_db_as_is, transaction

    try:
        db = open_db_as_is(paths.database, config.storage.durability)
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_NO_DATABASE
    conn = db.conn
    committed = False
    backed_up = False
    why = "refused"
    try:
        # The write lock first (the desks' own transaction, so what commits with it, such as
        # the audit's bookkeeping, commits here too): the backup is then exactly what the
        # migrations start from. Anything raised in the block rolls all of it back.
        with transaction(db):
            found = schema.version(conn)
            if found == schema.SCHEMA_VERSION:  # another administrator's upgrade came first
                ctx.say("deploy.upgrade_current", path=str(paths.database), version=found)
                log.info("upgrade: %s is at schema %d already", paths.database, found)
                return EXIT_OK
            log.info(
                "upgrade started: %s from schema %d to %d, backup into %s",
                paths.database,
                found,
                schema.SCHEMA_VERSION,
                dest,
            )
            manifest_sha = _backup(ctx, paths, dest)
            if manifest_sha is None:
                log.warning("upgrade stopped, nothing changed: the backup was not made or checked")
                return EXIT_FAILED  # nothing written yet
            backed_up = True
            log.info("upgrade: backup made and checked, %s (manifest %s)", dest, manifest_sha)
            schema.apply_missing(conn, paths.database)
            desk = DeskContext(config, clock=ctx.clock(), db=db)
            sign_in(ns, ctx, desk, iin, password)
            actor = desk.require(Permission.SETTINGS, "upgrade")
            audit.append(
                db,
                actor_iin=actor.iin,
                action="admin.upgrade",
                object="database",
                detail={
                    "schema_from": found,
                    "schema_to": schema.SCHEMA_VERSION,
                    "backup": str(dest.resolve()),
                    "backup_manifest_sha256": manifest_sha,
                },
                at=ctx.clock().utc(),
            )
        committed = True
        log.info("upgrade committed: %s from schema %d to %d", paths.database, found,
                 schema.SCHEMA_VERSION)  # fmt: skip
        # From here on the audit is keyed, as on a database init made (its own transaction: the
        # upgrade stands whatever this says).
        from regdesk.commands.audit import ensure_keyed

        ensure_keyed(ctx, db, paths)
    except UserError as exc:
        why = exc.key  # a catalogue key, never what was typed
        print(exc.message(ctx.lang), file=ctx.err)
        return EXIT_FAILED
    except sqlite3.Error as exc:
        why = f"the migration failed: {exc}"
        # A migration that does not apply to this file: nothing of it stays.
        ctx.warn("deploy.upgrade_migration_failed", path=str(paths.database), detail=str(exc))
        return EXIT_FAILED
    except BaseException as exc:
        why = type(exc).__name__
        raise
    finally:
        if backed_up and not committed:
            # Made only for this upgrade, which did not happen: no copy of the data is left.
            shutil.rmtree(dest, ignore_errors=True)
            ctx.warn("deploy.upgrade_rolled_back", path=str(paths.database))
            log.warning(
                "upgrade rolled back (%s): %s stays at its schema, the backup made for it removed",
                why,
                paths.database,
            )
        conn.close()
    ctx.say(
        "deploy.upgrade_done",
        path=str(paths.database),
        found=found,
        needed=schema.SCHEMA_VERSION,
        dest=str(dest),
    )
    _note_backup(ctx, paths, dest)
    return EXIT_OK


def _backup(ctx: Context, paths: DataPaths, dest: Path) -> str | None:
    """Back the database up into ``dest`` and verify it; the SHA-256 of its manifest, or None
    after saying what went wrong."""
    import hashlib

    from regdesk import version
    from regdesk.core.errors import UserError
    from regdesk.store.backup import MANIFEST, make_checked_backup

    ctx.say("deploy.upgrade_backing_up", dest=str(dest))
    try:
        # What ``regdesk backup`` runs: checked as it is copied (``store.backup``).
        report = make_checked_backup(
            paths, dest, made_at=ctx.clock().now(), program_version=version()
        )
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        ctx.warn("deploy.upgrade_no_backup")
        return None
    for finding in (*report.notes, *report.problems):
        ctx.warn(finding.key, **finding.params)
    if not report.ok:
        import shutil

        shutil.rmtree(dest, ignore_errors=True)
        ctx.warn("deploy.upgrade_no_backup")
        return None
    digest = hashlib.sha256((dest / MANIFEST).read_bytes()).hexdigest()
    ctx.say("deploy.upgrade_backup_ok", dest=str(dest), hash=digest)
    return digest


def _note_backup(ctx: Context, paths: DataPaths, dest: Path) -> None:
    """The verified backup noted as the last good one (``regdesk status``), when it can be."""
    from regdesk.core.errors import UserError
    from regdesk.store.backup import read_manifest, record_good_backup

    try:
        record_good_backup(paths, dest, read_manifest(dest))
    except (OSError, UserError) as exc:
        ctx.warn("backup.not_noted", path=str(paths.root), detail=str(exc))
