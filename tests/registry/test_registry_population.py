"""The synthetic population: deterministic, valid, and holding every case the desk handles."""

from __future__ import annotations

from datetime import date

from regdesk.core.ids import is_valid_bin, is_valid_iin, make_bin
from regdesk.registry.models import parse_person
from regdesk.registry.population import CASES, build_population, sample_cases

TODAY = date(2026, 9, 15)


def test_same_seed_same_people_other_seed_other_people() -> None:
    a = build_population(5, 400, today=TODAY)
    b = build_population(5, 400, today=TODAY)
    assert a.persons == b.persons and a.cases == b.cases
    assert build_population(6, 400, today=TODAY).cases != a.cases
    assert sample_cases(5, 400, today=TODAY) == a.cases


def test_the_cases_do_not_depend_on_the_clinic_or_the_size() -> None:
    clinic = make_bin(2015, 3, serial=99)
    a = build_population(5, 400, today=TODAY)
    b = build_population(5, 1000, clinic_bin=clinic, today=TODAY)
    assert a.cases == b.cases
    for iin in b.cases["attached_here"]:
        assert b.attachments[iin]["clinic_bin"] == clinic
    assert clinic in b.organisations


def test_every_record_is_valid_and_every_case_has_examples() -> None:
    pop = build_population(2, 800, today=TODAY)
    assert len(pop.persons) >= 800
    for iin, record in pop.persons.items():
        assert is_valid_iin(iin)
        parse_person(record, iin)
    for record in pop.attachments.values():
        assert is_valid_bin(record["clinic_bin"])
    assert set(pop.cases) == set(CASES)
    assert all(len(iins) == 3 for iins in pop.cases.values())
    for iin in pop.cases["no_record"]:
        assert is_valid_iin(iin) and iin not in pop.persons


def test_the_cases_are_what_they_say() -> None:
    pop = build_population(9, 300, today=TODAY)
    known = [iin for case, iins in pop.cases.items() if case != "no_record" for iin in iins]
    people = {iin: parse_person(pop.persons[iin]) for iin in known}
    cases = pop.cases
    for iin in cases["child"]:
        child = people[iin]
        assert child.age_on(TODAY) < 18
        assert all(r.iin in pop.persons for r in child.representatives)
    for iin in cases["newborn"]:
        assert (TODAY - people[iin].birth_date).days < 60 and iin not in pop.attachments
    assert all(people[i].age_on(TODAY) >= 65 for i in cases["pensioner"])
    assert all(people[i].life_status == "dead" for i in cases["deceased"])
    assert all(not people[i].document.valid_on(TODAY) for i in cases["expired_document"])  # type: ignore[union-attr]
    for iin in cases["attached_elsewhere_recent"]:
        since = date.fromisoformat(pop.attachments[iin]["since"])
        assert (TODAY - since).days < 365 and pop.attachments[iin]["clinic_bin"] != pop.clinic_bin
    for iin in cases["attached_elsewhere_long_ago"] + cases["adult"]:
        since = date.fromisoformat(pop.attachments[iin]["since"])
        assert (TODAY - since).days > 365
    assert all(iin not in pop.attachments for iin in cases["unattached"])
    assert all(people[i].residency == "foreign_resident" for i in cases["foreign_resident"])
    assert all(people[i].has_insurance is False for i in cases["foreign_temporary_uninsured"])
    # Every age group is present in the whole population.
    ages = {parse_person(r).age_on(TODAY) // 20 for r in pop.persons.values()}
    assert ages >= {0, 1, 2, 3}
