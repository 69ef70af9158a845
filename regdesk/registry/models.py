"""The registry's answers as typed objects, and the strict parsers that build them from JSON.

The shapes are those of ``docs/registry-api.md``; a person and their attachment are core's value
types (``regdesk.core.person``, which also stores them with an application), re-exported here. A
parser accepts exactly what the contract promises: a missing field, a wrong type, an unknown
enumeration value, an invalid IIN or BIN, a date that is not a date, all raise ``ContractError``
naming the field (never its value, which may be personal data). The client turns that into a
``BadAnswer`` carrying the request id. Fields the contract does not know are ignored, so the
service may add fields without breaking clinics.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal, TypeVar, cast, get_args

from regdesk.core.ids import BinError, IinError, parse_bin, parse_iin
from regdesk.core.person import (
    DOCUMENT_TYPES,
    LIFE_STATUSES,
    RELATIONS,
    RESIDENCIES,
    SEXES,
    Address,
    Attachment,
    CodeName,
    DocumentType,
    IdentityDocument,
    LifeStatus,
    Person,
    Relation,
    Representative,
    Residency,
    Sex,
)

PortalStatus = Literal["new", "registered", "refused"]
PortalOutcome = Literal["registered", "refused"]

PORTAL_STATUSES: Final = cast(tuple[PortalStatus, ...], get_args(PortalStatus))
PORTAL_OUTCOMES: Final = cast(tuple[PortalOutcome, ...], get_args(PortalOutcome))

MAX_TEXT: Final = 500
"""The longest text field accepted; longer is a broken answer, not a long name."""


class ContractError(ValueError):
    """An answer that breaks the contract; ``path`` names the field, ``problem`` what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation by BIN (a clinic, for the attachment's and the talon's purposes)."""

    bin: str
    name_kk: str
    name_ru: str
    kind: str
    """A short code of the kind of organisation, e.g. "clinic"."""
    address: str
    active: bool
    """False when the organisation has been liquidated."""


@dataclass(frozen=True, slots=True)
class AttachmentReceipt:
    """The register's confirmation that an attachment was recorded."""

    attachment_id: str
    iin: str
    clinic_bin: str
    district: int
    basis: str
    effective_date: date
    recorded_at: datetime
    replayed: bool
    """True when this is the stored answer to an earlier request with the same idempotency key."""


@dataclass(frozen=True, slots=True)
class AnnulmentReceipt:
    """The register's confirmation that an attachment recorded by this clinic was annulled."""

    annulment_id: str
    iin: str
    clinic_bin: str
    application_number: str
    reason_code: str
    annulled_at: datetime
    replayed: bool
    """True when this is the stored answer to an earlier request with the same idempotency key."""


@dataclass(frozen=True, slots=True)
class PortalApplicationItem:
    """One application in the portal's list for this clinic."""

    id: str
    submitted_at: datetime
    service: str
    applicant_iin: str
    subject_iin: str
    status: PortalStatus


@dataclass(frozen=True, slots=True)
class PortalFile:
    """A document the applicant attached on the portal; its SHA-256 is checked on parsing."""

    name: str
    media_type: str
    sha256: str
    content: bytes


@dataclass(frozen=True, slots=True)
class PortalApplication:
    """A portal application with the applicant-signed payload and the attached documents."""

    id: str
    submitted_at: datetime
    service: str
    status: PortalStatus
    applicant_iin: str
    subject_iin: str
    """Who is to be attached: the applicant, or a minor the applicant represents."""
    relation: Literal["self"] | Relation
    basis: str
    district: int | None
    """The district the applicant asked for, when they did."""
    phone: str
    payload: bytes
    """The exact bytes the applicant signed on the portal (UTF-8 JSON)."""
    signature: bytes
    """The applicant's detached CMS (PKCS#7) signature over ``payload``, DER."""
    files: tuple[PortalFile, ...]


@dataclass(frozen=True, slots=True)
class PortalResultReceipt:
    """The portal's confirmation that a result was posted."""

    application_id: str
    status: PortalStatus
    recorded_at: datetime
    replayed: bool


@dataclass(frozen=True, slots=True)
class Health:
    """The service's own report: it is up, which version, its clock, whom it authenticated."""

    status: str
    version: str
    time: datetime
    client: str
    """How the service identified this workstation (token name or certificate subject)."""


# ---------------------------------------------------------------------------------------------
# Strict reading


E = TypeVar("E", bound=str)


class Fields:
    """A JSON object being read field by field; every problem names the field's path."""

    __slots__ = ("data", "path")

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise ContractError(path, f"expected an object, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def _at(self, name: str) -> str:
        return f"{self.path}.{name}"

    def _raw(self, name: str, optional: bool) -> Any:
        if name not in self.data:
            if optional:
                return None
            raise ContractError(self._at(name), "missing")
        value = self.data[name]
        if value is None and not optional:
            raise ContractError(self._at(name), "null where a value is required")
        return value

    def text(self, name: str, *, empty: bool = False) -> str:
        value = self._raw(name, False)
        return _text(value, self._at(name), empty)

    def opt_text(self, name: str) -> str | None:
        value = self._raw(name, True)
        return None if value is None else _text(value, self._at(name), True) or None

    def boolean(self, name: str) -> bool:
        value = self._raw(name, False)
        if not isinstance(value, bool):
            raise ContractError(self._at(name), f"expected true or false, got {_kind(value)}")
        return value

    def opt_boolean(self, name: str) -> bool | None:
        value = self._raw(name, True)
        return None if value is None else self.boolean(name)

    def integer(self, name: str, low: int = 0, high: int = 10**9) -> int:
        value = self._raw(name, False)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ContractError(self._at(name), f"expected an integer, got {_kind(value)}")
        if not low <= value <= high:
            raise ContractError(self._at(name), f"out of range {low}..{high}")
        return value

    def opt_integer(self, name: str, low: int = 0, high: int = 10**9) -> int | None:
        value = self._raw(name, True)
        return None if value is None else self.integer(name, low, high)

    def day(self, name: str) -> date:
        return _date(self._raw(name, False), self._at(name))

    def opt_day(self, name: str) -> date | None:
        value = self._raw(name, True)
        return None if value is None else _date(value, self._at(name))

    def moment(self, name: str) -> datetime:
        value = self._raw(name, False)
        if not isinstance(value, str) or not 19 <= len(value) <= 40:
            raise ContractError(self._at(name), "expected an RFC 3339 date-time")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ContractError(self._at(name), "expected an RFC 3339 date-time") from None
        if parsed.tzinfo is None:
            raise ContractError(self._at(name), "date-time without a time zone offset")
        return parsed

    def choice(self, name: str, allowed: tuple[E, ...]) -> E:
        value = self._raw(name, False)
        if not isinstance(value, str) or value not in allowed:
            raise ContractError(self._at(name), f"expected one of {', '.join(allowed)}")
        return value

    def iin(self, name: str) -> str:
        value = self._raw(name, False)
        return _iin(value, self._at(name))

    def bin(self, name: str) -> str:
        value = self._raw(name, False)
        if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
            raise ContractError(self._at(name), "expected a BIN (12 digits)")
        try:
            parse_bin(value)
        except BinError:
            raise ContractError(self._at(name), "not a valid BIN") from None
        return value

    def obj(self, name: str) -> Fields:
        return Fields(self._raw(name, False), self._at(name))

    def opt_obj(self, name: str) -> Fields | None:
        value = self._raw(name, True)
        return None if value is None else Fields(value, self._at(name))

    def items(self, name: str, limit: int = 10_000) -> list[tuple[object, str]]:
        value = self._raw(name, False)
        if not isinstance(value, list):
            raise ContractError(self._at(name), f"expected a list, got {_kind(value)}")
        if len(value) > limit:
            raise ContractError(self._at(name), f"more than {limit} items")
        return [(item, f"{self._at(name)}[{i}]") for i, item in enumerate(value)]

    def b64(self, name: str) -> bytes:
        value = self._raw(name, False)
        if not isinstance(value, str):
            raise ContractError(self._at(name), "expected base64 text")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ContractError(self._at(name), "not valid base64") from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _text(value: object, path: str, empty: bool) -> str:
    if not isinstance(value, str):
        raise ContractError(path, f"expected text, got {_kind(value)}")
    if len(value) > MAX_TEXT:
        raise ContractError(path, f"longer than {MAX_TEXT} characters")
    if not empty and not value.strip():
        raise ContractError(path, "empty")
    if any(ord(c) < 32 for c in value):
        raise ContractError(path, "contains control characters")
    return value


def _date(value: object, path: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ContractError(path, "expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ContractError(path, "expected a date YYYY-MM-DD") from None


def _iin(value: object, path: str) -> str:
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        raise ContractError(path, "expected an IIN (12 digits)")
    try:
        parse_iin(value)
    except IinError:
        raise ContractError(path, "not a valid IIN") from None
    return value


# ---------------------------------------------------------------------------------------------
# Parsers, one per answer of the contract


def _code_name(f: Fields) -> CodeName:
    return CodeName(code=f.text("code"), name=f.text("name"))


def _address(f: Fields) -> Address:
    return Address(
        region=f.text("region"),
        district=f.text("district", empty=True),
        city=f.text("city"),
        street=f.text("street", empty=True),
        house=f.text("house", empty=True),
        flat=f.opt_text("flat"),
        ar_code=f.text("ar_code", empty=True),
    )


def _document(f: Fields) -> IdentityDocument:
    issued = f.day("issued")
    expires = f.opt_day("expires")
    if expires is not None and expires < issued:
        raise ContractError(f"{f.path}.expires", "before the issue date")
    return IdentityDocument(
        type=f.choice("type", DOCUMENT_TYPES),
        number=f.text("number"),
        issued=issued,
        expires=expires,
        issuer=f.text("issuer"),
    )


def parse_person(data: object, expected_iin: str | None = None) -> Person:
    """A ``Person`` from a person answer; ``expected_iin`` must match the answer's IIN."""
    f = Fields(data, "person")
    iin = f.iin("iin")
    if expected_iin is not None and iin != expected_iin:
        raise ContractError(f"{f.path}.iin", "the answer is about another IIN than the one asked")
    birth = f.day("birth_date")
    life = f.choice("life_status", LIFE_STATUSES)
    death = f.opt_day("death_date")
    if life == "dead" and death is None:
        raise ContractError(f"{f.path}.death_date", "missing for a dead person")
    if life == "alive" and death is not None:
        raise ContractError(f"{f.path}.death_date", "present for a living person")
    if death is not None and death < birth:
        raise ContractError(f"{f.path}.death_date", "before the birth date")
    nationality = f.opt_obj("nationality")
    address = f.opt_obj("address")
    document = f.opt_obj("document")
    representatives = tuple(
        _representative(Fields(item, path)) for item, path in f.items("representatives", 20)
    )
    return Person(
        iin=iin,
        surname=f.text("surname"),
        first_name=f.text("first_name"),
        patronymic=f.opt_text("patronymic"),
        birth_date=birth,
        sex=f.choice("sex", SEXES),
        citizenship=_code_name(f.obj("citizenship")),
        nationality=None if nationality is None else _code_name(nationality),
        residency=f.choice("residency", RESIDENCIES),
        has_insurance=f.opt_boolean("has_insurance"),
        life_status=life,
        death_date=death,
        address=None if address is None else _address(address),
        document=None if document is None else _document(document),
        representatives=representatives,
    )


def _representative(f: Fields) -> Representative:
    return Representative(iin=f.iin("iin"), relation=f.choice("relation", RELATIONS))


def parse_organisation(data: object, expected_bin: str | None = None) -> Organisation:
    f = Fields(data, "organisation")
    bin_ = f.bin("bin")
    if expected_bin is not None and bin_ != expected_bin:
        raise ContractError(f"{f.path}.bin", "the answer is about another BIN than the one asked")
    return Organisation(
        bin=bin_,
        name_kk=f.text("name_kk"),
        name_ru=f.text("name_ru"),
        kind=f.text("kind"),
        address=f.text("address", empty=True),
        active=f.boolean("active"),
    )


def parse_attachment_answer(data: object, expected_iin: str) -> Attachment | None:
    """The ``attachment`` of an attachment answer; None when the person is attached nowhere."""
    f = Fields(data, "answer")
    if f.iin("iin") != expected_iin:
        raise ContractError(f"{f.path}.iin", "the answer is about another IIN than the one asked")
    a = f.opt_obj("attachment")
    if a is None:
        return None
    return Attachment(
        clinic_bin=a.bin("clinic_bin"),
        clinic_name=a.text("clinic_name"),
        district=a.integer("district", 1, 9999),
        since=a.day("since"),
    )


def parse_attachment_receipt(data: object, replayed: bool) -> AttachmentReceipt:
    f = Fields(data, "receipt")
    return AttachmentReceipt(
        attachment_id=f.text("attachment_id"),
        iin=f.iin("iin"),
        clinic_bin=f.bin("clinic_bin"),
        district=f.integer("district", 1, 9999),
        basis=f.text("basis"),
        effective_date=f.day("effective_date"),
        recorded_at=f.moment("recorded_at"),
        replayed=replayed,
    )


def parse_annulment_receipt(data: object, replayed: bool) -> AnnulmentReceipt:
    f = Fields(data, "receipt")
    return AnnulmentReceipt(
        annulment_id=f.text("annulment_id"),
        iin=f.iin("iin"),
        clinic_bin=f.bin("clinic_bin"),
        application_number=f.text("application_number"),
        reason_code=f.text("reason_code"),
        annulled_at=f.moment("annulled_at"),
        replayed=replayed,
    )


def parse_portal_list(data: object) -> list[PortalApplicationItem]:
    f = Fields(data, "answer")
    out = []
    for item, path in f.items("items"):
        i = Fields(item, path)
        out.append(
            PortalApplicationItem(
                id=i.text("id"),
                submitted_at=i.moment("submitted_at"),
                service=i.text("service"),
                applicant_iin=i.iin("applicant_iin"),
                subject_iin=i.iin("subject_iin"),
                status=i.choice("status", PORTAL_STATUSES),
            )
        )
    return out


def parse_portal_application(data: object, expected_id: str) -> PortalApplication:
    f = Fields(data, "application")
    app_id = f.text("id")
    if app_id != expected_id:
        raise ContractError(f"{f.path}.id", "the answer is about another application")
    relation: Literal["self"] | Relation = f.choice("relation", ("self", *RELATIONS))
    files = tuple(_portal_file(Fields(item, path)) for item, path in f.items("files", 50))
    return PortalApplication(
        id=app_id,
        submitted_at=f.moment("submitted_at"),
        service=f.text("service"),
        status=f.choice("status", PORTAL_STATUSES),
        applicant_iin=f.iin("applicant_iin"),
        subject_iin=f.iin("subject_iin"),
        relation=relation,
        basis=f.text("basis"),
        district=f.opt_integer("district", 1, 9999),
        phone=f.text("phone", empty=True),
        payload=f.b64("payload"),
        signature=f.b64("signature"),
        files=files,
    )


def _portal_file(f: Fields) -> PortalFile:
    content = f.b64("content")
    digest = f.text("sha256").lower()
    if hashlib.sha256(content).hexdigest() != digest:
        raise ContractError(f"{f.path}.sha256", "does not match the content")
    return PortalFile(
        name=f.text("name"), media_type=f.text("media_type"), sha256=digest, content=content
    )


def parse_portal_receipt(data: object, replayed: bool) -> PortalResultReceipt:
    f = Fields(data, "receipt")
    return PortalResultReceipt(
        application_id=f.text("application_id"),
        status=f.choice("status", PORTAL_STATUSES),
        recorded_at=f.moment("recorded_at"),
        replayed=replayed,
    )


def parse_health(data: object) -> Health:
    f = Fields(data, "health")
    return Health(
        status=f.text("status"),
        version=f.text("version"),
        time=f.moment("time"),
        client=f.text("client", empty=True),
    )


__all__ = [
    "DOCUMENT_TYPES",
    "LIFE_STATUSES",
    "RELATIONS",
    "RESIDENCIES",
    "SEXES",
    "Address",
    "Attachment",
    "AttachmentReceipt",
    "CodeName",
    "ContractError",
    "DocumentType",
    "Fields",
    "Health",
    "IdentityDocument",
    "LifeStatus",
    "Organisation",
    "Person",
    "PortalApplication",
    "PortalApplicationItem",
    "PortalFile",
    "PortalResultReceipt",
    "Relation",
    "Representative",
    "Residency",
    "Sex",
    "parse_attachment_answer",
    "parse_attachment_receipt",
    "parse_health",
    "parse_organisation",
    "parse_person",
    "parse_portal_application",
    "parse_portal_list",
    "parse_portal_receipt",
]
