"""Sign-in timing under the throttle (issue 14): an unknown IIN, a wrong password, a try during a
delay and the right password must take the same time, or timing tells which IINs are staff and
when a guess inside a delay was right.

Real Argon2id (the default cost), a real SQLite file. The four cases run in turn, round after
round, so that load from other programs falls on them alike; each case has its own moment (a day
apart), so that no delay builds up where none is meant, and the throttled case keeps one delay
running (tries inside it count for nothing). Prints the median and p95 of each and the ratio of
each median to the wrong password's (should be about 1.0), with the machine's load; then the same
with the hash nearly free, which shows the database's part alone.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.store.db import open_db
from regdesk.store.staff import DEFAULT_PARAMS, HashParams, SignInError, Staff

ROUNDS = 40
PASSWORD = "Kelbet-2026-qala"
WRONG = "Wrong-2026-qala"
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)


def _elapsed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(SignInError):
        action()
    return time.perf_counter() - start


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    load = os.getloadavg()[0]
    print(f"{ROUNDS} rounds, load average {load:.2f} at the start")
    p = DEFAULT_PARAMS
    print(f"argon2id m={p.memory_kib} KiB t={p.iterations} p={p.lanes} (the default cost):")
    _run(DEFAULT_PARAMS)
    # With the hash made nearly free, what is left is the database's part of each answer (its
    # reads and writes, the audit record): the differences the hash's cost would otherwise hide.
    print("argon2id m=64 KiB t=1 (the hash nearly free: the database's part alone):")
    _run(HashParams(memory_kib=64, iterations=1, lanes=1))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def _run(params: HashParams) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "regdesk.sqlite3")
        staff = Staff(db, Security(), params=params)
        known = make_iin(date(1980, 5, 17), "female", 123)
        held = make_iin(date(1985, 2, 2), "male", 77)
        unknown = make_iin(date(1975, 1, 30), "male", 42)
        for iin in (known, held):
            staff.add(iin, "Bench", "receptionist", PASSWORD, T0, actor="bench")
        # The held account's IIN: four failures from four terminals start its 5 s delay at T1.
        t1 = T0 + timedelta(days=1000)
        for n in range(4):
            _elapsed(lambda n=n: staff.authenticate(held, WRONG, t1, terminal=f"setup-{n}"))
        assert staff.throttle.blocked_until(staff.throttle.account_key(held), t1) is not None

        day = iter(range(1, 10**6))

        def fresh() -> datetime:
            return T0 + timedelta(days=next(day))

        cases: dict[str, Callable[[], object]] = {
            "unknown IIN": lambda: staff.authenticate(unknown, WRONG, fresh(), terminal="a"),
            "wrong password": lambda: staff.authenticate(known, WRONG, fresh(), terminal="b"),
            "throttled (right password)": lambda: staff.authenticate(
                held, PASSWORD, t1, terminal="c"
            ),
            "right password": lambda: staff.authenticate(known, PASSWORD, fresh(), terminal="d"),
        }
        for action in cases.values():
            _elapsed(action)  # warm up: imports, the dummy hash, the throttle's secret
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(ROUNDS):
            for name, action in cases.items():
                times[name].append(_elapsed(action))
        db.conn.close()
    wrong = statistics.median(times["wrong password"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:<27} median {median * 1000:7.2f} ms  p95 {_p95(values) * 1000:7.2f} ms"
            f"  ratio to a wrong password {median / wrong:.2f}"
        )


if __name__ == "__main__":
    main()
