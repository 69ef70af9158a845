"""The clinic's clock: the one place that reads the time and knows the clinic's time zone.

Everything a person reads or the regulation counts (application numbers and their year, the
talon's dates, screens, the journal, events shown, effective dates, deadlines, reports) is clinic
time, from ``ClinicClock.now()`` / ``today()`` / ``local()``. UTC lives only inside storage:
``utc()`` is what a row is stamped with. Tests pin the clock with ``PinnedClock``; nothing else
in the program calls ``datetime.now()``, ``date.today()`` or builds a ``ZoneInfo`` (a test
greps for it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Almaty"


class UnknownTimezone(ValueError):
    """The configured time zone is not an IANA zone name known to this machine."""


@cache
def zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` (e.g. "Asia/Almaty"); UnknownTimezone when there is none."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise UnknownTimezone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownTimezone(name) from exc


def wall_utc() -> datetime:
    """The machine's clock in UTC, for what has no clinic (the registry simulator, a CA tool)."""
    return datetime.now(UTC)


class ClinicClock:
    """The clinic's time, from the machine's clock, in the configured zone."""

    def __init__(self, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.timezone = timezone
        self.tz = zone(timezone)

    def _utc_now(self) -> datetime:
        return datetime.now(UTC)

    def utc(self) -> datetime:
        """Now, in UTC and whole seconds: what storage stamps a row with."""
        return self._utc_now().astimezone(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        """Now, in the clinic's zone (aware), whole seconds."""
        return self.local(self._utc_now()).replace(microsecond=0)

    def __call__(self) -> datetime:
        """Same as ``now()``: the clock can stand where a ``Callable[[], datetime]`` is asked."""
        return self.now()

    def today(self) -> date:
        """The clinic's calendar date now."""
        return self.now().date()

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the clinic's zone; a naive one is taken to be UTC (as stored)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.tz)

    def local_date(self, moment: datetime) -> date:
        """The clinic's calendar date at ``moment``."""
        return self.local(moment).date()


class PinnedClock(ClinicClock):
    """A clock that stands still until told to move: for tests, benches and reproducible demos."""

    def __init__(self, at: datetime, timezone: str = DEFAULT_TIMEZONE) -> None:
        super().__init__(timezone)
        if at.tzinfo is None:
            raise ValueError("a pinned clock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def _utc_now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a pinned clock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **parts: float) -> None:
        """Move the clock forward by ``delta`` or by ``timedelta(**parts)``."""
        self._at += delta if delta is not None else timedelta(**parts)


__all__ = [
    "DEFAULT_TIMEZONE",
    "ClinicClock",
    "PinnedClock",
    "UnknownTimezone",
    "wall_utc",
    "zone",
]
