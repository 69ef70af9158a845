"""Sample documents for the printing tests: every field filled, Kazakh letters everywhere."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from regdesk.printing.documents import (
    ClinicInfo,
    DistrictInfo,
    PersonInfo,
    RefusalData,
    TalonData,
)

KAZAKH_LETTERS = "әіңғүұқөһ"

CLINIC = ClinicInfo(
    name_kk="№ 5 қалалық емхана",
    name_ru="Городская поликлиника № 5",
    bin="990340005977",
    address_kk="Алматы қ., Әуезов ауданы, Жандосов көшесі, 14",
    address_ru="г. Алматы, Ауэзовский район, улица Жандосова, 14",
    phone="+7 727 300 00 00",
)

PERSON = PersonInfo(
    full_name="Әбілқасымова Гүлнұр Өмірқызы",
    iin="900101400012",
    birth_date=date(1990, 1, 1),
    address="Алматы қ., Шұғыла ш/а, Жиһангер көшесі, 2-үй, 15-пәтер",
)


def make_talon(**changes: object) -> TalonData:
    base = TalonData(
        clinic=CLINIC,
        number="CLINIC-2026-000123",
        date=date(2026, 11, 25),
        person=PERSON,
        employee="Құрманғазиева Һажар Ұлықбекқызы",
        issued_at=datetime(2026, 11, 25, 10, 30),
        effective_date=date(2027, 1, 1),
        district=DistrictInfo(number=7, doctor="Сәрсенбаев Ғалым Қайратұлы", nurse="Үсенова Ая"),
        note="Үйге шақыру / На дому. Әліпби: ӘІҢҒҮҰҚӨҺ әіңғүұқөһ",
        signature_sha256="ab" * 32,
    )
    return _replace(base, changes)


def make_refusal(**changes: object) -> RefusalData:
    base = RefusalData(
        clinic=CLINIC,
        number="CLINIC-2026-000124",
        date=date(2026, 11, 25),
        person=PERSON,
        reason_code="already_attached",
        reason_kk="Адам осы емханаға бұрыннан тіркелген.",
        reason_ru="Гражданин уже прикреплён к этой поликлинике.",
        employee="Құрманғазиева Һажар Ұлықбекқызы",
        issued_at=datetime(2026, 11, 25, 11, 0),
        note="Түсіндірілді / Разъяснено. Әліпби: ӘІҢҒҮҰҚӨҺ әіңғүұқөһ",
    )
    return _replace(base, changes)


def _replace(obj: object, changes: dict[str, object]) -> object:
    from dataclasses import replace

    return replace(obj, **changes)  # type: ignore[type-var]


@pytest.fixture
def talon() -> TalonData:
    return make_talon()


@pytest.fixture
def refusal() -> RefusalData:
    return make_refusal()
