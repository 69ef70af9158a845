"""Enter on the result screen never skips step 8 silently (issue 11, item 4).

A receptionist who presses Enter for the next applicant before printing gets the talon printed
first; when the printer fails, the screen says so and a second Enter moves on, and the journal's
status filter lists the applications registered with no talon issued.
"""

from __future__ import annotations

import dataclasses
import socket
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static
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
from regdesk.config import Printer, Printing
from regdesk.core.application import State

SIZE = (80, 24)


async def register(pilot: Pilot[Any], ws: demo.DemoWorkspace) -> int:
    """From the menu: look up an unattached person, attach the identity scan, sign; the id of
    the application, on the result screen."""
    _, form = await open_form(pilot, ws.samples["unattached"][0])
    app_id: int = form.app_id  # type: ignore[attr-defined]
    await choose_district(pilot)
    await pilot.press("f4")
    await wait_for_screen(pilot, "ScanPickerScreen")
    await wait_for_text(pilot, "udostoverenie-lichnosti.pdf")
    await pilot.press("end", "enter")
    await pilot.press("enter")
    await wait_for_text(pilot, "udostoverenie-lichnosti.pdf  (Identity document")
    await pilot.press("f10")
    await wait_for_screen(pilot, "SignScreen")
    await pilot.press(*demo.KEY_PASSWORD, "enter")
    await wait_for_screen(pilot, "ResultScreen")
    await wait_for_text(pilot, "Application number:")
    return app_id


async def test_enter_prints_the_talon_before_the_next_applicant(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        app_id = await register(pilot, ws)
        assert app.desk.form.get(app_id).state == State.REGISTERED
        await pilot.press("enter")  # no F6 before it
        await wait_for_screen(pilot, "ApplicantScreen")
        record = app.desk.form.get(app_id)
        assert record.state == State.ISSUED
        assert (ws.prints_dir / f"{record.number}-talon.pdf").is_file()
    await finish(app)


def closed_port() -> int:
    """A loopback port nobody listens on: a receipt printer that is switched off."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_a_failed_print_is_said_and_the_journal_lists_the_talon_not_issued(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    printer = Printer(
        name="receipt", kind="raw", host="127.0.0.1", port=closed_port(), format="escpos-80"
    )
    printing = Printing(default="receipt", printers=(printer,))
    app = make_app(ws, config=dataclasses.replace(ws.config, printing=printing))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        app_id = await register(pilot, ws)
        result = app.screen
        status = result.query_one("#print-status", Static)
        await pilot.press("enter")
        await wait_until(pilot, lambda: status.has_class("error"), "the print's failure said")
        assert top(app) == "ResultScreen"  # not moved on as if the talon were handed over
        assert app.desk.form.get(app_id).state == State.REGISTERED
        await pilot.press("enter")  # the receptionist moves on knowingly
        await wait_for_screen(pilot, "ApplicantScreen")

        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        await pilot.press("2")
        journal = await wait_for_screen(pilot, "JournalScreen")
        table = journal.query_one("#results", DataTable)
        number = app.desk.form.get(app_id).number
        await pilot.press("f4", "enter", *"talon not", "enter")
        await wait_for_text(pilot, "talon not issued")
        assert journal.query_one("#state", Select).value == State.REGISTERED
        await wait_until(pilot, lambda: table.row_count == 1, "the one registered application")
        assert table.get_row_at(0)[0] == number
    await finish(app)
