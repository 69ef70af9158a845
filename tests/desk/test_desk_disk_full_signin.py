"""Signing in, unlocking, signing out, one's own password, a refused role, the portal's rounds and
the admin's changes on a data disk that is full or turned read-only (issue 14). A sign-in or an
unlock the audit cannot record is refused (fail closed) with the same words for a staff IIN and
any other; a sign-out ends the session all the same; everything else says what was and was not
saved, writes nothing, and works once there is room. Real file systems, as in
``test_desk_disk_full.py``."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from desk_support import assert_explained, signed_in
from disk_support import fill, refused, remount, snapshot, turn_read_only
from portal_support import receive

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, DeskError, NotAllowed, NotSaved
from regdesk.desk.training import TrainingKeys

Staff = tuple[str, str, str, str]
UNKNOWN_IIN = "900101300017"  # a valid IIN of nobody on the staff


async def test_nobody_signs_in_or_unlocks_while_the_audit_cannot_record_it(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    small_disk: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        before = snapshot(ws)
        other = Desk(ws.config, clock=clock)
        try:
            filler = fill(desk, small_disk)
            caplog.set_level(logging.INFO)
            answers = []
            # The right password, a wrong one, an IIN of nobody: one answer (no oracle).
            for iin, password in (
                (receptionist[1], receptionist[2]),
                (receptionist[1], "Wrong-password-1"),
                (UNKNOWN_IIN, receptionist[2]),
            ):
                with pytest.raises(NotSaved) as no:
                    other.session.sign_in(iin, password)
                answers.append(refused(no.value).message("en"))
                assert other.employee is None
            assert len(set(answers)) == 1
            assert answers[0].startswith(
                "Nobody can be signed in: the disk holding the database is full. Every sign-in is"
                " written to the audit log and this one could not be, so it was refused."
            )
            assert "Call the administrator" in answers[0]
            assert no.value.message("ru").startswith("Никто не может войти в систему: диск,")
            assert no.value.message("kk").startswith("Жүйеге ешкім кіре алмайды: дерекқор")
            # The operational log says it, and never whose IIN was typed.
            logged = [r.getMessage() for r in caplog.records]
            assert any(m.startswith("sign_in not saved: ") for m in logged)
            assert not [m for m in logged if receptionist[1] in m or UNKNOWN_IIN in m]

            # Unlocking (the signed-in desk's own password) is refused the same way, in its
            # own words: not "wrong password", and the desk stays as it was.
            with pytest.raises(NotSaved) as unlock:
                desk.session.check_password(receptionist[2])
            assert (
                refused(unlock.value)
                .message("en")
                .startswith("The terminal was not unlocked: the disk holding the database is full.")
            )
            filler.unlink()
            assert snapshot(ws) == before  # nothing of any try was written

            # Room again: the same sign-in works, and is in the audit.
            employee = other.session.sign_in(receptionist[1], receptionist[2])
            assert employee.iin == receptionist[1]
            assert desk.session.check_password(receptionist[2])
            assert snapshot(ws).audit == before.audit + 2
            assert not other.session.check_password("Wrong-password-1")  # wrong, said so again
        finally:
            await other.aclose()
            other.close()


async def test_a_sign_out_the_audit_cannot_record_ends_the_session_all_the_same(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: Staff, small_disk: Path
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        before = snapshot(ws)
        filler = fill(desk, small_disk)
        with pytest.raises(NotSaved) as out:
            desk.session.sign_out()
        text = refused(out.value).message("en")
        assert text == (
            "The sign-out was not recorded: the disk holding the database is full. You are"
            " signed out at this terminal all the same. Tell the administrator."
        )
        assert desk.employee is None  # nobody stays signed in because the disk is full
        with pytest.raises(Exception) as nobody:
            desk.context.actor()
        assert type(nobody.value).__name__ == "NotSignedIn"
        filler.unlink()
        assert snapshot(ws) == before


async def test_an_own_password_change_on_a_full_disk_keeps_the_old_one_and_says_so(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: Staff, small_disk: Path
) -> None:
    new = "Kokterek-Almaty-2026"
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        before = snapshot(ws)
        filler = fill(desk, small_disk)
        with pytest.raises(NotSaved) as change:
            desk.session.change_password(receptionist[2], new, new)
        text = refused(change.value).message("en")
        assert text.startswith("The password was not changed: the disk holding the database is")
        assert "the one you signed in with still works" in text
        filler.unlink()
        assert snapshot(ws) == before
        desk.session.change_password(receptionist[2], new, new)  # room again: the same call
    async with signed_in(ws.config, clock, receptionist[1], new) as desk:
        assert desk.employee is not None


async def test_a_role_refused_on_a_full_disk_is_refused_in_its_own_words(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    small_disk: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        filler = fill(desk, small_disk)
        with pytest.raises(NotAllowed) as no:
            desk.staff_admin.accounts()
        assert no.value.key == "admin.not_allowed"
        assert "receptionist" in no.value.message("en").lower()
        assert any(r.getMessage().startswith("access_denied not saved: ") for r in caplog.records)
        filler.unlink()


async def test_the_admin_s_changes_on_a_full_disk_say_so_and_work_once_there_is_room(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    admin: Staff,
    receptionist: Staff,
    small_disk: Path,
    tmp_path: Path,
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as desk:
        staff = desk.staff_admin
        new_iin = "880315400010"
        before = snapshot(ws)
        rows_before = [(r.iin, r.role, r.state) for r in staff.accounts()]
        filler = fill(desk, small_disk)

        account_changes = [
            lambda: staff.add(new_iin, "Сейітова Дана Ерланқызы", "receptionist"),
            lambda: staff.reset_password(receptionist[1]),
            lambda: staff.set_role(receptionist[1], "head"),
            lambda: staff.lock(receptionist[1]),
        ]
        for change in account_changes:
            with pytest.raises(NotSaved) as account:
                change()
            text = refused(account.value).message("en")
            assert text.startswith("The account change was not saved: the disk holding the")
            assert "no one-time password was made" in text
        with pytest.raises(NotSaved) as lifting:
            staff.lift_terminal("window-9")
        assert "sign-in delay was not lifted" in refused(lifting.value).message("en")
        with pytest.raises(NotSaved) as district:
            desk.districts.edit(1, name="Орталық", target=1800)
        assert (
            refused(district.value)
            .message("en")
            .startswith("The district change was not saved: the disk holding the database")
        )
        with pytest.raises(NotSaved) as choosing:
            desk.printers.choose_default("receipt-80mm")
        text = refused(choosing.value).message("en")
        assert text.startswith("The default printer was not changed: the disk holding the")
        assert "“receipt-80mm”" in text
        with pytest.raises(NotSaved) as testing:
            desk.printers.test_page("receipt-80mm")
        assert "test" in refused(testing.value).message("en")
        keys = tmp_path / "training-keys"  # on the big disk: made, not remembered
        with pytest.raises(NotSaved) as training:
            TrainingKeys(desk.context).make(keys)
        text = refused(training.value).message("en")
        assert text.startswith(f"The training keys were made in {keys}, but not given to the")

        with pytest.raises(DeskError) as exporting:
            staff.export_journal("en")
        assert_explained(exporting.value)
        assert exporting.value.message("en").startswith("The admin journal was not written to")
        exports = ws.config.data_path() / "exports"
        assert not exports.exists() or list(exports.iterdir()) == []  # nothing half-written

        filler.unlink()
        assert snapshot(ws) == before
        assert [(r.iin, r.role, r.state) for r in staff.accounts()] == rows_before
        assert staff.export_journal("en").exists()

        # Room again: the same calls do the changes.
        assert staff.add(new_iin, "Сейітова Дана Ерланқызы", "receptionist")
        staff.set_role(receptionist[1], "head")
        assert desk.districts.edit(1, name="Орталық", target=1800)
        desk.printers.choose_default("receipt-80mm")
        TrainingKeys(desk.context).make(keys)
        rows = {r.iin: r.role for r in staff.accounts()}
        assert rows[new_iin] == "receptionist" and rows[receptionist[1]] == "head"
        assert [r.name for r in desk.printers.printers() if r.is_default] == ["receipt-80mm"]


async def test_the_portal_s_opening_and_rounds_on_a_full_disk_say_so(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: Staff, small_disk: Path
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        app_id, _ = receive(ws, desk, 0)
        decided, _ = receive(ws, desk, 1)
        desk.portal_decision.refuse(decided, "other", "applied twice")
        before = snapshot(ws)
        filler = fill(desk, small_disk)

        with pytest.raises(NotSaved) as opening:
            await desk.portal_inbox.open(app_id)
        text = refused(opening.value).message("en")
        assert text.startswith("The application was not opened: the disk holding the database")
        assert "so the application is not shown" in text

        # The simulator's own applications: a desk whose vault takes no file of them (each too
        # large for it, a failed check to be recorded) gets to writing the record itself.
        storage = dataclasses.replace(ws.config.storage, max_attachment_mb=0.0001)
        tiny = Desk(dataclasses.replace(ws.config, storage=storage), clock=clock)
        try:
            report = await tiny.portal_intake.sync()
        finally:
            await tiny.aclose()
            tiny.close()
        assert report.new == () and report.errors  # none received
        for error in report.errors:
            text = refused(error.error).message("en")
            assert text == (
                f"Portal application {error.portal_id} was not received: the disk holding the"
                " database is full. Nothing of it was saved; it stays on the portal and is"
                " fetched again at the next round once there is room. Tell the administrator."
            )

        with pytest.raises(NotSaved) as sending:
            await desk.portal_decision.deliver_pending()
        text = refused(sending.value).message("en")
        assert text.startswith("The results were not sent to the portal: the disk holding")

        filler.unlink()
        after = snapshot(ws)
        assert after.rows == before.rows and after.audit == before.audit
        assert after.vault == before.vault  # the files of what was not received are gone

        # Room again: the same calls.
        case = await desk.portal_inbox.open(app_id)
        assert case.row.app_id == app_id
        report = await desk.portal_intake.sync()
        assert report.new and not report.errors
        assert (await desk.portal_decision.deliver_pending()).delivered == 1


async def test_a_disk_turned_read_only_refuses_the_sign_in_and_an_admin_change_in_words(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    admin: Staff,
    receptionist: Staff,
    breakable_disk: Path,
    ext4_image: Path,
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as desk:
        turn_read_only(breakable_disk)
        other = Desk(ws.config, clock=clock)
        try:
            with pytest.raises(NotSaved) as no:
                other.session.sign_in(receptionist[1], receptionist[2])
            text = refused(no.value).message("en")
            assert text.startswith("Nobody can be signed in: the disk holding the database is")
            assert "read-only" in text
            assert other.employee is None
        finally:
            await other.aclose()
            other.close()
        with pytest.raises(NotSaved) as locking:
            desk.staff_admin.lock(receptionist[1])
        assert "read-only" in refused(locking.value).message("en")
        with pytest.raises(NotSaved):
            desk.session.sign_out()
        assert desk.employee is None

    remount(ws.config, ext4_image)
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        assert desk.employee is not None and desk.employee.iin == receptionist[1]
