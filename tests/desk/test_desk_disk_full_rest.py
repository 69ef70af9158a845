"""The rest of the steps a receptionist's key writes, on a data disk that is full or turned
read-only (issue 14): the refusal dialog's and the form's opening (the start of their step), a
portal result sent again, a draft closed when the applicant leaves, a representative chosen, the
survey at the result screen and an application's detail opened (a view of a person, audited).
Each refused write is said in words (what was and was not saved, what to do), nothing of it is
written (the journal's rows, the audit chain, the database's integrity), and the same call does
the step once there is room. Real file systems, as in ``test_desk_disk_full.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from desk_support import READY_FORM, draft, signed_in
from disk_support import fill, refused, remount, snapshot, turn_read_only
from portal_support import receive

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, NotSaved

Staff = tuple[str, str, str, str]


def started(desk: Desk, app_id: int, step: str) -> int:
    """How many times the journal says ``step`` of the application started."""
    history = desk.context.journal.events.history(app_id)
    return sum(1 for e in history if e.kind == "step_start" and e.step == step)


def delivery_state(desk: Desk, app_id: int) -> str:
    delivery = desk.portal_decision.delivery(app_id)
    assert delivery is not None
    return delivery.state


async def test_the_rest_of_the_keys_on_a_full_disk_say_so_and_work_once_there_is_room(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: Staff, small_disk: Path
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        app_id = await draft(desk, ws.samples["unattached"][0])
        leaving = await draft(desk, ws.samples["unattached"][1])
        done_id = await draft(desk, ws.samples["unattached"][2], READY_FORM)
        desk.registration.register(done_id, key)
        child = await draft(desk, ws.samples["newborn"][0])
        mother = desk.form.registry_representatives(desk.form.get(child))[0]
        # A portal result the portal would not take, held for a person to send again.
        decision = desk.portal_decision
        portal_app, portal_id = receive(ws, desk, 0)
        decision.refuse(portal_app, "other", "applied twice")
        journal = desk.context.journal
        row = journal.portal_results.of(portal_id)
        assert row is not None
        journal.outbox.hold(row.item_id, "rejected:bad_request")
        assert delivery_state(desk, portal_app) == "rejected"
        before = snapshot(ws)

        filler = fill(desk, small_disk)
        with pytest.raises(NotSaved) as refusal:
            desk.intake.begin_step(app_id, "refusal")
        text = refused(refusal.value).message("en")
        assert text.startswith(
            "The start of the refusal was not recorded: the disk holding the database is full."
        )
        assert "press Esc and the same key again" in text
        assert refusal.value.message("ru").startswith("Начало отказа не записано: диск, на")
        assert refusal.value.message("kk").startswith("Бас тартудың басталуы жазылмады: дерекқор")

        with pytest.raises(NotSaved) as form:
            desk.form.begin_step(app_id)
        text = refused(form.value).message("en")
        assert text.startswith("The opening of the form was not recorded: the disk holding")
        assert "Not saved: when step 5 began" in text

        with pytest.raises(NotSaved) as retrying:
            decision.retry(portal_app)
        assert (
            refused(retrying.value)
            .message("en")
            .startswith(
                "The result was not queued to be sent again: the disk holding the database is full."
            )
        )

        with pytest.raises(NotSaved) as abandoning:
            desk.intake.abandon(leaving)
        text = refused(abandoning.value).message("en")
        assert "is offered at the next sign-in, where it can be closed" in text

        with pytest.raises(NotSaved) as choosing:
            await desk.form.choose_representative(child, mother.iin)
        text = refused(choosing.value).message("en")
        assert text.startswith("The representative was not recorded: the disk holding the")

        with pytest.raises(NotSaved) as surveying:
            desk.issuance.save_survey(done_id, 3, 2)
        assert refused(surveying.value).message("en").startswith("The survey was not entered")

        with pytest.raises(NotSaved) as viewing:
            desk.journal.detail(done_id)
        assert "so the application is not shown" in refused(viewing.value).message("en")

        # The heartbeat's mark of the open person is no key's: left to expire, said nowhere.
        assert desk.context.cases.keep(ws.samples["unattached"][0], app_id) == []

        # The desk goes on reading, and nothing of any step was written.
        assert started(desk, app_id, "refusal") == started(desk, app_id, "form_and_eds") == 0
        assert delivery_state(desk, portal_app) == "rejected"
        assert desk.form.get(leaving).state == State.DRAFT
        assert desk.form.representative(desk.form.get(child)) is None
        assert desk.form.get(child).representative_iin is None
        assert journal.issuance.survey(done_id) is None
        filler.unlink()
        assert snapshot(ws) == before

        # Room again: the same calls, as the same keys make them, do the steps.
        desk.intake.begin_step(app_id, "refusal")
        desk.form.begin_step(app_id)
        assert started(desk, app_id, "refusal") == started(desk, app_id, "form_and_eds") == 1
        decision.retry(portal_app)
        assert delivery_state(desk, portal_app) == "pending"
        desk.intake.abandon(leaving)
        assert desk.form.get(leaving).state == State.ABANDONED
        chosen = await desk.form.choose_representative(child, mother.iin)
        assert desk.form.get(child).representative_iin == chosen.iin == mother.iin
        desk.issuance.save_survey(done_id, 3, 2)
        survey = journal.issuance.survey(done_id)
        assert survey is not None and (survey.q1, survey.q2) == (3, 2)
        assert desk.journal.detail(done_id).record.id == done_id
        after = snapshot(ws)
        assert after.rows["events"] == before.rows["events"] + 3  # 2 starts + the abandonment
        assert after.audit > before.audit  # the views (the mother, the detail) audited now


async def test_a_disk_turned_read_only_refuses_the_step_starts_and_the_detail_in_words(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    breakable_disk: Path,
    ext4_image: Path,
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        app_id = await draft(desk, ws.samples["unattached"][0])
        turn_read_only(breakable_disk)

        with pytest.raises(NotSaved) as refusal:
            desk.intake.begin_step(app_id, "no_data_refusal")
        text = refused(refusal.value).message("en")
        assert text.startswith("The start of the refusal was not recorded: the disk holding")
        assert "read-only" in text
        assert "доступен только для чтения" in refusal.value.message("ru")
        with pytest.raises(NotSaved) as form:
            desk.form.begin_step(app_id)
        assert "read-only" in refused(form.value).message("en")
        with pytest.raises(NotSaved) as viewing:
            desk.journal.detail(app_id)
        assert "read-only" in refused(viewing.value).message("en")
        assert desk.form.get(app_id).state == State.DRAFT  # the desk goes on reading

    remount(ws.config, ext4_image)
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        assert started(desk, app_id, "no_data_refusal") == 0
        desk.intake.begin_step(app_id, "no_data_refusal")
        desk.form.begin_step(app_id)
        assert started(desk, app_id, "no_data_refusal") == started(desk, app_id, "form_and_eds")
        assert started(desk, app_id, "form_and_eds") == 1
        assert desk.journal.detail(app_id).record.id == app_id
