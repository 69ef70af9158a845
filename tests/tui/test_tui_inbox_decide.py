"""Deciding a portal application from the inbox, keys only: register with the demo key's EDS,
refuse with a reason, Esc in the middle, and one decided meanwhile at another desk.

Real parts: the demo clinic (SQLite, vault, demo CA and key stores), the registry simulator on
loopback (asked again when an application opens), the employee's PKCS#12 and CMS. The clock
stands at Wednesday 25.11.2026 10:30 in Almaty.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from inbox_support import database, receive
from textual.pilot import Pilot
from tui_support import (
    finish,
    make_app,
    pinned_clock,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.clock import zone
from regdesk.desk import Desk
from regdesk.i18n import t
from regdesk.store.db import open_db

ALMATY = zone("Asia/Almaty")
RECEIVED = datetime(2026, 11, 25, 9, 0, tzinfo=ALMATY)


def state_of(ws: demo.DemoWorkspace, app_id: int) -> tuple[str, str | None, str | None]:
    """(state, number, refusal code) as another terminal reads the journal."""
    db = open_db(database(ws))
    try:
        row = db.conn.execute(
            "SELECT state, number, refusal_code FROM applications WHERE id = ?", (app_id,)
        ).fetchone()
    finally:
        db.conn.close()
    return str(row[0]), row[1], row[2]


def queued_results(ws: demo.DemoWorkspace) -> list[str]:
    """The portal results waiting in (or gone through) the outbox, by their outcome."""
    db = open_db(database(ws))
    try:
        rows = db.conn.execute("SELECT payload FROM outbox WHERE kind = 'portal_result'")
        return [json.loads(r[0])["outcome"] for r in rows]
    finally:
        db.conn.close()


async def open_first(pilot: Pilot[Any], ws: demo.DemoWorkspace, text: str) -> None:
    """Signed in: the inbox (4), Enter on its first row, the registry's answer on screen."""
    await sign_in(pilot, *receptionist(ws))
    await pilot.press("4")
    await wait_for_text(pilot, text)
    await pilot.press("enter")
    await wait_for_screen(pilot, "PortalCaseScreen")
    await wait_for_text(pilot, "The registry's answer at 10:30")


async def test_register_with_the_employees_eds(workspace: demo.DemoWorkspace) -> None:
    # Attached nowhere: a first attachment is allowed at any time, so F10 is offered.
    app_id = receive(
        workspace,
        portal_id="P-T-REG",
        subject_iin=workspace.samples["unattached"][0],
        received=RECEIVED,
        names=("Ким", "Олег", ""),
    )
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot, workspace, "Ким")
        await pilot.press("end")
        await wait_for_text(pilot, "It can be registered: F10")
        # The application names no district and the demo's addresses match none: F10 asks it.
        await pilot.press("f10")
        await wait_for_screen(pilot, "DistrictScreen")
        await pilot.press("down", "enter")  # district 2
        await wait_for_screen(pilot, "SignScreen")
        await wait_for_text(pilot, "Portal application P-T-REG; basis: Free choice")
        assert "│ district 2" in screen_text(app)
        # The demo key's path is offered; its password, Enter: signed and registered.
        await pilot.press(*demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "PortalCaseScreen")
        await wait_for_text(pilot, "Registered under number DEMO-2026-000001")
        state, number, _ = state_of(workspace, app_id)
        assert (state, number) == ("registered", "DEMO-2026-000001")
        # The decision and its result for the portal were written together.
        assert queued_results(workspace) == ["registered"]
        # Decided: neither F10 nor F9 is offered any more.
        await wait_until(pilot, lambda: "f9 Refuse" not in screen_text(app), "F9 gone")
        assert "f10 Register" not in screen_text(app)
    await finish(app)


async def test_refuse_with_a_reason_and_a_note(workspace: demo.DemoWorkspace) -> None:
    # The registry says the person is dead: the reason "deceased" is suggested and highlighted.
    app_id = receive(
        workspace,
        portal_id="P-T-DEAD",
        subject_iin=workspace.samples["deceased"][0],
        received=RECEIVED,
        names=("Ахметов", "Болат", ""),
    )
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot, workspace, "Ахметов")
        assert "f10 Register" not in screen_text(app)  # blocked: only refusal is offered
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        # Enter takes the highlighted (suggested) reason to the note; the note, Enter refuses.
        await pilot.press("enter", *"death record 2025", "enter")
        await wait_for_screen(pilot, "PortalCaseScreen")
        await wait_for_text(pilot, "Refused. The reason is being sent to the portal.")
        assert state_of(workspace, app_id) == ("refused", None, "deceased")
        assert queued_results(workspace) == ["refused"]
    await finish(app)


async def test_esc_in_the_middle_changes_nothing(workspace: demo.DemoWorkspace) -> None:
    app_id = receive(
        workspace,
        portal_id="P-T-ESC",
        subject_iin=workspace.samples["unattached"][0],
        received=RECEIVED,
        names=("Ким", "Олег", ""),
    )
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot, workspace, "Ким")
        # F10, then Esc at the district; F10, a district, then Esc at the key password.
        await pilot.press("f10")
        await wait_for_screen(pilot, "DistrictScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "PortalCaseScreen")
        await pilot.press("f10")
        await wait_for_screen(pilot, "DistrictScreen")
        await pilot.press("enter")
        await wait_for_screen(pilot, "SignScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "PortalCaseScreen")
        # F9, a reason, then Esc before confirming.
        await wait_for_text(pilot, "f9 Refuse")
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        await pilot.press("down", "escape")
        await wait_for_screen(pilot, "PortalCaseScreen")
        await wait_for_text(pilot, "f10 Register")
        assert state_of(workspace, app_id) == ("received", None, None)
        assert queued_results(workspace) == []
        # Back to the list, still waiting there.
        await pilot.press("escape")
        await wait_for_screen(pilot, "InboxScreen")
        await wait_for_text(pilot, "Ким")
    await finish(app)


async def test_one_decided_meanwhile_at_another_desk_is_said_in_words(
    workspace: demo.DemoWorkspace,
) -> None:
    app_id = receive(
        workspace,
        portal_id="P-T-STALE",
        subject_iin=workspace.samples["unattached"][0],
        received=RECEIVED,
        names=("Ким", "Олег", ""),
    )
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot, workspace, "Ким")
        # Meanwhile the admin at another terminal refuses it.
        other = Desk(workspace.config, clock=pinned_clock())
        try:
            _role, iin, password, _name = workspace.staff[1]
            other.session.sign_in(iin, password)
            other.portal_decision.refuse(app_id, "other", "decided by phone")
        finally:
            await other.aclose()
            other.close()
        # Here, still showing it as waiting: F9, the first reason, Enter to the note, Enter.
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        await pilot.press("enter", "enter")
        said = t("portal_decision.decided_already", "en", number=f"#{app_id}", state="refused")
        await wait_for_text(pilot, said[:40])
        assert "Traceback" not in screen_text(app)
        # Esc: the application as it now stands, decided, with nothing left to do here.
        await pilot.press("escape")
        await wait_for_screen(pilot, "PortalCaseScreen")
        await wait_until(pilot, lambda: "f9 Refuse" not in screen_text(app), "F9 gone")
        assert state_of(workspace, app_id) == ("refused", None, "other")
        assert queued_results(workspace) == ["refused"]
    await finish(app)
