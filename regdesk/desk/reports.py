"""The reports of issue 13 as data: tables and charts that the screen and every file format show.

``run_report(ctx, name, period, scope)`` is the one entry point; the renderers (the Reports
screen, ``regdesk report``) read a ``Report`` and nothing else. What each figure means is
defined once in ``core.report_rules`` (and the README's "Reports" section, and F1).

For the renderers:

- ``Table.key``, ``Column.key`` and ``Chart.key`` are catalogue keys (``report_data.*``): the
  title of the table or chart and the column's header, in kk/ru/en.
- Cells by ``Column.kind``: ``text`` a str shown as it is (an IIN, an application number);
  ``key`` a str that is a catalogue key, shown translated (a step, a basis, a reason, a channel);
  ``int``; ``percent`` a float 0..1 (None when there is nothing to divide: show "–");
  ``duration`` a ``timedelta`` (None likewise); ``date`` a clinic ``date`` (the first day of the
  day/week/month of a ``period`` column); ``datetime`` an aware ``datetime`` in clinic time.
- A chart's ``labels`` are shown as they are (dates, hours, numbers of seconds) unless
  ``Chart.label_keys`` is True: then they are catalogue keys (weekday names, survey answers).
  A ``histogram`` chart's ``unit`` key names what its labels count (seconds).
- ``HELP_KEYS``: the catalogue keys of the definitions in words, for F1.
- ``Report.norms``: (the action's catalogue key ``core.step.<id>``, the catalogue key of its time
  norm as Annex 1, column 5 words it, ``report_data.norm.<id>``), for the PDF to quote.

Scope by role: a receptionist gets their own figures only (``run_report`` puts their IIN in the
scope and refuses another employee's); an admin or a head sees everyone's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Final, Literal

from regdesk.core.application import State
from regdesk.core.calendar import WorkCalendar
from regdesk.core.norms import NORMS, Norm
from regdesk.core.report_rules import (
    ANSWERS,
    EVENT_TIMED,
    QUESTIONS,
    REPORTED_STEPS,
    Grouping,
    bucket_of,
    lateness,
    percentile,
    refusal_action,
    surely_within,
    within_working_day,
)
from regdesk.core.roles import Permission, may
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError
from regdesk.store.journal.reports import ClinicSpan, Filter, Reports

__all__ = [
    "HELP_KEYS",
    "REPORTS",
    "Cell",
    "Chart",
    "Column",
    "Grouping",
    "Period",
    "Report",
    "ReportError",
    "Scope",
    "Table",
    "run_report",
]

REPORTS: Final[tuple[str, ...]] = ("norms", "portal", "outcomes", "survey", "workload")
"""The reports by name; each name's title is the catalogue key ``report_data.report.<name>``."""

HELP_KEYS: Final[tuple[str, ...]] = tuple(
    f"report_data.help.{k}"
    for k in (
        "durations",
        "missing_end",
        "within",
        "portal_late",
        "refusal_steps",
        "survey",
        "periods",
    )
)
"""The definitions (``core.report_rules``) in words, for the Reports screen's F1, in order."""

SLOWEST: Final = 5
"""How many of the slowest cases the time-norm report lists per step."""


class ReportError(DeskError):
    """A report that cannot be made as asked; the key says why."""


@dataclass(frozen=True)
class Period:
    """Clinic dates ``first``..``last``, both included, grouped by day, week or month."""

    first: date
    last: date
    by: Grouping = "day"


@dataclass(frozen=True)
class Scope:
    """Whose figures: one employee's (by IIN), one district's, or (both None) the clinic's."""

    employee_iin: str | None = None
    district: int | None = None


ColumnKind = Literal["text", "key", "int", "percent", "duration", "date", "datetime"]


@dataclass(frozen=True)
class Column:
    key: str
    kind: ColumnKind


Cell = str | int | float | timedelta | date | datetime | None


@dataclass(frozen=True)
class Table:
    key: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    kind: Literal["bars", "histogram"]
    labels: tuple[str, ...]
    values: tuple[float, ...]
    label_keys: bool = False
    """True when ``labels`` are catalogue keys to translate (weekday names, answers)."""
    unit: str = ""
    """A catalogue key naming what the labels count (``report_data.unit.seconds``), or ""."""


@dataclass(frozen=True)
class Report:
    name: str
    period: Period
    scope: Scope
    generated_at: datetime
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...] = ()
    norms: tuple[tuple[str, str], ...] = ()


def run_report(ctx: DeskContext, name: str, period: Period, scope: Scope = Scope()) -> Report:
    """The report ``name`` over ``period`` for ``scope``, as the signed-in employee may see it.

    ``ReportError``: an unknown report, a period ending before it starts, a receptionist asking
    for another employee's figures. ``NotSignedIn`` without an employee or CLI operator.
    """
    build = _BUILDERS.get(name)
    if build is None:
        raise ReportError("report_data.error.unknown_report", name=name, names=", ".join(REPORTS))
    if period.last < period.first:
        raise ReportError(
            "report_data.error.bad_period",
            first=period.first.isoformat(),
            last=period.last.isoformat(),
        )
    if period.by not in ("day", "week", "month"):
        raise ReportError("report_data.error.bad_grouping", by=str(period.by))
    scope = _allowed(ctx, scope)
    q = _Query(ctx, period, scope)
    tables, charts, norms = build(q)
    return Report(name, period, scope, ctx.now(), tables, charts, norms)


def _allowed(ctx: DeskContext, scope: Scope) -> Scope:
    actor = ctx.actor()
    if may(actor.role, Permission.REPORTS_ALL):  # a head or an admin (core.roles)
        return scope
    if scope.employee_iin not in (None, actor.iin):
        raise ReportError("report_data.error.own_figures_only")
    return replace(scope, employee_iin=actor.iin)


@dataclass
class _Query:
    """What every report builder needs: the journal's part, the span, the filter, the clock."""

    ctx: DeskContext
    period: Period
    scope: Scope
    span: ClinicSpan = field(init=False)
    who: Filter = field(init=False)
    calendar: WorkCalendar = field(init=False)

    def __post_init__(self) -> None:
        hours = self.ctx.config.work_hours
        self.span = ClinicSpan.of(self.period.first, self.period.last, self.ctx.clock.tz)
        self.who = Filter(self.scope.employee_iin, self.scope.district)
        self.calendar = WorkCalendar.from_settings(hours.start, hours.end, hours.timezone)

    @property
    def reports(self) -> Reports:
        return self.ctx.journal.reports

    def locked(self) -> AbstractContextManager[None]:
        return self.ctx.locked()

    def local(self, moment: datetime) -> datetime:
        return self.ctx.clock.local(moment)


_Built = tuple[tuple[Table, ...], tuple[Chart, ...], tuple[tuple[str, str], ...]]


def _col(name: str, kind: ColumnKind) -> Column:
    return Column(f"report_data.col.{name}", kind)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


# -- time norms --------------------------------------------------------------------------------


@dataclass
class _StepFigures:
    """One step's durations in one bucket (or the whole period)."""

    histogram: dict[float, int] = field(default_factory=dict)
    unfinished: int = 0
    within: int = 0

    @property
    def count(self) -> int:
        return sum(self.histogram.values())

    def add(self, other: _StepFigures) -> None:
        for value, n in other.histogram.items():
            self.histogram[value] = self.histogram.get(value, 0) + n
        self.unfinished += other.unfinished
        self.within += other.within

    def row(self) -> tuple[Cell, ...]:
        n = self.count
        return (
            n,
            self.unfinished,
            _seconds(percentile(self.histogram, 0.5)),
            _seconds(percentile(self.histogram, 0.9)),
            _share(self.within, n),
            n - self.within,
        )


_NORM_COLUMNS: Final = (
    _col("count", "int"),
    _col("unfinished", "int"),
    _col("median", "duration"),
    _col("p90", "duration"),
    _col("within_norm", "percent"),
    _col("over_norm", "int"),
)


def _norms(q: _Query) -> _Built:
    by = q.period.by
    cells: dict[tuple[str, date], _StepFigures] = defaultdict(_StepFigures)
    working_day = [s for s in EVENT_TIMED if NORMS[s].working_day]
    day_length = q.calendar.day_length.total_seconds()
    with q.locked():
        durations = q.reports.step_durations(q.span, by, EVENT_TIMED, q.who)
        # The working-day steps longer than a day's work hours need their start to be judged;
        # they are read only when there are any (rarely: a refusal or a print takes seconds).
        long = (
            q.reports.long_steps(q.span, working_day, day_length, q.who)
            if any(s in working_day and max(v, default=0) > day_length for s, _, v, _ in durations)
            else []
        )
        portal = q.reports.portal_step_durations(q.span, by, q.who)
        steps = {s for s, _, v, _ in durations if v}
        slowest = {
            s: q.reports.slowest(q.span, s, SLOWEST, q.who) for s in EVENT_TIMED if s in steps
        }
    for step, bucket, values, unfinished in durations:
        fig = cells[(step, bucket)]
        fig.unfinished += unfinished
        fig.histogram = dict(Counter(values))
        fig.within += sum(
            n for v, n in fig.histogram.items() if surely_within(NORMS[step], v, q.calendar)
        )
    for step, started, ended in long:  # working-day steps the duration alone can't judge
        if within_working_day(q.local(started), q.local(ended), q.calendar):
            cells[(step, bucket_of(q.local(started).date(), by))].within += 1
    for step, bucket, seconds, ok in portal:
        fig = cells[(step, bucket)]
        fig.histogram[seconds] = fig.histogram.get(seconds, 0) + 1
        fig.within += 1 if ok else 0

    totals: dict[str, _StepFigures] = {s: _StepFigures() for s in REPORTED_STEPS}
    for (step, _), fig in cells.items():
        totals[step].add(fig)
    order = {s: i for i, s in enumerate(REPORTED_STEPS)}
    summary = Table(
        "report_data.table.norms",
        (_col("step", "key"), *_NORM_COLUMNS),
        tuple((NORMS[s].key, *totals[s].row()) for s in REPORTED_STEPS),
    )
    by_period = Table(
        "report_data.table.norms_by_period",
        (_col("period", "date"), _col("step", "key"), *_NORM_COLUMNS),
        tuple(
            (b, NORMS[s].key, *cells[(s, b)].row())
            for s, b in sorted(cells, key=lambda k: (k[1], order[k[0]]))
        ),
    )
    slow = Table(
        "report_data.table.slowest",
        (
            _col("step", "key"),
            _col("number", "text"),
            _col("employee", "text"),
            _col("started", "datetime"),
            _col("duration", "duration"),
        ),
        tuple(
            (NORMS[s].key, number or f"#{app_id}", iin, q.local(at), timedelta(seconds=sec))
            for s in EVENT_TIMED
            for app_id, number, iin, at, sec in slowest.get(s, ())
        ),
    )
    charts = tuple(
        _duration_chart(NORMS[s], totals[s].histogram)
        for s in EVENT_TIMED
        if totals[s].count and not NORMS[s].working_day
    )
    norms = tuple((NORMS[s].key, f"report_data.norm.{s}") for s in REPORTED_STEPS)
    return (summary, by_period, slow), charts, norms


HISTOGRAM_BINS: Final = 10
"""Bins of a step's duration histogram up to twice its norm; one more holds the longer ones."""


def _duration_chart(norm: Norm, histogram: dict[float, int]) -> Chart:
    """The histogram of one step's durations: ten bins to twice the norm, then the rest."""
    assert norm.max_seconds is not None
    width = 2 * norm.max_seconds / HISTOGRAM_BINS
    counts = [0] * (HISTOGRAM_BINS + 1)
    for seconds, n in histogram.items():
        counts[min(int(seconds // width), HISTOGRAM_BINS)] += n
    edges = [_num(i * width) for i in range(HISTOGRAM_BINS + 1)]
    labels = [f"{a}–{b}" for a, b in pairwise(edges)] + [f"≥{edges[-1]}"]
    return Chart(
        f"report_data.chart.durations.{norm.step}",
        "histogram",
        tuple(labels),
        tuple(float(c) for c in counts),
        unit="report_data.unit.seconds",
    )


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# -- the portal --------------------------------------------------------------------------------


def _portal(q: _Query) -> _Built:
    now = q.ctx.now()
    today = now.date()
    tz = q.ctx.clock.tz
    day_start = datetime.combine(today, time(), tzinfo=tz)
    day_end = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz)
    with q.locked():
        counts = q.reports.portal_counts(q.span, q.period.by, q.who)
        late = q.reports.portal_late(q.span, q.who)
        pending, due_today, overdue = q.reports.portal_pending(now, day_start, day_end)
    by_period = Table(
        "report_data.table.portal",
        (
            _col("period", "date"),
            _col("received", "int"),
            _col("decided", "int"),
            _col("in_time", "int"),
            _col("late", "int"),
            _col("in_time_share", "percent"),
        ),
        tuple(
            (b, n, decided, ok, bad, _share(ok, decided))
            for b, n, decided, ok, bad in sorted(counts)
        ),
    )
    late_rows: list[tuple[Cell, ...]] = []
    for app_id, number, portal_id, received, deadline, decided in late:
        by = lateness(deadline, decided, q.calendar)
        assert by is not None  # the query returns decisions after their deadline only
        late_rows.append(
            (
                number or portal_id or f"#{app_id}",
                q.local(received),
                q.local(deadline),
                q.local(decided),
                by.wall,
                by.working,
            )
        )
    late_table = Table(
        "report_data.table.portal_late",
        (
            _col("number", "text"),
            _col("received_at", "datetime"),
            _col("deadline", "datetime"),
            _col("decided_at", "datetime"),
            _col("late_wall", "duration"),
            _col("late_working", "duration"),
        ),
        tuple(late_rows),
    )
    now_table = Table(
        "report_data.table.portal_now",
        (
            _col("as_of", "datetime"),
            _col("pending", "int"),
            _col("due_today", "int"),
            _col("overdue", "int"),
        ),
        ((now, pending, due_today, overdue),),
    )
    chart = Chart(
        "report_data.chart.portal_late",
        "bars",
        tuple(b.isoformat() for b, *_ in sorted(counts)),
        tuple(float(bad) for *_, bad in sorted(counts)),
    )
    norms = tuple(
        (NORMS[s].key, f"report_data.norm.{s}")
        for s in ("portal_register", "portal_refusal", "portal_issue")
    )
    return (by_period, late_table, now_table), (chart,), norms


# -- outcomes ----------------------------------------------------------------------------------


def _by(
    rows: Iterable[tuple[date, str | int | None, int]],
) -> list[tuple[date, str | int | None, int]]:
    """Counts added up by (bucket, value), sorted."""
    out: dict[tuple[date, str | int | None], int] = defaultdict(int)
    for b, value, n in rows:
        out[(b, value)] += n
    return [
        (b, v, n) for (b, v), n in sorted(out.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
    ]


def _outcomes(q: _Query) -> _Built:
    by = q.period.by
    with q.locked():
        registered = q.reports.registrations(q.span, by, q.who)
        refused = q.reports.refusals(q.span, by, q.who)
        annulled = q.reports.annulments(q.span, by, q.who)

    def table(name: str, value: Column, rows: Iterable[tuple[date, Cell, int]]) -> Table:
        return Table(
            f"report_data.table.{name}",
            (_col("period", "date"), value, _col("count", "int")),
            tuple(rows),
        )

    basis_rows = _by(
        (b, f"core.basis.{basis}" if basis else "report_data.none", n)
        for b, _, basis, _, n in registered
    )
    district_rows = _by((b, d, n) for b, _, _, d, n in registered)
    channel_rows = _by((b, f"channel.{c}", n) for b, c, _, _, n in registered)
    refusal_counts: dict[tuple[date, int, str, str], int] = defaultdict(int)
    for b, channel, from_state, reason, n in refused:
        action = refusal_action(State(from_state))
        label = f"report_data.refusal.{reason}" if reason else "report_data.none"
        refusal_counts[(b, action, f"channel.{channel}", label)] += n
    refusals = Table(
        "report_data.table.refusals",
        (
            _col("period", "date"),
            _col("action", "int"),
            _col("channel", "key"),
            _col("reason", "key"),
            _col("count", "int"),
        ),
        tuple((*k, n) for k, n in sorted(refusal_counts.items())),
    )
    annulments = table(
        "annulments",
        _col("reason", "key"),
        _by((b, f"core.annul_reason.{r}" if r else "report_data.none", n) for b, r, n in annulled),
    )
    totals: dict[str, int] = defaultdict(int)
    for _, basis, n in basis_rows:
        totals[str(basis)] += n
    chart = Chart(
        "report_data.chart.registrations_by_basis",
        "bars",
        tuple(totals),
        tuple(float(n) for n in totals.values()),
        label_keys=True,
    )
    return (
        (
            table("registrations_by_basis", _col("basis", "key"), basis_rows),
            table("registrations_by_district", _col("district", "int"), district_rows),
            table("registrations_by_channel", _col("channel", "key"), channel_rows),
            refusals,
            annulments,
        ),
        (chart,),
        (),
    )


# -- Annex 3 -----------------------------------------------------------------------------------

_SURVEY_COLUMNS: Final = (
    _col("question", "key"),
    _col("services", "int"),
    *(_col(f"answer_{a}", "int") for a in ANSWERS),
    *(_col(f"share_{a}", "percent") for a in ANSWERS),
    _col("no_answer", "int"),
)


def _survey_row(question: str, counts: dict[int | None, int]) -> tuple[Cell, ...]:
    answered = sum(counts.get(a, 0) for a in ANSWERS)
    return (
        f"report_data.survey.{question}",
        answered + counts.get(None, 0),
        *(counts.get(a, 0) for a in ANSWERS),
        *(_share(counts.get(a, 0), answered) for a in ANSWERS),
        counts.get(None, 0),
    )


def _survey(q: _Query) -> _Built:
    with q.locked():
        rows = q.reports.survey(q.span, q.period.by, q.who)
    total: dict[str, dict[int | None, int]] = {k: defaultdict(int) for k in QUESTIONS}
    per: dict[tuple[date, str], dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for b, services, *answers in rows:
        for question, counts in zip(QUESTIONS, answers, strict=True):
            for answer, n in zip(ANSWERS, counts, strict=True):
                total[question][answer] += n
                per[(b, question)][answer] += n
            total[question][None] += services - sum(counts)
            per[(b, question)][None] += services - sum(counts)
    summary = Table(
        "report_data.table.survey",
        _SURVEY_COLUMNS,
        tuple(_survey_row(k, total[k]) for k in QUESTIONS),
    )
    by_period = Table(
        "report_data.table.survey_by_period",
        (_col("period", "date"), *_SURVEY_COLUMNS),
        tuple((b, *_survey_row(k, per[(b, k)])) for b, k in sorted(per)),
    )
    charts = tuple(
        Chart(
            f"report_data.chart.survey.{k}",
            "bars",
            tuple(f"report_data.answer.{a}" for a in ANSWERS),
            tuple(float(total[k].get(a, 0)) for a in ANSWERS),
            label_keys=True,
        )
        for k in QUESTIONS
    )
    return (summary, by_period), charts, ()


# -- workload ----------------------------------------------------------------------------------


def _workload(q: _Query) -> _Built:
    with q.locked():
        opened = q.reports.opened_by_hour(q.span, q.who)
        by_who = q.reports.opened_by_employee(q.span, q.who)
        names = q.reports.names(sorted({who for _, who, _ in by_who}))
    moments = {h: q.local(datetime.fromisoformat(f"{h}:00+00:00")) for h, _ in opened}
    if any(m.minute for m in moments.values()):
        # A zone with a half-hour offset: a UTC hour is two clinic hours, so by the minute.
        with q.locked():
            opened = q.reports.opened_by_hour(q.span, q.who, by_minute=True)
        moments = {h: q.local(datetime.fromisoformat(f"{h}:00+00:00")) for h, _ in opened}
    hours = [0] * 24
    weekdays = [0] * 7
    for utc_hour, n in opened:
        moment = moments[utc_hour]
        hours[moment.hour] += n
        weekdays[moment.weekday()] += n
    employees = {(channel, who): n for channel, who, n in by_who}
    by_hour = Table(
        "report_data.table.by_hour",
        (_col("hour", "int"), _col("count", "int")),
        tuple((h, hours[h]) for h in range(24)),
    )
    by_weekday = Table(
        "report_data.table.by_weekday",
        (_col("weekday", "key"), _col("count", "int")),
        tuple((f"report_data.weekday.{d}", weekdays[d]) for d in range(7)),
    )
    by_employee = Table(
        "report_data.table.by_employee",
        (
            _col("employee", "text"),
            _col("name", "text"),
            _col("channel", "key"),
            _col("count", "int"),
        ),
        tuple(
            (who, names.get(who, ""), f"channel.{channel}", n)
            for (channel, who), n in sorted(employees.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
    )
    charts = (
        Chart(
            "report_data.chart.by_hour",
            "bars",
            tuple(f"{h:02d}" for h in range(24)),
            tuple(float(n) for n in hours),
        ),
        Chart(
            "report_data.chart.by_weekday",
            "bars",
            tuple(f"report_data.weekday.{d}" for d in range(7)),
            tuple(float(n) for n in weekdays),
            label_keys=True,
        ),
    )
    return (by_hour, by_weekday, by_employee), charts, ()


_BUILDERS: Final[dict[str, Callable[[_Query], _Built]]] = {
    "norms": _norms,
    "portal": _portal,
    "outcomes": _outcomes,
    "survey": _survey,
    "workload": _workload,
}
