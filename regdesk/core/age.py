"""Age on a day, and whether a person has reached the pension age the clinic's rules set.

The registry's birth date is the person's birth date. An application without one (the registry
had no data on the IIN, or a draft stored without it) takes the birth date that the IIN itself
encodes (digits 1-7, ``regdesk.core.ids``): every IIN the desk accepts encodes a valid date, so
an applicant always has an age, and no default age is ever made up. The two differ only when the
registry corrected a birth date after the IIN was issued; the registry then wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from regdesk.core.ids import Sex
    from regdesk.core.rules import RuleSettings


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day``; someone born on 29 February gets older on 1 March."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def pension_age(sex: Sex, settings: RuleSettings) -> int:
    """The age from which a man or a woman receives the state pension (``[rules]``)."""
    return settings.pension_age_men if sex == "male" else settings.pension_age_women


@dataclass(frozen=True)
class ApplicantAge:
    """An applicant's age on a day, where the birth date came from, and the pension age."""

    birth_date: date
    source: Literal["registry", "iin"]
    """Where the birth date came from: the registry's answer, or the digits of the IIN."""
    on: date
    """The day the age is counted on: the day asked, or the day of death when earlier."""
    years: int
    pension_age: int
    """The pension age for this person's sex under the clinic's rules."""

    @property
    def of_pension_age(self) -> bool:
        return self.years >= self.pension_age


def applicant_age(
    iin: str,
    day: date,
    settings: RuleSettings,
    *,
    birth_date: date | None = None,
    sex: Sex | None = None,
    death_date: date | None = None,
) -> ApplicantAge:
    """The age of the person with ``iin`` on ``day``, from the registry's facts when given.

    ``birth_date`` and ``sex`` are the registry's; when absent, those encoded in the IIN are
    used (see the module's docstring). A dead person's age is their age at death. Raises
    ``IinError`` for a number that is not a valid IIN (the desk never stores one).
    """
    # core.ids is loaded here, not at import: the config loads core.rules (and this module)
    # before the sign-in screen, which has no use for it.
    from regdesk.core.ids import parse_iin

    source: Literal["registry", "iin"] = "registry"
    if birth_date is None or sex is None:
        encoded = parse_iin(iin)
        if birth_date is None:
            birth_date, source = encoded.birth_date, "iin"
        sex = sex or encoded.sex
    on = min(day, death_date) if death_date is not None else day
    return ApplicantAge(
        birth_date=birth_date,
        source=source,
        on=on,
        years=age_on(birth_date, on),
        pension_age=pension_age(sex, settings),
    )


__all__ = ["ApplicantAge", "age_on", "applicant_age", "pension_age"]
