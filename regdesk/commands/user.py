"""``regdesk user add|list|passwd|lock|unlock|role``: staff accounts from the command line.

Passwords are read without echo from the terminal (asked twice) or, with ``--password-stdin``,
from the first line of standard input, for scripts; never from the command line, where other users
of the machine could see them in the process list. Whoever may run this command against the
clinic's database file is trusted as an admin; each change is audited with the actor
``cli:<operating-system user>``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from sqlite_utils import Database

    from regdesk.store.staff import Staff

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_NO_DATABASE = 74  # sysexits EX_IOERR


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    common = {
        "epilog": t("staff.cli.epilog"),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
    p = sub.add_parser("user", help=t("staff.cli.help"), description=t("staff.cli.help"), **common)
    p.set_defaults(handler=run)
    actions = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    def action(name: str, key: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, help=t(key), description=t(key), **common
        )
        return parser

    def iin(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("iin", metavar="IIN", help=t("staff.cli.opt_iin"))

    def password_stdin(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--password-stdin", action="store_true", help=t("staff.cli.opt_password_stdin")
        )

    add = action("add", "staff.cli.add_help")
    iin(add)
    add.add_argument("--name", required=True, metavar="NAME", help=t("staff.cli.opt_name"))
    add.add_argument(
        "--role", required=True, choices=("receptionist", "admin"), help=t("staff.cli.opt_role")
    )
    password_stdin(add)

    action("list", "staff.cli.list_help")

    passwd = action("passwd", "staff.cli.passwd_help")
    iin(passwd)
    password_stdin(passwd)

    iin(action("lock", "staff.cli.lock_help"))
    iin(action("unlock", "staff.cli.unlock_help"))

    role = action("role", "staff.cli.role_help")
    iin(role)
    role.add_argument(
        "role", choices=("receptionist", "admin"), metavar="ROLE", help=t("staff.cli.opt_role")
    )


def _open(ctx: Context) -> tuple[Database, Staff]:
    from regdesk.store.db import open_db
    from regdesk.store.paths import DataPaths
    from regdesk.store.staff import Staff

    config = ctx.config()
    db = open_db(DataPaths.for_config(config).database)
    return db, Staff(db, config.security, timezone=config.work_hours.timezone)


def _read_password(ns: argparse.Namespace, ctx: Context) -> str | None:
    """The new password, or None after saying why there is none."""
    if ns.password_stdin:
        line = ctx.stdin.readline()
        if not line:
            ctx.warn("staff.cli.no_password")
            return None
        return line.rstrip("\r\n")
    import getpass

    first = getpass.getpass(ctx.t("staff.cli.prompt_password"))
    second = getpass.getpass(ctx.t("staff.cli.prompt_again"))
    if first != second:
        ctx.warn("staff.cli.mismatch")
        return None
    return first


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.core.errors import UserError
    from regdesk.store.db import DatabaseError

    try:
        db, staff = _open(ctx)
    except DatabaseError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        return EXIT_NO_DATABASE
    try:
        return _dispatch(ns, ctx, staff)
    except UserError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        return EXIT_REFUSED
    finally:
        db.conn.close()


def _dispatch(ns: argparse.Namespace, ctx: Context, staff: Staff) -> int:
    from regdesk.commands.common import cli_actor
    from regdesk.store import staff as accounts

    now_utc = ctx.clock().utc
    command: str = ns.user_command
    if command == "list":
        return _list(ctx, staff)
    actor = cli_actor()
    if command == "add":
        # Refuse a bad IIN or a taken one before asking for a password twice.
        canonical = accounts.canonical_iin(ns.iin)
        if staff.get(canonical) is not None:
            raise accounts.StaffExistsError(iin=canonical)
        password = _read_password(ns, ctx)
        if password is None:
            return EXIT_REFUSED
        account = staff.add(canonical, ns.name, ns.role, password, now_utc(), actor=actor)
        role = ctx.t(f"staff.role.{account.role.value}")
        ctx.say("staff.cli.added", name=account.full_name, iin=account.iin, role=role)
        return EXIT_OK
    iin = accounts.canonical_iin(ns.iin)
    if staff.get(iin) is None:
        raise accounts.StaffNotFoundError(iin=iin)
    if command == "passwd":
        password = _read_password(ns, ctx)
        if password is None:
            return EXIT_REFUSED
        staff.set_password(iin, password, now_utc(), actor=actor)
        ctx.say("staff.cli.password_set", iin=iin)
    elif command == "lock":
        staff.disable(iin, now_utc(), actor=actor)
        ctx.say("staff.cli.locked", iin=iin)
    elif command == "unlock":
        staff.enable(iin, now_utc(), actor=actor)
        ctx.say("staff.cli.unlocked", iin=iin)
    elif command == "role":
        staff.set_role(iin, ns.role, now_utc(), actor=actor)
        ctx.say("staff.cli.role_set", iin=iin, role=ctx.t(f"staff.role.{ns.role}"))
    return EXIT_OK


def _list(ctx: Context, staff: Staff) -> int:
    accounts = staff.list()
    if not accounts:
        ctx.say("staff.cli.empty")
        return EXIT_OK
    clock = ctx.clock()
    now = clock.utc()
    t = ctx.t
    rows = [
        [t("staff.cli.col_iin"), t("staff.cli.col_name"), t("staff.cli.col_role")],
    ]
    states = [t("staff.cli.col_state")]
    for account in accounts:
        rows.append([account.iin, account.full_name, t(f"staff.role.{account.role.value}")])
        until = account.locked_at(now)
        if account.disabled:
            states.append(t("staff.state.disabled"))
        elif until is not None:
            states.append(t("staff.state.locked", until=clock.local(until).strftime("%H:%M")))
        else:
            states.append(t("staff.state.active"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for cells, state in zip(rows, states, strict=True):
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        print(f"{line}  {state}", file=ctx.out)
    return EXIT_OK
