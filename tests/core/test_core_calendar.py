"""Working days in Kazakhstan and the "within one working day" deadline, on real dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regdesk.core import calendar as calendar_module
from regdesk.core.calendar import WorkCalendar, default_calendar, next_working_day_deadline
from regdesk.core.clock import zone

ALMATY = zone("Asia/Almaty")
CAL = WorkCalendar(time(9), time(18), ALMATY)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),  # New Year
        date(2025, 1, 2),
        date(2025, 1, 3),  # moved day off (worked on Sunday 5 January)
        date(2025, 1, 7),  # Orthodox Christmas
        date(2025, 3, 10),  # 8 March fell on a Saturday
        date(2025, 3, 21),  # Nauryz
        date(2025, 3, 24),  # Nauryz days on the weekend, moved
        date(2025, 3, 25),
        date(2025, 5, 1),
        date(2025, 5, 7),
        date(2025, 5, 9),
        date(2025, 7, 7),  # Capital Day fell on a Sunday
        date(2025, 9, 1),  # Constitution Day (30 August) fell on a Saturday
        date(2025, 10, 27),  # Republic Day (25 October) fell on a Saturday
        date(2025, 12, 16),  # Independence Day
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 3, 23),  # Nauryz 2026
        date(2026, 3, 24),
        date(2026, 3, 25),
        date(2026, 10, 26),  # Republic Day 2026 fell on a Sunday
        date(2026, 12, 16),
    ],
)
def test_holidays_are_days_off(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 5),  # a Sunday worked in exchange for 3 January
        date(2025, 1, 6),
        date(2025, 3, 20),
        date(2025, 3, 26),
        date(2025, 8, 29),
        date(2025, 12, 17),  # no longer a holiday since 2022
        date(2026, 3, 20),
        date(2026, 3, 26),
    ],
)
def test_ordinary_and_moved_working_days_are_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_weekends_are_days_off() -> None:
    assert not CAL.is_working_day(date(2025, 11, 8))  # Saturday
    assert not CAL.is_working_day(date(2025, 11, 9))  # Sunday
    assert CAL.is_working_day(date(2025, 11, 10))


def test_the_package_names_the_day_off() -> None:
    assert "Nowruz" in (CAL.day_off_name(date(2025, 3, 21)) or "")
    assert CAL.day_off_name(date(2025, 3, 26)) is None


def test_a_decree_unknown_to_the_package_can_be_configured() -> None:
    cal = WorkCalendar(
        extra_days_off=frozenset({date(2026, 11, 2)}),
        extra_working_days=frozenset({date(2026, 11, 7)}),
    )
    assert not cal.is_working_day(date(2026, 11, 2))
    assert cal.is_working_day(date(2026, 11, 7))  # a Saturday
    assert CAL.is_working_day(date(2026, 11, 2))
    with pytest.raises(ValueError):
        WorkCalendar(
            extra_days_off=frozenset({date(2026, 1, 5)}),
            extra_working_days=frozenset({date(2026, 1, 5)}),
        )


def test_work_hours_must_make_sense() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(time(18), time(9))
    with pytest.raises(ValueError):
        WorkCalendar(time(9, tzinfo=UTC), time(18))


def test_next_working_day_skips_holidays_and_weekends() -> None:
    assert CAL.next_working_day(date(2025, 3, 20)) == date(2025, 3, 26)
    # 1-2 January are holidays, 3 January was moved off, Sunday 5 January was worked.
    assert CAL.next_working_day(date(2024, 12, 31)) == date(2025, 1, 5)
    assert CAL.next_working_day(date(2025, 1, 4)) == date(2025, 1, 5)  # the worked Sunday
    assert CAL.next_working_day(date(2025, 12, 15)) == date(2025, 12, 17)


# -- The deadline ---------------------------------------------------------------------------


def test_arrival_in_work_hours_is_due_at_the_same_time_next_working_day() -> None:
    assert CAL.next_working_day_deadline(at(2025, 11, 12, 10, 30)) == at(2025, 11, 13, 10, 30)
    # Friday before the weekend: due Monday.
    assert CAL.next_working_day_deadline(at(2025, 11, 14, 17, 59)) == at(2025, 11, 17, 17, 59)


def test_arrival_before_nauryz_waits_for_the_days_off() -> None:
    assert CAL.next_working_day_deadline(at(2026, 3, 20, 9, 40)) == at(2026, 3, 26, 9, 40)
    assert CAL.next_working_day_deadline(at(2025, 3, 20, 12)) == at(2025, 3, 26, 12)


def test_arrival_after_work_hours_is_due_at_the_end_of_the_next_working_day() -> None:
    assert CAL.next_working_day_deadline(at(2025, 11, 12, 18)) == at(2025, 11, 13, 18)
    # 1-2 January 2026 are holidays, then the weekend: due Monday 5 January at 18:00.
    assert CAL.next_working_day_deadline(at(2025, 12, 31, 23, 30)) == at(2026, 1, 5, 18)


def test_arrival_before_work_starts_is_due_at_the_end_of_that_day() -> None:
    assert CAL.next_working_day_deadline(at(2025, 11, 12, 7, 15)) == at(2025, 11, 12, 18)


def test_arrival_on_a_day_off_is_due_at_the_end_of_the_first_working_day() -> None:
    assert CAL.next_working_day_deadline(at(2025, 8, 30, 11)) == at(2025, 9, 2, 18)  # Sat + obs.
    assert CAL.next_working_day_deadline(at(2025, 12, 16, 10)) == at(2025, 12, 17, 18)
    assert CAL.next_working_day_deadline(at(2025, 10, 25, 10)) == at(2025, 10, 28, 18)
    # Saturday 4 January 2025: the next day, a Sunday, was a working day.
    assert CAL.next_working_day_deadline(at(2025, 1, 4, 10)) == at(2025, 1, 5, 18)


def test_an_aware_moment_in_another_zone_is_converted_and_a_naive_one_is_local() -> None:
    utc_moment = datetime(2025, 11, 12, 5, 30, tzinfo=UTC)  # 10:30 in Almaty
    assert CAL.next_working_day_deadline(utc_moment) == at(2025, 11, 13, 10, 30)
    assert CAL.next_working_day_deadline(datetime(2025, 11, 12, 10, 30)) == at(2025, 11, 13, 10, 30)
    assert CAL.next_working_day_deadline(utc_moment).utcoffset() == timedelta(hours=5)


def test_module_level_function_uses_the_default_or_the_given_calendar() -> None:
    moment = at(2025, 11, 12, 10, 30)
    assert next_working_day_deadline(moment) == at(2025, 11, 13, 10, 30)
    short = WorkCalendar(time(8), time(10), ALMATY)
    assert next_working_day_deadline(moment, short) == at(2025, 11, 13, 10)
    assert default_calendar() is default_calendar()


def test_from_settings_reads_the_config_strings() -> None:
    cal = WorkCalendar.from_settings("08:30", "17:00", "Asia/Almaty")
    assert (cal.start, cal.end, cal.day_length) == (time(8, 30), time(17), timedelta(hours=8.5))
    assert cal.next_working_day_deadline(at(2025, 11, 12, 17, 30)) == at(2025, 11, 13, 17)


# -- Working time ------------------------------------------------------------------------------


def test_working_time_counts_only_work_hours_of_working_days() -> None:
    assert CAL.working_time_between(at(2025, 11, 12, 10), at(2025, 11, 12, 12)) == timedelta(
        hours=2
    )
    # Friday 17:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert CAL.working_time_between(at(2025, 11, 14, 17), at(2025, 11, 17, 10)) == timedelta(
        hours=2
    )
    # The whole Nauryz break 2025 (Friday 21 to Tuesday 25 March) has no work hours at all.
    assert CAL.working_time_between(at(2025, 3, 21, 0), at(2025, 3, 26, 0)) == timedelta()
    assert CAL.working_time_between(at(2025, 11, 12, 12), at(2025, 11, 12, 10)) == -timedelta(
        hours=2
    )


def test_working_time_over_a_week_is_five_working_days() -> None:
    week = CAL.working_time_between(at(2025, 11, 10), at(2025, 11, 17))
    assert week == 5 * timedelta(hours=9)


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(ALMATY)
)


@settings(max_examples=300, deadline=None)
@given(moments)
def test_the_deadline_is_always_one_working_day_of_work_hours_later(moment: datetime) -> None:
    deadline = CAL.next_working_day_deadline(moment)
    assert deadline > moment
    assert CAL.working_time_between(moment, deadline) == CAL.day_length
    assert CAL.is_working_day(deadline.date())
    assert CAL.start <= deadline.timetz().replace(tzinfo=None) <= CAL.end


@settings(max_examples=100, deadline=None)
@given(moments, st.integers(1, 200_000))
def test_working_time_is_additive(moment: datetime, minutes: int) -> None:
    middle = moment + timedelta(minutes=minutes)
    end = middle + timedelta(minutes=minutes)
    whole = CAL.working_time_between(moment, end)
    assert whole == CAL.working_time_between(moment, middle) + CAL.working_time_between(middle, end)


def test_another_time_zone_object_works() -> None:
    fixed = WorkCalendar(time(9), time(18), timezone(timedelta(hours=5)))
    assert fixed.next_working_day_deadline(at(2025, 11, 12, 10)).hour == 10


def test_holidays_is_imported_lazily() -> None:
    # The module itself must not import holidays (start-up time); only a calendar query does.
    assert "holidays" not in calendar_module.__dict__
