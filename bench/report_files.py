"""The report files of a year (issue 13: xlsx and PDF of a year's report within 5 s each).

Two sources of reports, each for a year grouped by day (the largest a year's report gets: the
tables by period then have a row per day, and per step or question):

- always, reports built here by hand in the shapes ``run_report`` gives (its tables, columns
  and charts), so the figure does not depend on a journal;
- when ``REGDESK_BENCH_REPORT_DB`` names a journal (the one ``bench/reports.py`` builds and
  keeps there), every report of 2025 as ``run_report`` makes it from that journal.

Only the rendering is timed (``run_report``'s own time is ``bench/reports.py``'s). Each file is
made ``REGDESK_BENCH_REPEAT`` times (default 3) after one warm-up; the median wall time and the
file's size are printed with the share of the budget. CSV, JSON and the table are timed too.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from regdesk.config import Clinic
from regdesk.desk.reports import Chart, Column, Period, Report, Scope, Table

REPEAT = int(os.environ.get("REGDESK_BENCH_REPEAT", "3"))
BUDGET_S = 5.0

ALMATY = timezone(timedelta(hours=5))
FIRST, LAST = date(2026, 1, 1), date(2026, 12, 31)
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
STEPS = ("sign_in", "choose_service", "registry_request", "no_data_refusal", "form_and_eds")
STEPS += ("register", "refusal", "issue", "portal_register", "portal_refusal", "portal_issue")
CLINIC = Clinic(name_kk="№5 қалалық емхана", name_ru="Городская поликлиника № 5")


def _col(name: str, kind: str) -> Column:
    return Column(f"report_data.col.{name}", kind)  # type: ignore[arg-type]


def _norm_row(i: int) -> tuple[object, ...]:
    n = 40 + i % 17
    return (n, i % 3, timedelta(seconds=9 + i % 7), timedelta(seconds=14 + i % 9), 0.9, n // 10)


def norms_report() -> Report:
    figures = [_col(c, k) for c, k in (("count", "int"), ("unfinished", "int"))]
    figures += [_col("median", "duration"), _col("p90", "duration")]
    figures += [_col("within_norm", "percent"), _col("over_norm", "int")]
    summary = Table(
        "report_data.table.norms",
        (_col("step", "key"), *figures),
        tuple((f"core.step.{s}", *_norm_row(i)) for i, s in enumerate(STEPS)),
    )
    by_day = Table(
        "report_data.table.norms_by_period",
        (_col("period", "date"), _col("step", "key"), *figures),
        tuple((d, f"core.step.{s}", *_norm_row(i)) for d in DAYS for i, s in enumerate(STEPS)),
    )
    slowest = Table(
        "report_data.table.slowest",
        (
            _col("step", "key"),
            _col("number", "text"),
            _col("employee", "text"),
            _col("started", "datetime"),
            _col("duration", "duration"),
        ),
        tuple(
            (
                f"core.step.{s}",
                f"CLINIC-2026-{i * 5 + k:06d}",
                "910412400016",
                datetime(2026, 3, 2, 10, k, tzinfo=ALMATY),
                timedelta(seconds=300 - k),
            )
            for i, s in enumerate(STEPS)
            for k in range(5)
        ),
    )
    charts = tuple(
        Chart(
            f"report_data.chart.durations.{s}",
            "histogram",
            (*(f"{3 * k}–{3 * k + 3}" for k in range(10)), "≥30"),
            tuple(float(100 - k * 7) for k in range(11)),
            unit="report_data.unit.seconds",
        )
        for s in STEPS[:6]
    )
    norms = tuple((f"core.step.{s}", f"report_data.norm.{s}") for s in STEPS)
    return _report("norms", (summary, by_day, slowest), charts, norms)


def survey_report() -> Report:
    columns = (
        _col("question", "key"),
        _col("services", "int"),
        *(_col(f"answer_{a}", "int") for a in (1, 2, 3)),
        *(_col(f"share_{a}", "percent") for a in (1, 2, 3)),
        _col("no_answer", "int"),
    )
    row = (120, 5, 15, 90, 0.05, 0.15, 0.8, 10)
    by_day = Table(
        "report_data.table.survey_by_period",
        (_col("period", "date"), *columns),
        tuple((d, f"report_data.survey.{q}", *row) for d in DAYS for q in ("q1", "q2")),
    )
    summary = Table(
        "report_data.table.survey",
        columns,
        tuple((f"report_data.survey.{q}", *row) for q in ("q1", "q2")),
    )
    charts = tuple(
        Chart(
            f"report_data.chart.survey.{q}",
            "bars",
            tuple(f"report_data.answer.{a}" for a in (1, 2, 3)),
            (5.0, 15.0, 90.0),
            label_keys=True,
        )
        for q in ("q1", "q2")
    )
    return _report("survey", (summary, by_day), charts)


def workload_report() -> Report:
    hours = Table(
        "report_data.table.by_hour",
        (_col("hour", "int"), _col("count", "int")),
        tuple((h, 1000 + h) for h in range(24)),
    )
    employees = Table(
        "report_data.table.by_employee",
        (
            _col("employee", "text"),
            _col("name", "text"),
            _col("channel", "key"),
            _col("count", "int"),
        ),
        tuple((f"9104124000{k:02d}", f"Қызметкер {k}", "channel.desk", 900 - k) for k in range(60)),
    )
    chart = Chart(
        "report_data.chart.by_hour",
        "bars",
        tuple(f"{h:02d}" for h in range(24)),
        tuple(float(1000 + h) for h in range(24)),
    )
    return _report("workload", (hours, employees), (chart,))


def _report(
    name: str,
    tables: tuple[Table, ...],
    charts: tuple[Chart, ...],
    norms: tuple[tuple[str, str], ...] = (),
) -> Report:
    return Report(
        name,
        Period(FIRST, LAST, "day"),
        Scope(),
        datetime(2027, 1, 2, 9, 0, tzinfo=ALMATY),
        tables,
        charts,
        norms,
    )


def _median_s(fn: Callable[[], bytes]) -> tuple[float, int]:
    size = len(fn())
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), size


def from_journal() -> list[Report]:
    """Every report of 2025 by day from the journal at ``REGDESK_BENCH_REPORT_DB``, if any."""
    kept = os.environ.get("REGDESK_BENCH_REPORT_DB")
    if not kept or not Path(kept).exists():
        return []
    from regdesk.config import Config, Storage
    from regdesk.core.application import Role
    from regdesk.core.clock import PinnedClock, zone
    from regdesk.desk import REPORTS, Actor, DeskContext, run_report
    from regdesk.store.db import open_db

    clock = PinnedClock(datetime(2025, 12, 31, 17, 0, tzinfo=zone("Asia/Almaty")))
    config = Config(storage=Storage(data_dir=str(Path(kept).parent)))
    ctx = DeskContext(config, clock=clock, db=open_db(Path(kept)))
    ctx.operator = Actor("cli:bench", Role.ADMIN)
    try:
        year = Period(date(2025, 1, 1), date(2025, 12, 31), "day")
        return [run_report(ctx, name, year) for name in REPORTS]
    finally:
        ctx.close()


def main() -> None:
    from regdesk.reporting import render

    built = [norms_report(), survey_report(), workload_report()]
    journal = from_journal()
    if not journal:
        print("(REGDESK_BENCH_REPORT_DB not set: the reports built by hand only)")
    for report, source in [(r, "by hand") for r in built] + [(r, "journal") for r in journal]:
        rows = sum(len(t.rows) for t in report.tables)
        print(
            f"{report.name} ({source}): a year by day, {rows} rows in {len(report.tables)} tables"
        )
        for fmt in ("xlsx", "pdf", "csv", "json", "table"):
            seconds, size = _median_s(lambda r=report, f=fmt: render(r, f, CLINIC, "ru"))
            budget = f", {seconds / BUDGET_S:.2f} of the {BUDGET_S:.0f} s budget"
            verdict = "" if fmt not in ("xlsx", "pdf") else budget
            print(f"  {fmt:<5} median {seconds:6.2f} s, {size / 1024:8.0f} KiB{verdict}")
