"""``regdesk init``: check the config and create the clinic's data folder.

Safe to run again at any time: what exists is kept, what is missing is made, and each step says
what it did. The vault key is never replaced; its group access (a clinic that shares the data
folder by group) is kept, access by every other user of the server is taken away and said. An
older database is not touched here: ``regdesk upgrade`` migrates it, after a backup (exit 75,
as for every command that finds one).

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
EXIT_SCHEMA_OLD = 75  # the database is older: `regdesk upgrade` (commands/common.py)


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
    from regdesk.commands.audit import ensure_keyed
    from regdesk.core.errors import UserError
    from regdesk.core.ids import parse_bin
    from regdesk.store import audit, schema
    from regdesk.store.db import open_db, transaction
    from regdesk.store.paths import DataPaths

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

    found = schema.file_version(paths.database) if paths.database.exists() else 0
    if found is not None and 0 < found < schema.SCHEMA_VERSION:
        # Migrating is the upgrade's, with its backup and its audit record: not a side effect.
        ctx.warn(
            "deploy.schema_too_old",
            path=str(paths.database),
            found=found,
            needed=schema.SCHEMA_VERSION,
        )
        return EXIT_SCHEMA_OLD
    try:
        db = open_db(paths.database)  # a new file gets the whole schema here
    except UserError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        return EXIT_FAILED
    try:
        after = schema.version(db.conn)
        created = found == 0
        key = "store.init_db_created" if created else "store.init_db_current"
        ctx.say(key, path=str(paths.database), version=after)
        if not _vault_key(ctx, paths.vault_key):
            return EXIT_FAILED
        _folder(ctx, paths.vault_dir, "store.init_vault")
        if not ensure_keyed(ctx, db, paths):  # the audit key, as the vault key (issue 14)
            return EXIT_FAILED

        made, admin_iin = _first_admin(ns, ctx, config, db)
        if created:
            # The database's first record: who made it (the first admin, when made now).
            with transaction(db):
                audit.append(
                    db,
                    actor_iin=admin_iin or "init",
                    action="admin.init",
                    object="database",
                    detail={"schema_from": 0, "schema_to": after},
                    at=ctx.clock().utc(),
                )
        if not made:
            return EXIT_FAILED
        _import_districts(ctx, config, db)
        ctx.say("store.init_done", path=str(paths.root))
    finally:
        db.conn.close()
    return EXIT_OK


def _import_districts(ctx: Context, config: Config, db: Database) -> None:
    """The config's ``[[districts]]`` into the database once; afterwards said if they differ."""
    from regdesk.store.districts import Districts

    districts = Districts(db)
    done = districts.import_config(config.districts, ctx.clock().utc(), source=config.source)
    if done.imported:
        ctx.say("districts.init_imported", count=done.imported)
    elif done.differs and done.imported_at is not None:
        day = ctx.clock().local(done.imported_at).strftime("%d.%m.%Y")
        ctx.say("districts.init_differs", day=day)
    else:
        ctx.say("districts.init_kept", count=len(districts.numbers()))


def _vault_key(ctx: Context, path: Path) -> bool:
    """Make the vault key, or check the one there; False (said) when it is not a vault key."""
    from regdesk.store.vault import KEY_BYTES, Vault

    if Vault.create_key(path):
        ctx.say("store.init_key_created", path=str(path))
        return True
    size = path.stat().st_size
    if size != KEY_BYTES:
        ctx.warn("store.vault_key_unusable", path=str(path), detail=f"{size}")
        return False
    keep_key_access(ctx, path)
    return True


def keep_key_access(ctx: Context, path: Path) -> None:
    """For every key file init keeps (``store/keyfile.py`` decides): every other user's access
    taken away and said; the clinic's group access kept and said; else that it was kept."""
    from regdesk.store.keyfile import secure_key_file

    access = secure_key_file(path)
    if access.changed:
        ctx.warn(
            "deploy.key_others_removed",
            path=str(path),
            before=f"{access.before:03o}",
            after=f"{access.after:03o}",
        )
    elif access.group_shared:
        ctx.say(
            "deploy.key_group_kept", path=str(path), mode=f"{access.after:03o}", group=access.group
        )
    else:
        ctx.say("deploy.key_kept", path=str(path), mode=f"{access.after:03o}")


def _first_admin(
    ns: argparse.Namespace, ctx: Context, config: Config, db: Database
) -> tuple[bool, str | None]:
    """Make the first admin when asked and no account exists yet; say what is missing.

    Whether init may go on, and the IIN of the admin made now (None when none was)."""
    from regdesk.commands.signed_in import Refused, read_new_password
    from regdesk.core.errors import UserError
    from regdesk.store.staff import Staff, canonical_iin

    accounts = int(db.conn.execute("SELECT count(*) FROM staff").fetchone()[0])
    wanted = ns.admin_iin is not None or ns.admin_name is not None
    if accounts and wanted:
        ctx.warn("admin.init_has_staff")
        return False, None
    if accounts:
        return True, None
    if not wanted:
        ctx.say("store.init_no_admin")
        return True, None
    if not ns.admin_iin or not ns.admin_name:
        ctx.warn("admin.init_admin_both")
        return False, None
    from regdesk.store.password_policy import clinic_words

    # The first admin's password is checked against the clinic's names too, as at the desk.
    words = clinic_words(config.clinic)
    staff = Staff(db, config.security, timezone=config.work_hours.timezone, clinic_words=words)
    try:
        iin = canonical_iin(ns.admin_iin)
        password = read_new_password(ns, ctx)
        # The first admin is the actor of their own account, and of the database's first record.
        account = staff.add(iin, ns.admin_name, "admin", password, ctx.clock().utc(), actor=iin)
    except Refused:
        return False, None
    except UserError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        return False, None
    ctx.say("admin.init_admin_added", name=account.full_name, iin=account.iin)
    return True, account.iin


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
