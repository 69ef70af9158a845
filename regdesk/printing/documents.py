"""The printed documents as plain data: the talon of attachment, the refusal notice and the
notice of an annulled registration.

The renderers (PDF, receipt text, ESC/POS) read only these objects, so the desk, the CLI and the
tests build a document from whatever they hold (the journal, the config, a form) and print it the
same way. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from regdesk.printing.qr import DigestFields

if TYPE_CHECKING:
    from regdesk.config import Clinic, District

DocKind = Literal["talon", "refusal", "annulment"]

_REFUSAL_RE = re.compile(r"-(\d{4})-R(\d{6,})", re.IGNORECASE)


def refusal_reference(clinic_code: str, year: int, application_id: int) -> str:
    """The reference of a refusal notice for an application refused before it had a number.

    ``CODE-YEAR-R000004``: the clinic, the year of the refusal and the application's id in the
    journal, so it is unique (the id is), derived from the stored record (nothing new to store),
    shaped like an application number for a person to read out, and found again by
    ``regdesk talon verify``/``print`` and the journal's search. The ``R`` keeps it apart from
    application numbers, whose tail is digits only.
    """
    return f"{clinic_code}-{year}-R{application_id:06d}"


def parse_refusal_reference(reference: str) -> tuple[str, int, int] | None:
    """(clinic code, year, application id) of a ``refusal_reference``; None for anything else."""
    text = reference.strip()
    found = _REFUSAL_RE.search(text)
    if found is None or found.end() != len(text) or found.start() == 0:
        return None
    return text[: found.start()].upper(), int(found[1]), int(found[2])


@dataclass(frozen=True)
class ClinicInfo:
    """The clinic as printed in a document's heading."""

    name_kk: str
    name_ru: str
    bin: str
    address_kk: str = ""
    address_ru: str = ""
    phone: str = ""

    @classmethod
    def from_config(cls, clinic: Clinic) -> ClinicInfo:
        return cls(
            name_kk=clinic.name_kk,
            name_ru=clinic.name_ru,
            bin=clinic.bin,
            address_kk=clinic.address_kk,
            address_ru=clinic.address_ru,
            phone=clinic.phone,
        )


@dataclass(frozen=True)
class PersonInfo:
    """The applicant: full name as in the registry, IIN, birth date and registered address."""

    full_name: str
    iin: str
    birth_date: dt.date | None = None
    address: str = ""


@dataclass(frozen=True)
class DistrictInfo:
    """The district (участок) the person is attached to, with its doctor and nurse if known."""

    number: int
    doctor: str = ""
    nurse: str = ""

    @classmethod
    def from_config(cls, district: District) -> DistrictInfo:
        return cls(number=district.number, doctor=district.doctor, nurse=district.nurse)


@dataclass(frozen=True)
class TalonData:
    """The talon of attachment (Table 2 step 8): the applicant's proof of attachment."""

    clinic: ClinicInfo
    number: str
    """The application number given at registration, e.g. CLINIC-2026-000001."""
    date: dt.date
    """The registration date."""
    person: PersonInfo
    employee: str
    """The full name of the employee who issues the talon."""
    issued_at: dt.datetime
    """When this copy was made (local time of the clinic is printed as given)."""
    effective_date: dt.date | None = None
    """The day from which the attachment takes effect."""
    district: DistrictInfo | None = None
    note: str = ""
    """Free text, e.g. home visits for a person living outside the service area."""
    duplicate: bool = False
    """A reprint: the document carries the duplicate mark."""
    signature_sha256: str = ""
    """Hex SHA-256 of the signed content of the application's EDS signature; bound into the QR."""
    mark: str = ""
    """A banner across the document, e.g. a printer's TEST page or a TRAINING talon; printed as
    given (the caller picks the words and languages); empty for a real document. It is not in
    the QR digest: it marks the paper, the signature decides whether the document is real."""

    @property
    def kind(self) -> DocKind:
        return "talon"

    @property
    def reference(self) -> str:
        return self.number


@dataclass(frozen=True)
class RefusalData:
    """The notice of a motivated refusal (Table 2 steps 4 and 7, Table 1 action 7)."""

    clinic: ClinicInfo
    number: str | None
    """The application number; None when refused before registration (then ``internal_id``)."""
    date: dt.date
    """The day of the refusal."""
    person: PersonInfo
    reason_code: str
    reason_kk: str
    reason_ru: str
    employee: str
    issued_at: dt.datetime
    internal_id: str = ""
    """``refusal_reference(...)`` of an application refused before it had a number."""
    note: str = ""
    duplicate: bool = False
    signature_sha256: str = ""
    mark: str = ""
    """As ``TalonData.mark``."""

    def __post_init__(self) -> None:
        if not self.number and not self.internal_id:
            raise ValueError("a refusal notice needs a number or a refusal reference")

    @property
    def kind(self) -> DocKind:
        return "refusal"

    @property
    def reference(self) -> str:
        return self.number or self.internal_id


@dataclass(frozen=True)
class AnnulmentData:
    """The notice that a registration made in error was annulled (issue 11)."""

    clinic: ClinicInfo
    number: str
    """The annulled application's number; it is never given to another application."""
    date: dt.date
    """The day of the annulment in the clinic's time."""
    person: PersonInfo
    reason_code: str
    reason_kk: str
    reason_ru: str
    employee: str
    """The employee who annulled it (and signed the annulment with their EDS)."""
    issued_at: dt.datetime
    note: str = ""
    duplicate: bool = False
    signature_sha256: str = ""
    """Hex SHA-256 of the annulment's signed content; bound into the QR."""
    mark: str = ""
    """As ``TalonData.mark``."""

    @property
    def kind(self) -> DocKind:
        return "annulment"

    @property
    def reference(self) -> str:
        return self.number


Document = TalonData | RefusalData | AnnulmentData


def reason_texts(code: str) -> tuple[str, str]:
    """The Kazakh and Russian texts of refusal reason ``code`` from the core catalogue."""
    from regdesk.core.refusals import reason

    found = reason(code)
    return found.kk, found.ru


def digest_fields(doc: Document) -> DigestFields:
    """What the QR digest of ``doc`` covers (``regdesk.printing.qr``): the same fields for every
    document, with the talon's district and effective date, the notices' reason code."""
    talon = doc if isinstance(doc, TalonData) else None
    return DigestFields(
        kind=doc.kind,
        reference=doc.reference,
        clinic_bin=doc.clinic.bin,
        date=doc.date,
        iin=doc.person.iin,
        signature_sha256=doc.signature_sha256,
        district=talon.district.number if talon is not None and talon.district else None,
        effective_date=talon.effective_date if talon is not None else None,
        reason_code="" if isinstance(doc, TalonData) else doc.reason_code,
    )
