"""The reports' queries (issue 13): aggregates computed by SQLite, never a loop over the journal.

Every query takes a ``ClinicSpan``: the period's bounds in UTC text (storage is UTC) and how to
turn a stored UTC moment into the clinic's local time inside SQL. The clinic's offset is read
from its zone, not assumed: Kazakhstan moved from UTC+6 to UTC+5 on 1 March 2024, so a span
that crosses such a change gets a ``CASE`` with one offset per side.

A step's duration is kept in ``step_times`` by triggers on ``events`` (schema, migration of the
reports), so the time-norm report reads one row per application and step instead of pairing
events. What each figure means is defined in ``core.report_rules``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final, Literal

from regdesk.store.db import from_utc_text, utc_text
from regdesk.store.journal.part import JournalPart

Grouping = Literal["day", "week", "month"]

_PROBE: Final = timedelta(hours=1)
"""How often the zone's offset is probed for a change inside a span (then found to the second)."""


def _offset(moment: datetime, tz: tzinfo) -> int:
    off = moment.astimezone(tz).utcoffset()
    assert off is not None
    return int(off.total_seconds())


def _offsets(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[datetime, int]]:
    """The zone's offsets over [start, end): (from when, offset in seconds), in order."""
    out = [(start, _offset(start, tz))]
    at = start
    while at < end:
        nxt = min(at + _PROBE, end)
        if _offset(nxt, tz) != out[-1][1] and nxt < end:
            lo, hi = at, nxt  # the change is in (lo, hi]: halve to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _offset(mid, tz) == out[-1][1]:
                    lo = mid
                else:
                    hi = mid
            out.append((hi.replace(microsecond=0), _offset(hi, tz)))
        at = nxt
    return out


@dataclass(frozen=True)
class ClinicSpan:
    """Clinic dates ``first``..``last`` (both included) as a UTC range, and clinic time in SQL."""

    first: date
    last: date
    start: str
    """The UTC text of ``first`` 00:00 clinic time (included)."""
    end: str
    """The UTC text of the day after ``last`` 00:00 clinic time (excluded)."""
    offsets: tuple[tuple[str, int], ...]
    """(UTC text from which, the clinic's offset in seconds), the first from ``start``."""

    @classmethod
    def of(cls, first: date, last: date, tz: tzinfo) -> ClinicSpan:
        if last < first:
            raise ValueError("a period cannot end before it starts")
        start = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
        offsets = tuple((utc_text(at), off) for at, off in _offsets(start, end, tz))
        return cls(first, last, utc_text(start), utc_text(end), offsets)

    def local(self, column: str) -> str:
        """SQL: ``column`` (UTC text) as the clinic's local 'YYYY-MM-DD HH:MM:SS'."""
        if len(self.offsets) == 1:
            return f"datetime({column}, '{self.offsets[0][1]:+d} seconds')"
        arms = " ".join(
            f"WHEN {column} < '{nxt}' THEN datetime({column}, '{off:+d} seconds')"
            for (_, off), (nxt, _) in zip(self.offsets, self.offsets[1:], strict=False)
        )
        return f"CASE {arms} ELSE datetime({column}, '{self.offsets[-1][1]:+d} seconds') END"

    def bucket(self, column: str, by: Grouping) -> str:
        """SQL: the first clinic day ('YYYY-MM-DD') of the day/week/month ``column`` falls in."""
        local = self.local(column)
        if by == "day":
            return f"date({local})"
        if by == "week":
            return f"date({local}, '-6 days', 'weekday 1')"  # the Monday on or before
        if by == "month":
            return f"date({local}, 'start of month')"
        raise ValueError(f"unknown grouping: {by!r}")


@dataclass(frozen=True)
class Filter:
    """Whose figures: one employee's (by IIN), one district's, or all."""

    employee_iin: str | None = None
    district: int | None = None


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values)


class Reports(JournalPart):
    """The reports' aggregates over the journal."""

    # -- time norms ---------------------------------------------------------------------------

    @staticmethod
    def _steps(span: ClinicSpan, steps: Sequence[str], who: Filter) -> tuple[str, list[object]]:
        """The condition on ``step_times t`` (and its parameters): these steps, started in the
        span, by the employee, in the district."""
        sql = f"t.step IN ({_in(steps)}) AND t.started_at >= ? AND t.started_at < ?"
        params: list[object] = [*steps, span.start, span.end]
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

    def step_histogram(
        self, span: ClinicSpan, by: Grouping, steps: Sequence[str], who: Filter
    ) -> list[tuple[str, date, float | None, int]]:
        """(step, bucket, seconds, how many) of steps started in the span; seconds is None for
        the unfinished ones (no end event)."""
        where, params = self._steps(span, steps, who)
        rows = self.db.conn.execute(
            f"SELECT t.step, {span.bucket('t.started_at', by)} AS b, t.seconds, count(*)"
            f" FROM step_times t WHERE {where} GROUP BY t.step, b, t.seconds",
            params,
        ).fetchall()
        return [(s, date.fromisoformat(b), sec, n) for s, b, sec, n in rows]

    def long_steps(
        self, span: ClinicSpan, by: Grouping, steps: Sequence[str], seconds: float, who: Filter
    ) -> list[tuple[str, date, datetime, datetime]]:
        """(step, bucket, started, ended) of the finished ``steps`` longer than ``seconds``."""
        where, params = self._steps(span, steps, who)
        rows = self.db.conn.execute(
            f"SELECT t.step, {span.bucket('t.started_at', by)}, t.started_at, t.ended_at"
            f" FROM step_times t WHERE {where} AND t.seconds > ?",
            [*params, seconds],
        ).fetchall()
        return [
            (s, date.fromisoformat(b), from_utc_text(a), from_utc_text(e)) for s, b, a, e in rows
        ]

    def slowest(
        self, span: ClinicSpan, step: str, limit: int, who: Filter
    ) -> list[tuple[int, str | None, str, datetime, float]]:
        """The ``limit`` longest finished performances of ``step``: (application id, number,
        employee IIN, started, seconds), longest first (the earlier first among equals)."""
        where, params = self._steps(span, (step,), who)
        # The few longest first, then their numbers: not a join for every step of the period.
        rows = self.db.conn.execute(
            "SELECT top.application_id, a.number, top.actor_iin, top.started_at, top.seconds FROM"
            " (SELECT t.application_id, t.actor_iin, t.started_at, t.seconds FROM step_times t"
            f" WHERE {where} AND t.seconds IS NOT NULL"
            " ORDER BY t.seconds DESC, t.started_at LIMIT ?) top"
            " JOIN applications a ON a.id = top.application_id"
            " ORDER BY top.seconds DESC, top.started_at",
            [*params, limit],
        ).fetchall()
        return [(i, num, iin, from_utc_text(at), sec) for i, num, iin, at, sec in rows]

    # -- the portal ---------------------------------------------------------------------------

    @staticmethod
    def _portal(span: ClinicSpan, who: Filter) -> tuple[str, list[object]]:
        """The condition on ``applications a``: portal applications received in the span (and
        decided by the employee, in the district)."""
        sql = f"a.channel = 'portal' AND {RECEIVED} >= ? AND {RECEIVED} < ?"
        params: list[object] = [span.start, span.end]
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
        """Per bucket of receipt: (bucket, received, decided, decided in time, decided late)."""
        where, params = self._portal(span, who)
        rows = self.db.conn.execute(
            f"SELECT {span.bucket(RECEIVED, by)} AS b, count(*),"
            f" count({DECIDED}),"
            f" sum({DECIDED} IS NOT NULL AND {DECIDED} <= a.deadline),"
            f" sum({DECIDED} IS NOT NULL AND {DECIDED} > a.deadline)"
            f" FROM {PORTAL_FROM} WHERE {where} GROUP BY b",
            params,
        ).fetchall()
        return [
            (date.fromisoformat(b), n, d, int(ok or 0), int(late or 0))
            for b, n, d, ok, late in rows
        ]

    def portal_late(
        self, span: ClinicSpan, who: Filter
    ) -> list[tuple[int, str | None, str | None, datetime, datetime, datetime]]:
        """The portal decisions made after their deadline: (id, number, portal id, received,
        deadline, decided), the latest first."""
        where, params = self._portal(span, who)
        rows = self.db.conn.execute(
            f"SELECT a.id, a.number, a.portal_id, {RECEIVED}, a.deadline, {DECIDED}"
            f" FROM {PORTAL_FROM} WHERE {where} AND {DECIDED} > a.deadline"
            f" ORDER BY julianday({DECIDED}) - julianday(a.deadline) DESC, a.id",
            params,
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
            "SELECT count(*), sum(deadline >= ? AND deadline < ?), sum(deadline < ?)"
            " FROM applications WHERE channel = 'portal' AND state = 'received'",
            (utc_text(day_start), utc_text(day_end), utc_text(now)),
        ).fetchone()
        return int(row[0]), int(row[1] or 0), int(row[2] or 0)

    def portal_step_histogram(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[str, date, float, bool, int]]:
        """Table 1 actions 7 and 8 timed from receipt: (step, bucket, seconds, within the
        deadline, how many). ``portal_refusal``: refused with no number, receipt to refusal;
        ``portal_issue``: registered, receipt to the delivery the portal confirmed."""
        where, params = self._portal(span, who)
        out: list[tuple[str, date, float, bool, int]] = []
        for step, end, which in (
            ("portal_refusal", "a.decided_at", "a.registered_at IS NULL AND a.state = 'refused'"),
            ("portal_issue", "a.delivered_at", "a.registered_at IS NOT NULL"),
        ):
            rows = self.db.conn.execute(
                f"SELECT {span.bucket(RECEIVED, by)} AS b,"
                f" round((julianday({end}) - julianday({RECEIVED})) * 86400.0, 3) AS s,"
                f" {end} <= a.deadline AS ok, count(*)"
                f" FROM {PORTAL_FROM} WHERE {where} AND {which} AND {end} IS NOT NULL"
                " GROUP BY b, s, ok",
                params,
            ).fetchall()
            out += [(step, date.fromisoformat(b), s, bool(ok), n) for b, s, ok, n in rows]
        return out

    # -- outcomes -----------------------------------------------------------------------------

    @staticmethod
    def _moves(span: ClinicSpan, to_state: str, who: Filter) -> tuple[str, list[object]]:
        """The condition on ``events e`` joined to ``applications a``: moves to ``to_state``
        in the span (by the employee, in the district)."""
        sql = "e.to_state = ? AND e.kind = 'transition' AND e.at >= ? AND e.at < ?"
        params: list[object] = [to_state, span.start, span.end]
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
        """Registrations made in the span: (bucket, channel, basis, district, how many)."""
        where, params = self._moves(span, "registered", who)
        rows = self.db.conn.execute(
            f"SELECT {span.bucket('e.at', by)} AS b, a.channel, a.basis, a.district, count(*)"
            " FROM events e JOIN applications a ON a.id = e.application_id"
            f" WHERE {where} GROUP BY b, a.channel, a.basis, a.district",
            params,
        ).fetchall()
        return [(date.fromisoformat(b), c, bs, d, n) for b, c, bs, d, n in rows]

    def refusals(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, str, str, str, int]]:
        """Refusals made in the span: (bucket, channel, state refused from, reason, how many)."""
        where, params = self._moves(span, "refused", who)
        rows = self.db.conn.execute(
            f"SELECT {span.bucket('e.at', by)} AS b, a.channel, e.from_state, e.reason_code,"
            " count(*) FROM events e JOIN applications a ON a.id = e.application_id"
            f" WHERE {where} GROUP BY b, a.channel, e.from_state, e.reason_code",
            params,
        ).fetchall()
        return [(date.fromisoformat(b), c, f, r or "", n) for b, c, f, r, n in rows]

    def annulments(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, str, int]]:
        """Annulments made in the span: (bucket, reason, how many)."""
        where, params = self._moves(span, "annulled", who)
        rows = self.db.conn.execute(
            f"SELECT {span.bucket('e.at', by)} AS b, e.reason_code, count(*)"
            " FROM events e JOIN applications a ON a.id = e.application_id"
            f" WHERE {where} GROUP BY b, e.reason_code",
            params,
        ).fetchall()
        return [(date.fromisoformat(b), r or "", n) for b, r, n in rows]

    # -- Annex 3 ------------------------------------------------------------------------------

    def survey(
        self, span: ClinicSpan, by: Grouping, who: Filter
    ) -> list[tuple[date, int | None, int | None, int]]:
        """Services that reached their result (issued or refused) in the span, by their answers:
        (bucket, q1, q2, how many); q1 and q2 are None where no answer was given."""
        rows: list[tuple[str, int | None, int | None, int]] = []
        for state in ("issued", "refused"):
            where, params = self._moves(span, state, who)
            rows += self.db.conn.execute(
                f"SELECT {span.bucket('e.at', by)} AS b, s.q1, s.q2, count(*)"
                " FROM events e JOIN applications a ON a.id = e.application_id"
                " LEFT JOIN survey_answers s ON s.application_id = e.application_id"
                f" WHERE {where} GROUP BY b, s.q1, s.q2",
                params,
            ).fetchall()
        return [(date.fromisoformat(b), q1, q2, n) for b, q1, q2, n in rows]

    # -- workload -----------------------------------------------------------------------------

    def workload(self, span: ClinicSpan, who: Filter) -> list[tuple[int, int, str, str, int]]:
        """Applications opened in the span (a desk draft, a portal receipt), by clinic weekday
        (0 Monday … 6 Sunday), hour, channel and who opened it: (weekday, hour, channel,
        employee IIN, how many)."""
        local = span.local("a.created_at")
        sql = (
            f"SELECT (CAST(strftime('%w', {local}) AS INTEGER) + 6) % 7 AS wd,"
            f" CAST(strftime('%H', {local}) AS INTEGER) AS h, a.channel, a.created_by, count(*)"
            " FROM applications a WHERE a.created_at >= ? AND a.created_at < ?"
        )
        params: list[object] = [span.start, span.end]
        if who.employee_iin is not None:
            sql += " AND a.created_by = ?"
            params.append(who.employee_iin)
        if who.district is not None:
            sql += " AND a.district = ?"
            params.append(who.district)
        rows = self.db.conn.execute(sql + " GROUP BY wd, h, a.channel, a.created_by", params)
        return [(wd, h, c, by, n) for wd, h, c, by, n in rows.fetchall()]

    def names(self, iins: Sequence[str]) -> dict[str, str]:
        """Employees' full names by IIN (those the staff table knows)."""
        if not iins:
            return {}
        rows = self.db.conn.execute(
            f"SELECT iin, full_name FROM staff WHERE iin IN ({_in(iins)})", list(iins)
        ).fetchall()
        return {iin: name for iin, name in rows}


PORTAL_FROM: Final = "applications a INDEXED BY applications_created_channel"
"""Portal applications are read by when they were received: the planner, left alone, may walk
the inbox's (channel, state, deadline) index over every portal application ever received."""
RECEIVED: Final = "a.created_at"
"""When a portal application was received: its record is made on receipt (``Portal.receive``
writes ``received_at`` equal to ``created_at``), and ``created_at`` has the index."""
DECIDED: Final = "coalesce(a.registered_at, a.decided_at)"
"""A portal decision: the registration, or the refusal of one refused without a number."""
