"""One person, two terminals: the journal is read beside the registry, and only one registers.

Two ``Desk`` objects on the demo clinic's one database file are two terminals (each its own
connection, as two processes would have); the registry is the simulator, signing the demo keys.
"""

from __future__ import annotations

import threading

import pytest
from desk_support import READY_FORM, assert_explained, draft, journal_counts, signed_in

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, DistrictMissing, RulesBlock
from regdesk.desk.same_person import RegisteredMeanwhile
from regdesk.i18n import LANGS
from regdesk.store.journal import AlreadyRegisteredError, RegisteredByColleagueError

Staff = tuple[str, ...]


def _numbers_taken(ws: demo.DemoWorkspace, desk: Desk) -> int:
    with desk.context.locked():
        row = desk.context.db.conn.execute(
            "SELECT coalesce(max(last_seq), 0) FROM number_counters"
        ).fetchone()
    return int(row[0])


async def test_two_terminals_racing_to_register_one_person_give_one_number(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
) -> None:
    iin = ws.samples["unattached"][0]
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        apps = [await draft(desk, iin), await draft(other, iin)]
        checks = [
            desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD),
            other.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD),
        ]
        # Both press "sign" at the same moment, each on its own draft of the same person.
        start = threading.Barrier(2)
        numbers: dict[int, str] = {}
        errors: dict[int, BaseException] = {}

        def sign(i: int, terminal: Desk) -> None:
            start.wait(timeout=30)
            try:
                numbers[i] = terminal.registration.register(apps[i], checks[i])
            except BaseException as exc:
                errors[i] = exc

        threads = [threading.Thread(target=sign, args=(i, d)) for i, d in enumerate((desk, other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)

    assert len(numbers) == 1 and len(errors) == 1, (numbers, errors)
    (winner, number), (loser, error) = next(iter(numbers.items())), next(iter(errors.items()))
    # Whichever came second was told, in words, who registered the person, under what number
    # and when (clinic time: 05:30 UTC is 10:30 in Almaty), whether the rules' check found the
    # first registration committed before it looked or the check inside the transaction did.
    assert isinstance(error, RegisteredMeanwhile), repr(error)
    assert error.key == "two_desks.registered_meanwhile"
    assert isinstance(error.__cause__, AlreadyRegisteredError | RulesBlock)
    registrar = (receptionist, admin)[winner][3]
    for lang in LANGS:
        text = error.message(lang)
        assert number in text and registrar in text
        assert "25.11.2026" in text and "10:30" in text
    assert_explained(error)
    counts = journal_counts(ws)
    assert counts["outbox"] == 1 and counts["signatures"] == 1
    assert _numbers_taken(ws, desk) == 1
    assert desk.form.get(apps[loser]).state == State.DRAFT
    assert desk.form.get(apps[winner]).number == number


async def test_a_person_registered_here_this_year_is_a_finding_at_look_up(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
) -> None:
    iin = ws.samples["unattached"][0]
    app_id = await draft(desk, iin)
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    number = desk.registration.register(app_id, check)
    clock.advance(hours=2)
    # The registry does not know yet (the outbox was not sent); the journal does.
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        again = other.intake.open_draft(await other.intake.look_up(iin))
        assert again.attachment is None
        found = {f.code: f for f in again.findings}
        assert found["registered_here"].blocks
        assert found["registered_here"].params["number"] == number
        assert found["registered_here"].params["name"] == receptionist[3]
        # Registered at 10:30 (05:30 UTC in Almaty), looked up two hours later.
        assert found["registered_here"].params["date"] == "25.11.2026 10:30"
        assert again.suggested_refusal == "already_attached_here"
        other.form.save_form(again.application_id, READY_FORM)
        check2 = other.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        with pytest.raises(RegisteredMeanwhile) as caught:
            other.registration.register(again.application_id, check2)
        assert isinstance(caught.value.__cause__, RulesBlock)  # stopped before the signature
        assert number in caught.value.message("kk") and "10:30" in caught.value.message("kk")
        # The refusal the look-up suggests can be given.
        refused = other.intake.refuse(again.application_id, "already_attached_here")
        assert refused.state == State.REFUSED
    assert journal_counts(ws)["outbox"] == 1


async def test_a_draft_open_at_another_desk_warns_and_does_not_block(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    admin: Staff,
    receptionist: Staff,
) -> None:
    iin = ws.samples["unattached"][0]
    desk.intake.open_draft(await desk.intake.look_up(iin))  # the form opened at the first desk
    opened = clock()
    clock.advance(minutes=10)
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        seen = other.intake.open_draft(await other.intake.look_up(iin))
        warning = next(f for f in seen.findings if f.code == "open_elsewhere")
        assert not warning.blocks and seen.blocking == ()
        assert warning.params == {"name": receptionist[3], "time": opened.strftime("%H:%M")}
        other.intake.abandon(seen.application_id)  # the applicant went back to the first desk
    # The same employee looking the person up again is not warned about their own draft, nor
    # about one the applicant walked away from.
    again = desk.intake.open_draft(await desk.intake.look_up(iin))
    assert "open_elsewhere" not in {f.code for f in again.findings}


async def test_the_second_terminal_signing_the_same_draft_is_told_who_registered_it(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0])
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        # The admin opened the same draft from the journal and reached the EDS dialog too.
        check_other = other.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        number = desk.registration.register(app_id, check)
        with pytest.raises(RegisteredMeanwhile) as caught:
            other.registration.register(app_id, check_other)
    assert caught.value.key == "two_desks.registered_same"
    assert isinstance(caught.value.__cause__, RegisteredByColleagueError)
    assert caught.value.other_id == app_id
    assert_explained(caught.value)
    for lang in LANGS:
        text = caught.value.message(lang)
        assert number in text and receptionist[3] in text
        assert "“registered” to “registered”" not in text
    counts = journal_counts(ws)
    assert counts["outbox"] == 1 and counts["signatures"] == 1


@pytest.mark.parametrize("district", ["", "0", "nonsense"])
async def test_no_district_no_signature_and_nothing_queued(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: Staff, district: str
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0], READY_FORM | {"district": district})
    assert desk.form.chosen_district(app_id) is None
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    with pytest.raises(DistrictMissing) as caught:
        desk.registration.register(app_id, check)
    assert_explained(caught.value)
    assert desk.form.get(app_id).state == State.DRAFT
    counts = journal_counts(ws)
    assert counts["outbox"] == 0 and counts["signatures"] == 0
    # Once chosen, it registers and the register is told the district chosen.
    desk.form.save_form(app_id, READY_FORM | {"district": "2"})
    desk.registration.register(app_id, check)
    with desk.context.locked():
        (item,) = desk.context.journal.outbox.pending()
    assert item.payload["district"] == 2
