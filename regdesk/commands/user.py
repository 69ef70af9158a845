"""``regdesk user add|list|passwd|reset|lock|unlock|role|deactivate``: staff accounts from the
command line, for scripts; the desk's staff administration does the same on screen.
``regdesk user terminals`` and ``unlock-terminal TERMINAL``: the terminals whose sign-ins wait,
and lifting one's delay.

Each run signs in first (``commands/signed_in.py``: ``--as IIN`` and the password without echo,
or ``--password-stdin``) and then calls the same use cases as the desk (``desk/staff_admin.py``),
which refuse anybody but an admin and audit the change as made by that admin. The one exception
is ``passwd`` on one's own IIN: any employee may change their own password.

With ``--password-stdin`` standard input holds one password a line: first the signing-in
employee's own, then (``passwd``) the new one. A new account and ``reset`` print a one-time
password, which the employee must change at the next sign-in.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.desk.context import DeskContext

EXIT_OK = 0
EXIT_REFUSED = 1

ROLES = ("receptionist", "head", "admin")


def register(sub: Any, ctx: Context) -> None:
    from regdesk.commands.signed_in import add_options

    t = ctx.t
    common = {
        "epilog": t("staff.cli.epilog"),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
    p = sub.add_parser("user", help=t("staff.cli.help"), description=t("staff.cli.help"), **common)
    p.set_defaults(handler=run)
    actions = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    def action(name: str, key: str, *, iin: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, help=t(key), description=t(key), **common
        )
        if iin:
            parser.add_argument("iin", metavar="IIN", help=t("staff.cli.opt_iin"))
        add_options(parser, ctx)
        return parser

    add = action("add", "staff.cli.add_help")
    add.add_argument("--name", required=True, metavar="NAME", help=t("staff.cli.opt_name"))
    add.add_argument("--role", required=True, choices=ROLES, help=t("staff.cli.opt_role"))
    action("list", "staff.cli.list_help", iin=False)
    action("passwd", "staff.cli.passwd_help")
    action("reset", "admin.cli.reset_help")
    action("lock", "staff.cli.lock_help")
    action("unlock", "staff.cli.unlock_help")
    role = action("role", "staff.cli.role_help")
    role.add_argument("role", choices=ROLES, metavar="ROLE", help=t("staff.cli.opt_role"))
    action("deactivate", "admin.cli.deactivate_help")
    action("terminals", "ops_gaps.cli.terminals_help", iin=False)
    lift = action("unlock-terminal", "ops_gaps.cli.unlock_terminal_help", iin=False)
    lift.add_argument("terminal", metavar="TERMINAL", help=t("ops_gaps.cli.opt_terminal"))


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.signed_in import act_signed_in

    return act_signed_in(ns, ctx, lambda desk: _dispatch(ns, ctx, desk))


def _dispatch(ns: argparse.Namespace, ctx: Context, desk: DeskContext) -> int:
    from regdesk.commands.signed_in import read_new_password
    from regdesk.desk.session import Session
    from regdesk.desk.staff_admin import StaffAdmin
    from regdesk.store.staff import StaffExistsError, canonical_iin

    admin = StaffAdmin(desk)
    command: str = ns.user_command
    if command == "list":
        return _list(ctx, admin)
    if command == "terminals":
        return _terminals(ctx, admin)
    if command == "unlock-terminal":
        forgotten = admin.lift_terminal(ns.terminal)
        done = "ops_gaps.cli.terminal_unlocked" if forgotten else "ops_gaps.cli.terminal_clear"
        ctx.say(done, terminal=ns.terminal.strip(), failures=forgotten)
        return EXIT_OK
    iin = canonical_iin(ns.iin)
    employee = desk.employee
    assert employee is not None
    if command == "passwd" and iin == employee.iin:
        # One's own password: any employee, the old one already typed to sign in.
        new = read_new_password(ns, ctx)
        Session(desk).change_password(ns.signed_in_password, new, new)
        ctx.say("staff.cli.password_set", iin=iin)
        return EXIT_OK
    if command == "add":
        admin.require("staff_add")  # a refusal (audited) before anything else
        with desk.locked():
            if desk.staff.get(iin) is not None:
                raise StaffExistsError(iin=iin)
        password = admin.add(iin, ns.name, ns.role)
        role = ctx.t(f"role.{ns.role}")
        ctx.say("staff.cli.added", name=" ".join(ns.name.split()), iin=iin, role=role)
        ctx.say("admin.cli.one_time", iin=iin, password=password)
    elif command == "passwd":
        admin.require("staff_reset")  # before the new password is asked for
        admin.set_password(iin, read_new_password(ns, ctx))
        ctx.say("staff.cli.password_set", iin=iin)
        ctx.say("admin.cli.must_change", iin=iin)
    elif command == "reset":
        password = admin.reset_password(iin)
        ctx.say("admin.cli.one_time", iin=iin, password=password)
    elif command == "lock":
        admin.lock(iin)
        ctx.say("staff.cli.locked", iin=iin)
    elif command == "unlock":
        forgotten = admin.unlock(iin)
        ctx.say("signin_throttle.cli_unlocked", iin=iin, failures=forgotten)
    elif command == "role":
        admin.set_role(iin, ns.role)
        ctx.say("staff.cli.role_set", iin=iin, role=ctx.t(f"role.{ns.role}"))
    elif command == "deactivate":
        admin.deactivate(iin)
        ctx.say("admin.cli.deactivated", iin=iin)
    return EXIT_OK


def _list(ctx: Context, admin: Any) -> int:
    rows_in = admin.accounts()
    t = ctx.t
    header = [
        t("staff.cli.col_iin"),
        t("staff.cli.col_name"),
        t("staff.cli.col_role"),
        t("admin.col.last_sign_in"),
        t("staff.cli.col_state"),
    ]
    rows = [header]
    for row in rows_in:
        last = row.last_sign_in.strftime("%Y-%m-%d %H:%M") if row.last_sign_in else "—"
        rows.append([row.iin, row.full_name, t(f"role.{row.role.value}"), last, _state(ctx, row)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    for cells in rows:
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        print(f"{line}  {cells[-1]}", file=ctx.out)
    return EXIT_OK


def _terminals(ctx: Context, admin: Any) -> int:
    """The terminals whose sign-ins wait now: name, failures, the wait's end (clinic time)."""
    rows = admin.waiting_terminals()
    if not rows:
        ctx.say("ops_gaps.terminals_none")
        return EXIT_OK
    for row in rows:
        name = row.terminal if row.terminal is not None else ctx.t("ops_gaps.terminal_unnamed")
        until = row.until.strftime("%d.%m.%Y %H:%M:%S")
        ctx.say("ops_gaps.cli.terminal_row", terminal=name, failures=row.failures, until=until)
    return EXIT_OK


def _state(ctx: Context, row: Any) -> str:
    t = ctx.t
    if row.state == "locked":
        text = t("signin_throttle.state_delayed", until=row.locked_until.strftime("%H:%M:%S"))
    else:
        text = t(f"admin.state.{row.state}")
    if row.must_change_password and row.state != "deactivated":
        text += ", " + t("admin.state.must_change")
    return text
