"""A person and their attachment as the state databases know them, as an application keeps them.

These are the registry's facts as values: the client (``regdesk.registry.models``) builds them
from the contract's answers with its strict parsers, the rules (``regdesk.core.rules``) read them,
and an application stores the pair as it was seen at the look-up (``RegistryFacts``), so that the
form, the checks and the printed talon later work from what the receptionist saw.

The stored form is explicit: ``to_json``/``from_json`` name every field and its type, so that a
stored answer reads back exactly (dates as dates, absent values as None) without guessing types
from key names. The stored shape is the contract's (docs/registry-api.md), which is also what
applications stored before these records existed hold, so old rows read back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, Self, TypeVar, cast, get_args

from regdesk.core.age import age_on
from regdesk.core.ids import Sex
from regdesk.core.json_types import JsonValue

Residency = Literal[
    "citizen", "kandas", "refugee", "foreign_resident", "foreign_temporary", "stateless_resident"
]
LifeStatus = Literal["alive", "dead"]
DocumentType = Literal[
    "id_card",
    "passport",
    "birth_certificate",
    "residence_permit",
    "foreign_passport",
    "stateless_certificate",
    "refugee_certificate",
]
Relation = Literal["mother", "father", "guardian", "trustee"]

SEXES: Final = cast(tuple[Sex, ...], get_args(Sex))
RESIDENCIES: Final = cast(tuple[Residency, ...], get_args(Residency))
LIFE_STATUSES: Final = cast(tuple[LifeStatus, ...], get_args(LifeStatus))
DOCUMENT_TYPES: Final = cast(tuple[DocumentType, ...], get_args(DocumentType))
RELATIONS: Final = cast(tuple[Relation, ...], get_args(Relation))

Json = dict[str, JsonValue]
"""A JSON object as written (``to_json``); ``from_json`` reads any object ``json.loads`` gave."""


class StoredFactsError(ValueError):
    """Stored registry facts that do not have the stored shape; ``path`` names the field."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True, slots=True)
class CodeName:
    """A coded value with its name as the registry spells it (citizenship, nationality)."""

    code: str
    name: str

    def to_json(self) -> Json:
        return {"code": self.code, "name": self.name}

    @classmethod
    def from_json(cls, data: object, path: str = "code_name") -> Self:
        r = _Reader(data, path)
        return cls(code=r.text("code"), name=r.text("name"))


@dataclass(frozen=True, slots=True)
class Address:
    """A registered address, with the address register's code (АР код)."""

    region: str
    district: str
    city: str
    street: str
    house: str
    flat: str | None
    ar_code: str

    def text(self) -> str:
        """One line: city, street, house and flat (the region and district are left out)."""
        house = f"{self.house}-{self.flat}" if self.flat else self.house
        return ", ".join(p for p in (self.city, self.street, house) if p)

    def to_json(self) -> Json:
        return {
            "region": self.region,
            "district": self.district,
            "city": self.city,
            "street": self.street,
            "house": self.house,
            "flat": self.flat,
            "ar_code": self.ar_code,
        }

    @classmethod
    def from_json(cls, data: object, path: str = "address") -> Self:
        r = _Reader(data, path)
        return cls(
            region=r.text("region"),
            district=r.text("district"),
            city=r.text("city"),
            street=r.text("street"),
            house=r.text("house"),
            flat=r.opt_text("flat"),
            ar_code=r.text("ar_code"),
        )


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    """The person's current identity document."""

    type: DocumentType
    number: str
    issued: date
    expires: date | None
    """None for documents without an expiry (a birth certificate)."""
    issuer: str

    def valid_on(self, day: date) -> bool:
        return self.issued <= day and (self.expires is None or day <= self.expires)

    def to_json(self) -> Json:
        return {
            "type": self.type,
            "number": self.number,
            "issued": self.issued.isoformat(),
            "expires": None if self.expires is None else self.expires.isoformat(),
            "issuer": self.issuer,
        }

    @classmethod
    def from_json(cls, data: object, path: str = "document") -> Self:
        r = _Reader(data, path)
        return cls(
            type=r.choice("type", DOCUMENT_TYPES),
            number=r.text("number"),
            issued=r.day("issued"),
            expires=r.opt_day("expires"),
            issuer=r.text("issuer"),
        )


@dataclass(frozen=True, slots=True)
class Representative:
    """A parent or legal representative of a minor or a person under guardianship."""

    iin: str
    relation: Relation

    def to_json(self) -> Json:
        return {"iin": self.iin, "relation": self.relation}

    @classmethod
    def from_json(cls, data: object, path: str = "representative") -> Self:
        r = _Reader(data, path)
        return cls(iin=r.text("iin"), relation=r.choice("relation", RELATIONS))


@dataclass(frozen=True, slots=True)
class Person:
    """A person as the state database of individuals (ГБД ФЛ) knows them."""

    iin: str
    surname: str
    first_name: str
    patronymic: str | None
    birth_date: date
    sex: Sex
    citizenship: CodeName
    """ISO 3166-1 alpha-3 code ("KAZ") and the country's name."""
    nationality: CodeName | None
    residency: Residency
    has_insurance: bool | None
    """For temporarily staying foreigners: whether they hold medical insurance; else None."""
    life_status: LifeStatus
    death_date: date | None
    address: Address | None
    document: IdentityDocument | None
    representatives: tuple[Representative, ...]
    """Parents or legal representatives (for minors); empty when the registry names none."""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def alive(self) -> bool:
        return self.life_status == "alive"

    def age_on(self, day: date) -> int:
        """Full years of age on ``day``."""
        return age_on(self.birth_date, day)

    def to_json(self) -> Json:
        return {
            "iin": self.iin,
            "surname": self.surname,
            "first_name": self.first_name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "citizenship": self.citizenship.to_json(),
            "nationality": None if self.nationality is None else self.nationality.to_json(),
            "residency": self.residency,
            "has_insurance": self.has_insurance,
            "life_status": self.life_status,
            "death_date": None if self.death_date is None else self.death_date.isoformat(),
            "address": None if self.address is None else self.address.to_json(),
            "document": None if self.document is None else self.document.to_json(),
            "representatives": [r.to_json() for r in self.representatives],
        }

    @classmethod
    def from_json(cls, data: object, path: str = "person") -> Self:
        r = _Reader(data, path)
        nationality = r.opt_obj("nationality")
        address = r.opt_obj("address")
        document = r.opt_obj("document")
        return cls(
            iin=r.text("iin"),
            surname=r.text("surname"),
            first_name=r.text("first_name"),
            patronymic=r.opt_text("patronymic"),
            birth_date=r.day("birth_date"),
            sex=r.choice("sex", SEXES),
            citizenship=CodeName.from_json(r.obj("citizenship"), f"{path}.citizenship"),
            nationality=None
            if nationality is None
            else CodeName.from_json(nationality, f"{path}.nationality"),
            residency=r.choice("residency", RESIDENCIES),
            has_insurance=r.opt_bool("has_insurance"),
            life_status=r.choice("life_status", LIFE_STATUSES),
            death_date=r.opt_day("death_date"),
            address=None if address is None else Address.from_json(address, f"{path}.address"),
            document=None
            if document is None
            else IdentityDocument.from_json(document, f"{path}.document"),
            representatives=tuple(
                Representative.from_json(item, f"{path}.representatives[{i}]")
                for i, item in enumerate(r.items("representatives"))
            ),
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A person's current attachment to a primary-care clinic."""

    clinic_bin: str
    clinic_name: str
    district: int
    since: date

    def to_json(self) -> Json:
        return {
            "clinic_bin": self.clinic_bin,
            "clinic_name": self.clinic_name,
            "district": self.district,
            "since": self.since.isoformat(),
        }

    @classmethod
    def from_json(cls, data: object, path: str = "attachment") -> Self:
        r = _Reader(data, path)
        return cls(
            clinic_bin=r.text("clinic_bin"),
            clinic_name=r.text("clinic_name"),
            district=r.integer("district"),
            since=r.day("since"),
        )


@dataclass(frozen=True, slots=True)
class RegistryFacts:
    """What the registry said at the look-up, as an application keeps it (``registry_data``).

    ``person`` is None when the registry had no data on the IIN (Table 2 step 4: the only way on
    is the motivated refusal); ``attachment`` is None when the person is attached nowhere.
    """

    person: Person | None
    attachment: Attachment | None

    def to_json(self) -> Json:
        return {
            "person": None if self.person is None else self.person.to_json(),
            "attachment": None if self.attachment is None else self.attachment.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JsonValue] | None) -> Self:
        """The facts of a stored ``registry_data``; None or ``{}`` is "no data"."""
        r = _Reader(dict(data or {}), "registry_data")
        person = r.opt_obj("person")
        attachment = r.opt_obj("attachment")
        return cls(
            person=None if person is None else Person.from_json(person, "registry_data.person"),
            attachment=None
            if attachment is None
            else Attachment.from_json(attachment, "registry_data.attachment"),
        )


L = TypeVar("L", bound=str)


class _Reader:
    """A stored JSON object read field by field; a wrong shape names the field."""

    __slots__ = ("data", "path")

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise StoredFactsError(path, "expected an object")
        self.data: dict[str, object] = data
        self.path = path

    def _get(self, name: str, optional: bool) -> object:
        value = self.data.get(name)
        if value is None and not optional:
            raise StoredFactsError(f"{self.path}.{name}", "missing")
        return value

    def _bad(self, name: str, expected: str) -> StoredFactsError:
        return StoredFactsError(f"{self.path}.{name}", f"expected {expected}")

    def text(self, name: str) -> str:
        value = self._get(name, False)
        if not isinstance(value, str):
            raise self._bad(name, "text")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self._get(name, True)
        return None if value is None else self.text(name)

    def opt_bool(self, name: str) -> bool | None:
        value = self._get(name, True)
        if value is not None and not isinstance(value, bool):
            raise self._bad(name, "true or false")
        return value

    def integer(self, name: str) -> int:
        value = self._get(name, False)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "an integer")
        return value

    def day(self, name: str) -> date:
        value = self._get(name, False)
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self._bad(name, "a date YYYY-MM-DD") from None

    def opt_day(self, name: str) -> date | None:
        return None if self._get(name, True) is None else self.day(name)

    def choice(self, name: str, allowed: tuple[L, ...]) -> L:
        value = self._get(name, False)
        for option in allowed:
            if value == option:
                return option
        raise self._bad(name, "one of " + ", ".join(allowed))

    def obj(self, name: str) -> object:
        return self._get(name, False)

    def opt_obj(self, name: str) -> object | None:
        return self._get(name, True)

    def items(self, name: str) -> list[object]:
        value = self._get(name, True)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._bad(name, "a list")
        return value


__all__ = [
    "DOCUMENT_TYPES",
    "LIFE_STATUSES",
    "RELATIONS",
    "RESIDENCIES",
    "SEXES",
    "Address",
    "Attachment",
    "CodeName",
    "DocumentType",
    "IdentityDocument",
    "LifeStatus",
    "Person",
    "RegistryFacts",
    "Relation",
    "Representative",
    "Residency",
    "Sex",
    "StoredFactsError",
]
