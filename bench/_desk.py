"""Shared by the desk benchmarks: a demo workspace, the desk app on it, and a receptionist's steps.

Not a benchmark itself (the runner skips modules whose name starts with ``_``).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from regdesk import demo
from regdesk.desk import Desk
from regdesk.tui.app import DeskApp

SIZE = (80, 24)


class DriveError(RuntimeError):
    """The desk did not reach the screen or state a step waits for."""


def build_workspace(root: Path, lang: str = "ru") -> demo.DemoWorkspace:
    """A demo workspace in ``root`` with its registry simulator running (stop it when done)."""
    return demo.build(root, lang=lang)


def make_app(workspace: demo.DemoWorkspace) -> DeskApp:
    """The desk as ``regdesk demo`` starts it: the demo's accounts and key stores on screen."""
    info = workspace.info()
    return DeskApp(Desk(workspace.config), demo=info)


def receptionist(workspace: demo.DemoWorkspace) -> tuple[str, str]:
    """The demo receptionist's IIN and password."""
    _role, iin, password, _name = next(s for s in workspace.staff if s[0] == "receptionist")
    return iin, password


def key_event(char_or_key: str) -> events.Key:
    """The Key event a terminal produces for one character (or a named key such as ``enter``)."""
    if len(char_or_key) == 1:
        key = char_or_key if char_or_key.isalnum() else _character_to_key(char_or_key)
        return events.Key(key, char_or_key)
    return events.Key(char_or_key, None)


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], what: str, timeout: float = 30.0
) -> None:
    """Let the app run until ``condition()`` holds; DriveError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            screen = type(pilot.app.screen).__name__
            raise DriveError(f"timed out waiting for {what} (the screen is {screen})")
        await pilot.pause(0.01)


async def wait_for_screen(pilot: Pilot[Any], name: str, timeout: float = 30.0) -> None:
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == name, name, timeout)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key, as a receptionist or a barcode scanner does."""
    for char in text:
        await pilot.press(key_event(char).key)


async def sign_in(pilot: Pilot[Any], iin: str, password: str) -> None:
    """From the sign-in screen to the menu (the unfinished-drafts offer, if any, put off)."""
    await wait_for_screen(pilot, "SignInScreen")
    await type_text(pilot, iin)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: type(pilot.app.screen).__name__ in ("MenuScreen", "ResumeScreen"),
        "the menu after sign-in",
    )
    if type(pilot.app.screen).__name__ == "ResumeScreen":
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the app's workers (but the flow's, which waits for its screens) and pending
    messages."""
    others = [w for w in pilot.app.workers if w.group != "flow"]
    if others:  # an empty list would mean "all of them" to Textual
        await pilot.app.workers.wait_for_complete(others)
    await pilot.pause()
    await asyncio.sleep(0)


async def open_form(pilot: Pilot[Any], workspace: demo.DemoWorkspace) -> Any:
    """Signed in as the receptionist: the attach service, an unattached applicant's IIN, the
    registry's answer, F10 to the form of the new draft, every worker done. The applicant
    screen (its ``lookup``)."""
    await sign_in(pilot, *receptionist(workspace))
    await pilot.press("1")
    await wait_for_screen(pilot, "ApplicantScreen")
    await type_text(pilot, workspace.samples["unattached"][0])
    await pilot.press("enter")
    screen: Any = pilot.app.screen
    await wait_until(
        pilot, lambda: screen.lookup is not None and not screen.busy, "the registry's answer"
    )
    await pilot.press("f10")
    await wait_for_screen(pilot, "FormScreen")
    await settle(pilot)
    return screen


class ScreenClock:
    """Notes when the app has put on screen what the awaited condition describes: the end of the
    first screen update after which ``condition()`` holds, its conversion to the terminal's
    escape sequences included (``render_segments``, which a headless app skips)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.condition: Callable[[], bool] | None = None
        self.done = asyncio.Event()
        self.seen_at = 0.0
        self._display = app._display
        app._display = self._wrapped

    def expect(self, condition: Callable[[], bool]) -> None:
        self.condition = condition
        self.done.clear()

    def _wrapped(self, screen: Any, renderable: Any) -> None:
        from textual._compositor import CompositorUpdate

        self._display(screen, renderable)
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.app.console)  # what a terminal would be sent
        condition = self.condition
        if condition is not None and not self.done.is_set() and condition():
            self.seen_at = time.perf_counter()
            self.done.set()


def figures(values: list[float]) -> str:
    """Count, median, p95 and max of latencies in seconds, in milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return "no keys"
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{len(ordered)} keys: median {statistics.median(ordered) * 1000:.1f} ms,"
        f" p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )
