"""``regdesk init``: check the config and create (or upgrade) the clinic's data folder.

Safe to run again at any time: what exists is kept, what is missing is made, an older database is
migrated forward, and each step says what it did. The vault key is never replaced.

The first admin account is made here and only here (``--admin-iin``, ``--admin-name``, the
password asked twice or read with ``--password-stdin``), while the database has no account at
all; after that only a signed-in admin adds accounts (``regdesk user``, the desk).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from sqlite_utils import Database

    from regdesk.config import Config

EXIT_OK = 0
EXIT_BAD_CONFIG = 78  # sysexits EX_CONFIG, as for any other config error
EXIT_FAILED = 1


def register(sub: Any, ctx: Context) -> None:
    p = sub.add_parser(
        "init", help=ctx.t("store.init_help"), description=ctx.t("store.init_description")
    )
    p.add_argument("--admin-iin", metavar="IIN", help=ctx.t("admin.cli.opt_admin_iin"))
    p.add_argument("--admin-name", metavar="NAME", help=ctx.t("admin.cli.opt_admin_name"))
    p.add_argument(
        "--password-stdin", action="store_true", help=ctx.t("staff.cli.opt_password_stdin")
    )
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    import os
    import sqlite3
    import stat
    from contextlib import closing

    from regdesk.commands.common import cli_actor
    from regdesk.core.errors import UserError
    from regdesk.core.ids import parse_bin
    from regdesk.store import audit, schema
    from regdesk.store.db import open_db, transaction
    from regdesk.store.paths import DataPaths
    from regdesk.store.vault import KEY_BYTES, Vault

    config = ctx.config()
    try:
        parse_bin(config.clinic.bin)
    except UserError as exc:
        ctx.warn("store.init_bad_bin", bin=config.clinic.bin, detail=exc.message(ctx.lang))
        return EXIT_BAD_CONFIG
    if not _places_usable(ctx, config):
        return EXIT_BAD_CONFIG
    ctx.say("store.init_config_ok", file=config.source, clinic=config.clinic.code)

    paths = DataPaths.for_config(config)
    _folder(ctx, paths.root, "store.init_folder")

    before = 0
    if paths.database.exists():
        try:
            with closing(sqlite3.connect(paths.database)) as probe:
                before = schema.version(probe)
        except sqlite3.DatabaseError as exc:
            ctx.warn("store.db_unusable", path=str(paths.database), detail=str(exc))
            return EXIT_FAILED
        existed = True
    else:
        existed = False
    try:
        db = open_db(paths.database)
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_FAILED
    try:
        after = schema.version(db.conn)
        if not existed:
            ctx.say("store.init_db_created", path=str(paths.database), version=after)
        elif before < after:
            ctx.say("store.init_db_upgraded", path=str(paths.database), old=before, new=after)
        else:
            ctx.say("store.init_db_current", path=str(paths.database), version=after)
        if before < after:
            with transaction(db):
                audit.append(
                    db,
                    actor_iin=cli_actor(),
                    action="admin.init",
                    object="database",
                    detail={"schema_from": before, "schema_to": after},
                )

        if Vault.create_key(paths.vault_key):
            ctx.say("store.init_key_created", path=str(paths.vault_key))
        else:
            size = paths.vault_key.stat().st_size
            if size != KEY_BYTES:
                ctx.warn("store.vault_key_unusable", path=str(paths.vault_key), detail=f"{size}")
                return EXIT_FAILED
            mode = stat.S_IMODE(paths.vault_key.stat().st_mode)
            if mode & 0o077:
                os.chmod(paths.vault_key, 0o600)
                ctx.say("store.init_key_permissions", path=str(paths.vault_key), mode=f"{mode:o}")
            else:
                ctx.say("store.init_key_exists", path=str(paths.vault_key))
        _folder(ctx, paths.vault_dir, "store.init_vault")

        if not _first_admin(ns, ctx, config, db):
            return EXIT_FAILED
        ctx.say("store.init_done", path=str(paths.root))
    finally:
        db.conn.close()
    return EXIT_OK


def _first_admin(ns: argparse.Namespace, ctx: Context, config: Config, db: Database) -> bool:
    """Make the first admin when asked and no account exists yet; say what is missing."""
    from regdesk.commands.signed_in import Refused, read_new_password
    from regdesk.core.errors import UserError
    from regdesk.store.staff import Staff, canonical_iin

    accounts = int(db.conn.execute("SELECT count(*) FROM staff").fetchone()[0])
    wanted = ns.admin_iin is not None or ns.admin_name is not None
    if accounts and wanted:
        ctx.warn("admin.init_has_staff")
        return False
    if accounts:
        return True
    if not wanted:
        ctx.say("store.init_no_admin")
        return True
    if not ns.admin_iin or not ns.admin_name:
        ctx.warn("admin.init_admin_both")
        return False
    staff = Staff(db, config.security, timezone=config.work_hours.timezone)
    try:
        iin = canonical_iin(ns.admin_iin)
        password = read_new_password(ns, ctx)
        account = staff.add(iin, ns.admin_name, "admin", password, ctx.clock().utc(), actor="init")
    except Refused:
        return False
    except UserError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        return False
    ctx.say("admin.init_admin_added", name=account.full_name, iin=account.iin)
    return True


def _places_usable(ctx: Context, config: Config) -> bool:
    """Say every problem (and warning) with the files, folders and queues the config names;
    True when there is no problem, so the config can be used on this machine."""
    from regdesk.commands.checks import check_named_places
    from regdesk.core.clock import wall_utc

    # Certificates and CRLs are valid between two instants, whatever the clinic's zone.
    found = check_named_places(config, wall_utc())
    for level, findings in (
        ("cli.config_warning", found.warnings),
        ("cli.config_error", found.problems),
    ):
        for f in findings:
            detail = f"{config.source}: {f.setting}: {ctx.t(f.key, **f.params)}"
            ctx.warn(level, detail=detail)
    return not found.problems


def _folder(ctx: Context, path: Path, key: str) -> None:
    """Make ``path`` (owner-only: it holds personal data) and say whether it was new."""
    if path.is_dir():
        ctx.say(f"{key}_exists", path=str(path))
        return
    path.mkdir(parents=True, mode=0o700)
    ctx.say(f"{key}_created", path=str(path))
