"""``regdesk district list|show|add|set-name|set-target|set-streets|set-doctor|set-nurse``: the
districts from the command line, for scripts; the desk's Districts screen does the same.

Each run signs in first (``commands/signed_in.py``: ``--as IIN`` and the password without echo,
or ``--password-stdin``) and calls the same use cases as the desk (``desk/districts.py``), which
refuse anybody but a head or an admin and audit each change with the district before and after.
Streets are one range an argument, ``kk | ru | houses`` or as the config writes them; a date is
``DD.MM.YYYY`` (or ``YYYY-MM-DD``), clinic date, today when left out.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context
from regdesk.core.errors import UserError

if TYPE_CHECKING:
    from regdesk.desk.context import DeskContext
    from regdesk.desk.districts import DistrictRow

EXIT_OK = 0
EXIT_REFUSED = 1


def register(sub: Any, ctx: Context) -> None:
    from regdesk.commands.signed_in import add_options

    t = ctx.t
    p = sub.add_parser(
        "district", help=t("districts.cli.help"), description=t("districts.cli.description")
    )
    p.set_defaults(handler=run)
    actions = p.add_subparsers(dest="district_command", metavar="ACTION", required=True)

    def action(name: str, key: str, *, number: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=t(key), description=t(key))
        if number:
            parser.add_argument("number", type=int, metavar="N", help=t("districts.cli.opt_number"))
        add_options(parser, ctx)
        return parser

    action("list", "districts.cli.list_help", number=False)
    action("show", "districts.cli.show_help")
    add = action("add", "districts.cli.add_help")
    add.add_argument("--name", default="", metavar="NAME", help=t("districts.cli.opt_name"))
    add.add_argument("--target", default="", metavar="N", help=t("districts.cli.opt_target"))
    add.add_argument(
        "--street", action="append", default=[], metavar="RANGE", help=t("districts.cli.opt_street")
    )
    action("set-name", "districts.cli.set_name_help").add_argument(
        "name", metavar="NAME", help=t("districts.cli.opt_name")
    )
    action("set-target", "districts.cli.set_target_help").add_argument(
        "target", metavar="TARGET", help=t("districts.cli.opt_target")
    )
    action("set-streets", "districts.cli.set_streets_help").add_argument(
        "streets", nargs="+", metavar="RANGE", help=t("districts.cli.opt_street")
    )
    for post in ("doctor", "nurse"):
        people = action(f"set-{post}", f"districts.cli.set_{post}_help")
        people.add_argument("full_name", metavar="NAME", help=t("districts.cli.opt_person"))
        people.add_argument(
            "--from", dest="from_day", metavar="DATE", help=t("districts.cli.opt_from")
        )


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.signed_in import Refused, signed_in

    try:
        with signed_in(ns, ctx) as desk:
            try:
                return _dispatch(ns, ctx, desk)
            except UserError as exc:
                print(exc.message(ctx.lang), file=ctx.err)
                return EXIT_REFUSED
    except Refused as stop:
        return stop.code


def _dispatch(ns: argparse.Namespace, ctx: Context, desk: DeskContext) -> int:
    from regdesk.desk.districts import DistrictAdmin, parse_day, parse_target
    from regdesk.store.districts import AddressRange

    districts = DistrictAdmin(desk)
    command: str = ns.district_command
    if command == "list":
        _list(ctx, districts.overview())
        return EXIT_OK
    if command == "show":
        _show(ctx, districts, ns.number)
        return EXIT_OK
    number: int = ns.number
    if command == "add":
        ranges = [AddressRange.parse(s) for s in ns.street]
        districts.add(number, ns.name, parse_target(ns.target), ranges)
        ctx.say("districts.done.added", number=number)
        return EXIT_OK
    if command in ("set-doctor", "set-nurse"):
        day = parse_day(ns.from_day) if ns.from_day else desk.today()
        post = command.removeprefix("set-")
        call = districts.set_doctor if post == "doctor" else districts.set_nurse
        changed = call(number, ns.full_name, day)
        name = " ".join(ns.full_name.split()) or "—"
        key = f"districts.done.{post}_set" if changed else "districts.done.unchanged"
        ctx.say(key, number=number, name=name, day=day.strftime("%d.%m.%Y"))
        return EXIT_OK
    if command == "set-name":
        changed = districts.edit(number, name=ns.name)
    elif command == "set-target":
        changed = districts.edit(number, target=parse_target(ns.target))
    else:
        changed = districts.edit(number, ranges=[AddressRange.parse(s) for s in ns.streets])
    ctx.say("districts.done.changed" if changed else "districts.done.unchanged", number=number)
    return EXIT_OK


def _table(ctx: Context, rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for cells in rows:
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        print(f"{line}  {cells[-1]}".rstrip(), file=ctx.out)


def attached_text(row: DistrictRow) -> str:
    """``1523/1700``, or the count alone when no target is set."""
    target = row.district.target
    return f"{row.attached}/{target}" if target is not None else str(row.attached)


def _list(ctx: Context, rows: list[DistrictRow]) -> None:
    t = ctx.t
    header = [t(f"districts.col.{c}") for c in ("number", "name", "doctor", "nurse", "attached")]
    table = [header]
    for r in rows:
        d = r.district
        table.append(
            [str(d.number), d.name or "—", d.doctor or "—", d.nurse or "—", attached_text(r)]
        )
    _table(ctx, table)


def _show(ctx: Context, districts: Any, number: int) -> None:
    t = ctx.t
    detail = districts.show(number)
    d = detail.row.district
    out = ctx.out
    print(t("districts.cli.show_title", number=d.number, name=d.name or "—"), file=out)
    print(t("districts.attached_line", attached=attached_text(detail.row)), file=out)
    print(t("districts.streets"), file=out)
    for r in d.ranges:
        print(f"  {r.text()}", file=out)
    if not d.ranges:
        print("  —", file=out)
    print(t("districts.history"), file=out)
    for a in detail.history:
        since = a.valid_from.strftime("%d.%m.%Y") if a.valid_from else "…"
        until = a.last_day.strftime("%d.%m.%Y") if a.last_day else "…"
        print(
            f"  {t(f'districts.post.{a.post}')}: {a.full_name or '—'}  {since} – {until}", file=out
        )


__all__ = ["attached_text", "register", "run"]
