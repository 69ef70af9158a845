"""The clinic's districts (участки) and the people who serve them, kept in the database.

The config's ``[[districts]]`` are imported once (``import_config``: by ``regdesk init``, or by
the first opening of a data folder that has never had them, so an upgraded clinic and the demo
need no step); after that the database is the place, changed by the head or the admin at the desk
or with ``regdesk district``. A config whose districts differ from what was imported is not read
again: ``import_config`` says so (``ImportResult.differs``), and the desk logs it once per such
config.

A district's streets are ranges (``AddressRange``): the street in Kazakh and in Russian and the
house numbers. ``core.districts`` is the one place that reads them (``AddressRange.entries``
gives it the lines it reads).

Its doctor and nurse are periods (``Appointment``) over clinic dates, ``[valid_from,
valid_to)``: a change from a day closes the open period on that day and opens a new one; nothing
is ever rewritten, so a talon reprinted years later names who served the district on its day
(``staff_on``). Every change is an audit record with the district before and after, in the same
transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlite_utils import Database

from regdesk.core.errors import UserError
from regdesk.store import audit
from regdesk.store.db import from_utc_text, transaction, utc_text

if TYPE_CHECKING:
    from regdesk.config import District as ConfigDistrict

_HOUSES = re.compile(r"^\d+[\w/]*(?:-\d+\w*)?$")
"""One house number or range as ``core.districts`` reads them: 12, 12А, 40/2, 1-45."""

Post = Literal["doctor", "nurse"]
POSTS: tuple[Post, ...] = ("doctor", "nurse")

AUDIT_FIELDS = ("name", "target", "addresses", "doctor", "doctor_from", "nurse", "nurse_from")
"""What a district's audit record keeps before and after a change, in the order shown."""


class DistrictNotFoundError(UserError):
    key = "districts.not_found"


class DistrictExistsError(UserError):
    key = "districts.exists"


class DistrictInputError(UserError):
    """A value typed for a district that cannot be kept; the key (given) says which rule."""


@dataclass(frozen=True)
class AddressRange:
    """One range of a district's streets: the street in kk and in ru (one may be empty), and the
    house numbers as written ("1-45, 47"; empty for the whole street)."""

    street_kk: str
    street_ru: str = ""
    houses: str = ""

    def entries(self) -> tuple[str, ...]:
        """The lines ``core.districts`` reads: the street in each language with the houses."""
        return tuple(
            f"{street} {self.houses}".strip()
            for street in dict.fromkeys((self.street_kk, self.street_ru))
            if street
        )

    def text(self) -> str:
        """As the desk and the CLI show and take it (``parse`` reads it back): ``kk | ru |
        houses``, or with no Russian name as the config writes it, "Абай даңғылы 1-45"."""
        if not self.street_ru:
            return f"{self.street_kk} {self.houses}".strip()
        cells = [self.street_kk, self.street_ru, *([self.houses] if self.houses else [])]
        return " | ".join(cells)

    @classmethod
    def parse(cls, line: str) -> AddressRange:
        """``kk | ru | houses`` (the ru street and the houses may be left out); a line with no
        ``|`` is an entry as the config writes it, "Абай даңғылы 1-45"."""
        from regdesk.core.districts import split_entry

        if "|" not in line:
            street, houses = split_entry(line)
            return cls(street_kk=street, houses=houses)
        cells = [" ".join(c.split()) for c in line.split("|")]
        if len(cells) > 3:
            raise DistrictInputError("districts.range_cells", line=line.strip())
        kk, ru, houses = [*cells, "", ""][:3]
        if not kk and not ru:
            raise DistrictInputError("districts.range_street", line=line.strip())
        houses = re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", houses)  # "1 - 45" is "1-45"
        if houses and not all(_HOUSES.match(part) for part in re.split(r"[\s,]+", houses) if part):
            raise DistrictInputError("districts.range_houses", line=line.strip())
        return cls(street_kk=kk, street_ru=ru, houses=houses)

    @classmethod
    def from_entry(cls, entry: str) -> AddressRange:
        """A config entry ("Абай даңғылы 47, 51-99"), its street and houses cut apart."""
        from regdesk.core.districts import split_entry

        street, houses = split_entry(entry)
        return cls(street_kk=street, houses=houses)


@dataclass(frozen=True)
class Appointment:
    """A doctor or nurse of a district for a period of clinic dates ``[valid_from, valid_to)``;
    ``full_name`` empty when the post was left vacant."""

    id: int
    district: int
    post: Post
    full_name: str
    valid_from: date | None
    """None: since before the database knew (imported from the config)."""
    valid_to: date | None
    """The first day no longer served; None while serving."""
    set_at: datetime
    set_by: str

    @property
    def last_day(self) -> date | None:
        """The last day served (a person reads that, not the first day no longer served)."""
        return self.valid_to - timedelta(days=1) if self.valid_to is not None else None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass(frozen=True)
class DistrictRecord:
    """A district as the desk reads it, with its doctor and nurse on one day (``day``)."""

    number: int
    name: str
    target: int | None
    """How many attached people the district is planned for; None: not set."""
    ranges: tuple[AddressRange, ...]
    day: date | None
    doctor: str = ""
    nurse: str = ""
    doctor_from: date | None = None
    nurse_from: date | None = None

    @property
    def addresses(self) -> tuple[str, ...]:
        """The entries ``core.districts`` matches addresses against (``DistrictLike``)."""
        return tuple(e for r in self.ranges for e in r.entries())


@dataclass(frozen=True)
class ImportResult:
    """What ``import_config`` did: ``imported`` districts now (0 when they were before);
    ``differs`` when the config's districts are not those imported; ``first_notice`` when that
    difference was not said before (the desk logs it once)."""

    imported: int
    differs: bool = False
    first_notice: bool = False
    imported_at: datetime | None = None


def fingerprint(districts: Iterable[ConfigDistrict]) -> str:
    """SHA-256 over the config's districts as they would be imported (order kept)."""
    data = [
        {"number": d.number, "doctor": d.doctor, "nurse": d.nurse, "addresses": list(d.addresses)}
        for d in districts
    ]
    return hashlib.sha256(audit.canonical_json(data).encode("utf-8")).hexdigest()


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


class Districts:
    """The districts of the clinic's database (opened by ``store.db.open_db``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._counted: tuple[datetime, str, dict[int, int]] | None = None
        """The last ``recent_counts``: when, for which BIN, and the counts."""

    # -- reading --------------------------------------------------------------------------------

    def numbers(self) -> list[int]:
        return [int(r[0]) for r in self.db.conn.execute("SELECT number FROM districts ORDER BY 1")]

    def records(self, day: date | None) -> list[DistrictRecord]:
        """Every district in number order, with the doctor and nurse serving on ``day`` (None:
        whoever serves now, the open periods)."""
        conn = self.db.conn
        ranges: dict[int, list[AddressRange]] = {}
        for row in conn.execute(
            "SELECT district, street_kk, street_ru, houses FROM district_ranges"
            " ORDER BY district, position"
        ):
            ranges.setdefault(int(row[0]), []).append(AddressRange(row[1], row[2], row[3]))
        people: dict[tuple[int, str], Appointment] = {}
        for a in self._appointments():
            if (a.valid_to is None and day is None) or (day is not None and a.covers(day)):
                people[(a.district, a.post)] = a  # the newest row wins (ordered by id)
        out = []
        for number, name, target in conn.execute(
            "SELECT number, name, target FROM districts ORDER BY number"
        ):
            doctor, nurse = people.get((number, "doctor")), people.get((number, "nurse"))
            out.append(
                DistrictRecord(
                    number=int(number),
                    name=str(name),
                    target=int(target) if target is not None else None,
                    ranges=tuple(ranges.get(int(number), ())),
                    day=day,
                    doctor=doctor.full_name if doctor else "",
                    nurse=nurse.full_name if nurse else "",
                    doctor_from=doctor.valid_from if doctor else None,
                    nurse_from=nurse.valid_from if nurse else None,
                )
            )
        return out

    def get(self, number: int, day: date | None = None) -> DistrictRecord:
        found = next((d for d in self.records(day) if d.number == number), None)
        if found is None:
            raise DistrictNotFoundError(number=number)
        return found

    def staff_on(self, number: int, day: date) -> tuple[str, str] | None:
        """(doctor, nurse) of district ``number`` on ``day``; None for a district not kept."""
        if not self._exists(number):
            return None
        people = {
            a.post: a.full_name
            for a in self._appointments(number)
            if a.covers(day)  # ordered by id: a later row for the same day wins
        }
        return people.get("doctor", ""), people.get("nurse", "")

    def history(self, number: int) -> list[Appointment]:
        """Every period of the district's doctor and nurse, as set, oldest first."""
        if not self._exists(number):
            raise DistrictNotFoundError(number=number)
        return self._appointments(number)

    def _appointments(self, number: int | None = None) -> list[Appointment]:
        sql = (
            "SELECT id, district, post, full_name, valid_from, valid_to, set_at, set_by"
            " FROM district_staff"
        )
        params: tuple[object, ...] = ()
        if number is not None:
            sql += " WHERE district = ?"
            params = (number,)
        return [
            Appointment(
                id=int(r[0]),
                district=int(r[1]),
                post=r[2],
                full_name=r[3],
                valid_from=_day(r[4]),
                valid_to=_day(r[5]),
                set_at=from_utc_text(r[6]),
                set_by=r[7],
            )
            for r in self.db.conn.execute(sql + " ORDER BY id", params)
        ]

    def _exists(self, number: int) -> bool:
        row = self.db.conn.execute("SELECT 1 FROM districts WHERE number = ?", (number,))
        return row.fetchone() is not None

    def recent_counts(self, clinic_bin: str, now: datetime, max_age: timedelta) -> dict[int, int]:
        """``counts``, read again only when the last reading is older than ``max_age``: the
        form asks at every change of the address, and a million applications take a moment."""
        kept = self._counted
        if kept is not None and kept[1] == clinic_bin and timedelta(0) <= now - kept[0] < max_age:
            return kept[2]
        counts = self.counts(clinic_bin)
        self._counted = (now, clinic_bin, counts)
        return counts

    def counts(self, clinic_bin: str) -> dict[int, int]:
        """How many people are attached to each district (the rule is ``desk.districts``'s):
        each IIN once, in the district of its newest registration in the journal (registered
        or issued; an annulled one no longer counts), or, for an IIN the journal has registered
        nowhere, of the newest registry answer kept for it when that answer names this clinic."""
        conn = self.db.conn
        out: dict[int, int] = {}
        for district, n in conn.execute(
            "SELECT district, count(*) FROM (SELECT applicant_iin, district, max(registered_at)"
            " FROM applications WHERE state IN ('registered', 'issued')"
            " AND district IS NOT NULL GROUP BY applicant_iin) GROUP BY district"
        ):
            out[int(district)] = int(n)
        for district, n in conn.execute(
            "SELECT d, count(*) FROM (SELECT a.applicant_iin,"
            " json_extract(a.registry_data, '$.attachment.district') AS d,"
            " json_extract(a.registry_data, '$.attachment.clinic_bin') AS bin, max(a.created_at)"
            " FROM applications a WHERE a.registry_data IS NOT NULL AND NOT EXISTS ("
            " SELECT 1 FROM applications r WHERE r.applicant_iin = a.applicant_iin"
            " AND r.state IN ('registered', 'issued') AND r.district IS NOT NULL)"
            " GROUP BY a.applicant_iin) WHERE bin = ? AND d IS NOT NULL GROUP BY d",
            (clinic_bin,),
        ):
            out[int(district)] = out.get(int(district), 0) + int(n)
        return out

    # -- changes --------------------------------------------------------------------------------

    def add(
        self,
        number: int,
        now: datetime,
        *,
        actor: str,
        name: str = "",
        target: int | None = None,
        ranges: Sequence[AddressRange] = (),
    ) -> None:
        _check_number(number)
        _check_target(target)
        with transaction(self.db):
            if self._exists(number):
                raise DistrictExistsError(number=number)
            self._insert(number, name, target, ranges, now)
            self._audit(actor, "admin.district_add", number, now, None)

    def update(
        self,
        number: int,
        now: datetime,
        *,
        actor: str,
        name: str | None = None,
        target: int | Literal["keep"] | None = "keep",
        ranges: Sequence[AddressRange] | None = None,
    ) -> bool:
        """Change the name, the target (None clears it) or the streets; False when nothing
        changed (no record is written then)."""
        if target != "keep":
            _check_target(target)
        with transaction(self.db):
            before = self._snapshot(number)
            conn = self.db.conn
            if name is not None:
                conn.execute(
                    "UPDATE districts SET name = ? WHERE number = ?",
                    (" ".join(name.split()), number),
                )
            if target != "keep":
                conn.execute("UPDATE districts SET target = ? WHERE number = ?", (target, number))
            if ranges is not None:
                conn.execute("DELETE FROM district_ranges WHERE district = ?", (number,))
                self._insert_ranges(number, ranges)
            after = self._snapshot(number)
            if after == before:
                return False
            conn.execute(
                "UPDATE districts SET updated_at = ? WHERE number = ?", (utc_text(now), number)
            )
            self._audit(actor, "admin.district_edit", number, now, before, after)
        return True

    def appoint(
        self, number: int, post: Post, full_name: str, from_day: date, now: datetime, *, actor: str
    ) -> bool:
        """``full_name`` serves the district as its ``post`` from ``from_day`` (empty: the post
        is vacant from then). The open period is closed on ``from_day``; a day before the open
        period's start is refused, as that would rewrite who served then. False when the same
        person already serves from that day (nothing is written)."""
        if post not in POSTS:
            raise ValueError(post)
        name = " ".join(full_name.split())
        with transaction(self.db):
            before = self._snapshot(number)
            current = next(
                (
                    a
                    for a in reversed(self._appointments(number))
                    if a.post == post and a.valid_to is None
                ),
                None,
            )
            if current is not None:
                if current.valid_from is not None and from_day < current.valid_from:
                    raise DistrictInputError(
                        "districts.before_current",
                        number=number,
                        day=from_day.strftime("%d.%m.%Y"),
                        since=current.valid_from.strftime("%d.%m.%Y"),
                        name=current.full_name or "—",
                    )
                if current.full_name == name:
                    return False
                self.db.conn.execute(
                    "UPDATE district_staff SET valid_to = ? WHERE id = ?",
                    (from_day.isoformat(), current.id),
                )
            elif not name:
                return False
            self._appoint(number, post, name, from_day, now, actor)
            self._audit(actor, f"admin.district_{post}", number, now, before)
        return True

    def import_config(
        self, districts: Sequence[ConfigDistrict], now: datetime, *, source: str
    ) -> ImportResult:
        """The config's districts into a database that never had them, once; idempotent. A
        config with none imports nothing and leaves the import to come (with its districts).

        Afterwards the config is compared, not read: ``differs`` when its districts are not
        those imported, ``first_notice`` the first time a given config differs."""
        marker = self.db.conn.execute(
            "SELECT imported_at, fingerprint, noticed FROM district_import"
        ).fetchone()
        if marker is None and not districts:
            return ImportResult(0)  # nothing yet: the config given districts later imports them
        mine = fingerprint(districts)
        if marker is not None and (marker[1] == mine or marker[2] == mine):
            return ImportResult(0, differs=marker[1] != mine, imported_at=from_utc_text(marker[0]))
        with transaction(self.db):
            marker = self.db.conn.execute(
                "SELECT imported_at, fingerprint, noticed FROM district_import"
            ).fetchone()
            if marker is not None:  # imported before: say a new difference once
                at = from_utc_text(marker[0])
                if marker[1] == mine:
                    return ImportResult(0, imported_at=at)
                if marker[2] == mine:
                    return ImportResult(0, differs=True, imported_at=at)
                self.db.conn.execute("UPDATE district_import SET noticed = ?", (mine,))
                return ImportResult(0, differs=True, first_notice=True, imported_at=at)
            imported = 0
            for d in districts:
                if self._exists(d.number):  # added at the desk before any import: kept
                    continue
                ranges = [AddressRange.from_entry(e) for e in d.addresses]
                self._insert(d.number, "", None, ranges, now)
                for post, who in (("doctor", d.doctor), ("nurse", d.nurse)):
                    if who.strip():
                        self._appoint(d.number, post, " ".join(who.split()), None, now, "config")
                self._audit("config", "admin.district_import", d.number, now, None)
                imported += 1
            self.db.conn.execute(
                "INSERT INTO district_import (id, imported_at, source, fingerprint)"
                " VALUES (1, ?, ?, ?)",
                (utc_text(now), source, mine),
            )
        return ImportResult(imported, imported_at=now)

    # -- inside a transaction -------------------------------------------------------------------

    def _insert(
        self,
        number: int,
        name: str,
        target: int | None,
        ranges: Sequence[AddressRange],
        now: datetime,
    ) -> None:
        self.db.conn.execute(
            "INSERT INTO districts (number, name, target, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (number, " ".join(name.split()), target, utc_text(now), utc_text(now)),
        )
        self._insert_ranges(number, ranges)

    def _insert_ranges(self, number: int, ranges: Sequence[AddressRange]) -> None:
        self.db.conn.executemany(
            "INSERT INTO district_ranges (district, position, street_kk, street_ru, houses)"
            " VALUES (?, ?, ?, ?, ?)",
            [(number, i, r.street_kk, r.street_ru, r.houses) for i, r in enumerate(ranges)],
        )

    def _appoint(
        self,
        number: int,
        post: str,
        name: str,
        from_day: date | None,
        now: datetime,
        actor: str,
    ) -> None:
        self.db.conn.execute(
            "INSERT INTO district_staff (district, post, full_name, valid_from, set_at, set_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (number, post, name, from_day.isoformat() if from_day else None, utc_text(now), actor),
        )

    def _snapshot(self, number: int) -> dict[str, Any]:
        """The district as its audit records keep it (the people who serve now)."""
        d = self.get(number)
        return {
            "name": d.name,
            "target": d.target,
            "addresses": [r.text() for r in d.ranges],
            "doctor": d.doctor,
            "doctor_from": d.doctor_from.isoformat() if d.doctor_from else None,
            "nurse": d.nurse,
            "nurse_from": d.nurse_from.isoformat() if d.nurse_from else None,
        }

    def _audit(
        self,
        actor: str,
        action: str,
        number: int,
        now: datetime,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None = None,
    ) -> None:
        audit.append(
            self.db,
            actor_iin=actor,
            action=action,
            object=f"district:{number}",
            detail={"before": before, "after": after or self._snapshot(number)},
            at=now,
        )


def _check_number(number: int) -> None:
    if not 1 <= number <= 9999:
        raise DistrictInputError("districts.bad_number", number=number)


def _check_target(target: int | None) -> None:
    if target is not None and not 1 <= target <= 100_000:
        raise DistrictInputError("districts.bad_target", target=target)


__all__ = [
    "AUDIT_FIELDS",
    "POSTS",
    "AddressRange",
    "Appointment",
    "DistrictExistsError",
    "DistrictInputError",
    "DistrictNotFoundError",
    "DistrictRecord",
    "Districts",
    "ImportResult",
    "Post",
    "fingerprint",
]
