"""Password hashing and sign-in: what one sign-in costs, and that timing does not tell IINs apart.

Prints the median time of an Argon2id hash with the default parameters, and of a sign-in that
succeeds, fails on a wrong password, names an unknown IIN, or is not an IIN at all. The cases run
in turn, round after round, so that load from other programs falls on all of them alike. The
unknown and invalid IIN cases should take about as long as a wrong password (ratio near 1.0).
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.store.db import now_utc, open_db
from regdesk.store.staff import DEFAULT_PARAMS, SignInError, Staff, hash_password

ROUNDS = 15
PASSWORD = "Kelbet-2026-qala"
WRONG = "Wrong-2026-qala"


def _elapsed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(SignInError):
        action()
    return time.perf_counter() - start


def main() -> None:
    p = DEFAULT_PARAMS
    print(f"argon2id m={p.memory_kib} KiB t={p.iterations} p={p.lanes}, {ROUNDS} rounds")
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "regdesk.sqlite3")
        staff = Staff(db, Security())
        iin = make_iin(date(1980, 5, 17), "female", 123)
        unknown = make_iin(date(1975, 1, 30), "male", 42)
        staff.add(iin, "Bench", "admin", PASSWORD, now_utc(), actor="bench")
        # Each sign-in a day after the last, so the throttle's delays never come into it (the
        # throttled case is timed by ``python -m bench signin_timing``).
        start = now_utc()
        day = iter(range(1, 10**6))

        def later() -> datetime:
            return start + timedelta(days=next(day))

        cases: dict[str, Callable[[], object]] = {
            "hash_password": lambda: hash_password(PASSWORD),
            "sign-in, right password": lambda: staff.authenticate(iin, PASSWORD, later()),
            "sign-in, wrong password": lambda: staff.authenticate(iin, WRONG, later()),
            "sign-in, unknown IIN": lambda: staff.authenticate(unknown, WRONG, later()),
            "sign-in, not an IIN": lambda: staff.authenticate("12345", WRONG, later()),
        }
        for action in cases.values():
            _elapsed(action)  # warm up: imports, the dummy hash
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(ROUNDS):
            for name, action in cases.items():
                times[name].append(_elapsed(action))
        db.conn.close()
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    wrong = medians["sign-in, wrong password"]
    for name, ms in medians.items():
        ratio = f"  (ratio to a wrong password {ms / wrong:.2f})" if name != "hash_password" else ""
        print(f"{name:<25} {ms:7.1f} ms{ratio}")
