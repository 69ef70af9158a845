"""The catalogue of refusal reasons: complete, in three languages, and bound to the right steps."""

from __future__ import annotations

import re

import pytest

from regdesk.core.application import State
from regdesk.core.refusals import (
    BY_CODE,
    CATALOGUE,
    RefusalStep,
    UnknownRefusalReason,
    for_step,
    reason,
    step_of,
)

REQUIRED = {
    "no_data",
    "deceased",
    "already_attached_here",
    "changed_too_recently",
    "outside_campaign",
    "documents_missing",
    "data_mismatch",
    "not_eligible",
    "representative_missing",
    "duplicate_application",
    "other",
}
KAZAKH_LETTERS = re.compile("[әіңғүұқөһ]", re.IGNORECASE)
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def test_the_catalogue_has_every_required_reason_once() -> None:
    codes = [r.code for r in CATALOGUE]
    assert set(codes) >= REQUIRED
    assert len(codes) == len(set(codes)) == len(BY_CODE)


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_each_text_is_a_formal_sentence_in_its_language(code: str) -> None:
    r = reason(code)
    for text in r.texts.values():
        assert text.lstrip('«"')[0].isupper() and text.endswith("."), text
        assert "{" not in text  # printed as is: no template fields
    assert KAZAKH_LETTERS.search(r.kk), r.kk
    assert CYRILLIC.search(r.ru) and not KAZAKH_LETTERS.search(r.ru), r.ru
    assert r.en.isascii(), r.en
    assert r.text("kk") == r.kk and r.text("ru") == r.ru and r.text("xx") == r.en


def test_only_other_needs_a_note() -> None:
    assert [r.code for r in CATALOGUE if r.needs_note] == ["other"]


def test_no_data_is_refused_only_before_registration() -> None:
    assert reason("no_data").applies_to == {RefusalStep.BEFORE_REGISTRATION}
    assert reason("no_data").applies(before_registration=True)
    assert not reason("no_data").applies(before_registration=False)
    assert reason("no_data") not in for_step(RefusalStep.AFTER_REGISTRATION)


def test_for_step_accepts_the_application_state() -> None:
    assert for_step(State.DRAFT) == for_step(RefusalStep.BEFORE_REGISTRATION)
    assert for_step(State.RECEIVED) == for_step(RefusalStep.BEFORE_REGISTRATION)
    after = for_step(State.REGISTERED)
    assert after == for_step(RefusalStep.AFTER_REGISTRATION)
    assert {r.code for r in after} == REQUIRED - {"no_data"}
    assert step_of(State.REGISTERED) is RefusalStep.AFTER_REGISTRATION
    for final in (State.ISSUED, State.REFUSED, State.ABANDONED):
        with pytest.raises(ValueError):
            for_step(final)


def test_an_unknown_code_is_a_key_error() -> None:
    with pytest.raises(UnknownRefusalReason):
        reason("no_such_reason")
    with pytest.raises(KeyError):
        reason("")
