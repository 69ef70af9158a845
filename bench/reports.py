"""The reports of issue 13 over a journal of 1,000,000 applications with their events.

Budget: each report ≤ 1 s for a year, ≤ 100 ms for a day.

Set-up (timed and printed, not part of the budget): a temporary database made by ``open_db``
(every migration, the reports' triggers and indexes), filled in one transaction with
``executemany``: 1,000,000 applications from 2022 to 2026 on working days, 08:00-19:00 clinic
time (about 800 a day; the 2024 change of Almaty's offset from UTC+6 to UTC+5 lies inside),
85 % at the front desk and 15 % from the portal, with the events the desk writes for them
(the creation, the steps' starts and ends, the state changes), so ``step_times`` is filled by
its triggers as in use, plus survey answers for 40 % of the services. Durations and outcomes
are drawn from a seeded generator: the same journal on every run.

What is timed: ``run_report`` as the screen and the CLI call it, for each report, over the year
2025 grouped by month and by day, and over one working day (15 October 2025); the median (and
p95) of several runs each, after one run to warm the page cache. The machine's load average is
printed with them: the other programs on it slow every figure down.

Limits: one process on a shared 2-core machine; the figures include whatever else runs. The
database lives in the temporary folder (``REGDESK_BENCH_DIR`` to choose another disk), or at
``REGDESK_BENCH_REPORT_DB``: built there when missing and kept, reused when present (to time
the reports again without building for minutes).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from regdesk.config import Config, Storage
from regdesk.core.application import Role
from regdesk.core.calendar import WorkCalendar
from regdesk.core.clock import PinnedClock, zone
from regdesk.desk.context import Actor, DeskContext
from regdesk.desk.reports import REPORTS, Period, run_report
from regdesk.store.db import open_db

APPLICATIONS = int(os.environ.get("REGDESK_BENCH_REPORT_APPS", "1000000"))
FIRST_DAY, LAST_DAY = date(2022, 1, 1), date(2026, 12, 31)
EMPLOYEES = [f"8001013000{i:02d}" for i in range(12)]
CHUNK = 20_000
RUNS_YEAR, RUNS_DAY = 5, 21

TZ = zone("Asia/Almaty")
CAL = WorkCalendar(tz=TZ)


_DAY_PREFIX: dict[int, str] = {}
_TIME_OF_DAY = [
    f"{h:02d}:{m:02d}:{sec:02d}.000000+00:00"
    for h in range(24)
    for m in range(60)
    for sec in range(60)
]


def _text(ts: int) -> str:
    """Epoch seconds as stored (``store.db.utc_text``; the clinic's clock gives whole seconds),
    from two tables instead of a datetime per value: the journal has ten million of them."""
    day, rest = divmod(ts, 86400)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = _DAY_PREFIX[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
    return prefix + _TIME_OF_DAY[rest]


def _rows(rng: random.Random) -> Iterator[tuple[list[tuple[object, ...]], ...]]:
    """Chunks of (applications, events, surveys) rows."""
    days = CAL.working_days(FIRST_DAY, LAST_DAY)
    per_day = APPLICATIONS / len(days)
    rows = _Rows(rng)
    carry = 0.0
    for day in days:
        carry += per_day
        count = int(carry)
        carry -= count
        eight = int(datetime(day.year, day.month, day.day, 8, tzinfo=TZ).timestamp())
        for _ in range(count):
            rows.one(eight + rng.randrange(11 * 3600), day.year, rng.choice(EMPLOYEES))
            if len(rows.apps) >= CHUNK:
                yield rows.take()
    if rows.apps:
        yield rows.take()


class _Rows:
    """Applications with their events and survey answers, as the desk (or the portal's
    receipt) writes them, in epoch seconds."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.app_id = 0
        self.seq: dict[int, int] = {}
        self.apps: list[tuple[object, ...]] = []
        self.events: list[tuple[object, ...]] = []
        self.surveys: list[tuple[object, ...]] = []

    def take(self) -> tuple[list[tuple[object, ...]], ...]:
        out = (self.apps, self.events, self.surveys)
        self.apps, self.events, self.surveys = [], [], []
        return out

    def one(self, opened: int, year: int, who: str) -> None:
        rng = self.rng
        self.app_id += 1
        app_id = self.app_id
        portal = rng.random() < 0.15
        t = opened
        ev = self.events

        def event(kind: str, step: str | None, frm: str | None, to: str | None, by: str) -> None:
            ev.append((app_id, _text(t), by, "receptionist", kind, step, frm, to, refusal))

        refusal: str | None = None
        registered: int | None = None
        decided: int | None = None
        deadline: int | None = None
        if portal:
            event("transition", None, None, "received", "system")
            deadline = int(
                CAL.next_working_day_deadline(datetime.fromtimestamp(opened, TZ)).timestamp()
            )
            t = opened + rng.randrange(600, 30 * 3600)
            if rng.random() < 0.9:
                state, registered = "registered", t
                event("transition", None, "received", "registered", who)
            else:
                state, decided, refusal = "refused", t, "deceased"
                event("transition", None, "received", "refused", who)
        else:
            event("transition", None, None, "draft", who)
            event("step_start", "registry_request", None, None, who)
            t += 1 + int(rng.lognormvariate(3.0, 0.6))
            event("step_end", "registry_request", None, None, who)
            roll = rng.random()
            if roll < 0.02:  # no data: refused at step 4
                event("step_start", "no_data_refusal", None, None, who)
                t += rng.randrange(5, 25)
                event("step_end", "no_data_refusal", None, None, who)
                state, decided, refusal = "refused", t, "no_data"
                event("transition", None, "draft", "refused", who)
            elif roll < 0.05:  # walked away with the form open
                event("step_start", "form_and_eds", None, None, who)
                t += 600
                state = "abandoned"
                event("transition", None, "draft", "abandoned", who)
            else:
                event("step_start", "form_and_eds", None, None, who)
                t += 1 + int(rng.lognormvariate(2.4, 0.4))
                event("step_end", "form_and_eds", None, None, who)
                state, registered = "registered", t
                event("transition", None, "draft", "registered", who)
                if roll < 0.08:  # refused at step 7
                    event("step_start", "refusal", None, None, who)
                    t += rng.randrange(10, 60)
                    event("step_end", "refusal", None, None, who)
                    state, decided, refusal = "refused", t, "data_mismatch"
                    event("transition", None, "registered", "refused", who)
                else:
                    event("step_start", "issue", None, None, who)
                    t += rng.randrange(2, 8)
                    event("step_end", "issue", None, None, who)
                    state, decided = "issued", t
                    event("transition", None, "registered", "issued", who)
        number = seq = None
        if registered is not None:
            seq = self.seq[year] = self.seq.get(year, 0) + 1
            number = f"C1-{year}-{seq:06d}"
        if state in ("issued", "refused") and rng.random() < 0.4:
            answers = (rng.choice((1, 2, 3, 3, 3)), rng.choice((None, 2, 3, 3)))
            self.surveys.append((app_id, *answers, _text(t)))
        self.apps.append(
            (
                app_id,
                "portal" if portal else "desk",
                state,
                number,
                year if number else None,
                seq,
                f"{900000000000 + app_id}",
                rng.choice(("free_choice", "free_choice", "residence_change", "newborn")),
                rng.randrange(1, 16) if registered else None,
                refusal,
                f"portal-{app_id}" if portal else None,
                _text(deadline) if deadline else None,
                "system" if portal else who,
                _text(opened),
                _text(t),
                _text(registered) if registered else None,
                _text(decided) if decided else None,
            )
        )


def build(path: Path) -> float:
    """Fill a new database at ``path``; the seconds it took."""
    started = time.perf_counter()
    db = open_db(path)
    conn = db.conn
    # A throw-away file filled once: no journal to roll back into (WAL would write every page
    # twice), a large page cache for the indexes.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN IMMEDIATE")
    for apps, events, surveys in _rows(random.Random(13)):
        conn.executemany(
            "INSERT INTO applications (id, channel, state, number, number_year, number_seq,"
            " applicant_iin, basis, district, refusal_code, portal_id, deadline, created_by,"
            " created_at, updated_at, registered_at, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            apps,
        )
        conn.executemany(
            "INSERT INTO events (application_id, at, actor_iin, role, kind, step, from_state,"
            " to_state, reason_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        conn.executemany(
            "INSERT INTO survey_answers (application_id, q1, q2, at) VALUES (?, ?, ?, ?)",
            surveys,
        )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def _timed(ctx: DeskContext, name: str, period: Period, runs: int) -> list[float]:
    run_report(ctx, name, period)  # warm the page cache
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run_report(ctx, name, period)
        out.append(time.perf_counter() - t0)
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    kept = os.environ.get("REGDESK_BENCH_REPORT_DB")
    if kept and Path(kept).exists():  # a journal built by an earlier run, to time again
        _run(Path(kept), None)
        return
    base = os.environ.get("REGDESK_BENCH_DIR") or None
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-reports-", dir=base) as tmp:
        path = Path(kept) if kept else Path(tmp) / "regdesk.db"
        _run(path, build(path))


def _run(path: Path, built: float | None) -> None:
    conn = open_db(path).conn
    counts = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("applications", "events", "step_times", "survey_answers")
    }
    conn.close()
    size = path.stat().st_size / 2**20
    took = f"built in {built:.0f} s" if built is not None else "reused"
    print(
        f"{took}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + f"; {size:.0f} MiB",
        flush=True,
    )
    clock = PinnedClock(datetime(2025, 12, 31, 17, 0, tzinfo=TZ))
    config = Config(storage=Storage(data_dir=str(path.parent)))
    ctx = DeskContext(config, clock=clock, db=open_db(path))
    ctx.operator = Actor("cli:bench", Role.ADMIN)
    year = Period(date(2025, 1, 1), date(2025, 12, 31), "month")
    day = Period(date(2025, 10, 15), date(2025, 10, 15), "day")
    daily = Period(year.first, year.last, "day")
    for name in REPORTS:
        y = _timed(ctx, name, year, RUNS_YEAR)
        yd = _timed(ctx, name, daily, RUNS_YEAR)
        d = _timed(ctx, name, day, RUNS_DAY)
        print(
            f"{name:9s} year by month: median {statistics.median(y) * 1000:6.0f} ms"
            f" p95 {_p95(y) * 1000:6.0f} | year by day: median"
            f" {statistics.median(yd) * 1000:6.0f} ms (budget 1000) | day: median"
            f" {statistics.median(d) * 1000:5.1f} ms p95 {_p95(d) * 1000:5.1f} (budget 100)",
            flush=True,
        )
    print(f"load average while timing: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    ctx.close()


if __name__ == "__main__":
    main()
