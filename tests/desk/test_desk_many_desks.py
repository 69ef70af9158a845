"""Six workstations registering on one database at once (issue 14, "Many desks").

Six processes, each its own ``Desk`` on the demo clinic's config and SQLite file, start together
on a barrier and register ten people each through the use cases (look-up, draft, form, EDS,
``register``, the outbox). The journal must then hold every number a desk was given, each once,
the year's sequence 1..60 without a gap, and no desk may have met an error, least of all SQLite's
raw "database is locked". The figures under load are ``python -m bench many_desks``'s.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from collections import Counter

from desk_support import PINNED_AT
from many_desks_support import people, register_all

from regdesk import demo
from regdesk.store.paths import DataPaths

DESKS = 6
EACH = 10


def test_six_desks_register_at_once_without_a_lost_or_repeated_number(
    ws: demo.DemoWorkspace, receptionist: tuple[str, str, str, str]
) -> None:
    today = PINNED_AT.date()
    iins = people(ws, today, DESKS * EACH)
    context = mp.get_context("spawn")  # the simulator's thread must not be forked
    barrier = context.Barrier(DESKS)
    results = context.Queue()
    processes = [
        context.Process(
            target=register_all,
            args=(
                str(ws.root / "config.toml"),
                (receptionist[1], receptionist[2]),
                ws.key_paths[receptionist[1]],
                iins[i * EACH : (i + 1) * EACH],
                PINNED_AT.isoformat(),
                barrier,
                results,
            ),
        )
        for i in range(DESKS)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=240) for _ in processes]
    finally:
        for process in processes:
            process.join(60)
            if process.is_alive():
                process.kill()

    shown = [text for o in outcomes for text in o["shown"]]
    raw = [text for o in outcomes for text in o["raw"]]
    assert raw == [], raw
    assert shown == [], shown
    assert not any("locked" in text.lower() for text in shown + raw)
    reported = [tuple(r) for o in outcomes for r in o["done"]]
    assert len(reported) == DESKS * EACH

    conn = sqlite3.connect(DataPaths.for_config(ws.config).database)
    try:
        rows = conn.execute(
            "SELECT id, number, number_year, number_seq, applicant_iin FROM applications"
            " WHERE number IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    assert sorted((app_id, number) for app_id, number, *_ in rows) == sorted(reported)
    assert Counter(number for _id, number, *_ in rows).most_common(1)[0][1] == 1
    assert {year for _i, _n, year, _s, _iin in rows} == {today.year}
    assert sorted(seq for *_, seq, _iin in rows) == list(range(1, DESKS * EACH + 1))
    expected = {f"DEMO-{today.year}-{seq:06d}" for seq in range(1, DESKS * EACH + 1)}
    assert {number for _id, number, *_ in rows} == expected
    assert sorted(iin for *_, iin in rows) == sorted(iins)
