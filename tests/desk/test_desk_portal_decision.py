"""A portal application registered or refused at the desk, and the result sent back to the portal
(Table 1, actions 6-8), against the real simulator over loopback with the demo CA's keys.

The result goes through the outbox in the decision's transaction and is delivered by
``deliver_pending``: once, with a backoff kept in the database while the registry is down, after
a restart, and settled (not looped on) when the portal already holds a result.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from desk_support import assert_explained, draft, signed_in
from portal_support import asked, receive, received_by_portal
from pypdf import PdfReader

from regdesk import demo
from regdesk.cli import main
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.core.refusals import reason as refusal_reason
from regdesk.desk import Delivery, DeliveryRound, Desk, KeyCheck
from regdesk.desk.errors import DeskError, RulesBlock
from regdesk.desk.portal_decision import FIRST_RETRY, LONGEST_RETRY, Unverified, retry_delay
from regdesk.i18n import LANGS, t
from regdesk.registry.sim import Fault, Faults
from regdesk.signing import verify
from regdesk.store.journal import CheckFailure, PortalCheck

RESULT = "/result"


def result_posts(ws: demo.DemoWorkspace, portal_id: str) -> list[int]:
    """The statuses of the result POSTs the simulator saw for ``portal_id``."""
    path = f"/v1/portal/applications/{portal_id}{RESULT}"
    return [r.status for r in ws.simulator.requests() if r.method == "POST" and r.path == path]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


async def test_registered_with_eds_the_number_and_the_signed_talon_reach_the_portal(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    key: KeyCheck,
    receptionist: tuple[str, ...],
) -> None:
    # 00:30 on 26 November in Almaty is still the 25th in UTC: the talon says the clinic's day.
    clock.set(datetime(2026, 11, 25, 19, 30, tzinfo=UTC))
    app_id, portal_id = receive(ws, desk)
    decision = desk.portal_decision
    facts = await asked(desk, desk.context.record(app_id).applicant_iin)
    assert facts.person is not None and facts.person.address is not None
    assert decision.registration_problem(app_id, facts=facts) is None
    number = decision.register(app_id, key, facts=facts)
    assert number == "DEMO-2026-000001"
    record = desk.context.record(app_id)
    assert (record.state, record.number, record.district) == (State.REGISTERED, number, 2)
    signature = desk.context.journal.registration.signature(app_id)
    assert signature is not None and signature.signer_iin == receptionist[1]
    # Decided, not yet delivered: the inbox shows it as waiting.
    (waiting,) = decision.undelivered()
    assert (waiting.application_id, waiting.state, waiting.attempts) == (app_id, "pending", 0)
    assert waiting.decided_at == datetime(2026, 11, 26, 0, 30, tzinfo=waiting.decided_at.tzinfo)
    assert waiting.decided_at.utcoffset() == timedelta(hours=5)

    portal = desk.context.journal.portal
    assert portal.counts(clock.now()).undelivered == 1  # the inbox's count agrees

    assert await decision.deliver_pending() == DeliveryRound(delivered=1)

    assert portal.counts(clock.now()).undelivered == 0
    got = received_by_portal(ws, portal_id)
    assert (got["outcome"], got["application_number"]) == ("registered", number)
    talon = base64.b64decode(got["talon"])
    cms = base64.b64decode(got["talon_signature"])
    assert talon.startswith(b"%PDF")
    checked = verify(cms, talon, policy=desk.context.signing_policy(), use_ocsp=False)
    assert checked.valid, checked.problems
    assert checked.signer.iin == receptionist[1]
    assert not verify(cms, talon + b"\n", use_ocsp=False).valid  # detached: over these bytes
    text = pdf_text(talon)
    assert number in text
    assert facts.person.address.street in text  # the address the registry gave at opening
    assert "26.11.2026" in text and "00:30" in text
    assert "19:30" not in text

    delivered = decision.delivery(app_id)
    assert delivered is not None and delivered.state == "delivered"
    assert delivered.delivered_at == delivered.decided_at  # the pinned clock did not move
    assert decision.undelivered() == []
    # The attachment for the register stays the desk flush's (``Registration.flush_outbox``).
    pending = desk.context.journal.outbox.pending()
    assert [i.kind for i in pending] == ["attachment"]
    assert pending[0].payload["application"] == number
    # A second round sends nothing more.
    assert await decision.deliver_pending() == DeliveryRound()
    assert result_posts(ws, portal_id) == [200]


async def test_refused_with_a_reason_the_code_and_its_text_reach_the_portal(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    app_id, portal_id = receive(ws, desk)
    decision = desk.portal_decision
    assert "documents_missing" in {r.code for r in decision.reasons()}
    decision.refuse(app_id, "documents_missing", "  no identity document  ")
    record = desk.context.record(app_id)
    assert (record.state, record.refusal_code, record.refusal_note) == (
        State.REFUSED,
        "documents_missing",
        "no identity document",
    )
    assert await decision.deliver_pending() == DeliveryRound(delivered=1)
    got = received_by_portal(ws, portal_id)
    reason = refusal_reason("documents_missing")
    assert (got["outcome"], got["reason_code"]) == ("refused", "documents_missing")
    assert got["reason_text"] == f"{reason.kk}\n{reason.ru}\nno identity document"
    found = decision.delivery(app_id)
    assert found is not None and found.state == "delivered" and found.number is None


async def test_refusals_that_cannot_be_made_are_explained_and_change_nothing(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    app_id, _ = receive(ws, desk)
    decision = desk.portal_decision
    for code, note in (("other", "   "), ("no_such_reason", "")):
        with pytest.raises(DeskError) as caught:
            decision.refuse(app_id, code, note)
        assert_explained(caught.value)
    assert desk.context.record(app_id).state == State.RECEIVED
    assert desk.context.journal.outbox.pending() == []

    # Decided once: neither a second refusal nor a registration is taken.
    decision.refuse(app_id, "other", "applied twice")
    for attempt in (
        lambda: decision.refuse(app_id, "deceased"),
        lambda: decision.register(app_id, key),
    ):
        with pytest.raises(DeskError) as caught:
            attempt()
        assert_explained(caught.value)
        assert "«" in caught.value.message("ru")  # the state, said in words
    # A front-desk draft is not the portal's.
    desk_draft = await draft(desk, ws.samples["unattached"][0])
    with pytest.raises(DeskError) as caught:
        decision.refuse(desk_draft, "deceased")
    assert_explained(caught.value)
    assert [i.kind for i in desk.context.journal.outbox.pending()] == ["portal_result"]


async def test_registry_down_for_hours_then_up_the_result_goes_after_the_backoff(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, key: KeyCheck
) -> None:
    app_id, portal_id = receive(ws, desk)
    decision = desk.portal_decision
    facts = await asked(desk, desk.context.record(app_id).applicant_iin)
    ws.simulator.set_faults(Faults(fail_rate=1.0))
    decision.register(app_id, key, facts=facts)
    assert await decision.deliver_pending() == DeliveryRound(failed=1)
    (waiting,) = decision.undelivered()
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at == clock.now() + FIRST_RETRY
    for lang in LANGS:
        assert waiting.next_attempt_at.strftime("%H:%M") in waiting.message(lang)
    posts = len(result_posts(ws, portal_id))
    assert posts >= 1

    # Not due yet: nothing is sent, however often the timer fires.
    clock.advance(FIRST_RETRY - timedelta(seconds=1))
    assert await decision.deliver_pending() == DeliveryRound()
    assert len(result_posts(ws, portal_id)) == posts

    # Hours of outage: each attempt waits twice the last, never more than the longest wait.
    waits = []
    for _ in range(12):
        (waiting,) = decision.undelivered()
        assert waiting.next_attempt_at is not None
        waits.append(waiting.next_attempt_at - clock.now())
        clock.set(waiting.next_attempt_at)
        assert await decision.deliver_pending() == DeliveryRound(failed=1)
    assert waits[1] == 2 * FIRST_RETRY and waits[2] == 4 * FIRST_RETRY
    assert max(waits) == LONGEST_RETRY == waits[-1]
    (waiting,) = decision.undelivered()
    assert waiting.attempts == 13

    # The registry is back: the result goes at its next attempt, once.
    ws.simulator.set_faults(Faults())
    assert waiting.next_attempt_at is not None
    clock.set(waiting.next_attempt_at)
    assert await decision.deliver_pending() == DeliveryRound(delivered=1)
    assert result_posts(ws, portal_id)[-1] == 200
    assert received_by_portal(ws, portal_id)["outcome"] == "registered"
    assert decision.undelivered() == []


async def test_a_registry_that_cannot_be_reached_is_asked_once_per_round(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock
) -> None:
    first, portal_first = receive(ws, desk, 0)
    second, portal_second = receive(ws, desk, 1)
    desk.portal_decision.refuse(first, "deceased")
    desk.portal_decision.refuse(second, "deceased")
    ws.simulator.set_faults(Faults(fail_rate=1.0))
    assert await desk.portal_decision.deliver_pending() == DeliveryRound(failed=2)
    # The first result met the outage; the second was not sent to wait for its own timeout.
    assert result_posts(ws, portal_first) and not result_posts(ws, portal_second)
    waits = {d.application_id: d for d in desk.portal_decision.undelivered()}
    assert {d.attempts for d in waits.values()} == {1}
    assert {d.next_attempt_at for d in waits.values()} == {clock.now() + FIRST_RETRY}

    ws.simulator.set_faults(Faults())
    clock.advance(FIRST_RETRY)
    assert await desk.portal_decision.deliver_pending() == DeliveryRound(delivered=2)
    assert result_posts(ws, portal_second) == [200]


def test_the_backoff_doubles_from_the_first_wait_up_to_the_longest() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [FIRST_RETRY, 2 * FIRST_RETRY, 4 * FIRST_RETRY]
    assert retry_delay(40) == LONGEST_RETRY
    assert retry_delay(10_000) == LONGEST_RETRY  # days of outage do not overflow the wait
    assert retry_delay(1, asked=600) == timedelta(seconds=600)  # the registry's Retry-After


async def test_a_restart_between_the_decision_and_the_delivery_delivers_it_once(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
) -> None:
    _, iin, password, _ = receptionist
    async with signed_in(ws.config, clock, iin, password) as first:
        app_id, portal_id = receive(ws, first)
        facts = await asked(first, first.context.record(app_id).applicant_iin)
        check = first.portal_decision.open_key(ws.key_paths[iin], demo.KEY_PASSWORD)
        number = first.portal_decision.register(app_id, check, facts=facts)
    # The workstation is gone before any delivery; another process opens the same database.
    restarted = Desk(ws.config, clock=clock)
    try:
        (waiting,) = restarted.portal_decision.undelivered()
        assert (waiting.application_id, waiting.number) == (app_id, number)
        # Nobody needs to be signed in for the delivery.
        assert await restarted.portal_decision.deliver_pending() == DeliveryRound(delivered=1)
        assert await restarted.portal_decision.deliver_pending() == DeliveryRound()
    finally:
        await restarted.aclose()
        restarted.close()
    assert result_posts(ws, portal_id) == [200]
    assert received_by_portal(ws, portal_id)["application_number"] == number


async def test_an_answer_lost_on_the_way_back_is_not_a_second_result(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    app_id, portal_id = receive(ws, desk)
    path = f"/v1/portal/applications/{portal_id}{RESULT}"
    # The portal records the result, but the answer never arrives; the client asks again with
    # the same key and gets the first answer replayed.
    ws.simulator.inject(Fault("drop_after_commit", path=path, method="POST"))
    desk.portal_decision.refuse(app_id, "deceased")
    assert await desk.portal_decision.deliver_pending() == DeliveryRound(delivered=1)
    assert result_posts(ws, portal_id)[-1] == 200
    assert ws.simulator.app.portal.decided[portal_id]["status"] == "refused"


async def test_two_desks_delivering_at_once_post_each_result_once(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
) -> None:
    first, portal_first = receive(ws, desk, 0)
    second, portal_second = receive(ws, desk, 1)
    desk.portal_decision.refuse(first, "deceased")
    desk.portal_decision.refuse(second, "deceased")
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as other:
        rounds = await asyncio.gather(
            desk.portal_decision.deliver_pending(), other.portal_decision.deliver_pending()
        )
    assert sum(r.delivered for r in rounds) == 2
    assert result_posts(ws, portal_first) == [200]
    assert result_posts(ws, portal_second) == [200]


async def _decided_elsewhere(desk: Desk, portal_id: str, outcome: str) -> None:
    """Another system posts a result for ``portal_id`` first (under its own key)."""
    registry = desk.context.registry()
    if outcome == "refused":
        await registry.portal_result(
            portal_id, "refused", idempotency_key="elsewhere", reason_code="other", reason_text="x"
        )
    else:
        await registry.portal_result(
            portal_id,
            "registered",
            idempotency_key="elsewhere",
            application_number="ELSE-2026-000001",
            talon=b"%PDF-1.4 elsewhere",
            talon_signature=b"cms",
        )


async def test_already_decided_with_the_same_outcome_counts_as_delivered(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    app_id, portal_id = receive(ws, desk)
    await _decided_elsewhere(desk, portal_id, "refused")
    desk.portal_decision.refuse(app_id, "deceased")
    assert await desk.portal_decision.deliver_pending() == DeliveryRound(reconciled=1)
    assert result_posts(ws, portal_id) == [200, 409]
    found = desk.portal_decision.delivery(app_id)
    assert found is not None and found.state == "delivered"
    assert await desk.portal_decision.deliver_pending() == DeliveryRound()
    assert result_posts(ws, portal_id) == [200, 409]


async def test_already_decided_otherwise_is_held_for_a_person_not_retried(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, key: KeyCheck
) -> None:
    app_id, portal_id = receive(ws, desk)
    await _decided_elsewhere(desk, portal_id, "refused")
    facts = await asked(desk, desk.context.record(app_id).applicant_iin)
    number = desk.portal_decision.register(app_id, key, facts=facts)
    assert await desk.portal_decision.deliver_pending() == DeliveryRound(held=1)
    (held,) = desk.portal_decision.undelivered()
    assert (held.state, held.number, held.held) == ("conflict", number, "conflict:refused")
    texts = {lang: held.message(lang) for lang in LANGS}
    assert len(set(texts.values())) == 3 and not any("{" in x for x in texts.values())
    assert "отказано" in texts["ru"] and "зарегистрировано" in texts["ru"]
    # Hours later, timer after timer: the portal is not asked again.
    clock.advance(hours=5)
    assert await desk.portal_decision.deliver_pending() == DeliveryRound()
    assert result_posts(ws, portal_id) == [200, 409]
    # A person settles it and asks for it to be sent again: it is tried once more, and held.
    desk.portal_decision.retry(app_id)
    assert await desk.portal_decision.deliver_pending() == DeliveryRound(held=1)
    assert result_posts(ws, portal_id) == [200, 409, 409]


def test_every_delivery_state_is_said_in_kk_ru_and_en(ws: demo.DemoWorkspace, desk: Desk) -> None:
    at = desk.context.now()

    def delivery(outcome: str, **changes: Any) -> Delivery:
        fields: dict[str, Any] = {
            "application_id": 1,
            "portal_id": "P-1",
            "outcome": outcome,
            "number": "DEMO-2026-000001",
            "decided_at": at,
            "delivered_at": None,
            "attempts": 0,
            "next_attempt_at": None,
            "held": None,
            "last_error": None,
        }
        return Delivery(**(fields | changes))

    cases = [
        delivery("registered"),
        delivery("registered", attempts=2, next_attempt_at=at),
        delivery("refused", delivered_at=at),
        delivery("registered", held="conflict:refused"),
        delivery("refused", held="rejected:invalid_request"),
    ]
    assert [c.state for c in cases] == ["pending", "pending", "delivered", "conflict", "rejected"]
    seen = set()
    for case in cases:
        texts = [case.message(lang) for lang in LANGS]
        assert len(set(texts)) == 3, texts
        assert not any("{" in x or "portal_decision." in x for x in texts), texts
        seen.add(texts[0])
    assert len(seen) == len(cases)


async def test_an_application_that_failed_its_check_can_only_be_refused(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    failed = PortalCheck.failed(
        [CheckFailure("signature_invalid"), CheckFailure("file_hash", {"name": "id.pdf"})]
    )
    app_id, portal_id = receive(ws, desk, check=failed)
    decision = desk.portal_decision
    facts = await asked(desk, desk.context.record(app_id).applicant_iin)
    problem = decision.registration_problem(app_id, facts=facts)
    assert isinstance(problem, Unverified)
    with pytest.raises(Unverified) as caught:
        decision.register(app_id, key, facts=facts)
    assert_explained(caught.value)
    for lang in LANGS:
        said = caught.value.message(lang)
        # What failed, in the intake's words, and what to do instead.
        assert t("portal.check.signature_invalid", lang) in said
        assert t("portal.check.file_hash", lang, name="id.pdf") in said
        assert "F9" in said
    record = desk.context.record(app_id)
    assert (record.state, record.number) == (State.RECEIVED, None)
    assert desk.context.journal.outbox.pending() == []

    decision.refuse(app_id, "other", "the applicant's signature does not verify")
    assert await decision.deliver_pending() == DeliveryRound(delivered=1)
    assert received_by_portal(ws, portal_id)["outcome"] == "refused"


async def test_without_the_registry_s_answer_or_against_the_rules_nothing_is_registered(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    app_id, _ = receive(ws, desk)
    decision = desk.portal_decision
    # Never asked (or the registry had no data): the rules cannot be checked.
    with pytest.raises(DeskError) as caught:
        decision.register(app_id, key)
    assert caught.value.key == "portal_decision.no_registry_answer"
    assert_explained(caught.value)
    # The registry says today that the person died since applying: the rules stop it.
    died = await asked(desk, ws.samples["deceased"][0])
    assert died.person is not None
    problem = decision.registration_problem(app_id, facts=died)
    assert isinstance(problem, RulesBlock)
    with pytest.raises(RulesBlock) as blocked:
        decision.register(app_id, key, facts=died)
    assert_explained(blocked.value)
    record = desk.context.record(app_id)
    assert (record.state, record.number, record.registry_data) == (State.RECEIVED, None, None)
    assert desk.context.journal.outbox.pending() == []


def test_portal_sync_sends_the_results_decided_since(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    app_id, portal_id = receive(ws, desk)
    desk.portal_decision.refuse(app_id, "deceased")
    code = main(
        ["--config", str(ws.root / "config.toml"), "--lang", "ru", "portal", "sync"], clock=clock
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "Результаты на портал: доставлено — 1" in out
    assert received_by_portal(ws, portal_id)["reason_code"] == "deceased"
    delivered = desk.portal_decision.delivery(app_id)
    assert delivered is not None and delivered.state == "delivered"
