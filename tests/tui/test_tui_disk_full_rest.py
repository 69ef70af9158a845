"""The refusal dialog opened from the look-up while the data folder's disk is full (issue 14):
the start of its step cannot be written, the screen says so in words instead of "Unexpected
error", the desk keeps running with the applicant's IIN still in its field (F2 too, and the
screen's heartbeat), and the same key notes the start once there is room."""

from __future__ import annotations

from pathlib import Path

from disk_filler import fill_disk
from textual.widgets import Input
from tui_support import (
    finish,
    make_app,
    open_form,
    receptionist,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.i18n import t


async def test_the_refusal_opened_on_a_full_disk_says_so_and_keeps_the_iin(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    iin = ws.samples["unattached"][0]
    app = make_app(ws)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await sign_in(pilot, *receptionist(ws))
        # F10 opens the application (the draft) and Esc comes back to the look-up with it.
        applicant, _ = await open_form(pilot, iin)
        await pilot.press("escape")
        await wait_for_screen(pilot, "ApplicantScreen")
        app_id = applicant.lookup.application_id
        desk = app.desk
        await wait_until(
            pilot,
            lambda: not any(w.group == "save" and w.is_running for w in app.workers),
            "the form saved on Esc",
        )

        def refusal_starts() -> int:
            history = desk.context.journal.events.history(app_id)
            return sum(1 for e in history if e.kind == "step_start" and e.step == "refusal")

        with desk.context.locked():
            desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill_disk(small_disk)

        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        said = t(
            "disk.not_saved.refusal_start", "en", reason=t("safety.reason_full", "en")
        )  # the whole sentence, as the catalogue has it
        await wait_until(
            pilot,
            lambda: any(n.message == said for n in app._notifications),
            "the refused start said",
        )
        assert app.unexpected == []  # words, not "Unexpected error"
        assert refusal_starts() == 0

        # The desk keeps running: Esc is back at the look-up, the IIN still in its field.
        await pilot.press("escape")
        await wait_for_screen(pilot, "ApplicantScreen")
        assert applicant.query_one("#iin", Input).value == iin
        assert applicant.lookup is not None and applicant.lookup.application_id == app_id
        # F2 still switches the language: remembering it for the next sign-in is skipped.
        await pilot.press("f2")
        assert app.lang == "kk"
        await wait_until(
            pilot,
            lambda: not any(w.group == "language" and w.is_running for w in app.workers),
            "the language's worker done",
        )
        assert app.unexpected == []
        await pilot.press("f2", "f2")
        assert app.lang == "en"
        # The idle lock and the way back to the menu take the person's mark away: on this disk
        # that write is skipped (the mark expires), and neither key meets an error.
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "LockScreen")
        await wait_until(
            pilot,
            lambda: not any(w.group == "case" and w.is_running for w in app.workers),
            "the lock's worker done",
        )
        assert app.unexpected == []

        filler.unlink()  # (unlocking records the attempt: it needs the room, see the README)
        await pilot.press(*receptionist(ws)[1], "enter")
        await wait_for_screen(pilot, "ApplicantScreen")
        await pilot.press("f9")  # the same key, once there is room
        await wait_for_screen(pilot, "RefuseScreen")
        await wait_until(pilot, lambda: refusal_starts() == 1, "the refusal's start noted")
        await pilot.press("escape")
        await wait_for_screen(pilot, "ApplicantScreen")
        filler = fill_disk(small_disk)
        await pilot.press("escape")  # back to the menu with the disk full again
        await wait_for_screen(pilot, "MenuScreen")
        await wait_until(
            pilot,
            lambda: not any(w.group == "case" and w.is_running for w in app.workers),
            "the mark's worker done",
        )
        assert app.unexpected == []
        filler.unlink()
    await finish(app)
