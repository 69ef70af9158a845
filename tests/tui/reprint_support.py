"""A talon issued through the desk, for the tests that reprint it (F7 on the journal's detail)."""

from __future__ import annotations

from tui_support import pinned_clock

from regdesk import demo
from regdesk.desk import Desk


async def issued_talon(ws: demo.DemoWorkspace) -> int:
    """A talon registered and printed on the default printer, through the desk."""
    desk = Desk(ws.config, clock=pinned_clock())
    try:
        _, iin, password, _ = ws.staff[0]
        desk.session.sign_in(iin, password)
        found = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
        app_id = found.application_id
        desk.form.save_form(app_id, {"documents_seen": "identity", "district": "1"})
        check = desk.registration.open_key(ws.key_paths[iin], demo.KEY_PASSWORD)
        desk.registration.register(app_id, check)
        desk.issuance.issue(app_id)
        return app_id
    finally:
        await desk.aclose()
        desk.close()
