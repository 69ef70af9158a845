"""Sample documents with every field filled and Kazakh letters everywhere.

For the printing tests and the talon benchmark, which must render the same worst-case documents.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from regdesk.printing.documents import (
    AnnulmentData,
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

_TALON = TalonData(
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

_REFUSAL = RefusalData(
    clinic=CLINIC,
    number="CLINIC-2026-000124",
    date=date(2026, 11, 25),
    person=PERSON,
    reason_code="already_attached_here",
    reason_kk="Адам осы емханаға бұрыннан тіркелген.",
    reason_ru="Гражданин уже прикреплён к этой поликлинике.",
    employee="Құрманғазиева Һажар Ұлықбекқызы",
    issued_at=datetime(2026, 11, 25, 11, 0),
    note="Түсіндірілді / Разъяснено. Әліпби: ӘІҢҒҮҰҚӨҺ әіңғүұқөһ",
)


def make_talon(**changes: Any) -> TalonData:
    """The sample talon, with the fields in ``changes`` replaced."""
    return replace(_TALON, **changes)


def make_refusal(**changes: Any) -> RefusalData:
    """The sample refusal notice, with the fields in ``changes`` replaced."""
    return replace(_REFUSAL, **changes)


_ANNULMENT = AnnulmentData(
    clinic=CLINIC,
    number="CLINIC-2026-000125",
    date=date(2026, 11, 26),
    person=PERSON,
    reason_code="wrong_person",
    reason_kk="Өтініш өтініш берушінің орнына басқа адамға тіркелген",
    reason_ru="Заявление зарегистрировано на другое лицо вместо заявителя",
    employee="Құрманғазиева Һажар Ұлықбекқызы",
    issued_at=datetime(2026, 11, 26, 9, 15),
    note="ЖСН шатастырылды / перепутан ИИН. Әліпби: ӘІҢҒҮҰҚӨҺ әіңғүұқөһ",
    signature_sha256="cd" * 32,
)


def make_annulment(**changes: Any) -> AnnulmentData:
    """The sample annulment notice, with the fields in ``changes`` replaced."""
    return replace(_ANNULMENT, **changes)
