"""The form when the data folder's disk fills up: the save's refusal is said in words, what was
typed stays in the form, and F10 saves it once there is room again (issue 14)."""

from __future__ import annotations

from pathlib import Path

from disk_filler import fill_disk
from textual.widgets import Input
from tui_support import (
    choose_district,
    finish,
    make_app,
    open_form,
    receptionist,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.i18n import t


async def test_a_full_disk_keeps_the_typing_on_screen_and_f10_saves_it_later(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await sign_in(pilot, *receptionist(ws))
        _, form = await open_form(pilot, ws.samples["unattached"][0])
        await choose_district(pilot, "2")
        await pilot.press("f3")
        desk = app.desk
        await wait_until(
            pilot,
            lambda: (desk.form.get(form.app_id).form or {}).get("district") == "2",
            "the district saved",
        )

        with desk.context.locked():
            desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill_disk(small_disk)

        phone = form.query_one("#phone", Input)
        phone.focus()
        await pilot.press(*"87011234567")
        said = t(
            "disk.not_saved.form", "en", reason=t("safety.reason_full", "en")
        )  # the whole sentence, as the catalogue has it
        await wait_until(
            pilot,
            lambda: any(n.message == said for n in app._notifications),
            "the refused save said",
        )
        await wait_for_text(pilot, "The form was not saved")
        assert phone.value == "+7 701 123 45 67"  # what was typed is still there
        assert not (desk.form.get(form.app_id).form or {}).get("phone")  # not saved
        assert app.unexpected == []

        filler.unlink()
        await pilot.press("f10")  # the same form, pressed on once there is room
        await wait_for_screen(pilot, "SignScreen")
        assert (desk.form.get(form.app_id).form or {}).get("phone") == "+7 701 123 45 67"
    await finish(app)
