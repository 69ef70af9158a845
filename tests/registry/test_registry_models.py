"""The strict parsers: what breaks the contract is a ContractError naming the field."""

from __future__ import annotations

import base64
import copy
from datetime import date
from typing import Any

import pytest

from regdesk.registry.models import (
    ContractError,
    parse_attachment_answer,
    parse_person,
    parse_portal_application,
)
from regdesk.registry.population import build_population

POP = build_population(seed=11, persons=60, today=date(2026, 11, 25))
CHILD = POP.persons[POP.cases["child"][0]]


def _person(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(CHILD)
    data.update(changes)
    return data


def test_a_valid_record_parses_and_unknown_fields_are_ignored() -> None:
    person = parse_person(_person(future_field={"x": 1}), CHILD["iin"])
    assert person.iin == CHILD["iin"] and len(person.representatives) == 2
    assert person.document is not None and person.document.expires is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"surname": None}, "person.surname"),
        ({"surname": ""}, "person.surname"),
        ({"surname": 42}, "person.surname"),
        ({"birth_date": "18.06.2012"}, "person.birth_date"),
        ({"birth_date": 20120618}, "person.birth_date"),
        ({"sex": "m"}, "person.sex"),
        ({"residency": "tourist"}, "person.residency"),
        ({"life_status": "dead"}, "person.death_date"),
        ({"death_date": "2020-01-01"}, "person.death_date"),
        ({"has_insurance": "yes"}, "person.has_insurance"),
        ({"citizenship": "KAZ"}, "person.citizenship"),
        ({"representatives": {"iin": "1"}}, "person.representatives"),
        ({"first_name": "A\x00B"}, "person.first_name"),
        ({"patronymic": "x" * 600}, "person.patronymic"),
    ],
)
def test_broken_fields_are_named(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ContractError) as caught:
        parse_person(_person(**changes), CHILD["iin"])
    assert caught.value.path == field


def test_missing_fields_and_bad_iins_are_caught() -> None:
    data = _person()
    del data["address"]  # absent optional objects are fine
    assert parse_person(data).address is None
    del data["first_name"]
    with pytest.raises(ContractError, match="first_name: missing"):
        parse_person(data)
    broken = CHILD["iin"][:11] + str((int(CHILD["iin"][11]) + 1) % 10)
    with pytest.raises(ContractError, match="not a valid IIN"):
        parse_person(_person(iin=broken))
    with pytest.raises(ContractError, match="another IIN"):
        parse_person(_person(), POP.cases["adult"][0])
    bad_rep = _person(representatives=[{"iin": broken, "relation": "mother"}])
    with pytest.raises(ContractError, match=r"representatives\[0\]\.iin"):
        parse_person(bad_rep)
    with pytest.raises(ContractError, match="expected an object"):
        parse_person([CHILD])


def test_attachment_answer() -> None:
    iin = POP.cases["adult"][0]
    record = POP.attachments[iin]
    attachment = parse_attachment_answer({"iin": iin, "attachment": record}, iin)
    assert attachment is not None and attachment.clinic_bin == record["clinic_bin"]
    assert parse_attachment_answer({"iin": iin, "attachment": None}, iin) is None
    with pytest.raises(ContractError, match="district"):
        parse_attachment_answer({"iin": iin, "attachment": record | {"district": "3"}}, iin)
    with pytest.raises(ContractError, match="clinic_bin"):
        parse_attachment_answer({"iin": iin, "attachment": record | {"clinic_bin": "1"}}, iin)


def test_portal_files_are_checked_against_their_hash() -> None:
    content = b"%PDF-1.4"
    app = {
        "id": "P-1",
        "submitted_at": "2026-09-01T10:00:00+05:00",
        "service": "attachment",
        "status": "new",
        "applicant_iin": CHILD["iin"],
        "subject_iin": CHILD["iin"],
        "relation": "self",
        "basis": "free_choice",
        "district": None,
        "phone": "",
        "payload": base64.b64encode(b"{}").decode(),
        "signature": base64.b64encode(b"sig").decode(),
        "files": [
            {
                "name": "a.pdf",
                "media_type": "application/pdf",
                "sha256": "00" * 32,
                "content": base64.b64encode(content).decode(),
            }
        ],
    }
    with pytest.raises(ContractError, match="does not match"):
        parse_portal_application(app, "P-1")
    import hashlib

    app["files"][0]["sha256"] = hashlib.sha256(content).hexdigest()
    assert parse_portal_application(app, "P-1").files[0].content == content
    with pytest.raises(ContractError, match="time zone"):
        parse_portal_application(app | {"submitted_at": "2026-09-01T10:00:00"}, "P-1")
    with pytest.raises(ContractError, match="base64"):
        parse_portal_application(app | {"payload": "@@@"}, "P-1")
