"""Kazakhstan phone numbers as the form takes them: +7 and ten digits.

A receptionist types what the applicant says: ``8 701 123 45 67``, ``+7(701)1234567``,
``7011234567``. Every one of those is the same number; the desk keeps it in one shape,
``+7 701 123 45 67``, and shows it in that shape while it is typed (``format_typed``), so a
wrong count of digits is seen before the form is signed. Anything else (letters, too few or too
many digits, a foreign country code) is refused with ``PhoneError``.
"""

from __future__ import annotations

from regdesk.core.errors import UserError

DIGITS = 10
"""Digits after the country code +7 (three of the operator or city, seven of the number)."""

_GROUPS = (3, 3, 2, 2)
_ALLOWED = set("0123456789+-() .")


class PhoneError(UserError):
    """Not a Kazakhstan phone number; the message says what a valid one looks like."""

    key = "core.phone.invalid"


def _national(text: str) -> str | None:
    """The digits after the country code (``+7 701…``, ``8 701…``, ``7 701…`` and ``701…`` give
    ``701…``); None for another country's code."""
    digits = "".join(c for c in text if c.isdigit())
    if text.strip().startswith("+"):
        return digits[1:] if digits.startswith("7") else None
    if len(digits) == DIGITS + 1 and digits[0] in "78":
        return digits[1:]
    return digits


def _grouped(national: str) -> str:
    parts: list[str] = []
    rest = national
    for size in _GROUPS:
        if not rest:
            break
        parts.append(rest[:size])
        rest = rest[size:]
    return " ".join(["+7", *parts])


def normalise_phone(text: str) -> str:
    """``text`` grouped as the desk shows it, e.g. ``+7 701 123 45 67``.

    An empty text stays empty (the phone is optional).

    Raises ``PhoneError`` for anything that is not +7 and ten digits.
    """
    if not text.strip():
        return ""
    if not set(text) <= _ALLOWED:
        raise PhoneError()
    national = _national(text)
    if national is None or len(national) != DIGITS:
        raise PhoneError()
    return _grouped(national)


def format_typed(text: str) -> str:
    """What the phone field shows while ``text`` is being typed: the digits so far, grouped.

    Grouping starts once the text shows its country code (``+7`` or the trunk prefix ``8``);
    ten digits typed without one are grouped when the field is left (``normalise_phone``), as a
    leading 7 may be the country code or the operator's first digit. Text that cannot become a
    Kazakhstan number (letters, another country code, too many digits) stays as typed, so the
    receptionist sees it and the message says what is wrong.
    """
    head = text.lstrip()
    if not set(text) <= _ALLOWED or head[:1] not in ("+", "8"):
        return text
    digits = "".join(c for c in text if c.isdigit())
    if head.startswith("+") and not digits.startswith("7"):
        return text
    national = digits[1:]
    if len(national) > DIGITS:
        return text
    return _grouped(national)


def is_valid_phone(text: str) -> bool:
    try:
        normalise_phone(text)
    except PhoneError:
        return False
    return True


__all__ = ["DIGITS", "PhoneError", "format_typed", "is_valid_phone", "normalise_phone"]
