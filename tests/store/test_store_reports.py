"""The reports' store part: step durations kept by triggers, clinic time in SQL, index use.

Real SQLite files in tmp_path; every moment is written out by hand.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from regdesk.core.application import Role
from regdesk.core.clock import zone
from regdesk.store import schema
from regdesk.store.db import open_db, transaction
from regdesk.store.journal import Journal, make_name_key
from regdesk.store.journal.reports import PORTAL_FROM, ClinicSpan, Filter

ALMATY = zone("Asia/Almaty")
R = Role.RECEPTIONIST


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ALMATY)  # type: ignore[misc]


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(open_db(tmp_path / "regdesk.db"))


def _draft(journal: Journal, at: datetime, by: str = "111111111111") -> int:
    return journal.drafts.create_draft(applicant_iin="900101300001", actor_iin=by, role=R, now=at)


def _times(journal: Journal, app_id: int) -> dict[str, tuple[str | None, float | None]]:
    rows = journal.db.conn.execute(
        "SELECT step, ended_at, seconds FROM step_times WHERE application_id = ?", (app_id,)
    )
    return {step: (ended, seconds) for step, ended, seconds in rows}


def test_a_step_lasts_from_its_first_start_to_the_first_end_after_it(journal: Journal) -> None:
    app = _draft(journal, _at(2026, 3, 2, 10, 0))
    ev = journal.events
    ev.record_step(app, "form_and_eds", "step_start", "111111111111", R, _at(2026, 3, 2, 10, 0))
    # The form reopened: a second start is not a new performance.
    ev.record_step(app, "form_and_eds", "step_start", "111111111111", R, _at(2026, 3, 2, 10, 5))
    ev.record_step(app, "form_and_eds", "step_end", "111111111111", R, _at(2026, 3, 2, 10, 6, 1))
    # A second end (a repeated call) does not stretch it.
    ev.record_step(app, "form_and_eds", "step_end", "111111111111", R, _at(2026, 3, 2, 11, 0))
    ev.record_step(app, "issue", "step_start", "111111111111", R, _at(2026, 3, 2, 11, 0))
    assert _times(journal, app) == {
        "form_and_eds": ("2026-03-02T05:06:01.000000+00:00", 361.0),
        "issue": (None, None),  # started, never ended: unfinished
    }


def test_the_migration_copies_the_steps_recorded_before_it(tmp_path: Path) -> None:
    # A database of the schema just before the reports' migration, with steps already recorded.
    mine = next(i for i, m in enumerate(schema.MIGRATIONS) if "CREATE TABLE step_times" in m)
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("regdesk_name_key", 3, make_name_key)
    for script in schema.MIGRATIONS[:mine]:
        for statement in schema.statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {mine}")
    conn.execute(
        "INSERT INTO applications (id, channel, state, applicant_iin, created_by, created_at,"
        " updated_at) VALUES (1, 'desk', 'draft', '900101300001', 'x', 't', 't')"
    )
    events = [
        ("step_start", "registry_request", "2026-03-02T05:00:00.000000+00:00"),
        ("step_end", "registry_request", "2026-03-02T05:00:12.500000+00:00"),
        ("step_start", "form_and_eds", "2026-03-02T05:00:13.000000+00:00"),
        ("step_start", "form_and_eds", "2026-03-02T05:01:00.000000+00:00"),
        ("step_start", "refusal", "2026-03-02T05:02:00.000000+00:00"),
    ]
    for kind, step, at in events:
        conn.execute(
            "INSERT INTO events (application_id, at, actor_iin, role, kind, step)"
            " VALUES (1, ?, 'x', 'receptionist', ?, ?)",
            (at, kind, step),
        )
    conn.close()
    journal = Journal(open_db(path, upgrade=True))
    assert _times(journal, 1) == {
        "registry_request": ("2026-03-02T05:00:12.500000+00:00", 12.5),
        "form_and_eds": (None, None),
        "refusal": (None, None),
    }
    started = journal.db.conn.execute(
        "SELECT started_at FROM step_times WHERE step = 'form_and_eds'"
    ).fetchone()[0]
    assert started == "2026-03-02T05:00:13.000000+00:00"  # the first start


def test_a_span_is_clinic_dates_turned_to_utc() -> None:
    span = ClinicSpan.of(date(2026, 3, 2), date(2026, 3, 3), ALMATY)
    # Almaty is UTC+5 since 1 March 2024: clinic midnight is 19:00 UTC the day before.
    assert span.start == "2026-03-01T19:00:00.000000+00:00"
    assert span.end == "2026-03-03T19:00:00.000000+00:00"
    assert span.ranges("day") == [
        (date(2026, 3, 2), "2026-03-01T19:00:00.000000+00:00", "2026-03-02T19:00:00.000000+00:00"),
        (date(2026, 3, 3), "2026-03-02T19:00:00.000000+00:00", "2026-03-03T19:00:00.000000+00:00"),
    ]
    # A week or a month is cut to the period, and named by its first day.
    assert span.ranges("week") == [(date(2026, 3, 2), span.start, span.end)]
    assert span.ranges("month") == [(date(2026, 3, 1), span.start, span.end)]


def test_a_span_across_the_2024_change_of_offset() -> None:
    # Kazakhstan moved from UTC+6 to UTC+5 at 00:00 on 1 March 2024: the clocks went back to
    # 23:00 on 29 February, a day of 25 hours.
    span = ClinicSpan.of(date(2024, 2, 29), date(2024, 3, 1), ALMATY)
    assert span.ranges("day") == [
        (date(2024, 2, 29), "2024-02-28T18:00:00.000000+00:00", "2024-02-29T19:00:00.000000+00:00"),
        (date(2024, 3, 1), "2024-02-29T19:00:00.000000+00:00", "2024-03-01T19:00:00.000000+00:00"),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [("day", date(2026, 3, 1)), ("week", date(2026, 2, 23)), ("month", date(2026, 3, 1))],
)
def test_buckets_are_clinic_days_weeks_and_months(by: str, expected: date) -> None:
    # 00:30 on Sunday 1 March 2026 in Almaty is still 28 February in UTC.
    span = ClinicSpan.of(date(2026, 2, 1), date(2026, 3, 31), ALMATY)
    moment = "2026-02-28T19:30:00.000000+00:00"
    found = [first for first, lo, hi in span.ranges(by) if lo <= moment < hi]  # type: ignore[arg-type]
    assert found == [expected]


def _plan(journal: Journal, sql: str, params: list[object]) -> str:
    rows = journal.db.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return " | ".join(str(r[3]) for r in rows)


def test_the_reports_read_ranges_through_indexes(journal: Journal) -> None:
    span = ClinicSpan.of(date(2026, 1, 1), date(2026, 12, 31), ALMATY)
    bounds: list[object] = [span.start, span.end]
    who = Filter()
    reports = journal.reports
    where, params = reports._steps(("registry_request", "issue"), who)
    plan = _plan(
        journal,
        f"SELECT t.step, group_concat(t.seconds) FROM step_times t WHERE {where} GROUP BY t.step",
        bounds + params,
    )
    # Grouped in the index's order: no sort of the period's steps.
    assert "USING COVERING INDEX step_times_step_started" in plan
    assert "TEMP B-TREE" not in plan
    where, params = reports._moves("registered", who)
    plan = _plan(
        journal,
        "SELECT count(*) FROM events e JOIN applications a ON a.id = e.application_id"
        f" WHERE {where}",
        bounds + params,
    )
    assert "USING COVERING INDEX events_moves (to_state=? AND at>? AND at<?)" in plan
    where, params = reports._portal(who)
    plan = _plan(journal, f"SELECT count(*) FROM {PORTAL_FROM} WHERE {where}", bounds + params)
    assert "INDEX applications_portal_received (created_at>? AND created_at<?)" in plan


def test_durations_stay_exact_to_the_millisecond(journal: Journal) -> None:
    app = _draft(journal, _at(2026, 3, 2, 10, 0))
    start = datetime(2026, 3, 2, 5, 0, 0, 250_000, tzinfo=UTC)
    end = datetime(2026, 3, 2, 5, 1, 30, 0, tzinfo=UTC)
    with transaction(journal.db):
        journal.events.record_step(app, "registry_request", "step_start", "1", R, start)
        journal.events.record_step(app, "registry_request", "step_end", "1", R, end)
    assert _times(journal, app)["registry_request"][1] == 89.75
