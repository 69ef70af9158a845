"""The reports' definitions (core.report_rules), each against values worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from regdesk.core.application import State
from regdesk.core.calendar import WorkCalendar
from regdesk.core.clock import zone
from regdesk.core.norms import NORMS
from regdesk.core.report_rules import (
    REPORTED_STEPS,
    bucket_of,
    buckets,
    lateness,
    percentile,
    refusal_action,
    surely_within,
    within_working_day,
)

ALMATY = zone("Asia/Almaty")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ALMATY)  # type: ignore[misc]


def test_the_reported_steps_are_table_2_and_table_1_actions_6_to_8() -> None:
    assert [(NORMS[s].table, NORMS[s].action) for s in REPORTED_STEPS] == [
        *((2, a) for a in range(1, 9)),
        (1, 6),
        (1, 7),
        (1, 8),
    ]


def test_percentiles_are_nearest_rank() -> None:
    four = {10.0: 1, 20.0: 1, 30.0: 1, 40.0: 1}
    assert percentile(four, 0.5) == 20.0  # rank ⌈2⌉: the lower middle
    assert percentile(four, 0.9) == 40.0  # rank ⌈3.6⌉ = 4
    ten = {float(v): 1 for v in range(1, 11)}
    assert percentile(ten, 0.9) == 9.0  # rank 9 exactly, not the 10th
    assert percentile({5.0: 3, 7.0: 1}, 0.5) == 5.0  # counts, not distinct values
    assert percentile({}, 0.5) is None
    with pytest.raises(ValueError):
        percentile(four, 0)


def test_buckets_are_days_weeks_from_monday_and_months() -> None:
    sunday = date(2026, 3, 1)
    assert bucket_of(sunday, "day") == sunday
    assert bucket_of(sunday, "week") == date(2026, 2, 23)
    assert bucket_of(date(2026, 3, 31), "month") == sunday
    assert buckets(date(2026, 2, 27), date(2026, 3, 3), "week") == [
        date(2026, 2, 23),
        date(2026, 3, 2),
    ]
    assert buckets(date(2026, 1, 31), date(2026, 3, 1), "month") == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    with pytest.raises(ValueError):
        buckets(date(2026, 3, 2), date(2026, 3, 1), "day")


def test_within_a_span_norm_is_up_to_its_upper_bound() -> None:
    cal = WorkCalendar()
    assert surely_within(NORMS["registry_request"], 90.0, cal) is True
    assert surely_within(NORMS["registry_request"], 90.5, cal) is False
    assert surely_within(NORMS["form_and_eds"], 15.0, cal) is True


def test_a_working_day_norm_needs_the_start_only_beyond_one_day_of_work_hours() -> None:
    cal = WorkCalendar()  # 09:00-18:00: nine hours
    refusal = NORMS["refusal"]
    assert surely_within(refusal, 9 * 3600, cal) is True
    assert surely_within(refusal, 9 * 3600 + 1, cal) is None
    # Friday 6 March 2026 12:30: due Tuesday 10 March 12:30 (Monday 9 March is a day off).
    assert within_working_day(at(2026, 3, 6, 12, 30), at(2026, 3, 10, 12, 30), cal)
    assert not within_working_day(at(2026, 3, 6, 12, 30), at(2026, 3, 10, 12, 31), cal)


def test_lateness_is_given_in_wall_time_and_in_working_time() -> None:
    cal = WorkCalendar()
    # Due Thursday 26 March 2026 16:00, decided Friday 09:30: 17 h 30 min of wall time,
    # 2 h (Thursday until 18:00) and 30 min (Friday from 09:00) of working time.
    late = lateness(at(2026, 3, 26, 16, 0), at(2026, 3, 27, 9, 30), cal)
    assert late is not None
    assert late.wall == timedelta(hours=17, minutes=30)
    assert late.working == timedelta(hours=2, minutes=30)
    assert lateness(at(2026, 3, 26, 16, 0), at(2026, 3, 26, 16, 0), cal) is None


def test_refusals_before_a_number_are_action_4_and_after_it_action_7() -> None:
    assert refusal_action(State.DRAFT) == 4
    assert refusal_action(State.RECEIVED) == 4
    assert refusal_action(State.REGISTERED) == 7
