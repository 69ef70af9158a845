"""What the desk's Pilot and snapshot tests share: the app on a demo workspace, and waiting.

Waiting is always polling with a deadline, never a fixed sleep: the machines that run these tests
are small and shared, so a registry answer or an Argon2 check may take seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.screen import Screen

from regdesk import demo
from regdesk.config import Config
from regdesk.core.clock import ClinicClock, PinnedClock
from regdesk.desk import Desk
from regdesk.tui.app import DemoInfo, DeskApp

PINNED_AT = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
"""The tests' "now": 10:30 in Almaty on Wednesday 25.11.2026, outside the attachment campaign.
The demo workspace is built around it (keys valid from a day before to a year after)."""


def pinned_clock(at: datetime = PINNED_AT) -> PinnedClock:
    """The clinic's clock of a test, standing still at ``at``."""
    return PinnedClock(at, "Asia/Almaty")


TIMEOUT = 40.0
"""Seconds a test waits for a worker's result before it fails (generous on a loaded machine)."""


def demo_info(ws: demo.DemoWorkspace) -> DemoInfo:
    """What ``regdesk demo`` passes to the app (regdesk/commands/demo.py)."""
    return ws.info()


def make_app(
    ws: demo.DemoWorkspace,
    *,
    config: Config | None = None,
    clock: ClinicClock | None = None,
    idle_check_seconds: float = 5.0,
    tidy_every_seconds: float = 3600.0,
) -> DeskApp:
    """The desk of the demo workspace, as ``regdesk demo`` starts it."""
    cfg = config or ws.config
    desk = Desk(cfg, clock=clock if clock is not None else pinned_clock())
    return DeskApp(
        desk,
        demo=demo_info(ws),
        idle_check_seconds=idle_check_seconds,
        tidy_every_seconds=tidy_every_seconds,
    )


async def finish(app: DeskApp) -> None:
    """After ``run_test``: no unexpected error was met anywhere (a screen's handler, a worker,
    the last-resort handler all keep it in ``unexpected``); close the desk."""
    app.close_desk()
    assert app.unexpected == [], app.unexpected


def screen_text(app: DeskApp) -> str:
    """The terminal's text as the user sees it now (a modal dialog over its screen included)."""
    # The compositor's strips are exactly what would be written to the terminal.
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def top(app: DeskApp) -> str:
    """The class name of the screen on top, for short assertions."""
    return type(app.screen).__name__


async def settle(app: DeskApp) -> None:
    """Wait for every worker to end, but the flow's: it waits for the screens it opened
    (flow.py) and ends only when the applicant's way through them does."""
    others = [w for w in app.workers if w.group != "flow"]
    if others:  # an empty list would mean "all of them" to Textual
        await app.workers.wait_for_complete(others)


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], object], what: str, timeout: float = TIMEOUT
) -> None:
    """Let the app run until ``condition()`` is true; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            text = screen_text(pilot.app) if isinstance(pilot.app, DeskApp) else ""
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{text}")
        await pilot.pause(0.05)
    await pilot.pause()


async def wait_for_screen(pilot: Pilot[Any], name: str, timeout: float = TIMEOUT) -> Screen[Any]:
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == name, name, timeout)
    return pilot.app.screen


async def wait_for_text(pilot: Pilot[Any], text: str, timeout: float = TIMEOUT) -> None:
    app = pilot.app
    assert isinstance(app, DeskApp)
    await wait_until(pilot, lambda: text in screen_text(app), repr(text), timeout)


def receptionist(ws: demo.DemoWorkspace) -> tuple[str, str]:
    """The demo receptionist's IIN and password (the first of the demo's staff)."""
    role, iin, password, _ = ws.staff[0]
    assert role == "receptionist"
    return iin, password


def admin(ws: demo.DemoWorkspace) -> tuple[str, str]:
    """The demo admin's IIN and password."""
    _, iin, password, _ = next(s for s in ws.staff if s[0] == "admin")
    return iin, password


async def sign_in(pilot: Pilot[Any], iin: str, password: str) -> None:
    """Type IIN, Enter, password, Enter on the sign-in screen and wait for what follows it."""
    await wait_for_screen(pilot, "SignInScreen")
    await pilot.press(*iin, "enter", *password, "enter")
    await wait_until(
        pilot,
        lambda: type(pilot.app.screen).__name__ in ("MenuScreen", "ResumeScreen"),
        "the menu after sign-in",
    )


async def look_up(pilot: Pilot[Any], iin: str) -> Any:
    """On the applicant screen: type the IIN, Enter, and wait for the registry's answer."""
    screen = await wait_for_screen(pilot, "ApplicantScreen")
    await pilot.press(*iin, "enter")
    await wait_until(
        pilot,
        lambda: (
            not getattr(screen, "busy", True)
            and (
                getattr(screen, "lookup", None) is not None or getattr(screen, "_last_error", False)
            )
        ),
        f"the registry's answer for {iin}",
    )
    return screen


async def open_form(pilot: Pilot[Any], iin: str) -> tuple[Any, Screen[Any]]:
    """From the menu: the attach service (1), ``iin`` looked up, F10 to the form of the
    application the look-up opened. The applicant screen (its ``lookup``) and the form."""
    await pilot.press("1")
    applicant = await look_up(pilot, iin)
    await pilot.press("f10")
    form = await wait_for_screen(pilot, "FormScreen")
    return applicant, form


async def choose_district(pilot: Pilot[Any], number: str = "1") -> None:
    """Choose the district in the form, as the receptionist does before signing: the demo's
    applicants live outside the districts' ranges, so none is suggested (issue 11, items 3, 15)."""
    from textual.widgets import Select

    form = await wait_for_screen(pilot, "FormScreen")
    district = form.query_one("#district", Select)
    district.value = number
    await wait_until(pilot, lambda: district.value == number, f"district {number} chosen")


# -- keys read as one burst --------------------------------------------------------------------


def key_event(char: str) -> events.Key:
    """The key a terminal reads for ``char`` (Enter for a carriage return, Tab for a tab…)."""
    names = {"\r": "enter", "-": "minus", "\t": "tab", " ": "space", "+": "plus"}
    return events.Key(names.get(char, char), None if char == "\t" else char)


def burst(app: DeskApp, text: str) -> None:
    """``text`` queued at once, as one read of the terminal (or one packet of an SSH or browser
    link) would bring it: nothing is handled before the last key is in."""
    for char in text:
        app.post_message(key_event(char))
