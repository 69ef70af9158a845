"""The reports' queries (issue 13): aggregates computed by SQLite, never a loop over the journal.

Every query takes a ``ClinicSpan``: the period's clinic dates cut into its days, weeks or months,
each bucket as a range of stored UTC text (``ClinicSpan.ranges``). The bounds are computed from
the clinic's zone in Python, so a bucket is exact whatever the offset (Kazakhstan moved from
UTC+6 to UTC+5 on 1 March 2024) and SQLite reads each bucket as one index range, with no date
arithmetic on every row and no sort to group rows by bucket: a query runs once per bucket.

A step's duration is kept in ``step_times`` by triggers on ``events`` (schema, migration of the
reports), so the time-norm report reads one row per application and step instead of pairing
events. What each figure means is defined in ``core.report_rules``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, Literal

from regdesk.store.db import from_utc_text, utc_text
from regdesk.store.journal.part import JournalPart

Grouping = Literal["day", "week", "month"]

Range = tuple[date, str, str]
"""One bucket: its first clinic day, and its moments as UTC text ``[lo, hi)``."""


def _bucket_start(day: date, by: Grouping) -> date:
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown grouping: {by!r}")


def _next_bucket(first: date, by: Grouping) -> date:
    if by == "day":
        return first + timedelta(days=1)
    if by == "week":
        return first + timedelta(days=7)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class ClinicSpan:
    """Clinic dates ``first``..``last`` (both included) as UTC ranges, in the clinic's zone."""

    first: date
    last: date
    tz: tzinfo

    @classmethod
    def of(cls, first: date, last: date, tz: tzinfo) -> ClinicSpan:
        if last < first:
            raise ValueError("a period cannot end before it starts")
        return cls(first, last, tz)

    def _utc(self, day: date) -> str:
        """The UTC text of ``day`` 00:00 clinic time."""
        return utc_text(datetime.combine(day, time(), tzinfo=self.tz).astimezone(UTC))

    @property
    def start(self) -> str:
        """The UTC text of ``first`` 00:00 clinic time (included)."""
        return self._utc(self.first)

    @property
    def end(self) -> str:
        """The UTC text of the day after ``last`` 00:00 clinic time (excluded)."""
        return self._utc(self.last + timedelta(days=1))

    def ranges(self, by: Grouping) -> list[Range]:
        """The period's days, weeks or months (the first and last cut to the period), each as
        (its first day, UTC from, UTC to), in order."""
        out: list[Range] = []
        bucket = _bucket_start(self.first, by)
        end = self.last + timedelta(days=1)
        while bucket <= self.last:
            nxt = _next_bucket(bucket, by)
            lo, hi = max(bucket, self.first), min(nxt, end)
            out.append((bucket, self._utc(lo), self._utc(hi)))
            bucket = nxt
        return out

    def whole(self) -> Range:
        """The period as one range (its first day as the bucket)."""
        return (self.first, self.start, self.end)


@dataclass(frozen=True)
class Filter:
    """Whose figures: one employee's (by IIN), one district's, or all."""

    employee_iin: str | None = None
    district: int | None = None


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values)


def _floats(text: str | None) -> list[float]:
    return [float(v) for v in text.split(",")] if text else []


class Reports(JournalPart):
    """The reports' aggregates over the journal."""

    def _each(
        self, span: ClinicSpan, by: Grouping, sql: str, params: Sequence[object]
    ) -> Iterator[tuple[date, tuple[Any, ...]]]:
        """The rows of ``sql`` (its first two parameters are the range) for every bucket."""
        conn = self.db.conn
        for first, lo, hi in span.ranges(by):
            for row in conn.execute(sql, (lo, hi, *params)):
                yield first, tuple(row)

    # -- time norms ---------------------------------------------------------------------------

    @staticmethod
    def _steps(
        steps: Sequence[str], who: Filter, *, range_in_index: bool = True
    ) -> tuple[str, list[object]]:
        """The condition on ``step_times t`` after its range ``started_at >= ? AND < ?``: these
        steps, by the employee, in the district (and the parameters after the range's).

        ``range_in_index=False`` keeps the planner from using the range to pick an index (an
        index read longest first checks it on each entry instead)."""
        at = "t.started_at" if range_in_index else "+t.started_at"
        sql = f"{at} >= ? AND {at} < ? AND t.step IN ({_in(steps)})"
        params: list[object] = [*steps]
        if who.employee_iin is not None:
            sql += " AND t.actor_iin = ?"
            params.append(who.employee_iin)
        if who.district is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM applications d"
                " WHERE d.id = t.application_id AND d.district = ?)"
            )
            params.append(who.district)
        return sql, params

    def step_durations(
        self, span: ClinicSpan, by: Grouping, steps: Sequence[str], who: Filter
    ) -> list[tuple[str, date, list[float], int]]:
        """(step, bucket, the finished durations in seconds, how many unfinished) of the steps
        started in each bucket. One pass per bucket in the index's order: no sort."""
        where, params = self._steps(steps, who)
        sql = (
            "SELECT t.step, count(*) - count(t.seconds), group_concat(t.seconds)"
            f" FROM step_times t INDEXED BY step_times_step_started WHERE {where}"
            " GROUP BY t.step"
        )
        return [
            (str(step), first, _floats(values), int(unfinished))
            for first, (step, unfinished, values) in self._each(span, by, sql, params)
        ]

    def long_steps(
        self, span: ClinicSpan, steps: Sequence[str], seconds: float, who: Filter
    ) -> list[tuple[str, datetime, datetime]]:
        """(step, started, ended) of the finished ``steps`` longer than ``seconds``."""
        where, params = self._steps(steps, who)
        rows = self.db.conn.execute(
            "SELECT t.step, t.started_at, t.ended_at FROM step_times t"
            f" INDEXED BY step_times_step_started WHERE {where} AND t.seconds > ?",
            [span.start, span.end, *params, seconds],
        ).fetchall()
        return [(s, from_utc_text(a), from_utc_text(e)) for s, a, e in rows]

    def slowest(
        self, span: ClinicSpan, step: str, limit: int, who: Filter
    ) -> list[tuple[int, str | None, str, datetime, float]]:
        """The ``limit`` longest finished performances of ``step``: (application id, number,
        employee IIN, started, seconds), longest first (the earlier first among equals).

        A long period is read from the longest down (``step_times_step_seconds``) until
        ``limit`` started in it: a handful of index entries for a year. A short one is read as
        its range and sorted: walking from the longest down would pass the whole journal's
        longest steps to find a day's."""
        short = (span.last - span.first).days < SHORT_DAYS
        where, params = self._steps((step,), who, range_in_index=short)
        index = "step_times_step_started" if short else "step_times_step_seconds"
        rows = self.db.conn.execute(
            "SELECT top.application_id, a.number, top.actor_iin, top.started_at, top.seconds FROM"
            " (SELECT t.application_id, t.actor_iin, t.started_at, t.seconds FROM step_times t"
            f" INDEXED BY {index} WHERE {where} AND t.seconds IS NOT NULL"
            " ORDER BY t.seconds DESC, t.started_at LIMIT ?) top"
            " JOIN applications a ON a.id = top.application_id"
            " ORDER BY top.seconds DESC, top.started_at",
            [span.start, span.end, *params, limit],
        ).fetchall()
        return [(i, num, iin, from_utc_text(at), sec) for i, num, iin, at, sec in rows]

    # -- the portal ---------------------------------------------------------------------------

    @staticmethod
    def _portal(who: Filter) -> tuple[str, list[object]]:
        """The condition on ``applications a`` after its range on receipt: portal applications
        (decided by the employee, in the district)."""
        sql = f"{RECEIVED} >= ? AND {RECEIVED} < ? AND a.channel = 'portal'"
        params: list[object] = []
        if who.employee_iin is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM events e WHERE e.application_id = a.id"
                " AND e.kind = 'transition' AND e.from_state = 'received'"
                " AND e.to_state IN ('registered', 'refused') AND e.actor_iin = ?)"
            )
            params.append(who.employee_iin)
        if who.district is not None:
            sql += " AND a.district = ?"
            params.append(who.district)
        return sql, params

    def portal_counts(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, int, int, int, int]]:
        """Per bucket of receipt: (bucket, received, decided, decided in time, decided late);
        buckets with nothing received are left out."""
        where, params = self._portal(who)
        sql = (
            f"SELECT count(*), count({DECIDED}),"
            f" coalesce(sum({DECIDED} IS NOT NULL AND {DECIDED} <= a.deadline), 0),"
            f" coalesce(sum({DECIDED} IS NOT NULL AND {DECIDED} > a.deadline), 0)"
            f" FROM {PORTAL_FROM} WHERE {where}"
        )
        return [
            (first, int(n), int(d), int(ok), int(late))
            for first, (n, d, ok, late) in self._each(span, by, sql, params)
            if n
        ]

    def portal_late(
        self, span: ClinicSpan, who: Filter
    ) -> list[tuple[int, str | None, str | None, datetime, datetime, datetime]]:
        """The portal decisions made after their deadline: (id, number, portal id, received,
        deadline, decided), the latest first."""
        where, params = self._portal(who)
        rows = self.db.conn.execute(
            f"SELECT a.id, a.number, a.portal_id, {RECEIVED}, a.deadline, {DECIDED}"
            f" FROM {PORTAL_FROM} WHERE {where} AND {DECIDED} > a.deadline"
            f" ORDER BY julianday({DECIDED}) - julianday(a.deadline) DESC, a.id",
            [span.start, span.end, *params],
        ).fetchall()
        return [
            (i, num, pid, from_utc_text(r), from_utc_text(d), from_utc_text(x))
            for i, num, pid, r, d, x in rows
        ]

    def portal_pending(
        self, now: datetime, day_start: datetime, day_end: datetime
    ) -> tuple[int, int, int]:
        """Portal applications not decided at ``now``: (pending, due on the clinic day
        [day_start, day_end), overdue)."""
        row = self.db.conn.execute(
            "SELECT count(*), coalesce(sum(deadline >= ? AND deadline < ?), 0),"
            " coalesce(sum(deadline < ?), 0)"
            " FROM applications WHERE channel = 'portal' AND state = 'received'",
            (utc_text(day_start), utc_text(day_end), utc_text(now)),
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def portal_step_durations(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[str, date, float, bool]]:
        """Table 1 actions 7 and 8 timed from receipt: (step, bucket, seconds, within the
        deadline). ``portal_refusal``: refused with no number, receipt to refusal;
        ``portal_issue``: registered, receipt to the delivery the portal confirmed."""
        where, params = self._portal(who)
        out: list[tuple[str, date, float, bool]] = []
        for step, end, which in (
            ("portal_refusal", "a.decided_at", "a.registered_at IS NULL AND a.state = 'refused'"),
            ("portal_issue", "a.delivered_at", "a.registered_at IS NOT NULL"),
        ):
            sql = (
                f"SELECT round((julianday({end}) - julianday({RECEIVED})) * 86400.0, 3),"
                f" {end} <= a.deadline FROM {PORTAL_FROM}"
                f" WHERE {where} AND {which} AND {end} IS NOT NULL"
            )
            out += [
                (step, first, float(s), bool(ok))
                for first, (s, ok) in self._each(span, by, sql, params)
            ]
        return out

    # -- outcomes -----------------------------------------------------------------------------

    @staticmethod
    def _moves(to_state: str, who: Filter) -> tuple[str, list[object]]:
        """The condition on ``events e`` joined to ``applications a`` after the range on the
        event's time: moves to ``to_state`` (by the employee, in the district)."""
        sql = "e.at >= ? AND e.at < ? AND e.to_state = ? AND e.kind = 'transition'"
        params: list[object] = [to_state]
        if who.employee_iin is not None:
            sql += " AND e.actor_iin = ?"
            params.append(who.employee_iin)
        if who.district is not None:
            sql += " AND a.district = ?"
            params.append(who.district)
        return sql, params

    def registrations(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, str, str | None, int | None, int]]:
        """Registrations made in each bucket (annulled later or not): (bucket, channel, basis,
        district, how many). Read from the applications' registration time and its covering
        index; the registration's event is looked at only for one employee's figures."""
        sql = (
            "SELECT a.channel, a.basis, a.district, count(*)"
            " FROM applications a INDEXED BY applications_registered"
            " WHERE a.registered_at >= ? AND a.registered_at < ?"
        )
        params: list[object] = []
        if who.employee_iin is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM events e WHERE e.application_id = a.id"
                " AND e.kind = 'transition' AND e.to_state = 'registered' AND e.actor_iin = ?)"
            )
            params.append(who.employee_iin)
        if who.district is not None:
            sql += " AND a.district = ?"
            params.append(who.district)
        sql += " GROUP BY a.channel, a.basis, a.district"
        return [
            (first, str(c), bs, d, int(n))
            for first, (c, bs, d, n) in self._each(span, by, sql, params)
        ]

    def refusals(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, str, str, str, int]]:
        """Refusals made in each bucket: (bucket, channel, state refused from, reason, how
        many)."""
        where, params = self._moves("refused", who)
        sql = (
            "SELECT a.channel, e.from_state, e.reason_code, count(*)"
            " FROM events e JOIN applications a ON a.id = e.application_id"
            f" WHERE {where} GROUP BY a.channel, e.from_state, e.reason_code"
        )
        return [
            (first, str(c), str(f), str(r or ""), int(n))
            for first, (c, f, r, n) in self._each(span, by, sql, params)
        ]

    def annulments(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, str, int]]:
        """Annulments made in each bucket: (bucket, reason, how many)."""
        where, params = self._moves("annulled", who)
        sql = (
            "SELECT e.reason_code, count(*) FROM events e"
            f" JOIN applications a ON a.id = e.application_id WHERE {where} GROUP BY e.reason_code"
        )
        return [
            (first, str(r or ""), int(n)) for first, (r, n) in self._each(span, by, sql, params)
        ]

    # -- Annex 3 ------------------------------------------------------------------------------

    def survey(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, int, tuple[int, int, int], tuple[int, int, int]]]:
        """Services that reached their result (issued or refused) in each bucket, and their
        answers: (bucket, services, (q1 = 1, 2, 3), (q2 = 1, 2, 3)); buckets with no service
        are left out. Counted in one pass, no grouping."""
        sql = (
            "SELECT count(*),"
            " coalesce(sum(s.q1 = 1), 0), coalesce(sum(s.q1 = 2), 0), coalesce(sum(s.q1 = 3), 0),"
            " coalesce(sum(s.q2 = 1), 0), coalesce(sum(s.q2 = 2), 0), coalesce(sum(s.q2 = 3), 0)"
            " FROM events e LEFT JOIN survey_answers s ON s.application_id = e.application_id"
            " WHERE e.at >= ? AND e.at < ? AND e.to_state IN ('issued', 'refused')"
            " AND e.kind = 'transition'"
        )
        params: list[object] = []
        if who.employee_iin is not None:
            sql += " AND e.actor_iin = ?"
            params.append(who.employee_iin)
        if who.district is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM applications d"
                " WHERE d.id = e.application_id AND d.district = ?)"
            )
            params.append(who.district)
        out: list[tuple[date, int, tuple[int, int, int], tuple[int, int, int]]] = []
        for first, row in self._each(span, by, sql, params):
            n, a1, a2, a3, b1, b2, b3 = (int(v) for v in row)
            if n:
                out.append((first, n, (a1, a2, a3), (b1, b2, b3)))
        return out

    # -- workload -----------------------------------------------------------------------------

    def _opened(self, who: Filter) -> tuple[str, list[object]]:
        sql = (
            "FROM applications a INDEXED BY applications_opened"
            " WHERE a.created_at >= ? AND a.created_at < ?"
        )
        params: list[object] = []
        if who.employee_iin is not None:
            sql += " AND a.created_by = ?"
            params.append(who.employee_iin)
        if who.district is not None:
            sql += " AND a.district = ?"
            params.append(who.district)
        return sql, params

    def opened_by_hour(
        self, span: ClinicSpan, who: Filter, *, by_minute: bool = False
    ) -> list[tuple[str, int]]:
        """Applications opened in the span (a desk draft, a portal receipt) by the UTC hour
        they were opened in ('YYYY-MM-DDTHH', or the minute 'YYYY-MM-DDTHH:MM'): (UTC hour,
        how many). The caller turns UTC hours into the clinic's: an hour is enough where the
        offset is whole hours."""
        where, params = self._opened(who)
        cut = 16 if by_minute else 13
        rows = self.db.conn.execute(
            f"SELECT substr(a.created_at, 1, {cut}) AS h, count(*) {where} GROUP BY h",
            [span.start, span.end, *params],
        )
        return [(h, int(n)) for h, n in rows.fetchall()]

    def opened_by_employee(self, span: ClinicSpan, who: Filter) -> list[tuple[str, str, int]]:
        """Applications opened in the span by channel and who opened them: (channel, IIN or
        'system' for the portal's receipts, how many)."""
        where, params = self._opened(who)
        rows = self.db.conn.execute(
            f"SELECT a.channel, a.created_by, count(*) {where} GROUP BY a.channel, a.created_by",
            [span.start, span.end, *params],
        )
        return [(c, by, int(n)) for c, by, n in rows.fetchall()]

    def names(self, iins: Sequence[str]) -> dict[str, str]:
        """Employees' full names by IIN (those the staff table knows)."""
        if not iins:
            return {}
        rows = self.db.conn.execute(
            f"SELECT iin, full_name FROM staff WHERE iin IN ({_in(iins)})", list(iins)
        ).fetchall()
        return {iin: name for iin, name in rows}


SHORT_DAYS: Final = 62
"""Periods shorter than this many days have their slowest cases found by sorting the period."""
PORTAL_FROM: Final = "applications a INDEXED BY applications_portal_received"
"""Portal applications are read by when they were received, from their own (partial) index: the
planner, left alone, may walk the inbox's (channel, state, deadline) index over every portal
application ever received."""
RECEIVED: Final = "a.created_at"
"""When a portal application was received: its record is made on receipt (``Portal.receive``
writes ``received_at`` equal to ``created_at``), and ``created_at`` has the index."""
DECIDED: Final = "coalesce(a.registered_at, a.decided_at)"
"""A portal decision: the registration, or the refusal of one refused without a number."""
