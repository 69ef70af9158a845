"""Working days and work hours in Kazakhstan, for the regulation's "within one working day".

Days off come from the ``holidays`` package (country ``KZ``): the public holidays, their
"observed" days when a holiday falls on a weekend (for instance Nauryz 2025: 21-25 March), and
the days off moved by government decree that the package knows, together with the weekend days
that such a decree turns into working days (``weekend_workdays``, e.g. Sunday 5 January 2025,
worked in exchange for Friday 3 January). Limits: a decree published after the installed
``holidays`` release is unknown until the package is upgraded, and dates of the Islamic
holiday Kurban ait more than a year ahead are the package's estimates. ``extra_days_off`` and
``extra_working_days`` let a clinic correct both without waiting for a release.

The work week is Monday to Friday; there is no lunch break in the arithmetic. Times are wall
clock times in the calendar's time zone; a naive ``datetime`` is taken to be in that zone.
``holidays`` is imported on first use only, because importing it takes a noticeable part of
the program's start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any

from regdesk.core.clock import DEFAULT_TIMEZONE, zone

_WEEKEND = frozenset({5, 6})  # Saturday, Sunday


@dataclass(eq=False)
class WorkCalendar:
    """The clinic's working days and daily work hours."""

    start: time = time(9, 0)
    end: time = time(18, 0)
    tz: tzinfo = field(default_factory=lambda: zone(DEFAULT_TIMEZONE))
    extra_days_off: frozenset[date] = frozenset()
    """Days off the ``holidays`` package does not know (a new decree)."""
    extra_working_days: frozenset[date] = frozenset()
    """Days that are worked although the package has them as weekend or holiday."""
    _holidays: Any = field(default=None, init=False, repr=False)
    _years: set[int] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("work hours are wall-clock times; give them without a time zone")
        if not self.start < self.end:
            raise ValueError("the working day must end after it starts")
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"days both off and working: {sorted(both)}")

    @classmethod
    def from_settings(
        cls,
        start: str = "09:00",
        end: str = "18:00",
        timezone: str = DEFAULT_TIMEZONE,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> WorkCalendar:
        """A calendar from the configuration's strings ("HH:MM" and an IANA zone name)."""
        return cls(
            start=time.fromisoformat(start),
            end=time.fromisoformat(end),
            tz=zone(timezone),
            extra_days_off=frozenset(extra_days_off),
            extra_working_days=frozenset(extra_working_days),
        )

    @property
    def day_length(self) -> timedelta:
        """The work hours of one working day."""
        day = date(2000, 1, 3)
        return datetime.combine(day, self.end) - datetime.combine(day, self.start)

    # -- days -----------------------------------------------------------------------------------

    def _kz(self, year: int) -> Any:
        # A decree may move a day off into the next year's list (2014 moved a working day to
        # 28 December 2013), so the following year is loaded together with the asked one.
        needed = {year, year + 1} - self._years
        if needed:
            import holidays

            years = self._years | needed
            self._holidays = holidays.country_holidays("KZ", years=sorted(years))
            self._years = years
        return self._holidays

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day in Kazakhstan (moved days off included)."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        kz = self._kz(day.year)
        if day.weekday() in _WEEKEND:
            return day in kz.weekend_workdays
        return day not in kz

    def day_off_name(self, day: date) -> str | None:
        """The English name ``holidays`` gives a holiday on ``day``, for logs; None otherwise."""
        if day in self.extra_days_off:
            return "day off (configured)"
        name = self._kz(day.year).get(day)
        return str(name) if name is not None else None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days from ``first`` to ``last``, both included."""
        out = []
        day = first
        while day <= last:
            if self.is_working_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out

    # -- moments --------------------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's zone (a naive moment is taken to be in it already)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def in_work_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls on a working day between the start and the end of work."""
        here = self.local(moment)
        return self.is_working_day(here.date()) and self.start <= here.time() < self.end

    def next_working_day_deadline(self, moment: datetime) -> datetime:
        """When something that arrived at ``moment`` is due "within one working day".

        - Arriving during work hours of a working day: the same time of day on the next working
          day (09:40 on Friday 20 March 2026 is due at 09:40 on Thursday 26 March, after the
          Nauryz days off).
        - Arriving before work starts on a working day: the end of that day's work hours.
        - Arriving after work ends, or on a day off: the end of the work hours of the first
          working day after it.

        In every case exactly one working day's work hours (``day_length``) of working time lie
        between the arrival and the deadline; the result is in the calendar's zone.
        """
        here = self.local(moment)
        day, clock = here.date(), here.time().replace(tzinfo=None)
        if self.is_working_day(day):
            if clock < self.start:
                return self._at(day, self.end)
            if clock < self.end:
                return self._at(self.next_working_day(day), clock)
        return self._at(self.next_working_day(day), self.end)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The work hours on working days between ``a`` and ``b`` (negative when ``b`` < ``a``)."""
        first, last = self.local(a), self.local(b)
        if last < first:
            return -self.working_time_between(last, first)
        total = timedelta()
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opens = max(self._at(day, self.start), first)
                closes = min(self._at(day, self.end), last)
                if closes > opens:
                    total += closes - opens
            day += timedelta(days=1)
        return total


@cache
def default_calendar() -> WorkCalendar:
    """09:00-18:00 in Asia/Almaty: the calendar used when the caller has none from config."""
    return WorkCalendar()


def next_working_day_deadline(moment: datetime, calendar: WorkCalendar | None = None) -> datetime:
    """``calendar.next_working_day_deadline(moment)``, with the default calendar when None."""
    return (calendar or default_calendar()).next_working_day_deadline(moment)
