"""Work in progress: a draft survives a crash for its owner only; sign-in, idle lock, sign-out."""

from __future__ import annotations

import pytest
from desk_support import assert_explained, signed_in

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, DeskError
from regdesk.store.staff import SignInError

FORM = {
    "phone": "+7 701 234 56 78",
    "actual_address": "Алматы, Абай даңғылы, 10, 5",
    "basis": "free_choice",
    "district": "3",
    "documents_seen": "identity",
}


async def test_draft_survives_a_crash_for_its_owner_only(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, ...],
    admin: tuple[str, ...],
) -> None:
    crashed = Desk(ws.config, clock=clock)
    crashed.session.sign_in(receptionist[1], receptionist[2])
    lookup = crashed.intake.open_draft(await crashed.intake.look_up(ws.samples["unattached"][0]))
    crashed.form.save_form(lookup.application_id, FORM)
    # The process dies: no sign-out, no abandon, the connection simply goes away.
    await crashed.aclose()
    crashed.context.db.conn.close()

    clock.advance(minutes=2)
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as resumed:
        drafts = resumed.session.open_drafts()
        assert [d.id for d in drafts] == [lookup.application_id]
        assert drafts[0].state == State.DRAFT
        assert drafts[0].form == FORM
        assert drafts[0].applicant_iin == lookup.iin

        async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
            assert other.session.open_drafts() == []

        # The owner carries on where the crash left off, without a new look-up.
        check = resumed.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        number = resumed.registration.register(lookup.application_id, check)
        record = resumed.form.get(lookup.application_id)
        assert record.number == number and record.district == 3
        assert resumed.session.open_drafts() == []


async def test_form_is_kept_as_typed_at_every_save(ws: demo.DemoWorkspace, desk: Desk) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    desk.form.save_form(lookup.application_id, {"phone": "+7 70"})
    assert desk.form.get(lookup.application_id).form == {"phone": "+7 70"}
    desk.form.save_form(lookup.application_id, {"phone": "+7 701 234 56 78", "district": "2"})
    assert desk.form.get(lookup.application_id).form == {
        "phone": "+7 701 234 56 78",
        "district": "2",
    }


async def test_idle_lock_unlocks_with_the_same_password(
    desk: Desk, receptionist: tuple[str, ...]
) -> None:
    assert desk.session.check_password("not her password") is False
    assert desk.employee is not None and desk.employee.iin == receptionist[1]
    assert desk.session.check_password(receptionist[2]) is True


async def test_sign_out_hides_the_work(ws: demo.DemoWorkspace, desk: Desk) -> None:
    await desk.intake.look_up(ws.samples["unattached"][0])
    desk.session.sign_out()
    assert desk.employee is None
    with pytest.raises(DeskError) as caught:
        desk.session.open_drafts()
    assert caught.value.key == "desk.not_signed_in"
    assert_explained(caught.value)
    with pytest.raises(DeskError):
        await desk.intake.look_up(ws.samples["unattached"][0])


async def test_failed_sign_ins_are_throttled_in_the_same_words(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    desk = Desk(ws.config, clock=clock)
    security = ws.config.security
    try:
        errors = []
        # The free failures, then one more: the IIN's first delay (5 s) starts.
        for _ in range(security.throttle_free_attempts + 1):
            with pytest.raises(SignInError) as caught:
                desk.session.sign_in(receptionist[1], "Wrong-password-1")
            errors.append(caught.value)
        # Inside the delay even the right password is refused, in the same words.
        with pytest.raises(SignInError) as caught:
            desk.session.sign_in(receptionist[1], receptionist[2])
        errors.append(caught.value)
        for error in errors:
            assert_explained(error)
        assert {e.message("ru") for e in errors} == {errors[0].message("ru")}
        clock.advance(seconds=5)
        assert desk.session.sign_in(receptionist[1], receptionist[2]).iin == receptionist[1]
    finally:
        desk.close()
