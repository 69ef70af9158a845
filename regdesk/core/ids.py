"""Kazakh identification numbers: the IIN of a person and the BIN of an organisation.

Both are 12 digits whose last digit is a check digit over the first eleven.

IIN (ЖСН / ИИН)::

    YY MM DD  C  SSSS  K
    birth     |  |     check digit
    date      |  serial (digits 8-11)
              century and sex (digit 7)

Digit 7: 1 / 2 = a man / a woman born in the 19th century (1800-1899), 3 / 4 = the 20th century
(1900-1999), 5 / 6 = the 21st (2000-2099). Some early descriptions of the IIN mention a 0 in
digit 7 for foreign citizens; the current rules give foreigners who receive an IIN the same
century and sex digit as citizens, and a 0 would leave the birth date's century unknown, so
``parse_iin`` rejects it (reason ``century``). A person whose registry record really carries such
a number cannot be typed in; that is a registry data error to be corrected there.

BIN (БСН / БИН)::

    YY MM  T  A  SSSSS  K
    registration
    year and month
           T: entity type (digit 5): 4 resident legal entity, 5 non-resident legal entity,
              6 individual entrepreneur in joint entrepreneurship (ИП(С))
              A: attribute (digit 6): 0 head unit, 1 branch, 2 representative office,
                 3 peasant (farm) enterprise in joint entrepreneurship
                    SSSSS: serial (digits 7-11)

The registration year is two digits: 80-99 are read as 1980-1999 and 00-79 as 2000-2079
(BINs were introduced in 2007 and carry the registration date of entities registered since the
early 1990s).

The check digit: the sum of the first eleven digits weighted 1, 2, ..., 11, modulo 11; when that
is 10, the sum weighted 3, 4, ..., 11, 1, 2, modulo 11; when that is 10 again, the number is
invalid (no check digit fits, so such serials are never issued). What it catches: a wrong
check digit always; one mistyped digit among digits 1-10 almost always (it slips through only
when the changed number falls back to the second weights, about 1-2% of such errors); but a
mistyped digit 11 mostly goes unseen, because its first weight, 11, is 0 modulo 11 (measured:
about 9 in 10 such errors pass). The registry's answer (name, birth date) is the real check.

Input as typed: surrounding spaces are ignored, and the digit row of the standard Windows Kazakh
layout (KBDKAZ), which has letters where other layouts have digits, is mapped back to digits
(``KAZAKH_DIGIT_ROW``): a receptionist typing on that layout, or a barcode scanner emulating those
keys while it is active, sends ``" ә і ң ғ , . ү ұ қ`` for keys 1-0 (with Shift
``! Ә І Ң Ғ ; : Ү Ұ Қ``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final, Literal

from regdesk.core.errors import UserError

Sex = Literal["male", "female"]

IIN_LENGTH: Final = 12
BIN_LENGTH: Final = 12

_WEIGHTS_1: Final = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2: Final = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

KAZAKH_DIGIT_ROW: Final[dict[str, str]] = {
    # Keys 1..0 without Shift on the Windows Kazakh layout (KBDKAZ).
    '"': "1",
    "ә": "2",
    "і": "3",
    "ң": "4",
    "ғ": "5",
    ",": "6",
    ".": "7",
    "ү": "8",
    "ұ": "9",
    "қ": "0",
    # The same keys with Shift (Caps Lock on, or a scanner sending upper case).
    "!": "1",
    "Ә": "2",
    "І": "3",
    "Ң": "4",
    "Ғ": "5",
    ";": "6",
    ":": "7",
    "Ү": "8",
    "Ұ": "9",
    "Қ": "0",
}
"""What the digit row of the Kazakh layout types, mapped back to the digit printed on the key."""

_DIGIT_TABLE: Final = str.maketrans(KAZAKH_DIGIT_ROW)

_CENTURY_DIGIT: Final[dict[str, tuple[int, Sex]]] = {
    "1": (19, "male"),
    "2": (19, "female"),
    "3": (20, "male"),
    "4": (20, "female"),
    "5": (21, "male"),
    "6": (21, "female"),
}


def normalize_digits(text: str) -> tuple[str, bool]:
    """``text`` without surrounding spaces, with the Kazakh layout's digit row turned to digits.

    Returns the result and whether any character was mapped, so that an input field can tell
    the user that their keyboard is on the Kazakh layout. Characters that are neither digits nor
    on that row are left alone for the parser to reject.
    """
    stripped = text.strip()
    mapped = stripped.translate(_DIGIT_TABLE)
    return mapped, mapped != stripped


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 ASCII digits, or None when no check digit fits (number invalid)."""
    digits = [int(c) for c in first_eleven]
    if len(digits) != 11:
        raise ValueError("check_digit needs exactly 11 digits")
    first = sum(w * d for w, d in zip(_WEIGHTS_1, digits, strict=True)) % 11
    if first != 10:
        return first
    second = sum(w * d for w, d in zip(_WEIGHTS_2, digits, strict=True)) % 11
    return None if second == 10 else second


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _first_non_digit(text: str) -> str:
    return next(c for c in text if not ("0" <= c <= "9"))


# ---------------------------------------------------------------------------------------------
# IIN


IinReason = Literal["length", "non_digit", "date", "century", "check_digit"]


class IinError(UserError, ValueError):
    """A text that is not a valid IIN; ``reason`` names the rule it broke.

    The catalogue key is ``ids.iin_<reason>``; its text says what is wrong and what to do.
    """

    def __init__(self, reason: IinReason, /, **params: object) -> None:
        self.reason: IinReason = reason
        super().__init__(f"ids.iin_{reason}", **params)


@dataclass(frozen=True)
class Iin:
    """A valid individual identification number (ЖСН / ИИН) and what it encodes."""

    value: str
    """The 12 digits."""
    birth_date: date
    sex: Sex
    century: int
    """The century of birth as an ordinal, as digit 7 states it: 19 (1800s), 20 (1900s), 21."""
    remapped: bool = field(default=False, compare=False)
    """True when the text was typed on the Kazakh layout and its digit row was mapped back."""

    def __str__(self) -> str:
        return self.value

    @property
    def serial(self) -> str:
        """Digits 8-11, which tell apart people born on the same day."""
        return self.value[7:11]


def parse_iin(text: str) -> Iin:
    """The IIN in ``text``, or ``IinError`` saying which rule it breaks.

    The rules are checked in the order a person would fix them: length, non-digits, the
    century/sex digit, the birth date, the check digit.
    """
    value, remapped = normalize_digits(text)
    if len(value) != IIN_LENGTH:
        raise IinError("length", length=len(value))
    if not _is_ascii_digits(value):
        raise IinError("non_digit", char=_first_non_digit(value))
    century_sex = _CENTURY_DIGIT.get(value[6])
    if century_sex is None:
        raise IinError("century", digit=value[6])
    century, sex = century_sex
    year = (century - 1) * 100 + int(value[0:2])
    try:
        birth = date(year, int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise IinError("date") from None
    if check_digit(value[:11]) != int(value[11]):
        raise IinError("check_digit")
    return Iin(value=value, birth_date=birth, sex=sex, century=century, remapped=remapped)


def is_valid_iin(text: str) -> bool:
    """Whether ``parse_iin`` accepts ``text``."""
    try:
        parse_iin(text)
    except IinError:
        return False
    return True


def make_iin(birth_date: date, sex: Sex, serial: int = 0) -> str:
    """A valid IIN for a person born on ``birth_date``, for test data, the simulator and the demo.

    ``serial`` (0-9999) is the wished value of digits 8-11; when no check digit fits it, the next
    serial that has one is used (wrapping round after 9999), so the result is always valid.
    """
    if not 1800 <= birth_date.year <= 2099:
        raise ValueError("an IIN encodes birth years 1800-2099 only")
    if not 0 <= serial <= 9999:
        raise ValueError("serial must be 0-9999")
    if sex not in ("male", "female"):
        raise ValueError("sex must be 'male' or 'female'")
    century = birth_date.year // 100 + 1
    digit7 = next(d for d, cs in _CENTURY_DIGIT.items() if cs == (century, sex))
    b = birth_date
    prefix = f"{b.year % 100:02d}{b.month:02d}{b.day:02d}{digit7}"
    for step in range(10000):
        first_eleven = f"{prefix}{(serial + step) % 10000:04d}"
        check = check_digit(first_eleven)
        if check is not None:
            return f"{first_eleven}{check}"
    raise AssertionError("every block of serials has one with a check digit")


# ---------------------------------------------------------------------------------------------
# BIN


BinReason = Literal["length", "non_digit", "date", "entity_type", "attribute", "check_digit"]


class EntityType(StrEnum):
    """Digit 5 of a BIN: what kind of organisation it is."""

    RESIDENT = "4"
    """A legal entity resident in Kazakhstan."""
    NON_RESIDENT = "5"
    """A non-resident legal entity."""
    JOINT_ENTREPRENEUR = "6"
    """An individual entrepreneur acting as joint entrepreneurship (ИП(С))."""


class EntityAttribute(StrEnum):
    """Digit 6 of a BIN: which unit of the organisation it is."""

    HEAD = "0"
    """The head unit of a legal entity or an ИП(С)."""
    BRANCH = "1"
    REPRESENTATIVE_OFFICE = "2"
    FARM = "3"
    """A peasant (farm) enterprise working as joint entrepreneurship."""


class BinError(UserError, ValueError):
    """A text that is not a valid BIN; ``reason`` names the rule it broke.

    The catalogue key is ``ids.bin_<reason>``.
    """

    def __init__(self, reason: BinReason, /, **params: object) -> None:
        self.reason: BinReason = reason
        super().__init__(f"ids.bin_{reason}", **params)


@dataclass(frozen=True)
class Bin:
    """A valid business identification number (БСН / БИН) and what it encodes."""

    value: str
    registration_year: int
    registration_month: int
    entity_type: EntityType
    attribute: EntityAttribute
    remapped: bool = field(default=False, compare=False)
    """True when the text was typed on the Kazakh layout and its digit row was mapped back."""

    def __str__(self) -> str:
        return self.value

    @property
    def serial(self) -> str:
        """Digits 7-11."""
        return self.value[6:11]


def _bin_year(two_digits: int) -> int:
    return 1900 + two_digits if two_digits >= 80 else 2000 + two_digits


def parse_bin(text: str) -> Bin:
    """The BIN in ``text``, or ``BinError`` saying which rule it breaks."""
    value, remapped = normalize_digits(text)
    if len(value) != BIN_LENGTH:
        raise BinError("length", length=len(value))
    if not _is_ascii_digits(value):
        raise BinError("non_digit", char=_first_non_digit(value))
    month = int(value[2:4])
    if not 1 <= month <= 12:
        raise BinError("date")
    try:
        entity_type = EntityType(value[4])
    except ValueError:
        raise BinError("entity_type", digit=value[4]) from None
    try:
        attribute = EntityAttribute(value[5])
    except ValueError:
        raise BinError("attribute", digit=value[5]) from None
    if check_digit(value[:11]) != int(value[11]):
        raise BinError("check_digit")
    return Bin(
        value=value,
        registration_year=_bin_year(int(value[0:2])),
        registration_month=month,
        entity_type=entity_type,
        attribute=attribute,
        remapped=remapped,
    )


def is_valid_bin(text: str) -> bool:
    """Whether ``parse_bin`` accepts ``text``."""
    try:
        parse_bin(text)
    except BinError:
        return False
    return True


def make_bin(
    year: int,
    month: int,
    entity_type: EntityType = EntityType.RESIDENT,
    attribute: EntityAttribute = EntityAttribute.HEAD,
    serial: int = 0,
) -> str:
    """A valid BIN registered in ``year``/``month``, for test data, the simulator and the demo.

    ``serial`` (0-99999) is the wished value of digits 7-11; when no check digit fits it, the
    next serial that has one is used (wrapping round), so the result is always valid.
    """
    if not 1980 <= year <= 2079:
        raise ValueError("a BIN encodes registration years 1980-2079 only")
    if not 1 <= month <= 12:
        raise ValueError("month must be 1-12")
    if not 0 <= serial <= 99999:
        raise ValueError("serial must be 0-99999")
    prefix = f"{year % 100:02d}{month:02d}{EntityType(entity_type).value}"
    prefix += EntityAttribute(attribute).value
    for step in range(100000):
        first_eleven = f"{prefix}{(serial + step) % 100000:05d}"
        check = check_digit(first_eleven)
        if check is not None:
            return f"{first_eleven}{check}"
    raise AssertionError("every block of serials has one with a check digit")
