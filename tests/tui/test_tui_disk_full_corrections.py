"""An annulment at the desk while the data folder's disk is full (issue 14): the EDS dialog says
in words that nothing of it was saved, the desk keeps running, and Enter on the same dialog
annuls once there is room. A real 16 MiB tmpfs filled to the last byte (``small_disk``)."""

from __future__ import annotations

from pathlib import Path

from corrections_support import SIZE, open_in_journal, registered
from disk_filler import fill_disk
from tui_support import (
    finish,
    make_app,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State
from regdesk.i18n import t


async def test_an_annulment_on_a_full_disk_is_said_and_enter_annuls_once_there_is_room(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    app_id, number = await registered(ws)
    _, iin, password, _ = next(s for s in ws.staff if s[0] == "admin")
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await open_in_journal(pilot, number)
        await pilot.press("f9")
        await wait_for_screen(pilot, "AnnulScreen")
        await pilot.press("home", "down", "enter", *"twice", "enter")  # duplicate, a note
        await wait_for_screen(pilot, "SignScreen")

        desk = app.desk
        with desk.context.locked():  # the next commit needs new room
            desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill_disk(small_disk)
        await pilot.press(*demo.KEY_PASSWORD, "enter")
        said = t("disk.not_saved.annul", "en", number=number, reason=t("safety.reason_full", "en"))
        await wait_for_text(pilot, f"Registration {number} was not annulled")
        flat = " ".join(screen_text(app).replace("│", " ").split())  # the dialog's text unwrapped
        assert " ".join(said.split()[:24]) in flat  # the catalogue's words: what was not saved
        assert top(app) == "SignScreen"  # the dialog stays, for the same key once there is room
        assert desk.journal.get(app_id).state == State.REGISTERED
        assert app.unexpected == []

        filler.unlink()
        await pilot.press("enter")  # the same dialog, the key's password still typed
        await wait_for_screen(pilot, "DetailScreen")
        await wait_for_text(pilot, f"Registration {number} annulled")
        await wait_until(
            pilot,
            lambda: desk.journal.get(app_id).state == State.ANNULLED,
            "the annulment recorded",
        )
    await finish(app)
