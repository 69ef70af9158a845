"""F10 without a district: the form says so before the key password (issue 11, item 15)."""

from __future__ import annotations

from tui_support import (
    choose_district,
    finish,
    make_app,
    open_form,
    receptionist,
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


async def test_signing_waits_for_a_district(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        applicant, _ = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        # The applicant's address is outside every district's range: none is suggested.
        await pilot.press("f3", "f10")  # the identity card seen, then sign
        first_words = t("desk.district_missing", "en").split(":")[0]
        await wait_for_text(pilot, first_words)
        assert top(app) == "FormScreen"  # no EDS dialog, no key password asked
        assert "Key password" not in screen_text(app)
        await choose_district(pilot, "2")
        await pilot.press("f10")
        await wait_for_screen(pilot, "SignScreen")
        await pilot.press(*demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        await wait_until(
            pilot, lambda: app.desk.form.get(app_id).state == State.REGISTERED, "registered"
        )
        assert app.desk.form.get(app_id).district == 2
    await finish(app)
