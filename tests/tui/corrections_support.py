"""An application registered at another workstation and found in the journal by its number,
for the corrections' screen tests."""

from __future__ import annotations

from tui_support import pinned_clock, wait_for_screen, wait_until

from regdesk import demo
from regdesk.desk import Desk

SIZE = (100, 30)


async def registered(ws: demo.DemoWorkspace) -> tuple[int, str]:
    """An application registered by the demo receptionist at another workstation."""
    _, iin, password, _ = next(s for s in ws.staff if s[0] == "receptionist")
    desk = Desk(ws.config, clock=pinned_clock())
    try:
        desk.session.sign_in(iin, password)
        lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
        app_id = lookup.application_id
        desk.form.save_form(
            app_id, {"basis": "free_choice", "district": "2", "documents_seen": "identity"}
        )
        check = desk.registration.open_key(ws.key_paths[iin], demo.KEY_PASSWORD)
        number = desk.registration.register(app_id, check)
        assert await desk.registration.flush_outbox() == 1
        return app_id, number
    finally:
        await desk.aclose()
        desk.close()


async def open_in_journal(pilot: object, number: str) -> None:
    from textual.pilot import Pilot
    from textual.widgets import DataTable

    assert isinstance(pilot, Pilot)
    await pilot.press("2")
    journal = await wait_for_screen(pilot, "JournalScreen")
    await pilot.press(*number)
    table = journal.query_one("#results", DataTable)
    await wait_until(pilot, lambda: table.row_count == 1, "the application found")
    await pilot.press("enter", "enter")
    await wait_for_screen(pilot, "DetailScreen")
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "entry", None), "the detail")
