"""The registry's person and attachment as an application stores them: explicit, exact JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from regdesk.core.person import Attachment, Person, RegistryFacts, StoredFactsError
from regdesk.registry.models import parse_attachment_answer, parse_person
from regdesk.registry.population import build_population

TODAY = date(2026, 9, 15)
POP = build_population(3, 400, today=TODAY)


def _people() -> list[Person]:
    chosen = {iin for iins in POP.cases.values() for iin in iins if iin in POP.persons}
    return [parse_person(POP.persons[iin], iin) for iin in sorted(chosen)]


def _stored(facts: RegistryFacts) -> object:
    """Through the journal's column: JSON text and back."""
    return json.loads(json.dumps(facts.to_json(), ensure_ascii=False))


def test_every_case_of_the_population_reads_back_exactly() -> None:
    people = _people()
    # The cases cover what makes the shape vary: no patronymic, a death date, no address, a
    # document without expiry, representatives, insurance known or not.
    assert any(p.death_date for p in people) and any(p.representatives for p in people)
    assert any(p.document and p.document.expires is None for p in people)
    assert {p.has_insurance for p in people} >= {None}
    for person in people:
        raw = POP.attachments.get(person.iin)
        answer = {"iin": person.iin, "attachment": raw}
        attachment = parse_attachment_answer(answer, person.iin)
        facts = RegistryFacts(person, attachment)
        back = RegistryFacts.from_json(_stored(facts))  # type: ignore[arg-type]
        assert back == facts
        assert isinstance(back.person.birth_date, date)  # type: ignore[union-attr]


def test_rows_stored_before_the_typed_records_read_back() -> None:
    # What the desk wrote until now: dataclasses.asdict with dates as ISO text, tuples as lists.
    def old(obj: object) -> object:
        if isinstance(obj, dict):
            return {k: old(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [old(v) for v in obj]
        return obj.isoformat() if isinstance(obj, date) else obj

    person = next(p for p in _people() if p.representatives and p.document)
    attachment = Attachment("070941024691", "Емхана", 7, date(2024, 2, 1))
    row = {
        "person": old(dataclasses.asdict(person)),
        "attachment": old(dataclasses.asdict(attachment)),
    }
    stored = json.loads(json.dumps(row))
    assert RegistryFacts.from_json(stored) == RegistryFacts(person, attachment)
    assert RegistryFacts(person, attachment).to_json() == stored


def test_no_data_is_none_and_a_broken_row_names_the_field() -> None:
    assert RegistryFacts.from_json(None) == RegistryFacts(None, None)
    assert RegistryFacts.from_json({"person": None, "attachment": None}) == RegistryFacts(
        None, None
    )
    person = _people()[0].to_json()
    for change, path in (
        ({"birth_date": "01.02.1990"}, "registry_data.person.birth_date"),
        ({"sex": "m"}, "registry_data.person.sex"),
        ({"surname": None}, "registry_data.person.surname"),
        ({"citizenship": "KAZ"}, "registry_data.person.citizenship"),
        (
            {"representatives": [{"iin": "1", "relation": "aunt"}]},
            "registry_data.person.representatives[0].relation",
        ),
    ):
        with pytest.raises(StoredFactsError) as caught:
            RegistryFacts.from_json({"person": {**person, **change}})
        assert caught.value.path == path
    with pytest.raises(StoredFactsError, match="since"):
        RegistryFacts.from_json(
            {"attachment": {"clinic_bin": "1", "clinic_name": "x", "district": 1}}
        )
