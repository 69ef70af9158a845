"""The portal fetched from the inbox and by the timer, against the real simulator: F5 brings its
new applications in, a round never runs twice at once nor on the UI thread, and a registry that
cannot be reached is said in words.

The simulator on loopback serves its own portal applications, each signed by a simulated
applicant's key (the demo trusts its CA); the desk's intake checks and receives them.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from textual.widgets import DataTable
from tui_support import (
    finish,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.i18n import t


def waiting_on_portal(ws: demo.DemoWorkspace) -> int:
    """The simulator's portal applications still without a result (what a sync receives)."""
    return sum(1 for a in ws.simulator.app.portal.applications().values() if a["status"] == "new")


async def test_f5_fetches_the_portals_new_applications(workspace: demo.DemoWorkspace) -> None:
    expected = waiting_on_portal(workspace)
    assert expected > 0
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await pilot.press("4")
        await wait_for_screen(pilot, "InboxScreen")
        await wait_for_text(pilot, t("inbox.empty", "en"))
        await pilot.press("f5")
        await wait_for_text(pilot, "Portal at 10:30:")
        table = app.screen.query_one("#inbox-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == expected, f"{expected} rows")
        assert f"Portal at 10:30: {expected} new application(s)" in screen_text(app)
        # Back on the menu, the counts include them.
        await pilot.press("escape")
        await wait_for_text(pilot, f"{expected} waiting")
    await finish(app)


async def test_a_round_never_overlaps_nor_runs_on_the_ui_thread(
    workspace: demo.DemoWorkspace,
) -> None:
    app = make_app(workspace)
    intake = app.desk.portal_intake
    real_sync = intake.sync
    release = threading.Event()
    seen: list[str] = []
    running = 0
    most = 0

    async def held_sync(*args: Any, **kwargs: Any) -> Any:
        # The real sync, held open until the test lets it go, noting where and how often.
        nonlocal running, most
        running += 1
        most = max(most, running)
        seen.append(threading.current_thread().name)
        try:
            await asyncio.to_thread(release.wait, 30)
            return await real_sync(*args, **kwargs)
        finally:
            running -= 1

    intake.sync = held_sync  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await pilot.press("4")
        await wait_for_screen(pilot, "InboxScreen")
        await pilot.press("f5")
        await wait_until(pilot, lambda: len(seen) == 1, "the first round started")
        # F5 again and the timer's tick while it runs: neither starts a second round.
        await pilot.press("f5")
        await wait_for_text(pilot, "The portal is being asked already")
        app.portal_poll.tick()
        release.set()
        await wait_for_text(pilot, "Portal at 10:30:")
        await app.workers.wait_for_complete()
        assert len(seen) == 1 and most == 1
        assert seen[0] != threading.main_thread().name
    await finish(app)


async def test_the_timer_runs_every_fetch_interval_and_only_when_signed_in(
    workspace: demo.DemoWorkspace,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        timer = app.portal_poll._timer
        assert timer is not None
        assert timer._interval == workspace.config.portal.fetch_seconds
        # Before sign-in a tick does nothing.
        app.portal_poll.tick()
        assert not app.portal_poll.running
        await sign_in(pilot, *receptionist(workspace))
        expected = waiting_on_portal(workspace)
        app.portal_poll.tick()
        assert app.portal_poll.running
        await wait_until(pilot, lambda: not app.portal_poll.running, "the round's end")
        assert app.portal_poll.last is not None
        assert app.portal_poll.last.received == expected
        assert app.portal_poll.failed == ""
    await finish(app)


async def test_a_registry_that_cannot_be_reached_is_said_in_words(
    workspace: demo.DemoWorkspace,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await pilot.press("4")
        await wait_for_screen(pilot, "InboxScreen")
        workspace.simulator.stop()
        await pilot.press("f5")
        # The round ends, and says why nothing came: the registry's own words.
        await wait_for_text(pilot, "the connection was refused")
        text = screen_text(app)
        assert "Portal at 10:30: 0 new application(s)" in text
        assert app.screen.query_one("#inbox-sync").has_class("error")
        assert "Traceback" not in text and "Error" not in text
    await finish(app)
