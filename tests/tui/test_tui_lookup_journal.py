"""Look-ups are not journal rows; a real draft continues from the journal (issue 11, item 6)."""

from __future__ import annotations

from textual.widgets import DataTable, Input
from tui_support import (
    finish,
    look_up,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State

SIZE = (100, 30)
PHONE = "+7 701 123 45 67"
"""Typed as +77011234567, kept grouped as the form shows it (core.phone)."""


async def test_only_an_application_gone_on_with_is_a_row_and_enter_continues_it(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    only_seen, applicant_iin = ws.samples["adult"][0], ws.samples["unattached"][0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        await look_up(pilot, only_seen)
        # Another person at the window: the first was only looked up, and leaves no application.
        applicant = await look_up(pilot, applicant_iin)
        assert app.desk.journal.find(only_seen) == []
        await pilot.press("f10")
        await wait_for_screen(pilot, "FormScreen")
        app_id = applicant.lookup.application_id
        assert app_id is not None
        await pilot.press(*PHONE)
        await wait_until(
            pilot,
            lambda: (app.desk.form.get(app_id).form or {}).get("phone") == PHONE,
            "the autosave",
        )
    # The terminal dies with the form open: the draft stays, as after a power cut.
    assert app.unexpected == []
    app.desk.close()

    again = make_app(ws)
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await wait_for_screen(pilot, "ResumeScreen")
        await pilot.press("escape")  # later: the receptionist finds it in the journal instead
        await wait_for_screen(pilot, "MenuScreen")
        await pilot.press("2")
        journal = await wait_for_screen(pilot, "JournalScreen")
        table = journal.query_one("#results", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "one row: the application")
        assert only_seen not in screen_text(again)
        assert applicant_iin in screen_text(again)
        await pilot.press("enter", "enter")  # to the list, then open the row
        form = await wait_for_screen(pilot, "FormScreen")
        assert getattr(form, "app_id", None) == app_id
        await wait_until(pilot, lambda: form.query_one("#phone", Input).value == PHONE, "loaded")
        assert again.desk.form.get(app_id).state == State.DRAFT
    await finish(again)
