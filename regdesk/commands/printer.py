"""``regdesk printer list|test|default``: this workstation's printers from the command line.

The same use cases as the desk's printers screen (``desk/printer_setup.py``): the list with the
default marked, a test page (the sample talon marked TEST) on one printer, and (an admin) the
printer this workstation's print key uses. Each run signs in first (``--as IIN``, the password
without echo or ``--password-stdin``), so the audit names the employee. The workstation is the
one this command runs as: ``REGDESK_WORKSTATION`` or the host's name, as for the desk.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.desk.context import DeskContext

EXIT_OK = 0
EXIT_FAILED = 1


def register(sub: Any, ctx: Context) -> None:
    from regdesk.commands.signed_in import add_options

    t = ctx.t
    p = sub.add_parser(
        "printer", help=t("printer_setup.cli.help"), description=t("printer_setup.cli.help")
    )
    p.set_defaults(handler=run)
    actions = p.add_subparsers(dest="printer_command", metavar="ACTION", required=True)
    for name in ("list", "test", "default"):
        parser = actions.add_parser(
            name,
            help=t(f"printer_setup.cli.{name}_help"),
            description=t(f"printer_setup.cli.{name}_help"),
        )
        if name != "list":
            parser.add_argument("name", metavar="PRINTER", help=t("printer_setup.cli.opt_name"))
        add_options(parser, ctx)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.signed_in import act_signed_in

    return act_signed_in(ns, ctx, lambda desk: _dispatch(ns, ctx, desk))


def _dispatch(ns: argparse.Namespace, ctx: Context, desk: DeskContext) -> int:
    from regdesk.desk.printer_setup import PrinterSetup

    setup = PrinterSetup(desk)
    command: str = ns.printer_command
    if command == "default":
        setup.choose_default(ns.name)
        ctx.say("printer_setup.default_done", name=ns.name)
        return EXIT_OK
    if command == "test":
        issued = setup.test_page(ns.name)
        if issued.failed:
            ctx.warn("printer_setup.failed", name=ns.name, detail=issued.message(ctx.lang))
            return EXIT_FAILED
        where = str(issued.path) if issued.path else issued.detail
        ctx.say("printer_setup.printed", name=ns.name, where=where)
        return EXIT_OK
    t = ctx.t
    print(t("printer_setup.workstation", name=setup.workstation), file=ctx.out)
    rows = [[t(f"printer_setup.col_{c}") for c in ("name", "kind", "format", "where")]]
    for r in setup.printers():
        name = r.name + (" *" if r.is_default else "")
        rows.append([name, t(f"printer_setup.kind_{r.kind}"), r.format, r.where or "—"])
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for cells in rows:
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        print(f"{line}  {cells[-1]}", file=ctx.out)
    return EXIT_OK
