"""The portal inbox with 10,000 applications waiting: opening it and scrolling it, key to screen.

Budget: p95 <= 100 ms per key.

Set-up (not timed): a demo workspace with its registry simulator, its database filled by bulk SQL
with ``REGDESK_BENCH_ROWS`` (10,000) portal applications waiting for a decision, received over the
last working days (so some are overdue, some due within the hour), each with its check on
receipt, plus 100,000 decided applications of the front desk around them; then the real
``DeskApp`` headless (``run_test``, 80x24), signed in as the demo receptionist.

What is timed, each from handing the key event to the app's driver (as ``Pilot.press`` does) to
the end of the first screen update that shows its effect (``_desk.ScreenClock``: layout,
compositor and the conversion to the terminal's escape sequences included):

- opening: ``4`` on the services menu until the inbox shows its first rows (the page read from
  the 10,000 in deadline order, their work time left, the counts), ``REGDESK_BENCH_OPENS`` (20)
  times, Esc back to the menu between;
- scrolling: ``REGDESK_BENCH_KEYS`` (400) keys through the list — Down mostly, PageDown and
  PageUp among them — each until the cursor's row is on screen, at a fast typist's pace
  (``GAP``); the next page of rows is read in a worker as the cursor nears the end of those
  read, so some keys arrive while it is read and added.

Limits: headless, so the terminal's own drawing is not included (a few milliseconds locally);
one process on a shared 2-core machine: the figures include whatever else runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from bench import _desk
from bench.journal import FEMALE, MALE, SURNAMES, iin_birth_date, make_iin
from bench.keystroke import fill_journal
from regdesk.core.calendar import WorkCalendar
from regdesk.core.clock import ClinicClock
from regdesk.store.db import utc_text
from regdesk.store.journal import make_name_key
from regdesk.store.paths import DataPaths

ROWS = int(os.environ.get("REGDESK_BENCH_ROWS", "10000"))
DESK_ROWS = int(os.environ.get("REGDESK_BENCH_DESK_ROWS", "100000"))
KEYS = int(os.environ.get("REGDESK_BENCH_KEYS", "400"))
OPENS = int(os.environ.get("REGDESK_BENCH_OPENS", "20"))
GAP = 0.08
"""Seconds between scrolling keys: a receptionist holding Down repeats faster, reading slower."""
SEED = 20261202


def fill_portal(database: Path, rows: int, now: datetime, calendar: WorkCalendar) -> int:
    """Add ``rows`` portal applications waiting for a decision, received over the last working
    days by ``calendar``; how many of them are overdue at ``now``."""
    rng = random.Random(SEED)
    conn = sqlite3.connect(database, isolation_level=None)
    overdue = 0
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        batch: list[tuple[object, ...]] = []
        payloads: list[tuple[object, ...]] = []
        first_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM applications").fetchone()[0])
        for n in range(rows):
            male_form, female_form = rng.choice(SURNAMES)
            male = rng.random() < 0.5
            surname = male_form if male else female_form
            first = rng.choice(MALE if male else FEMALE)
            iin = make_iin(rng)
            received = now - timedelta(minutes=rng.randrange(0, 4 * 24 * 60))
            deadline = calendar.next_working_day_deadline(received)
            overdue += deadline < now
            check = {"ok": rng.random() > 0.02, "failures": [], "signer": {"iin": iin}}
            at = utc_text(received)
            batch.append(
                (
                    first_id + n + 1,
                    iin,
                    surname,
                    first,
                    make_name_key(surname, first, ""),
                    iin_birth_date(iin),
                    f"P-BENCH-{n:06d}",
                    utc_text(deadline),
                    at,
                    json.dumps(check),
                )
            )
            payloads.append((first_id + n + 1, at, "self", "+7 701 000 00 00", b"{}", b""))
        conn.executemany(
            "INSERT INTO applications (id, channel, state, applicant_iin, surname, first_name,"
            " name_key, birth_date, basis, portal_id, deadline, received_at, portal_check,"
            " created_by, created_at, updated_at)"
            " VALUES (?, 'portal', 'received', ?, ?, ?, ?, ?, 'free_choice', ?, ?, ?, ?,"
            " 'system', ?9, ?9)",
            batch,
        )
        conn.executemany(
            "INSERT INTO portal_payloads (application_id, submitted_at, relation, phone,"
            " payload, signature) VALUES (?, ?, ?, ?, ?, ?)",
            payloads,
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return overdue


def _cursor_shown(table: DataTable[Any], row: int) -> Callable[[], bool]:
    """The cursor is on ``row`` and that row is within the table's visible region."""

    def shown() -> bool:
        if table.cursor_row != row:
            return False
        top = table.scroll_offset.y
        return top <= row < top + table.scrollable_content_region.height

    return shown


async def measure(workspace: Any) -> tuple[list[float], list[float], int]:
    """Opening latencies, scrolling latencies (seconds), and keys not shown within 5 s."""
    app = _desk.make_app(workspace)
    opens: list[float] = []
    scrolls: list[float] = []
    lost = 0
    rng = random.Random(SEED)
    async with app.run_test(size=_desk.SIZE) as pilot:
        await _desk.sign_in(pilot, *_desk.receptionist(workspace))
        await _desk.settle(pilot)
        clock = _desk.ScreenClock(app)
        driver = app._driver
        assert driver is not None

        async def timed(key: str, condition: Callable[[], bool], into: list[float]) -> bool:
            clock.expect(condition)
            event = _desk.key_event(key)
            event.set_sender(app)
            began = time.perf_counter()
            driver.send_message(event)
            try:
                await asyncio.wait_for(clock.done.wait(), 5.0)
            except TimeoutError:
                return False
            into.append(clock.seen_at - began)
            return True

        def inbox_rows() -> bool:
            screen = app.screen
            if type(screen).__name__ != "InboxScreen":
                return False
            return screen.query_one("#inbox-table", DataTable).row_count > 0

        for _ in range(OPENS):
            if not await timed("4", inbox_rows, opens):
                lost += 1
            await _desk.settle(pilot)
            await pilot.press("escape")
            await _desk.wait_for_screen(pilot, "MenuScreen")
            await _desk.settle(pilot)
        await pilot.press("4")
        await _desk.wait_until(pilot, inbox_rows, "the inbox's rows")
        await _desk.settle(pilot)
        table = app.screen.query_one("#inbox-table", DataTable)
        for _ in range(KEYS):
            key = rng.choices(["down", "pagedown", "pageup"], weights=[85, 10, 5])[0]
            page = table.scrollable_content_region.height
            row = table.cursor_row
            target = {"down": row + 1, "pagedown": row + page, "pageup": row - page}[key]
            # The table's last row read so far bounds a move (more are read as it nears it).
            target = max(0, min(target, table.row_count - 1))
            if target == row:
                target, key = max(0, row - 1), "up"
            if not await timed(key, _cursor_shown(table, target), scrolls):
                lost += 1
            await asyncio.sleep(GAP)
        await _desk.settle(pilot)
    return opens, scrolls, lost


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-inbox-") as folder:
        workspace = _desk.build_workspace(Path(folder) / "workspace")
        try:
            began = time.perf_counter()
            config = workspace.config
            database = DataPaths.for_config(config).database
            fill_journal(database, DESK_ROWS, config.clinic.code)
            hours = config.work_hours
            calendar = WorkCalendar.from_settings(hours.start, hours.end, hours.timezone)
            now = ClinicClock(hours.timezone).now()  # the desk's own clock, as the app reads it
            overdue = fill_portal(database, ROWS, now, calendar)
            print(
                f"journal filled with {DESK_ROWS:,} desk and {ROWS:,} waiting portal"
                f" applications ({overdue:,} overdue) in {time.perf_counter() - began:.1f} s"
            )
            opens, scrolls, lost = asyncio.run(measure(workspace))
        finally:
            workspace.stop()
    print(f"opening the inbox ({ROWS:,} waiting): {_desk.figures(opens)} (budget p95 100 ms)")
    print(f"scrolling the inbox: {_desk.figures(scrolls)} (budget p95 100 ms)")
    print(f"keys not shown within 5 s: {lost}")
