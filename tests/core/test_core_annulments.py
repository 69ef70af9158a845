"""Annulment in the state machine and its grounds: who may, from where, with what."""

from __future__ import annotations

import pytest

from regdesk.core.annulments import REASONS, annulment_reason
from regdesk.core.application import (
    ANNULLERS,
    FINAL_STATES,
    Role,
    State,
    TransitionError,
    check_transition,
    next_states,
)
from regdesk.i18n import LANGS, t


@pytest.mark.parametrize("start", [State.REGISTERED, State.ISSUED])
def test_an_admin_annuls_a_registered_or_issued_application(start: State) -> None:
    check_transition(start, State.ANNULLED, Role.ADMIN, "duplicate")
    assert State.ANNULLED in next_states(start, Role.ADMIN)
    assert State.ANNULLED not in next_states(start, Role.RECEPTIONIST)
    with pytest.raises(TransitionError, match="role"):
        check_transition(start, State.ANNULLED, Role.RECEPTIONIST, "duplicate")
    with pytest.raises(TransitionError, match="reason"):
        check_transition(start, State.ANNULLED, Role.ADMIN)


@pytest.mark.parametrize(
    "start", [None, State.DRAFT, State.RECEIVED, State.REFUSED, State.ABANDONED, State.ANNULLED]
)
def test_nothing_else_is_annulled_and_an_annulment_is_final(start: State | None) -> None:
    with pytest.raises(TransitionError, match="not a step"):
        check_transition(start, State.ANNULLED, Role.ADMIN, "duplicate")
    assert State.ANNULLED in FINAL_STATES
    assert next_states(State.ANNULLED, Role.ADMIN) == []
    assert set(ANNULLERS) == {Role.HEAD, Role.ADMIN}  # issue 15: the head annuls too


def test_every_ground_has_words_in_three_languages() -> None:
    codes = [r.code for r in REASONS]
    assert codes == ["wrong_person", "duplicate", "data_error", "applicant_withdrew", "other"]
    for reason in REASONS:
        texts = {lang: t(reason.key, lang) for lang in LANGS}
        assert all(text and reason.key not in text for text in texts.values())
        assert len(set(texts.values())) == len(LANGS)
    assert [r.code for r in REASONS if r.needs_note] == ["other"]
    assert annulment_reason("duplicate") is REASONS[1]
    assert annulment_reason("bored") is None
