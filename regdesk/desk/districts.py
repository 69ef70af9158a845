"""The districts (участки) and their doctors and nurses (issue 15): read by every desk (the
form's suggestion, the talon), changed only by a head or an admin.

Every change starts with ``ctx.require(Permission.DISTRICTS, …)`` (``core.roles``), whatever
screen or command asked, and is an audit record with the district before and after
(``store.districts``), read in the admin journal.

**Attached people** (``DistrictRow.attached``), the figure set against a district's target
size: each IIN is counted once, in the district of its newest registration in this clinic's
journal that still stands (registered or issued; an annulled one does not count, a campaign's
registration counts before its effective date as the district already takes the person on);
an IIN that the journal has registered nowhere counts in the district of the newest registry
answer kept for it (the look-up of any application, e.g. one refused as "already attached here")
when that answer names this clinic's BIN. So the people attached before regdesk are counted as
far as the desk has seen them, and nobody twice. A person who later left for another clinic
still counts here until the journal or a newer answer says otherwise: the figure is a guide for
the suggestion and the head, not the register's own count.

**The suggestion** prefers, among several districts whose ranges hold an address, the first
(by number) whose attached count is under its target; a district with no target is never full.
It reads counts at most two minutes old (``SUGGESTION_COUNTS_AGE``); the head's list counts
afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from regdesk.core.roles import Permission
from regdesk.desk.context import Actor, DeskContext
from regdesk.desk.errors import DeskError, saving
from regdesk.store.districts import (
    AddressRange,
    Appointment,
    DistrictNotFoundError,
    DistrictRecord,
    Post,
)

SUGGESTION_COUNTS_AGE = timedelta(minutes=2)
"""How old the attached counts the suggestion reads may be: it is asked at every change of the
address, and counting over a million applications takes a moment (``bench/districts.py``)."""


@dataclass(frozen=True)
class DistrictRow:
    """A district as the head's list shows it: its people today and its attached count."""

    district: DistrictRecord
    attached: int

    @property
    def number(self) -> int:
        return self.district.number

    @property
    def full(self) -> bool:
        target = self.district.target
        return target is not None and self.attached >= target


@dataclass(frozen=True)
class DistrictDetail:
    """One district opened: as listed, and every period of its doctor and nurse."""

    row: DistrictRow
    history: tuple[Appointment, ...]


class DistrictAdmin:
    """The clinic's districts: read by all, changed by a head or an admin."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    # -- for every desk -------------------------------------------------------------------------

    def current(self) -> list[DistrictRecord]:
        """The districts with the doctor and nurse serving today (the form's choice)."""
        ctx = self._ctx
        districts = ctx.districts
        with ctx.locked():
            return districts.records(ctx.today())

    def full(self) -> set[int]:
        """The districts at or over their target size (the suggestion passes them over), from
        counts at most ``SUGGESTION_COUNTS_AGE`` old."""
        ctx = self._ctx
        districts = ctx.districts
        with ctx.locked():
            records = districts.records(ctx.today())
            counts = districts.recent_counts(
                ctx.config.clinic.bin, ctx.clock.utc(), SUGGESTION_COUNTS_AGE
            )
        return {
            d.number
            for d in records
            if d.target is not None and counts.get(d.number, 0) >= d.target
        }

    def staff_on(self, number: int, day: date) -> tuple[str, str] | None:
        """(doctor, nurse) of district ``number`` on ``day``; None for a district not kept."""
        ctx = self._ctx
        districts = ctx.districts
        with ctx.locked():
            return districts.staff_on(number, day)

    def _rows(self) -> list[DistrictRow]:
        ctx = self._ctx
        districts = ctx.districts
        with ctx.locked():
            records = districts.records(ctx.today())
            counts = districts.counts(ctx.config.clinic.bin)
        return [DistrictRow(d, counts.get(d.number, 0)) for d in records]

    # -- for a head or an admin -----------------------------------------------------------------

    def may_administer(self) -> bool:
        """Whether the employee acting now may change the districts (the menu asks it)."""
        return self._ctx.may(Permission.DISTRICTS)

    def _head(self, what: str) -> Actor:
        return self._ctx.require(Permission.DISTRICTS, what)

    def overview(self) -> list[DistrictRow]:
        """Every district with its doctor, nurse (today) and attached count against target."""
        self._head("district_list")
        return self._rows()

    def show(self, number: int) -> DistrictDetail:
        self._head("district_list")
        row = next((r for r in self._rows() if r.number == number), None)
        if row is None:
            raise DistrictNotFoundError(number=number)
        ctx = self._ctx
        with ctx.locked():
            history = ctx.districts.history(number)
        return DistrictDetail(row=row, history=tuple(history))

    def add(
        self,
        number: int,
        name: str = "",
        target: int | None = None,
        ranges: Sequence[AddressRange] = (),
    ) -> None:
        actor = self._head("district_change")
        ctx = self._ctx
        districts = ctx.districts
        with saving("district", ctx.paths.database.parent), ctx.locked():
            districts.add(
                number, ctx.clock.utc(), actor=actor.iin, name=name, target=target, ranges=ranges
            )

    def edit(
        self,
        number: int,
        *,
        name: str | None = None,
        target: int | Literal["keep"] | None = "keep",
        ranges: Sequence[AddressRange] | None = None,
    ) -> bool:
        """Change the name, the target size (None: none) or the streets; False: no change."""
        actor = self._head("district_change")
        ctx = self._ctx
        districts = ctx.districts
        with saving("district", ctx.paths.database.parent), ctx.locked():
            return districts.update(
                number, ctx.clock.utc(), actor=actor.iin, name=name, target=target, ranges=ranges
            )

    def set_doctor(self, number: int, full_name: str, from_day: date) -> bool:
        """``full_name`` is the district's doctor from ``from_day`` (clinic date)."""
        return self._appoint(number, "doctor", full_name, from_day)

    def set_nurse(self, number: int, full_name: str, from_day: date) -> bool:
        return self._appoint(number, "nurse", full_name, from_day)

    def _appoint(self, number: int, post: Post, full_name: str, from_day: date) -> bool:
        actor = self._head("district_change")
        ctx = self._ctx
        districts = ctx.districts
        with saving("district", ctx.paths.database.parent), ctx.locked():
            return districts.appoint(
                number, post, full_name, from_day, ctx.clock.utc(), actor=actor.iin
            )


def parse_day(text: str) -> date:
    """A clinic date as typed: ``DD.MM.YYYY`` (or ``YYYY-MM-DD``); ``districts.bad_date``."""
    for shape in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), shape).date()
        except ValueError:
            continue
    raise DeskError("districts.bad_date", text=text)


def parse_target(text: str) -> int | None:
    """A target size as typed: a whole number, or empty / ``none`` / ``-`` for none."""
    cleaned = text.strip().replace(" ", "")
    if cleaned.lower() in ("", "none", "-", "—"):
        return None
    if not cleaned.isdigit():
        raise DeskError("districts.target_not_number", text=text)
    return int(cleaned)


def parse_ranges(text: str) -> list[AddressRange]:
    """The streets as typed, one range a line (``kk | ru | houses``); blank lines skipped."""
    return [AddressRange.parse(line) for line in text.splitlines() if line.strip()]


__all__ = [
    "DistrictAdmin",
    "DistrictDetail",
    "DistrictRow",
    "parse_day",
    "parse_ranges",
    "parse_target",
]
