"""The clinic's clock: clinic time for people and rules, UTC for storage, pinned for tests.

Asia/Almaty is UTC+5 all year (no summer time; the whole country has been on UTC+5 since March
2024), so every expected Almaty value below is the UTC moment plus five hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from regdesk.core.clock import (
    DEFAULT_TIMEZONE,
    ClinicClock,
    PinnedClock,
    UnknownTimezone,
    wall_utc,
    zone,
)

EVENING_UTC = datetime(2026, 12, 1, 20, 29, 41, 123456, tzinfo=UTC)


def test_the_default_zone_is_almaty_five_hours_ahead_of_utc() -> None:
    assert DEFAULT_TIMEZONE == "Asia/Almaty"
    assert zone("Asia/Almaty").utcoffset(datetime(2026, 12, 1)) == timedelta(hours=5)
    assert zone("Asia/Almaty").utcoffset(datetime(2026, 7, 1)) == timedelta(hours=5)


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "", " Asia/Almaty", "/etc/passwd", "../../etc/passwd", "Asia/../UTC"]
)
def test_an_unknown_zone_is_refused_by_name(name: str) -> None:
    with pytest.raises(UnknownTimezone) as caught:
        zone(name)
    assert caught.value.args == (name,)
    with pytest.raises(UnknownTimezone):
        ClinicClock(name)


def test_a_pinned_clock_gives_clinic_time_to_people_and_utc_to_storage() -> None:
    clock = PinnedClock(EVENING_UTC, "Asia/Almaty")
    now = clock.now()
    # 20:29 UTC on 1 December is 01:29 on 2 December in Almaty; whole seconds.
    assert (now.year, now.month, now.day, now.hour, now.minute, now.second) == (
        2026,
        12,
        2,
        1,
        29,
        41,
    )
    assert now.microsecond == 0
    assert now.utcoffset() == timedelta(hours=5)
    assert clock() == now
    assert clock.today() == date(2026, 12, 2)
    utc = clock.utc()
    assert utc == datetime(2026, 12, 1, 20, 29, 41, tzinfo=UTC)
    assert utc.utcoffset() == timedelta(0)
    assert utc == now  # the same moment, told in two zones


def test_local_takes_a_naive_moment_as_utc_as_storage_keeps_it() -> None:
    clock = ClinicClock("Asia/Almaty")
    naive = datetime(2026, 12, 31, 23, 59)
    assert clock.local(naive) == datetime(2027, 1, 1, 4, 59, tzinfo=zone("Asia/Almaty"))
    assert clock.local_date(naive) == date(2027, 1, 1)
    aware = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert clock.local(aware).hour == 4
    assert clock.local_date(aware) == date(2027, 1, 1)


def test_another_zone_is_another_clinic_day() -> None:
    # 20:29 UTC is 23:29 on 1 December in Moscow (UTC+3) and 01:29 on 2 December in Almaty.
    moscow = PinnedClock(EVENING_UTC, "Europe/Moscow")
    assert moscow.today() == date(2026, 12, 1)
    assert moscow.now().hour == 23
    assert PinnedClock(EVENING_UTC, "Asia/Almaty").today() == date(2026, 12, 2)


def test_a_pinned_clock_moves_only_when_told() -> None:
    clock = PinnedClock(EVENING_UTC)
    assert clock.now() == clock.now()
    clock.advance(minutes=31)
    assert clock.now().hour == 2 and clock.now().minute == 0
    clock.advance(timedelta(days=1))
    assert clock.today() == date(2026, 12, 3)
    clock.set(datetime(2026, 12, 31, 19, 0, tzinfo=UTC))
    assert clock.today() == date(2027, 1, 1)


def test_a_pinned_clock_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError):
        PinnedClock(datetime(2026, 12, 1, 20, 29))
    clock = PinnedClock(EVENING_UTC)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 12, 1, 20, 29))


def test_the_machine_clock_is_read_in_utc() -> None:
    # The one test that reads the wall clock: it checks the zone, not the moment.
    assert wall_utc().utcoffset() == timedelta(0)
    assert ClinicClock("Asia/Almaty").now().utcoffset() == timedelta(hours=5)
