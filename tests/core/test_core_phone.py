"""Kazakhstan phone numbers (issue 11, item 12): +7 and ten digits, grouped as typed."""

from __future__ import annotations

import pytest

from regdesk.core.phone import PhoneError, format_typed, is_valid_phone, normalise_phone
from regdesk.i18n import LANGS

CANONICAL = "+7 701 123 45 67"


@pytest.mark.parametrize(
    "typed",
    [
        "+77011234567",
        "+7 (701) 123-45-67",
        "8 701 123 45 67",
        "87011234567",
        "7011234567",
        "77011234567",
        " +7 701 123 45 67 ",
    ],
)
def test_the_same_number_typed_any_usual_way_is_kept_in_one_shape(typed: str) -> None:
    assert normalise_phone(typed) == CANONICAL


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "+7 701 123 45 6",
        "+7 701 123 45 678",
        "+1 202 555 0100",
        "701-ABC-4567",
        "12345",
        "8 701 123 45 67 89",
        "+",
        "+7",
    ],
)
def test_anything_else_is_refused_in_words(typed: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalise_phone(typed)
    assert not is_valid_phone(typed)
    texts = {lang: caught.value.message(lang) for lang in LANGS}
    assert len(set(texts.values())) == 3
    for text in texts.values():
        assert "+7" in text and "10" in text  # what a valid number looks like


def test_no_phone_is_no_error() -> None:
    assert normalise_phone("") == "" and normalise_phone("   ") == ""


def test_the_field_groups_the_digits_while_they_are_typed() -> None:
    steps = [
        "8",
        "87",
        "870",
        "8701",
        "87011",
        "870112",
        "8701123",
        "87011234",
        "870112345",
        "8701123456",
        "87011234567",
    ]
    shown = [format_typed(s) for s in steps]
    assert shown == [
        "+7",
        "+7 7",
        "+7 70",
        "+7 701",
        "+7 701 1",
        "+7 701 12",
        "+7 701 123",
        "+7 701 123 4",
        "+7 701 123 45",
        "+7 701 123 45 6",
        CANONICAL,
    ]
    # A key typed after the grouped text is grouped again; a backspace never leaves a space.
    assert format_typed(CANONICAL[:-1]) == "+7 701 123 45 6"
    assert format_typed("+7 701 ") == "+7 701"
    assert format_typed("+7 701 123 45 67") == CANONICAL


@pytest.mark.parametrize("typed", ["abc", "+1 202", "7011", "+7 701 123 45 678"])
def test_text_that_cannot_become_a_kz_number_stays_as_typed(typed: str) -> None:
    # 7011: without +7 or 8 the leading 7 may be the operator's; grouped when the field is left.
    assert format_typed(typed) == typed
