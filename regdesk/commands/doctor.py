"""``regdesk doctor [--clean]``: find what a crash, a full disk or time left behind.

Lists stale ``.part`` files and orphan scans in the vault, attachments whose scan is missing,
originals in the scanner folder that the vault already holds (``[scans] after_store =
"remove"``), printed files past their printer's ``keep_hours`` and the ``.part`` files of a print
that never finished (``regdesk.store.doctor``).
``--clean`` removes all of those but the missing scans, which nothing can bring back but a
backup; a file still referenced by the journal is never removed.

Exit 0: nothing wrong (or all of it cleaned); 1: something found and left (run with ``--clean``,
or scans are missing); 74: the database cannot be opened.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from regdesk.cli import Context

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_NO_DATABASE = 74
_SHOWN = 20


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("doctor", help=t("doctor.help"), description=t("doctor.description"))
    p.add_argument("--clean", action="store_true", help=t("doctor.opt_clean"))
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.common import open_existing_db
    from regdesk.printing.printers import doctor_prints
    from regdesk.store.doctor import clean, examine
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    paths = DataPaths.for_config(config)
    db = open_existing_db(ctx, paths.database)
    if db is None:
        return EXIT_NO_DATABASE
    now = ctx.clock().utc()
    prints = doctor_prints(config.printing.printers, paths.root, now)
    scan_folder = None
    if config.scans.after_store == "remove":
        scan_folder = (
            config.resolve(config.storage.scan_dir)
            if config.storage.scan_dir
            else Path.home() / "Scans"
        )
    try:
        found = examine(paths, db.conn, now=now, scan_folder=scan_folder, old_prints=prints)
        ctx.say("doctor.looked", vault=str(paths.vault_dir), attachments=found.referenced)
        _list(ctx, "doctor.stale_part", found.stale_parts)
        _list(ctx, "doctor.fresh_part", found.fresh_parts)
        _list(ctx, "doctor.orphan", found.orphans)
        _list(ctx, "doctor.recent_orphan", found.recent_orphans)
        for i, missing in enumerate(found.missing):
            if i == _SHOWN:
                ctx.warn("doctor.more", count=len(found.missing) - _SHOWN)
                break
            ctx.warn(
                "doctor.missing",
                id=missing.attachment_id,
                application=missing.application_id,
                name=missing.vault_name,
            )
        _list(ctx, "doctor.stored_original", found.stored_originals)
        _list(ctx, "doctor.old_print", found.old_prints)
        if found.healthy:
            ctx.say("doctor.healthy")
            return EXIT_OK
        left = bool(found.removable)
        if ns.clean and found.removable:
            done = clean(found, db.conn)
            ctx.say("doctor.cleaned", count=done.removed)
            for failure in done.failed:
                ctx.warn("doctor.not_removed", detail=failure)
            left = bool(done.failed)
        elif found.removable:
            ctx.say("doctor.run_clean", count=len(found.removable))
        if found.missing:
            ctx.warn("doctor.missing_advice", count=len(found.missing))
        return EXIT_FOUND if left or found.missing else EXIT_OK
    finally:
        db.conn.close()


def _list(ctx: Context, key: str, paths: list[Path]) -> None:
    for i, path in enumerate(paths):
        if i == _SHOWN:
            ctx.warn("doctor.more", count=len(paths) - _SHOWN)
            return
        ctx.warn(key, path=str(path))
