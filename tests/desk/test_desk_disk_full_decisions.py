"""A portal application decided, and a registration annulled or its survey entered, while the
data folder's disk is full or read-only (issue 14): each refused write is said in words (what
was and was not saved, what to do), nothing is half-written (the journal's rows, the outbox, the
audit chain, the database's integrity), the desk goes on, and the same step succeeds once the
disk is fixed. Real file systems, as in ``test_desk_disk_full.py``: a 16 MiB tmpfs filled to
the last byte, an ext4 image an error turns read-only; the registry is the demo's simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from desk_support import READY_FORM, draft, signed_in
from disk_support import fill, refused, remount, snapshot, turn_read_only
from portal_support import asked, receive

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, NotSaved

Staff = tuple[str, str, str, str]


async def registered(desk: Desk, ws: demo.DemoWorkspace, n: int, who: Staff) -> tuple[int, str]:
    """The ``n``-th unattached sample registered by ``who``: (id, number)."""
    app_id = await draft(desk, ws.samples["unattached"][n], READY_FORM | {"district": "2"})
    check = desk.registration.open_key(ws.key_paths[who[1]], demo.KEY_PASSWORD)
    return app_id, desk.registration.register(app_id, check)


async def test_a_portal_decision_on_a_full_disk_is_said_and_made_once_there_is_room(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: Staff, small_disk: Path
) -> None:
    year = clock.today().year
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        decision = desk.portal_decision
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        to_register, _ = receive(ws, desk, 0)
        to_refuse, _ = receive(ws, desk, 1)
        facts = await asked(desk, desk.context.record(to_register).applicant_iin)
        decision.begin_step(to_register)  # the EDS dialog opened before the disk filled
        before = snapshot(ws)

        filler = fill(desk, small_disk)
        with pytest.raises(NotSaved) as registering:
            decision.register(to_register, key, facts=facts)
        text = refused(registering.value).message("en")
        assert text.startswith(
            "The portal application was not registered: the disk holding the database is full."
        )
        assert "no number was given, nothing was sent to the portal" in text
        assert "Заявление с портала не зарегистрировано: диск, на котором лежит база данных" in (
            registering.value.message("ru")
        )
        with pytest.raises(NotSaved) as refusing:
            decision.refuse(to_refuse, "other", "applied twice")
        text = refused(refusing.value).message("en")
        assert text.startswith("The refusal of the portal application was not recorded: the disk")
        assert "nothing was sent to the applicant" in text
        # The EDS dialog opening is a write too (the step's start): refused in the same words.
        with pytest.raises(NotSaved) as opening:
            decision.begin_step(to_refuse)
        assert refused(opening.value).key == "disk.not_saved.portal_register"

        # The desk goes on reading: nothing was decided, nothing waits for the portal.
        for app_id in (to_register, to_refuse):
            record = desk.context.record(app_id)
            assert (record.state, record.number) == (State.RECEIVED, None)
        assert decision.undelivered() == []

        filler.unlink()
        assert snapshot(ws) == before  # nothing half-written

        # Room again: the same keys do the same steps; no number was lost to the full disk.
        assert decision.register(to_register, key, facts=facts) == f"DEMO-{year}-000001"
        decision.refuse(to_refuse, "other", "applied twice")
        assert desk.context.record(to_refuse).state == State.REFUSED
        outcomes = sorted((d.application_id, d.outcome) for d in decision.undelivered())
        assert outcomes == [(to_register, "registered"), (to_refuse, "refused")]
        after = snapshot(ws)
        assert after.rows["applications"] == before.rows["applications"]
        assert after.rows["outbox"] == before.rows["outbox"] + 3  # 2 results + the attachment


async def test_an_annulment_and_a_survey_on_a_full_disk_are_said_and_done_later(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    small_disk: Path,
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        app_id, number = await registered(desk, ws, 0, receptionist)
    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        before = snapshot(ws)

        filler = fill(head, small_disk)
        with pytest.raises(NotSaved) as annulling:
            head.corrections.annul(app_id, "duplicate", "", check)
        text = refused(annulling.value).message("en")
        assert text.startswith(
            f"Registration {number} was not annulled: the disk holding the database is full."
        )
        assert "Saved: the registration as it was, with its number." in text
        assert f"Регистрация {number} не аннулирована" in annulling.value.message("ru")
        with pytest.raises(NotSaved) as surveying:
            head.corrections.record_survey(app_id, 2, 3)
        assert refused(surveying.value).message("en").startswith("The survey was not entered")

        assert head.form.get(app_id).state == State.REGISTERED
        assert head.corrections.annulment(app_id) is None
        assert head.context.journal.issuance.survey(app_id) is None
        filler.unlink()
        assert snapshot(ws) == before

        assert head.corrections.annul(app_id, "duplicate", "", check) == number
        head.corrections.record_survey(app_id, 2, 3)
        assert head.form.get(app_id).state == State.ANNULLED
        survey = head.context.journal.issuance.survey(app_id)
        assert survey is not None and (survey.q1, survey.q2) == (2, 3)
        # The register hears of the registration, then of its annulment: each once.
        assert await head.registration.flush_outbox() == 2


async def test_a_disk_turned_read_only_refuses_the_decisions_in_words(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    breakable_disk: Path,
    ext4_image: Path,
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        app_id, number = await registered(head, ws, 0, admin)
        portal_id, _ = receive(ws, head, 0)
        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        turn_read_only(breakable_disk)

        with pytest.raises(NotSaved) as annulling:
            head.corrections.annul(app_id, "duplicate", "", check)
        text = refused(annulling.value).message("en")
        assert text.startswith(f"Registration {number} was not annulled: the disk holding the")
        assert "read-only" in text
        assert "доступен только для чтения" in annulling.value.message("ru")
        with pytest.raises(NotSaved) as refusing:
            head.portal_decision.refuse(portal_id, "other", "applied twice")
        assert "read-only" in refused(refusing.value).message("en")
        # The desk goes on: what is stored can still be read.
        assert head.form.get(app_id).state == State.REGISTERED
        assert head.context.record(portal_id).state == State.RECEIVED

    remount(ws.config, ext4_image)
    before = snapshot(ws)
    assert before.rows["applications"] == 2
    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        assert head.corrections.annul(app_id, "duplicate", "", check) == number
        head.portal_decision.refuse(portal_id, "other", "applied twice")
        assert head.context.record(portal_id).state == State.REFUSED
