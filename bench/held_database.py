"""Keystroke to screen while another terminal holds the database for 5 seconds.

Budget: p95 <= 50 ms during the hold (before the desk's calls left the UI thread, the terminal
stopped until the hold ended).

Set-up (not timed): a demo workspace with its registry simulator, the real ``DeskApp`` headless
(``run_test``, 80x24) driven by keys: sign in, the attach service, an applicant's IIN, the
registry's answer, F10 to the form. Then another process (``python -c``, plain ``sqlite3``)
opens the same database, takes the write lock with ``BEGIN IMMEDIATE``, writes a row and holds
the transaction for ``REGDESK_BENCH_HOLD_S`` (5) seconds, as another terminal's registration
stuck on a slow disk would.

What is timed, while the lock is held: the receptionist types in the phone field (its autosave,
0.3 s after the last key, then waits for the lock in a worker, holding the desk's own lock, so
every read the screens ask for waits behind it) and moves between screens: F4 to the scan
picker, Esc back to the form, Esc to the applicant screen, F10 to the form again, F1 help and
Esc, round and round, until the hold ends. For each key, the time from handing the key event to
the app's driver (as ``Pilot.press`` does) to the end of the first screen update that shows
its effect (the character in the field, or the next screen on top), including the conversion to
the terminal's escape sequences, as in ``bench.keystroke``. A screen counts as shown when it is
on top and painted; the data it loads from the database may arrive after the hold ends (the
screen says it is loading meanwhile), which is the point: the terminal answers.

Limits: headless, so no terminal I/O (see ``bench.keystroke``). One process on a shared 2-core
machine: the figures include whatever else runs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from bench import _desk
from regdesk.store.paths import DataPaths

HOLD = float(os.environ.get("REGDESK_BENCH_HOLD_S", "5"))
GAP = int(os.environ.get("REGDESK_BENCH_KEY_GAP_MS", "80")) / 1000
LIMIT = 15.0
"""Seconds a key may take to show before it counts as lost (longer than the hold)."""

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE IF NOT EXISTS bench_hold (at REAL)")
conn.execute("INSERT INTO bench_hold VALUES (?)", (time.time(),))
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


def _on_top(app: Any, name: str) -> Callable[[], bool]:
    return lambda: type(app.screen).__name__ == name


def _round(app: Any) -> list[tuple[str, Callable[[], bool], str]]:
    """One round of keys: (key, what shows its effect, its label in the figures)."""
    keys: list[tuple[str, Callable[[], bool], str]] = []
    for char in "7012345":
        keys.append((char, _phone_ends(app, char), "type"))
    keys += [
        ("f4", _on_top(app, "ScanPickerScreen"), "move"),
        ("escape", _on_top(app, "FormScreen"), "move"),
        ("escape", _on_top(app, "ApplicantScreen"), "move"),
        ("f10", _on_top(app, "FormScreen"), "move"),
        ("f1", _on_top(app, "HelpScreen"), "move"),
        ("escape", _on_top(app, "FormScreen"), "move"),
    ]
    return keys


def _phone_ends(app: Any, char: str) -> Callable[[], bool]:
    state: dict[str, str] = {}

    def check() -> bool:
        field = app.screen.query_one("#phone", Input)
        if "before" not in state:
            state["before"] = field.value
        return field.value == state["before"] + char

    return check


async def measure(workspace: Any) -> tuple[dict[str, list[float]], int, float, int]:
    """Latencies by kind (seconds) during the hold, keys lost, the hold's length, and the saves
    that the app wrote meanwhile or after."""
    app = _desk.make_app(workspace)
    latencies: dict[str, list[float]] = {"type": [], "move": []}
    lost = 0
    database = DataPaths.for_config(workspace.config).database
    async with app.run_test(size=_desk.SIZE) as pilot:
        screen = await _desk.open_form(pilot, workspace)
        clock = _desk.ScreenClock(app)
        driver = app._driver
        assert driver is not None

        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(database), str(HOLD)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None
        line = await asyncio.to_thread(holder.stdout.readline)
        assert line.strip() == "held", line
        held_at = time.perf_counter()
        released = asyncio.create_task(asyncio.to_thread(holder.stdout.readline))
        while not released.done():
            for key, shown, kind in _round(app):
                if released.done():
                    break
                # Each key is timed from where the previous one left: the check reads the
                # screen as it is before the key.
                shown()
                clock.expect(shown)
                event = _desk.key_event(key)
                event.set_sender(app)
                began = time.perf_counter()
                driver.send_message(event)
                try:
                    await asyncio.wait_for(clock.done.wait(), LIMIT)
                except TimeoutError:
                    lost += 1
                    print(f"  lost: {key} (the screen is {type(app.screen).__name__})")
                    continue
                if not released.done():
                    latencies[kind].append(clock.seen_at - began)
                    if os.environ.get("REGDESK_BENCH_VERBOSE"):
                        print(f"  {key}: {(clock.seen_at - began) * 1000:.1f} ms")
                await asyncio.sleep(GAP)
        await released
        hold = time.perf_counter() - held_at
        holder.wait(10)
        await _desk.settle(pilot)
        saves = app.desk.form.get(screen.lookup.application_id).form or {}
    app.close_desk()
    return latencies, lost, hold, len(str(saves.get("phone", "")))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-held-") as folder:
        workspace = _desk.build_workspace(Path(folder) / "workspace")
        try:
            latencies, lost, hold, phone = asyncio.run(measure(workspace))
        finally:
            workspace.stop()
    every = latencies["type"] + latencies["move"]
    print(
        f"keystroke to screen while another process held the database for {hold:.1f} s:"
        f" {_desk.figures(every)} (budget p95 50 ms)"
    )
    print(f"  typing in the form: {_desk.figures(latencies['type'])}")
    print(f"  moving between screens: {_desk.figures(latencies['move'])}")
    print(f"keys not shown within {LIMIT:.0f} s: {lost}; phone digits saved after: {phone}")
