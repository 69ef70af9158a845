"""A document built from an application as the journal keeps it.

The desk (printing at step 8, reprinting) and ``regdesk talon`` (printing, verifying) must build
the same talon from the same record, or a verification would fail on a date or a district. This
module is that one recipe. It reads the record by attribute name only (``RecordLike``), so the
printing layer stays independent of the store: a ``regdesk.store.journal.ApplicationRecord``
fits, and so does any object with the same fields.

Dates and times printed (and bound into the QR digest) are the clinic's (``[work_hours]
timezone``), not the UTC of the stored timestamps: a registration at 00:30 in Almaty is stored on
the previous UTC day, and a talon issued then says 00:30, not 19:30.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from regdesk.core.application import State
from regdesk.core.clock import ClinicClock
from regdesk.core.errors import UserError
from regdesk.printing.documents import (
    ClinicInfo,
    DistrictInfo,
    Document,
    PersonInfo,
    RefusalData,
    TalonData,
    reason_texts,
    refusal_reference,
)

if TYPE_CHECKING:
    from regdesk.config import Config


class NotPrintable(UserError):
    """The application has no document yet: neither registered nor refused."""

    key = "printing.not_printable"


class RecordLike(Protocol):
    """The fields of a journal record that a document is built from."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> State: ...
    @property
    def number(self) -> str | None: ...
    @property
    def applicant_iin(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def birth_date(self) -> date | None: ...
    @property
    def district(self) -> int | None: ...
    @property
    def effective_date(self) -> date | None: ...
    @property
    def refusal_code(self) -> str | None: ...
    @property
    def refusal_note(self) -> str | None: ...
    @property
    def registry_data(self) -> dict[str, Any] | None: ...
    @property
    def form(self) -> dict[str, Any] | None: ...
    @property
    def registered_at(self) -> datetime | None: ...
    @property
    def decided_at(self) -> datetime | None: ...


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day of ``moment`` in the clinic's time zone (naive times are taken as is)."""
    if moment.tzinfo is None:
        return moment.date()
    return ClinicClock(timezone).local_date(moment)


def address_text(registry_data: Mapping[str, Any] | None) -> str:
    """The registered address from the registry snapshot, as one line."""
    person = (registry_data or {}).get("person") or {}
    address = person.get("address") or {}
    if isinstance(address, str):
        return address
    house = str(address.get("house") or "")
    if address.get("flat"):
        house = f"{house}-{address['flat']}" if house else str(address["flat"])
    parts = (address.get("region"), address.get("city"), address.get("street"), house)
    return ", ".join(str(p) for p in parts if p)


def reference_of(record: RecordLike, config: Config) -> str:
    """What a person quotes for ``record``: its number, or for an application refused before it
    had one, its refusal reference (``documents.refusal_reference``, the year of the refusal in
    the clinic's time); for a draft with neither, the id alone as ``#id``."""
    if record.number:
        return record.number
    if record.state == State.REFUSED and record.decided_at is not None:
        day = local_day(record.decided_at, config.work_hours.timezone)
        return refusal_reference(config.clinic.code, day.year, record.id)
    return f"#{record.id}"


def document_kind(record: RecordLike) -> str:
    """``talon`` or ``refusal``; NotPrintable for an application that has neither yet."""
    if record.state == State.REFUSED:
        return "refusal"
    if record.state in (State.REGISTERED, State.ISSUED) and record.number:
        return "talon"
    raise NotPrintable(number=record.number or str(record.id), state=str(record.state))


def build_document(
    record: RecordLike,
    config: Config,
    *,
    employee: str,
    issued_at: datetime,
    duplicate: bool = False,
    signature_sha256: str = "",
    district_staff: Callable[[int, date], tuple[str, str] | None] | None = None,
) -> Document:
    """The talon (registered or issued) or the refusal notice (refused) of ``record``.

    ``district_staff(number, day)`` gives the doctor and nurse who served the district on the
    registration's day (clinic date): the desk's from the database, so a talon reprinted after a
    change of doctor names the one of its day. Without it (a document built from the config
    alone) the config's district is printed.
    """
    tz = config.work_hours.timezone
    if issued_at.tzinfo is not None:
        # Whoever passes the moment, the paper shows it in the clinic's time.
        issued_at = ClinicClock(tz).local(issued_at)
    clinic = ClinicInfo.from_config(config.clinic)
    person = PersonInfo(
        full_name=record.full_name,
        iin=record.applicant_iin,
        birth_date=record.birth_date,
        address=address_text(record.registry_data),
    )
    if document_kind(record) == "refusal":
        code = record.refusal_code or "other"
        kk, ru = reason_texts(code)
        day = local_day(record.decided_at or issued_at, tz)
        return RefusalData(
            clinic=clinic,
            number=record.number,
            date=day,
            person=person,
            reason_code=code,
            reason_kk=kk,
            reason_ru=ru,
            employee=employee,
            issued_at=issued_at,
            internal_id=""
            if record.number
            else refusal_reference(config.clinic.code, day.year, record.id),
            note=record.refusal_note or "",
            duplicate=duplicate,
            signature_sha256=signature_sha256,
        )
    assert record.number is not None  # document_kind checked it
    day = local_day(record.registered_at or issued_at, tz)
    district_info: DistrictInfo | None = None
    if record.district is not None and district_staff is not None:
        people = district_staff(record.district, day)
        doctor, nurse = people if people is not None else ("", "")
        district_info = DistrictInfo(number=record.district, doctor=doctor, nurse=nurse)
    elif record.district is not None:
        district = next((d for d in config.districts if d.number == record.district), None)
        district_info = (
            DistrictInfo.from_config(district)
            if district is not None
            else DistrictInfo(number=record.district)
        )
    return TalonData(
        clinic=clinic,
        number=record.number,
        date=day,
        person=person,
        employee=employee,
        issued_at=issued_at,
        effective_date=record.effective_date,
        district=district_info,
        note=str((record.form or {}).get("note", "") or ""),
        duplicate=duplicate,
        signature_sha256=signature_sha256,
    )
