"""A report built by hand, with figures whose every rendering the tests know in advance.

Its keys are the desk's own catalogue keys (``report_data.*``), so the headers and titles the
tests expect are the texts a clinic reads.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from regdesk.config import Clinic
from regdesk.desk.reports import Chart, Column, Period, Report, Scope, Table

ALMATY = timezone(timedelta(hours=5))

CLINIC = Clinic(
    name_kk="Әуезов ауданының №5 қалалық емханасы",
    name_ru="Городская поликлиника № 5 Ауэзовского района",
    bin="040340004129",
)

NORMS = Table(
    "report_data.table.norms",
    (
        Column("report_data.col.step", "key"),
        Column("report_data.col.count", "int"),
        Column("report_data.col.median", "duration"),
        Column("report_data.col.within_norm", "percent"),
        Column("report_data.col.number", "text"),
    ),
    (
        ("core.step.sign_in", 1234, timedelta(seconds=12), 0.935, "DEMO-2026-000003"),
        ("core.step.register", 3, timedelta(hours=3, minutes=2, seconds=5), 1.0, None),
    ),
)

LATE = Table(
    "report_data.table.portal_late",
    (
        Column("report_data.col.number", "text"),
        Column("report_data.col.period", "date"),
        Column("report_data.col.decided_at", "datetime"),
        Column("report_data.col.late_wall", "duration"),
        Column("report_data.col.in_time_share", "percent"),
    ),
    (
        (
            "DEMO-2026-000007",
            date(2026, 3, 9),
            datetime(2026, 3, 9, 17, 45, tzinfo=ALMATY),
            timedelta(days=1, hours=2, minutes=3, seconds=4),
            0.5,
        ),
    ),
)

HOURS = Chart(
    "report_data.chart.by_hour",
    "histogram",
    tuple(f"{h:02d}" for h in range(8, 20)),
    (4.0, 16.0, 8.0, 0.0, 2.0, 6.0, 10.0, 12.0, 14.0, 1.0, 3.0, 5.0),
)

STEPS = Chart(
    "report_data.chart.durations.sign_in",
    "bars",
    ("core.step.sign_in", "core.step.register"),
    (12.0, 96.0),
    label_keys=True,
)

NORM_KEYS = (
    ("core.step.sign_in", "report_data.norm.sign_in"),
    ("core.step.register", "report_data.norm.register"),
)


def make_report(*tables: Table, charts: tuple[Chart, ...] = (HOURS, STEPS)) -> Report:
    return Report(
        name="norms",
        period=Period(date(2026, 3, 1), date(2026, 3, 31), "week"),
        scope=Scope(district=2),
        generated_at=datetime(2026, 4, 1, 9, 30, tzinfo=ALMATY),
        tables=tables or (NORMS, LATE),
        charts=charts,
        norms=NORM_KEYS,
    )
