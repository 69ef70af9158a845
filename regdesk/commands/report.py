"""``regdesk report NAME --from DATE --to DATE``: a report of the journal, printed or in a file.

NAME is one of the desk's reports (``regdesk.desk.reports.REPORTS``); the period is inclusive,
in clinic dates (``2026-03-01`` or ``01.03.2026``); ``--by`` groups it by day, week or month
(by default: days up to a month, weeks up to a quarter, months beyond); ``--employee`` and
``--district`` narrow it. ``--format`` is ``table`` (the default, for the terminal), ``csv``,
``json``, ``xlsx`` or ``pdf`` (the last two need ``--out``). A CSV of several tables written with
``--out FILE.csv`` becomes one file per table, ``FILE-<table>.csv``.

Who may run it: the employee who signs in (``--as IIN`` and the password, or
``--password-stdin``; ``commands/signed_in.py``), with what their role may see, as at the desk: a
head or an admin the whole clinic, a receptionist their own figures (``desk.reports``).

Exit codes: 0 done, 1 the sign-in or the desk refused, or the file cannot be written, 2 wrong
usage (an unknown report, a date that is not one, a period that ends before it starts, a bad IIN
or district), 74 the database cannot be opened, 78 configuration error.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.desk.reports import Grouping, Period, Report, Scope

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NO_DATABASE = 74

GROUPINGS = ("day", "week", "month")


def register(sub: Any, ctx: Context) -> None:
    from regdesk.reporting import FORMATS

    t = ctx.t
    p = sub.add_parser(
        "report",
        help=t("report.cli.help"),
        description=t("report.cli.help"),
        epilog=t("report.cli.epilog"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help=t("report.cli.arg_name"))
    p.add_argument(
        "--from", dest="first", metavar="DATE", required=True, help=t("report.cli.opt_from")
    )
    p.add_argument("--to", dest="last", metavar="DATE", required=True, help=t("report.cli.opt_to"))
    p.add_argument("--by", choices=GROUPINGS, help=t("report.cli.opt_by"))
    p.add_argument("--employee", metavar="IIN", help=t("report.cli.opt_employee"))
    p.add_argument("--district", metavar="N", help=t("report.cli.opt_district"))
    p.add_argument("--format", choices=FORMATS, default="table", help=t("report.cli.opt_format"))
    p.add_argument("--out", metavar="FILE", help=t("report.cli.opt_out"))
    from regdesk.commands.signed_in import add_options

    add_options(p, ctx)
    p.set_defaults(handler=run)


class _Usage(Exception):
    """Wrong usage, said with a catalogue key; exit 2."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def parse_date(text: str) -> date:
    """A clinic date as ISO (``2026-03-01``) or as people write it here (``01.03.2026``)."""
    from regdesk.reporting.periods import parse_day

    day = parse_day(text)
    if day is None:
        raise _Usage("report.cli.bad_date", value=text)
    return day


def _period(ns: argparse.Namespace) -> Period:
    from regdesk.desk.reports import Period
    from regdesk.reporting.periods import default_grouping

    first, last = parse_date(ns.first), parse_date(ns.last)
    if last < first:
        raise _Usage("report.cli.bad_period", first=first.isoformat(), last=last.isoformat())
    by: Grouping = ns.by or default_grouping(first, last)
    return Period(first, last, by)


def _scope(ns: argparse.Namespace, ctx: Context) -> Scope:
    from regdesk.core.ids import IinError, parse_iin
    from regdesk.desk.reports import Scope

    iin = None
    if ns.employee is not None:
        try:
            iin = parse_iin(ns.employee).value
        except IinError as exc:
            raise _Usage("report.cli.bad_iin", detail=exc.message(ctx.lang)) from None
    district = None
    if ns.district is not None:
        text = ns.district.strip()
        if not text.isdigit() or int(text) < 1:
            raise _Usage("report.cli.bad_district", value=ns.district)
        district = int(text)
    return Scope(employee_iin=iin, district=district)


def _check(ns: argparse.Namespace, ctx: Context) -> tuple[Period, Scope]:
    from regdesk.desk.reports import REPORTS
    from regdesk.reporting import BINARY

    if ns.name not in REPORTS:
        raise _Usage("report.cli.bad_name", name=ns.name, names=", ".join(REPORTS))
    period, scope = _period(ns), _scope(ns, ctx)
    if ns.format in BINARY and not ns.out:
        raise _Usage("report.cli.needs_out", format=ns.format)
    return period, scope


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.signed_in import act_signed_in
    from regdesk.desk.reports import run_report

    try:
        period, scope = _check(ns, ctx)
    except _Usage as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_USAGE
    return act_signed_in(
        ns, ctx, lambda desk: _write(ns, ctx, run_report(desk, ns.name, period, scope))
    )


def _write(ns: argparse.Namespace, ctx: Context, report: Report) -> int:
    from regdesk.reporting import render

    clinic = ctx.config().clinic
    if not ns.out:
        print(render(report, ns.format, clinic, ctx.lang).decode(), end="", file=ctx.out)
        return EXIT_OK
    out = Path(ns.out)
    if ns.format == "csv" and len(report.tables) > 1:
        from regdesk.reporting.csv_file import csv_tables

        files = [
            (out.with_name(f"{out.stem}-{name}{out.suffix or '.csv'}"), text.encode())
            for name, text in csv_tables(report, ctx.lang)
        ]
    else:
        files = [(out, render(report, ns.format, clinic, ctx.lang))]
    for path, data in files:
        try:
            _save(path, data)
        except OSError as exc:
            ctx.warn("report.cli.cannot_write", path=str(path), detail=exc.strerror or str(exc))
            return EXIT_REFUSED
        ctx.say("report.cli.written", path=str(path))
    return EXIT_OK


def _save(path: Path, data: bytes) -> None:
    """Write through a neighbour file and rename, so a reader never sees half a report."""
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
