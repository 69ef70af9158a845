"""Every screen of the desk at 80x24, compared with the reviewed SVG in ``__snapshots__``.

A screen shows paths (the scanner folder, the demo key), dates and ages, and the registry's
people, so the workspace is made the same on every run: it is built in one fixed folder around a
clock pinned to 25.11.2026 10:30 in Almaty (keys, scans, the simulator's "today"), the desk's
clock is the same, and the machine's own zone is UTC (the screens must show Almaty time anyway).
Regenerate with ``pytest tests/tui --snapshot-update`` and look at every changed SVG
(or the report pytest-textual-snapshot writes) before committing it.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_support import (
    choose_district,
    make_app,
    pinned_clock,
    receptionist,
    settle,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.desk import Desk
from regdesk.tui.app import DeskApp

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs the fixed folder in /tmp")

SNAP_ROOT = Path("/tmp/regdesk-snap")
"""The workspace's fixed place: its paths appear on the screens."""
FIXED_NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
"""10:30 in Almaty on a Wednesday, outside the attachment campaign."""

Snap = Callable[..., bool]


@pytest.fixture
def snap_ws(monkeypatch: pytest.MonkeyPatch) -> Iterator[demo.DemoWorkspace]:
    # Two test runs on one machine would share the fixed folder: take turns.
    with open(str(SNAP_ROOT) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(SNAP_ROOT, ignore_errors=True)
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        ws = demo.build(SNAP_ROOT, lang="en", clock=pinned_clock(FIXED_NOW))
        try:
            yield ws
        finally:
            ws.stop()
            shutil.rmtree(SNAP_ROOT, ignore_errors=True)
            monkeypatch.undo()
            time.tzset()


@pytest.fixture
def snap_app(snap_ws: demo.DemoWorkspace) -> Iterator[DeskApp]:
    app = make_app(snap_ws, clock=pinned_clock(FIXED_NOW))
    yield app
    app.close_desk()
    assert app.unexpected == [], app.unexpected


def _shot(snap_compare: Snap, app: DeskApp, run: Callable[[Pilot[Any]], Awaitable[None]]) -> bool:
    """The screenshot after ``run``, with every text cursor shown steadily.

    A blinking cursor would be on in one run and off in the next, so it is stopped (shown).
    """

    async def run_then_steady(pilot: Pilot[Any]) -> None:
        await run(pilot)
        # What the screen loads from the desk arrives from workers: the picture waits for it.
        await settle(app)
        await pilot.pause()
        for screen in app.screen_stack:
            for field in screen.query(Input):
                field.cursor_blink = False
        await pilot.pause()

    return snap_compare(app, terminal_size=(80, 24), run_before=run_then_steady)


async def _signed_in(pilot: Pilot[Any], ws: demo.DemoWorkspace) -> None:
    await sign_in(pilot, *receptionist(ws))
    await wait_for_screen(pilot, "MenuScreen")


async def _applicant(pilot: Pilot[Any], ws: demo.DemoWorkspace, case: str) -> None:
    await _signed_in(pilot, ws)
    await pilot.press("1")
    screen = await wait_for_screen(pilot, "ApplicantScreen")
    await pilot.press(*ws.samples[case][0], "enter")
    await wait_until(
        pilot, lambda: getattr(screen, "lookup", None) is not None, "the registry's answer"
    )


async def _form(pilot: Pilot[Any], ws: demo.DemoWorkspace) -> None:
    await _applicant(pilot, ws, "unattached")
    await pilot.press("f10")
    await wait_for_screen(pilot, "FormScreen")


async def _sign_dialog(pilot: Pilot[Any], ws: demo.DemoWorkspace) -> None:
    await _form(pilot, ws)
    await choose_district(pilot)
    # F3: the identity document's original seen, ticked in the checklist.
    await pilot.press("f3", "f10")
    await wait_for_screen(pilot, "SignScreen")


def _journal_data(ws: demo.DemoWorkspace) -> None:
    """One talon issued and one refusal, made through the desk as the screens would."""

    async def make() -> None:
        desk = Desk(ws.config, clock=pinned_clock(FIXED_NOW))
        try:
            desk.session.sign_in(*receptionist(ws))
            found = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
            desk.form.save_form(
                found.application_id, {"documents_seen": "identity", "district": "1"}
            )
            employee = desk.employee
            assert employee is not None
            check = desk.registration.open_key(ws.key_paths[employee.iin], demo.KEY_PASSWORD)
            desk.registration.register(found.application_id, check)
            desk.issuance.issue(found.application_id)
            missing = desk.intake.open_draft(await desk.intake.look_up(ws.samples["no_record"][0]))
            desk.intake.refuse(missing.application_id, "no_data", "")
        finally:
            await desk.aclose()
            desk.close()

    asyncio.run(make())


def test_snapshot_sign_in(snap_compare: Snap, snap_app: DeskApp) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await wait_for_screen(pilot, "SignInScreen")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_menu(snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _signed_in(pilot, snap_ws)

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_applicant_with_person_card(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _applicant(pilot, snap_ws, "unattached")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_refusal_dialog(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _applicant(pilot, snap_ws, "no_record")
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_form(snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _form(pilot, snap_ws)
        await pilot.press(*"+77011234567")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_scan_picker(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _form(pilot, snap_ws)
        await pilot.press("f4")
        await wait_for_screen(pilot, "ScanPickerScreen")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_sign_dialog(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _sign_dialog(pilot, snap_ws)

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_result(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _sign_dialog(pilot, snap_ws)
        await pilot.press(*demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        # The number is safe; the attachment register is told in the background: let it finish.
        await settle(snap_app)

    assert _shot(snap_compare, snap_app, run)


async def _open_journal(pilot: Pilot[Any], ws: demo.DemoWorkspace) -> None:
    """Signed in, on the journal, with the two applications of ``_journal_data`` listed."""
    await _signed_in(pilot, ws)
    await pilot.press("2")
    screen = await wait_for_screen(pilot, "JournalScreen")
    table = screen.query_one("#results")
    await wait_until(pilot, lambda: getattr(table, "row_count", 0) == 2, "two rows")


def test_snapshot_journal(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    _journal_data(snap_ws)

    async def run(pilot: Pilot[Any]) -> None:
        await _open_journal(pilot, snap_ws)

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_detail(
    snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace
) -> None:
    _journal_data(snap_ws)

    async def run(pilot: Pilot[Any]) -> None:
        await _open_journal(pilot, snap_ws)
        # Enter in the search field goes to the table; the newest (the refusal) is first.
        await pilot.press("enter", "down", "enter")
        detail = await wait_for_screen(pilot, "DetailScreen")
        await wait_until(pilot, lambda: getattr(detail, "detail", None), "the detail loaded")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_lock(snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _signed_in(pilot, snap_ws)
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "LockScreen")

    assert _shot(snap_compare, snap_app, run)


def test_snapshot_help(snap_compare: Snap, snap_app: DeskApp, snap_ws: demo.DemoWorkspace) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _signed_in(pilot, snap_ws)
        await pilot.press("1")
        await wait_for_screen(pilot, "ApplicantScreen")
        await pilot.press("f1")
        await wait_for_screen(pilot, "HelpScreen")

    assert _shot(snap_compare, snap_app, run)


def test_the_pinned_workspace_is_the_same_folder_every_time(snap_ws: demo.DemoWorkspace) -> None:
    # The snapshots rely on it: the paths, the dates and the registry's people do not move.
    assert snap_ws.root == SNAP_ROOT
    assert os.environ["TZ"] == "UTC"
    assert {p.name for p in snap_ws.scan_dir.iterdir()} >= {"udostoverenie-lichnosti.pdf"}
    newest = max(p.stat().st_mtime for p in snap_ws.scan_dir.iterdir())
    assert newest < FIXED_NOW.timestamp()
