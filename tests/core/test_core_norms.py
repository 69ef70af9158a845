"""The regulation's time norms as data, and how a step is measured against its norm."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from regdesk.core.application import Channel
from regdesk.core.calendar import WorkCalendar
from regdesk.core.clock import zone
from regdesk.core.norms import NORMS, evaluate, for_channel, norm
from regdesk.i18n import LANGS, catalogue

ALMATY = zone("Asia/Almaty")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=ALMATY)


def test_both_tables_are_there_in_order() -> None:
    desk = [n.step for n in for_channel(Channel.DESK)]
    assert desk == [
        "sign_in",
        "choose_service",
        "registry_request",
        "no_data_refusal",
        "form_and_eds",
        "register",
        "refusal",
        "issue",
    ]
    assert [n.action for n in for_channel(Channel.DESK)] == list(range(1, 9))
    assert [n.action for n in for_channel(Channel.PORTAL)] == list(range(1, 9))
    assert all(n.table == 2 for n in for_channel(Channel.DESK))
    assert all(n.table == 1 for n in for_channel(Channel.PORTAL))


@pytest.mark.parametrize(
    ("step", "low", "high"),
    [
        ("sign_in", 10, 15),
        ("choose_service", None, 10),
        ("registry_request", None, 90),
        ("no_data_refusal", 10, 15),
        ("form_and_eds", 10, 15),
        ("register", 10, 90),
        ("portal_sign_in", 30, 60),
        ("portal_sign_in_refusal", None, 30),
        ("portal_request", None, 90),
        ("portal_request_refusal", None, 90),
        ("portal_sign_and_send", 30, 60),
        ("portal_register", None, 60),
    ],
)
def test_the_seconds_are_those_of_the_seed(step: str, low: float | None, high: float) -> None:
    n = norm(step)
    assert (n.min_seconds, n.max_seconds, n.working_day) == (low, high, False)
    assert n.limit == timedelta(seconds=high)


@pytest.mark.parametrize("step", ["refusal", "issue", "portal_refusal", "portal_issue"])
def test_decisions_are_due_within_one_working_day(step: str) -> None:
    assert norm(step).working_day
    assert norm(step).limit is None


def test_every_span_norm_has_an_upper_bound_and_every_step_a_name() -> None:
    texts = catalogue()
    for n in NORMS.values():
        assert n.working_day or n.max_seconds is not None, n.step
        if n.min_seconds is not None and n.max_seconds is not None:
            assert n.min_seconds <= n.max_seconds
        assert all(texts[n.key].get(lang) for lang in LANGS), n.key


def test_the_ambiguous_registration_norm_says_so() -> None:
    assert "1.5 min" in norm("register").note


def test_a_step_within_and_over_its_norm() -> None:
    start = at(2025, 11, 12, 10)
    ok = evaluate("registry_request", start, start + timedelta(seconds=90))
    assert ok.within and ok.elapsed == timedelta(seconds=90) and ok.limit == timedelta(seconds=90)
    assert ok.over_by == timedelta()
    late = evaluate("registry_request", start, start + timedelta(seconds=91))
    assert not late.within and late.over_by == timedelta(seconds=1)
    assert late.deadline is None


def test_a_working_day_norm_uses_the_calendar() -> None:
    cal = WorkCalendar(time(9), time(18), ALMATY)
    registered = at(2026, 3, 20, 9, 40)  # Friday before Nauryz 2026
    on_time = evaluate("issue", registered, at(2026, 3, 26, 9, 40), cal)
    assert on_time.within
    assert on_time.deadline == at(2026, 3, 26, 9, 40)
    assert on_time.limit == timedelta(days=6)
    late = evaluate("portal_refusal", registered, at(2026, 3, 26, 9, 41), cal)
    assert not late.within and late.over_by == timedelta(minutes=1)


def test_a_working_day_norm_without_a_calendar_uses_the_default_one() -> None:
    result = evaluate("refusal", at(2025, 11, 14, 17), at(2025, 11, 17, 16, 59))
    assert result.within and result.deadline == at(2025, 11, 17, 17)


def test_bad_input_is_an_error() -> None:
    with pytest.raises(KeyError):
        evaluate("no_such_step", at(2025, 1, 6), at(2025, 1, 6))
    with pytest.raises(ValueError):
        evaluate("sign_in", at(2025, 1, 6, 10), at(2025, 1, 6, 9))
