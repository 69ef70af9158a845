"""Keystroke to screen in the application form, with 100,000 applications in the journal.

Budget: p95 <= 50 ms.

Set-up (not timed): a demo workspace with its registry simulator, its database filled with
100,000 earlier applications of other clerks by bulk SQL (``REGDESK_BENCH_ROWS`` changes the
number), then the real ``DeskApp`` headless (``run_test``, 80x24) driven by keys: sign in, the
attach service, an applicant's IIN, the registry's answer, F10 to the form of the new draft.

What is timed: for each of ``REGDESK_BENCH_KEYS`` (200) characters typed into the phone field
and then the actual-address field (a Kazakh address, Cyrillic letters, digits, spaces, commas),
the time from handing the key event to the app's driver (as ``Pilot.press`` does) to the end of
the first screen update whose Input value contains the character: the key's dispatch, the
Input's handlers and the form's (the autosave timer), the layout, the compositor's render of the
changed region, and its conversion to the terminal's escape sequences (``render_segments``,
which a headless app skips and the benchmark does itself). Keys are typed at a fast typist's
pace (``REGDESK_BENCH_KEY_GAP_MS``, 80 ms) with a pause of 0.5 s after every 15 keys, so the
form's autosave (0.3 s after the last key, a worker thread writing to the 100,000-application
database) runs between keys and some keys arrive while it works, as at a real desk.

Limits: headless, so no terminal I/O: the bytes are produced but not written to a pty, and
the terminal's own drawing is not included (a few milliseconds on a local terminal, more over
SSH). One process on a shared 2-core machine: the figures include whatever else runs.
``Pilot.press`` itself is not timed: it waits for idleness in steps of 20 ms, which would hide
the app's latency.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input

from bench import _desk
from bench.journal import FEMALE, MALE, STATES, SURNAMES, iin_birth_date, make_iin
from regdesk.store.journal import make_name_key
from regdesk.store.paths import DataPaths

ROWS = int(os.environ.get("REGDESK_BENCH_ROWS", "100000"))
KEYS = int(os.environ.get("REGDESK_BENCH_KEYS", "200"))
GAP = int(os.environ.get("REGDESK_BENCH_KEY_GAP_MS", "80")) / 1000
BURST = 15
"""Keys typed before a pause long enough for the autosave to run."""
PAUSE = 0.5
PHONE = "+7 701 234 56 78"
ADDRESS = "Алматы қ., Әуезов ауданы, Жандосов көшесі, 58 үй, 112 пәтер; "
SEED = 20261125


def fill_journal(database: Path, rows: int, clinic_code: str) -> None:
    """Add ``rows`` decided applications of other clerks, fast: one transaction, bulk inserts."""
    rng = random.Random(SEED)
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        clerks = [make_iin(rng) for _ in range(12)]
        start = datetime(2024, 1, 1, 3, 0, tzinfo=UTC)
        span = int((datetime(2026, 1, 1, tzinfo=UTC) - start).total_seconds())
        offsets = sorted(rng.randrange(span) for _ in range(rows))
        seqs: dict[int, int] = {}
        batch: list[tuple[object, ...]] = []
        conn.execute("BEGIN")
        for offset in offsets:
            male_form, female_form = rng.choice(SURNAMES)
            male = rng.random() < 0.5
            surname = male_form if male else female_form
            first = rng.choice(MALE if male else FEMALE)
            iin = make_iin(rng)
            created = (start + timedelta(seconds=offset)).isoformat(timespec="microseconds")
            state = rng.choice([s for s in STATES if s != "draft"])
            number = year = seq = registered = None
            if state in ("issued", "registered"):
                year = int(created[:4])
                seq = seqs[year] = seqs.get(year, 0) + 1
                number = f"{clinic_code}-{year}-{seq:06d}"
                registered = created
            batch.append(
                (
                    "desk",
                    state,
                    number,
                    year,
                    seq,
                    iin,
                    surname,
                    first,
                    make_name_key(surname, first, ""),
                    iin_birth_date(iin),
                    1 + rng.randrange(3),
                    "no_data" if state == "refused" else None,
                    rng.choice(clerks),
                    created,
                    created,
                    registered,
                    created if state != "registered" else None,
                )
            )
        conn.executemany(
            "INSERT INTO applications (channel, state, number, number_year, number_seq,"
            " applicant_iin, surname, first_name, name_key, birth_date, district, refusal_code,"
            " created_by, created_at, updated_at, registered_at, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        conn.executemany(
            "INSERT OR REPLACE INTO number_counters VALUES (?, ?, ?)",
            [(clinic_code, year, last) for year, last in seqs.items()],
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _value_is(field: Input, value: str) -> Callable[[], bool]:
    return lambda: field.value == value


async def measure(workspace: Any) -> tuple[list[float], int, int]:
    """Latencies of the typed keys (seconds), the autosaves that ran, and keys that were lost."""
    app = _desk.make_app(workspace)
    saves = 0
    save_form = app.desk.form.save_form

    def counting_save(app_id: int, form: dict[str, Any]) -> None:
        nonlocal saves
        saves += 1
        save_form(app_id, form)

    app.desk.form.save_form = counting_save  # type: ignore[method-assign]
    latencies: list[float] = []
    lost = 0
    async with app.run_test(size=_desk.SIZE) as pilot:
        await _desk.open_form(pilot, workspace)
        clock = _desk.ScreenClock(app)
        phone = app.screen.query_one("#phone", Input)
        address = app.screen.query_one("#actual_address", Input)
        text = (PHONE + ADDRESS * (KEYS // len(ADDRESS) + 1))[:KEYS]
        driver = app._driver
        assert driver is not None
        for i, char in enumerate(text):
            if i == len(PHONE):
                await pilot.press("tab")
                await _desk.wait_until(pilot, lambda: app.focused is address, "the address field")
            field = phone if i < len(PHONE) else address
            awaited = field.value + char
            clock.expect(_value_is(field, awaited))
            event = _desk.key_event(char)
            event.set_sender(app)
            began = time.perf_counter()
            driver.send_message(event)
            try:
                await asyncio.wait_for(clock.done.wait(), 5.0)
            except TimeoutError:
                lost += 1
                field.value = awaited  # keep the expected text in step
                continue
            latencies.append(clock.seen_at - began)
            await asyncio.sleep(PAUSE if (i + 1) % BURST == 0 else GAP)
        await _desk.settle(pilot)
    return latencies, saves, lost


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-keys-") as folder:
        workspace = _desk.build_workspace(Path(folder) / "workspace")
        try:
            began = time.perf_counter()
            database = DataPaths.for_config(workspace.config).database
            fill_journal(database, ROWS, workspace.config.clinic.code)
            print(
                f"journal filled with {ROWS:,} applications in {time.perf_counter() - began:.1f} s"
            )
            latencies, saves, lost = asyncio.run(measure(workspace))
        finally:
            workspace.stop()
    print(
        f"keystroke to screen in the form ({ROWS:,} applications): {_desk.figures(latencies)}"
        " (budget p95 50 ms)"
    )
    print(f"autosaves during the typing: {saves}; keys not shown within 5 s: {lost}")
