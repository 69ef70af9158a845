"""The form's phone: grouped as it is typed, and "abc" stops the signing (issue 11, item 12)."""

from __future__ import annotations

from textual.widgets import Input
from tui_support import (
    choose_district,
    finish,
    make_app,
    open_form,
    receptionist,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.i18n import t


async def test_a_wrong_phone_is_said_and_a_right_one_grouped(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        _, form = await open_form(pilot, ws.samples["unattached"][0])
        app_id = form.app_id  # F10 opened the application of the look-up
        phone = form.query_one("#phone", Input)
        await wait_until(pilot, lambda: phone.has_focus, "the phone field focused")
        await choose_district(pilot, "2")
        phone.focus()
        await pilot.press(*"abc", "f3", "f10")
        await wait_for_text(pilot, t("core.phone.invalid", "en").split(":")[0])
        assert top(app) == "FormScreen"  # no EDS dialog for a phone that is not one
        assert phone.has_focus
        phone.value = ""
        await pilot.press(*"87011234567")
        await wait_until(pilot, lambda: phone.value == "+7 701 123 45 67", "the phone grouped")
        # Typed without the trunk prefix: grouped when the field is left.
        phone.value = ""
        await pilot.press(*"7011234567", "tab")
        await wait_until(pilot, lambda: phone.value == "+7 701 123 45 67", "grouped on leaving")
        await pilot.press("f10")
        await wait_for_screen(pilot, "SignScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "FormScreen")
        await wait_until(
            pilot,
            lambda: (app.desk.form.get(app_id).form or {}).get("phone") == "+7 701 123 45 67",
            "the grouped phone saved",
        )
    await finish(app)
