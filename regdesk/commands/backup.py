"""``regdesk backup DEST`` and ``regdesk backup verify DEST``: a verified copy of the data folder.

``backup DEST`` copies the database (SQLite's online backup, while the desks keep working), the
scans the journal refers to and, with ``--include-key``, the vault key into the new folder DEST
with a manifest, checking the copy as it makes it (``regdesk.store.backup``). A verified
backup is noted in the data folder (``regdesk status`` and the admins' menu show its age) and in
the audit log. Exit 0: made and verified; 1: refused, or the copy did not verify; 74: no database.

``backup verify DEST`` checks an existing backup; the scans open with the key in the backup, the
one given with ``--key``, or the live data folder's. Exit 0 when it would restore, 1 otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.store.backup import Manifest, Verification

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_DATABASE = 74


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("backup", help=t("backup.help"), description=t("backup.description_checked"))
    p.add_argument("dest", metavar="DEST", help=t("backup.opt_dest"))
    p.add_argument("verify_dest", nargs="?", metavar="DEST", help=argparse.SUPPRESS)
    p.add_argument("--include-key", action="store_true", help=t("backup.opt_include_key"))
    p.add_argument("--key", metavar="FILE", help=t("backup.opt_key"))
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    if ns.dest == "verify":
        if not ns.verify_dest:
            ctx.warn("backup.verify_needs_dest")
            return EXIT_USAGE
        return verify(ctx, Path(ns.verify_dest), Path(ns.key) if ns.key else None)
    if ns.verify_dest:
        ctx.warn("backup.too_many", extra=ns.verify_dest)
        return EXIT_USAGE
    return make(ctx, Path(ns.dest), include_key=ns.include_key)


def make(ctx: Context, dest: Path, *, include_key: bool) -> int:
    from regdesk import version
    from regdesk.core.errors import UserError
    from regdesk.store.backup import make_checked_backup, record_good_backup
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    paths = DataPaths.for_config(config)
    if not paths.database.is_file():
        ctx.warn("store.no_database", path=str(paths.database))
        return EXIT_NO_DATABASE
    try:
        # Checked as it is copied (``make_checked_backup`` says what that proves); ``backup
        # verify`` reads it all back from the disk later.
        report = make_checked_backup(
            paths,
            dest,
            made_at=ctx.clock().now(),
            program_version=version(),
            include_key=include_key,
        )
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_FAILED
    manifest = report.manifest
    ctx.say("backup.made", dest=str(dest), when=manifest.made_at)
    _say_contents(ctx, manifest)
    if include_key:
        ctx.warn("backup.key_included", dest=str(dest))
    else:
        ctx.say("backup.key_apart", key=str(paths.vault_key))
    _say_report(ctx, report, checked="backup.checked")
    _audit(ctx, paths.database, dest, manifest, verified=report.ok)
    if not report.ok:
        ctx.warn("backup.not_verified", dest=str(dest))
        return EXIT_FAILED
    try:
        record_good_backup(paths, dest, manifest)
    except OSError as exc:
        # The backup is good; only the note that status and the menu read could not be kept.
        ctx.warn("backup.not_noted", path=str(paths.root), detail=exc.strerror or str(exc))
        return EXIT_FAILED
    return EXIT_OK


def verify(ctx: Context, dest: Path, key: Path | None) -> int:
    from regdesk.core.errors import UserError
    from regdesk.store.backup import read_manifest, verify_backup

    try:
        manifest = read_manifest(dest)
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_FAILED
    if key is None and not manifest.key_included:
        key = _live_key(ctx)
    ctx.say("backup.verifying", dest=str(dest), when=manifest.made_at)
    _say_contents(ctx, manifest)
    report = verify_backup(dest, key_file=key)
    _say_report(ctx, report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _live_key(ctx: Context) -> Path | None:
    """The live data folder's vault key, when the config can be read and names one."""
    from regdesk.config import ConfigError
    from regdesk.store.paths import DataPaths

    try:
        key = DataPaths.for_config(ctx.config()).vault_key
    except ConfigError:
        return None
    return key if key.is_file() else None


def _say_contents(ctx: Context, manifest: Manifest) -> None:
    counts = manifest.counts
    ctx.say(
        "backup.contents",
        applications=counts.get("applications", 0),
        events=counts.get("events", 0),
        audit=manifest.audit_count,
        scans=counts.get("scans", 0),
        schema=manifest.schema_version,
        version=manifest.program_version,
    )
    ctx.say("backup.audit_hash", hash=manifest.audit_last_hash)


def _say_report(ctx: Context, report: Verification, checked: str = "backup.verified") -> None:
    for note in report.notes:
        ctx.warn(note.key, **note.params)
    for problem in report.problems:
        ctx.warn(problem.key, **problem.params)
    if report.ok:
        ctx.say(checked, scans=report.scans_opened)


def _audit(ctx: Context, database: Path, dest: Path, manifest: Manifest, *, verified: bool) -> None:
    """The backup in the live audit log (who, where, of what moment, whether it verified)."""
    import sqlite3

    from regdesk.commands.common import cli_actor
    from regdesk.core.errors import UserError
    from regdesk.store import audit
    from regdesk.store.db import open_db, transaction

    try:
        db = open_db(database)
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return
    try:
        with transaction(db):
            audit.append(
                db,
                actor_iin=cli_actor(),
                action="admin.backup",
                object="database",
                detail={
                    "dest": str(dest.resolve()),
                    "made_at": manifest.made_at,
                    "audit_count": manifest.audit_count,
                    "audit_last_hash": manifest.audit_last_hash,
                    "key_included": manifest.key_included,
                    "verified": verified,
                },
            )
    except sqlite3.Error as exc:
        ctx.warn("backup.not_audited", path=str(database), detail=str(exc))
    finally:
        db.conn.close()
