"""The attachment rules applied to registry facts: findings, effective dates, documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regdesk.core.refusals import BY_CODE
from regdesk.core.rules import (
    AttachmentBasis,
    AttachmentFacts,
    Basis,
    Citizenship,
    DocumentFlag,
    DocumentKind,
    Finding,
    LifeStatus,
    PersonFacts,
    RuleSettings,
    Severity,
    age_on,
    blocking,
    campaign_window,
    check_applicant,
    effective_date,
    in_campaign,
    next_campaign,
    required_documents,
)
from regdesk.i18n import LANGS, catalogue, t

HERE = "940140000385"
THERE = "070941024691"
RULES = RuleSettings()
IN_CAMPAIGN = date(2025, 9, 15)
OUTSIDE = date(2025, 5, 15)
ADULT = PersonFacts("850615400012", date(1985, 6, 15))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def elsewhere(since: date, changes: int | None = None) -> AttachmentFacts:
    return AttachmentFacts(THERE, since, 3, changes)


# -- age -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2007, 10, 1), date(2025, 9, 30), 17),
        (date(2007, 10, 1), date(2025, 10, 1), 18),
        (date(2004, 2, 29), date(2022, 2, 28), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2025, 1, 1), date(2025, 1, 1), 0),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


@given(st.dates(date(1900, 1, 1), date(2090, 1, 1)), st.integers(0, 3000))
def test_age_never_decreases_and_grows_by_one_a_year(birth: date, days: int) -> None:
    day = birth + timedelta(days=days)
    assert age_on(birth, day) <= age_on(birth, day + timedelta(days=1)) <= age_on(birth, day) + 1
    assert days // 366 <= age_on(birth, day) <= days // 365


# -- settings --------------------------------------------------------------------------------------


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="campaign_start"):
        RuleSettings(campaign_start="13-01")
    with pytest.raises(ValueError, match="campaign_effective"):
        RuleSettings(campaign_effective="1 January")
    with pytest.raises(ValueError, match="unknown basis"):
        RuleSettings(anytime_bases=("residence_chnage",))
    with pytest.raises(ValueError):
        RuleSettings(min_days_between_changes=-1)
    with pytest.raises(ValueError, match="pension_age_women"):
        RuleSettings(pension_age_women=6)
    as_tuple = RuleSettings(anytime_bases=("newborn", "arrival", "newborn"))
    assert as_tuple.anytime_bases == ("arrival", "newborn")
    assert as_tuple == RuleSettings(anytime_bases=("arrival", "newborn"))
    assert as_tuple.is_anytime(Basis.NEWBORN) and not as_tuple.is_anytime("released")


def test_campaign_window_inclusive_and_over_new_year() -> None:
    assert campaign_window(2025, RULES) == (date(2025, 9, 1), date(2025, 11, 1))
    assert in_campaign(date(2025, 9, 1), RULES) and in_campaign(date(2025, 11, 1), RULES)
    assert not in_campaign(date(2025, 8, 31), RULES) and not in_campaign(date(2025, 11, 2), RULES)
    winter = RuleSettings(campaign_start="12-15", campaign_end="01-15")
    assert in_campaign(date(2026, 1, 10), winter) and in_campaign(date(2025, 12, 20), winter)
    assert not in_campaign(date(2026, 1, 16), winter)
    assert next_campaign(date(2026, 1, 10), winter) == (date(2025, 12, 15), date(2026, 1, 15))
    assert next_campaign(date(2025, 11, 2), RULES) == (date(2026, 9, 1), date(2026, 11, 1))


# -- check_applicant -------------------------------------------------------------------------------


def test_a_dead_person_gets_only_the_deceased_finding() -> None:
    dead = PersonFacts(ADULT.iin, ADULT.birth_date, LifeStatus.DEAD, date(2025, 2, 3))
    findings = check_applicant(
        dead, elsewhere(date(2020, 1, 1)), HERE, "free_choice", OUTSIDE, RULES
    )
    assert findings == [
        Finding("deceased", Severity.BLOCK, "deceased", {"death_date": "03.02.2025"})
    ]


def test_already_attached_here_blocks() -> None:
    here = AttachmentFacts(HERE, date(2019, 4, 2), 1)
    findings = check_applicant(ADULT, here, f" {HERE} ", Basis.RESIDENCE_CHANGE, OUTSIDE, RULES)
    assert blocking(findings) == [
        Finding(
            "already_attached_here",
            Severity.BLOCK,
            "already_attached_here",
            {"since": "02.04.2019"},
        )
    ]


def test_a_first_attachment_is_possible_any_time() -> None:
    findings = check_applicant(ADULT, None, HERE, Basis.FREE_CHOICE, OUTSIDE, RULES)
    assert codes(findings) == ["first_attachment"]
    assert blocking(findings) == []


def test_free_choice_in_the_campaign_after_the_interval_is_allowed() -> None:
    findings = check_applicant(
        ADULT, elsewhere(date(2023, 1, 1), 0), HERE, Basis.FREE_CHOICE, IN_CAMPAIGN, RULES
    )
    assert codes(findings) == ["attached_elsewhere"]
    assert findings[0].params == {"clinic_bin": THERE, "since": "01.01.2023"}


def test_free_choice_outside_the_campaign_is_blocked_and_names_the_next_campaign() -> None:
    findings = check_applicant(
        ADULT, elsewhere(date(2020, 1, 1)), HERE, "free_choice", OUTSIDE, RULES
    )
    (block,) = blocking(findings)
    assert block.code == "outside_campaign" and block.refusal_code == "outside_campaign"
    assert block.params == {"campaign_start": "01.09.2025", "campaign_end": "01.11.2025"}


def test_a_change_too_soon_is_blocked_with_the_day_it_becomes_possible() -> None:
    since = date(2025, 1, 1)
    findings = check_applicant(ADULT, elsewhere(since), HERE, Basis.FREE_CHOICE, IN_CAMPAIGN, RULES)
    (block,) = blocking(findings)
    assert block.code == "changed_too_recently"
    assert block.params == {"since": "01.01.2025", "allowed_from": "01.01.2026"}
    # The interval is configuration: with 180 days the same change is allowed.
    shorter = RuleSettings(min_days_between_changes=180)
    assert (
        blocking(
            check_applicant(ADULT, elsewhere(since), HERE, Basis.FREE_CHOICE, IN_CAMPAIGN, shorter)
        )
        == []
    )


def test_the_yearly_number_of_free_changes_is_enforced_when_known() -> None:
    old = date(2020, 1, 1)
    twice = RuleSettings(free_changes_per_year=2)
    one = check_applicant(ADULT, elsewhere(old, 1), HERE, "free_choice", IN_CAMPAIGN, twice)
    assert blocking(one) == []
    two = check_applicant(ADULT, elsewhere(old, 2), HERE, "free_choice", IN_CAMPAIGN, twice)
    (block,) = blocking(two)
    assert block.code == "change_limit_reached" and block.refusal_code == "changed_too_recently"
    assert block.params == {"count": "2", "limit": "2"}


@pytest.mark.parametrize("basis", ["residence_change", "newborn", "released", "arrival"])
def test_an_anytime_basis_lifts_the_campaign_and_the_interval(basis: str) -> None:
    findings = check_applicant(
        PersonFacts("250101500011", date(2025, 1, 1)) if basis == "newborn" else ADULT,
        elsewhere(OUTSIDE - timedelta(days=10), 5),
        HERE,
        basis,
        OUTSIDE,
        RULES,
        has_representative=True,
    )
    assert blocking(findings) == []
    assert "anytime_basis" in codes(findings)


def test_a_basis_is_anytime_only_when_configured() -> None:
    settings = RuleSettings(anytime_bases=("newborn",))
    findings = check_applicant(
        ADULT, elsewhere(date(2020, 1, 1)), HERE, "residence_change", OUTSIDE, settings
    )
    assert codes(blocking(findings)) == ["outside_campaign"]


def test_the_newborn_basis_for_an_older_person_is_questioned() -> None:
    findings = check_applicant(ADULT, None, HERE, Basis.NEWBORN, OUTSIDE, RULES)
    assert Finding("newborn_basis_age", Severity.WARN) in findings


def test_a_minor_needs_a_representative() -> None:
    child = PersonFacts("100101600015", date(2010, 1, 1))
    unknown = check_applicant(child, None, HERE, "free_choice", OUTSIDE, RULES)
    assert Finding("representative_required", Severity.WARN) in unknown and not blocking(unknown)
    missing = check_applicant(
        child, None, HERE, "free_choice", OUTSIDE, RULES, has_representative=False
    )
    assert blocking(missing) == [
        Finding("representative_missing", Severity.BLOCK, "representative_missing")
    ]
    present = check_applicant(
        child, None, HERE, "free_choice", OUTSIDE, RULES, has_representative=True
    )
    assert codes(present) == ["first_attachment"]
    # Eighteen on the day: an adult.
    adult_today = PersonFacts("070515300019", date(2007, 5, 15))
    assert codes(check_applicant(adult_today, None, HERE, "free_choice", OUTSIDE, RULES)) == [
        "first_attachment"
    ]


def test_a_temporary_foreigner_needs_insurance() -> None:
    def foreigner(insured: bool | None) -> PersonFacts:
        return PersonFacts(
            ADULT.iin,
            ADULT.birth_date,
            citizenship=Citizenship.FOREIGN_TEMPORARY,
            has_insurance=insured,
        )

    none = check_applicant(foreigner(False), None, HERE, "free_choice", OUTSIDE, RULES)
    assert blocking(none) == [Finding("insurance_required", Severity.BLOCK, "not_eligible")]
    unknown = check_applicant(foreigner(None), None, HERE, "free_choice", OUTSIDE, RULES)
    assert Finding("insurance_unverified", Severity.WARN) in unknown and not blocking(unknown)
    insured = check_applicant(foreigner(True), None, HERE, "free_choice", OUTSIDE, RULES)
    assert not blocking(insured)
    resident = PersonFacts(ADULT.iin, ADULT.birth_date, citizenship="foreign_resident")  # type: ignore[arg-type]
    assert not blocking(check_applicant(resident, None, HERE, "free_choice", OUTSIDE, RULES))


def test_blocks_accumulate() -> None:
    child = PersonFacts("150101500013", date(2015, 1, 1))
    findings = check_applicant(
        child,
        elsewhere(OUTSIDE - timedelta(days=30)),
        HERE,
        "free_choice",
        OUTSIDE,
        RULES,
        has_representative=False,
    )
    assert codes(blocking(findings)) == [
        "outside_campaign",
        "changed_too_recently",
        "representative_missing",
    ]


def test_an_unknown_basis_is_an_error() -> None:
    with pytest.raises(ValueError):
        check_applicant(ADULT, None, HERE, "whim", OUTSIDE, RULES)


@given(
    st.dates(date(1930, 1, 1), date(2025, 12, 31)),
    st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 12, 31))),
    st.sampled_from(list(AttachmentBasis)),
    st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    st.sampled_from(list(Citizenship)),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.booleans()),
    st.booleans(),
)
def test_every_finding_is_explained_and_every_block_names_a_refusal(
    birth: date,
    since: date | None,
    basis: AttachmentBasis,
    today: date,
    category: Citizenship,
    insured: bool | None,
    representative: bool | None,
    here: bool,
) -> None:
    person = PersonFacts("000000000000", birth, citizenship=category, has_insurance=insured)
    attachment = None if since is None else AttachmentFacts(HERE if here else THERE, since)
    findings = check_applicant(
        person, attachment, HERE, basis, today, RULES, has_representative=representative
    )
    texts = catalogue()
    for f in findings:
        assert f.key in texts, f.key
        assert (f.refusal_code in BY_CODE) if f.blocks else f.refusal_code is None
        for lang in LANGS:
            assert "{" not in t(f.key, lang, **f.params), (f.key, f.params)


# -- effective date --------------------------------------------------------------------------------


def test_effective_date() -> None:
    assert effective_date("free_choice", IN_CAMPAIGN, RULES) == date(2026, 1, 1)
    assert effective_date(Basis.RESIDENCE_CHANGE, OUTSIDE, RULES) == OUTSIDE
    assert effective_date("free_choice", OUTSIDE, RULES, first_attachment=True) == OUTSIDE
    assert effective_date("free_choice", date(2025, 12, 31), RULES) == date(2026, 1, 1)
    assert effective_date("free_choice", date(2026, 1, 1), RULES) == date(2027, 1, 1)
    july = RuleSettings(campaign_effective="07-01")
    assert effective_date("free_choice", date(2025, 3, 1), july) == date(2025, 7, 1)


# -- documents -------------------------------------------------------------------------------------


def test_an_adult_citizen_shows_an_identity_document() -> None:
    assert required_documents("citizen", 40) == [DocumentKind.IDENTITY]


def test_a_child_comes_with_a_birth_certificate_and_the_representative() -> None:
    assert required_documents(Citizenship.CITIZEN, 5) == [
        DocumentKind.BIRTH_CERTIFICATE,
        DocumentKind.REPRESENTATIVE_IDENTITY,
    ]
    assert required_documents(Citizenship.CITIZEN, 16) == [
        DocumentKind.IDENTITY,
        DocumentKind.BIRTH_CERTIFICATE,
        DocumentKind.REPRESENTATIVE_IDENTITY,
    ]


def test_flags_and_categories_add_their_documents() -> None:
    docs = required_documents(
        "foreign_resident", 70, [DocumentFlag.PENSIONER, "disabled", "commission"]
    )
    assert docs == [
        DocumentKind.IDENTITY,
        DocumentKind.RESIDENCE_PERMIT,
        DocumentKind.PENSION_CERTIFICATE,
        DocumentKind.DISABILITY_EXTRACT,
        DocumentKind.COMMISSION_MINUTES,
    ]
    guarded = required_documents("citizen", 8, {"guardian": True, "pensioner": False})
    assert guarded == [
        DocumentKind.BIRTH_CERTIFICATE,
        DocumentKind.REPRESENTATIVE_IDENTITY,
        DocumentKind.GUARDIANSHIP_DECISION,
    ]
    assert DocumentKind.KANDAS_CERTIFICATE in required_documents("kandas", 30)
    assert DocumentKind.REFUGEE_CERTIFICATE in required_documents("refugee", 30)
    assert DocumentKind.INSURANCE_POLICY in required_documents("foreign_temporary", 30)
    assert DocumentKind.RESIDENCE_PERMIT in required_documents("stateless_resident", 30)
    with pytest.raises(ValueError):
        required_documents("citizen", 30, ["astronaut"])


def test_every_named_enum_has_its_name_in_every_language() -> None:
    texts = catalogue()
    for enum in (AttachmentBasis, Citizenship, DocumentKind):
        for member in enum:
            assert member.key in texts, member.key
            assert member.code == member.value
            names = {lang: member.text(lang) for lang in LANGS}
            assert len(set(names.values())) == 3 and member.key not in names.values()


# -- registry answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryPerson:
    iin: str
    birth_date: date
    residency: str
    has_insurance: bool | None
    life_status: str
    death_date: date | None
    surname: str = "Test"


@dataclass(frozen=True)
class RegistryAttachment:
    clinic_bin: str
    clinic_name: str
    district: int
    since: date


def test_facts_are_read_from_registry_shaped_objects() -> None:
    person = RegistryPerson(
        "850615400012", date(1985, 6, 15), "refugee", None, "dead", date(2025, 1, 2)
    )
    facts = PersonFacts.from_registry(person)
    assert facts == PersonFacts(
        "850615400012", date(1985, 6, 15), LifeStatus.DEAD, date(2025, 1, 2), Citizenship.REFUGEE
    )
    attachment = AttachmentFacts.from_registry(
        RegistryAttachment(THERE, "Emkhana", 7, date(2024, 2, 1))
    )
    assert attachment == AttachmentFacts(THERE, date(2024, 2, 1), 7, None)
