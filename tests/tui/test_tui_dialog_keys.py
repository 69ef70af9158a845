"""F1, F2 and Ctrl+L work inside the dialogs too (issue 11, item 8).

The README says F2 switches the language at any time; help and the lock are the same kind of key.
Textual stops a dialog's keys at the dialog; the desk's dialogs let the app's keys through.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from tui_support import (
    choose_district,
    finish,
    look_up,
    make_app,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.tui.app import DeskApp


async def desk_keys_work_in(pilot: Pilot[Any], dialog: str, password: str) -> None:
    """On ``dialog``: F1 opens help over it, F2 changes the language, Ctrl+L locks; each comes
    back to the same dialog."""
    app = pilot.app
    assert isinstance(app, DeskApp) and top(app) == dialog
    screen = app.screen

    await pilot.press("f1")
    await wait_for_screen(pilot, "HelpScreen")
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is screen, f"back to {dialog} from help")

    before = app.lang
    await pilot.press("f2")
    await wait_until(pilot, lambda: app.lang != before, f"F2 in {dialog}")
    while app.lang != before:
        await pilot.press("f2")
    assert app.screen is screen

    await pilot.press("ctrl+l")
    await wait_for_screen(pilot, "LockScreen")
    await pilot.press(*password, "enter")
    await wait_until(pilot, lambda: app.screen is screen, f"back to {dialog} after unlocking")
    assert not app.locked


async def test_help_language_and_lock_in_every_dialog(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    _, iin, password, _ = ws.staff[0]
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, iin, password)
        await pilot.press("1")
        await look_up(pilot, ws.samples["no_record"][0])
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        await desk_keys_work_in(pilot, "RefuseScreen", password)
        await pilot.press("escape")
        await wait_for_screen(pilot, "ApplicantScreen")

        await look_up(pilot, ws.samples["unattached"][0])
        await pilot.press("f10")
        await wait_for_screen(pilot, "FormScreen")
        await choose_district(pilot)
        await pilot.press("f4")
        await wait_for_screen(pilot, "ScanPickerScreen")
        await wait_for_text(pilot, "udostoverenie-lichnosti.pdf")
        await desk_keys_work_in(pilot, "ScanPickerScreen", password)
        await pilot.press("end", "enter")
        await pilot.press("enter")
        await wait_for_screen(pilot, "FormScreen")
        await wait_for_text(pilot, "udostoverenie-lichnosti.pdf  (Identity document")
        await pilot.press("f10")
        await wait_for_screen(pilot, "SignScreen")
        await desk_keys_work_in(pilot, "SignScreen", password)
    await finish(app)
