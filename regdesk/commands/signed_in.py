"""Commands that change staff (and later districts and settings) sign in first (issue 15).

Write access to the database file is not authority: the employee doing it gives their IIN
(``--as IIN``, or asked on the terminal) and their password (asked without echo, or the first line
of standard input with ``--password-stdin``), checked by the same ``Session.sign_in`` as the
desk's, throttle and audit included. The use cases then act, and are refused, as that employee:
the audit names them, never the operating-system user.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regdesk.cli import Context
    from regdesk.desk.context import DeskContext

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NO_DATABASE = 74  # sysexits EX_IOERR


class Refused(Exception):
    """The command stops with ``code`` after its reason was said."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def add_options(parser: argparse.ArgumentParser, ctx: Context) -> None:
    """``--as IIN`` and ``--password-stdin`` on a command that signs in."""
    parser.add_argument("--as", dest="as_iin", metavar="IIN", help=ctx.t("admin.cli.opt_as"))
    parser.add_argument(
        "--password-stdin", action="store_true", help=ctx.t("admin.cli.opt_password_stdin")
    )


def read_secret(ns: argparse.Namespace, ctx: Context, prompt_key: str) -> str:
    """One password: the next line of standard input with ``--password-stdin``, else asked on
    the terminal without echo. ``Refused`` when standard input has no more lines."""
    if ns.password_stdin:
        line = ctx.stdin.readline()
        if not line:
            ctx.warn("staff.cli.no_password")
            raise Refused(EXIT_REFUSED)
        return line.rstrip("\r\n")
    import getpass

    return getpass.getpass(ctx.t(prompt_key))


def read_new_password(ns: argparse.Namespace, ctx: Context) -> str:
    """A new password: asked twice on a terminal, once (the next line) from standard input."""
    first = read_secret(ns, ctx, "staff.cli.prompt_password")
    if ns.password_stdin:
        return first
    second = read_secret(ns, ctx, "staff.cli.prompt_again")
    if first != second:
        ctx.warn("staff.cli.mismatch")
        raise Refused(EXIT_REFUSED)
    return first


def _who(ns: argparse.Namespace, ctx: Context) -> str:
    if ns.as_iin:
        return str(ns.as_iin)
    if ns.password_stdin or not ctx.stdin.isatty():
        # Standard input carries the password: the IIN must come from the command line.
        ctx.warn("admin.cli.as_required")
        raise Refused(EXIT_USAGE)
    print(ctx.t("admin.cli.prompt_iin"), end="", file=ctx.out, flush=True)
    return ctx.stdin.readline().strip()


def credentials(ns: argparse.Namespace, ctx: Context) -> tuple[str, str]:
    """The IIN (``--as``, or asked) and the password of the employee about to sign in.

    A command that works long before it can sign in (``regdesk upgrade``) asks them first.
    """
    iin = _who(ns, ctx)
    return iin, read_secret(ns, ctx, "admin.cli.prompt_own_password")


def sign_in(
    ns: argparse.Namespace, ctx: Context, desk: DeskContext, iin: str, password: str
) -> None:
    """Sign ``iin`` in at ``desk`` with the desk's own ``Session.sign_in`` (throttle and audit
    as at the desk); ``Refused`` after saying why."""
    from regdesk.core.errors import UserError
    from regdesk.desk.session import Session

    try:
        employee = Session(desk).sign_in(iin, password, via="cli")
    except UserError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        raise Refused(EXIT_REFUSED) from None
    ns.signed_in_password = password
    # On standard error: standard output stays the command's own (a list, a password).
    ctx.warn("admin.cli.signed_in", name=employee.full_name, iin=employee.iin)


@contextmanager
def signed_in(ns: argparse.Namespace, ctx: Context) -> Iterator[DeskContext]:
    """The desk's context over the clinic's database with the employee signed in.

    ``Refused`` (after saying why) when the database is missing or the sign-in fails; the failed
    sign-in is audited and counts towards the throttle as at the desk.
    """
    from regdesk.commands.common import open_existing_db
    from regdesk.desk.context import DeskContext
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    db = open_existing_db(ctx, DataPaths.for_config(config).database)
    if db is None:
        raise Refused(EXIT_NO_DATABASE)
    desk = DeskContext(config, clock=ctx.clock(), db=db)
    try:
        # A damaged database is said (by ``main``) before anybody types a password for nothing.
        db.execute("SELECT count(*) FROM staff").fetchone()
        iin, password = credentials(ns, ctx)
        sign_in(ns, ctx, desk, iin, password)
        yield desk
    finally:
        desk.close()


def act_signed_in(ns: argparse.Namespace, ctx: Context, body: Callable[[DeskContext], int]) -> int:
    """``body(desk)`` with the employee signed in; its ``UserError`` said in the user's language
    (exit 1), a failed sign-in's code returned."""
    from regdesk.core.errors import UserError

    try:
        with signed_in(ns, ctx) as desk:
            try:
                return body(desk)
            except UserError as exc:
                print(exc.message(ctx.lang), file=ctx.err)
                return EXIT_REFUSED
    except Refused as stop:
        return stop.code


__all__ = [
    "Refused",
    "act_signed_in",
    "add_options",
    "credentials",
    "read_new_password",
    "read_secret",
    "sign_in",
    "signed_in",
]
