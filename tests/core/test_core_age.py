"""Age and pension age from the registry's birth date (or the IIN's) and the config's [rules]."""

from __future__ import annotations

from datetime import date

import pytest

from regdesk.core.age import applicant_age, pension_age
from regdesk.core.ids import IinError, make_iin
from regdesk.core.rules import RuleSettings

RULES = RuleSettings()  # men 63, women 61
DAY = date(2026, 12, 1)


def test_pension_age_is_the_configs_by_sex() -> None:
    assert (pension_age("male", RULES), pension_age("female", RULES)) == (63, 61)
    later = RuleSettings(pension_age_women=63)
    assert pension_age("female", later) == 63


@pytest.mark.parametrize(
    ("born", "sex", "years", "pensioner"),
    [
        (date(1963, 12, 1), "male", 63, True),  # 63 today
        (date(1963, 12, 2), "male", 62, False),  # 63 tomorrow
        (date(1965, 11, 30), "female", 61, True),
        (date(1965, 12, 2), "female", 60, False),
        (date(1964, 6, 1), "female", 62, True),  # a woman of 62 has reached 61
        (date(1964, 6, 1), "male", 62, False),  # a man of 62 has not reached 63
    ],
)
def test_the_registry_birth_date_and_sex_decide(
    born: date, sex: str, years: int, pensioner: bool
) -> None:
    iin = make_iin(date(1990, 1, 1), "male", 1)  # the IIN says otherwise: the registry wins
    age = applicant_age(iin, DAY, RULES, birth_date=born, sex=sex)  # type: ignore[arg-type]
    assert (age.years, age.of_pension_age, age.source, age.birth_date) == (
        years,
        pensioner,
        "registry",
        born,
    )


def test_without_a_registry_birth_date_the_iin_gives_it_and_the_sex() -> None:
    iin = make_iin(date(1965, 3, 10), "female", 7)
    age = applicant_age(iin, DAY, RULES)
    assert (age.birth_date, age.source, age.years, age.pension_age) == (
        date(1965, 3, 10),
        "iin",
        61,
        61,
    )
    assert age.of_pension_age
    # The registry's sex with the IIN's date, and the other way round.
    assert applicant_age(iin, DAY, RULES, sex="male").pension_age == 63
    assert applicant_age(iin, DAY, RULES, birth_date=date(2000, 1, 1)).source == "registry"


def test_a_dead_persons_age_is_their_age_at_death() -> None:
    iin = make_iin(date(1950, 5, 5), "male", 3)
    age = applicant_age(iin, DAY, RULES, death_date=date(2020, 5, 4))
    assert (age.years, age.on) == (69, date(2020, 5, 4))


def test_an_invalid_iin_without_a_birth_date_is_an_error_not_an_age() -> None:
    with pytest.raises(IinError):
        applicant_age("123", DAY, RULES)
