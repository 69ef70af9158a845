"""Many desks registering on one database at once (issue 14, "Many desks").

``REGDESK_BENCH_DESKS`` processes (default 20), each a workstation of one demo clinic (its own
``Desk`` on the same config and SQLite file, the demo receptionist signed in, the demo key
store opened), start together on a ``multiprocessing.Barrier`` and register for
``REGDESK_BENCH_SECONDS`` (default 120) through the desk's use cases, as the TUI calls them:
look a person up in the registry simulator, open the draft, save a ready form (the change of
residence, a basis allowed at any time, so that people attached elsewhere may come outside the
campaign; a district; the documents the applicant's age asks for seen), sign with the demo
key and register (``Registration.register``), and send the outbox (``flush_outbox``) in the
background, as the result screen does, one sending at a time per desk. Each
process takes its people from its own slice of the simulator's population
(``REGDESK_BENCH_PERSONS``, default 20,000): adults, alive, citizens, not attached to the demo
clinic; one whose look-up the rules still block is skipped and counted.

Two runs, each on a fresh workspace: the simulator answering at once, then with a latency drawn
from 0–3 s on every answer (``Faults(latency_ms=(0, 3000))``). ``REGDESK_BENCH_LATENCY=0`` runs
the first only, ``=1`` the second only. ``REGDESK_BENCH_PAUSE_MS=25,50,100`` adds a run with the
registry answering at once for each value, every desk pausing between people for a time drawn
from 0 to twice it, and ends with a table of the clinic's pace (registrations a second) against
one ``register`` call's p50/p95: with no pause the 20 desks register as fast as the machine
allows, so the write lock's queue, not the lock's work, sets the p95.

After each run, from the database through a separate connection: lost registrations (a number a
process was given that the journal does not hold), duplicate numbers, missing numbers (the
year's sequence must be 1..max without gaps), registrations in the journal that no process was
told of; the errors a receptionist would have been shown, by kind (a catalogue key, or the type
of an exception that is no user error), and how many mention "database is locked"; from the
simulator's request log, how many times each attachment was posted (more than once: two desks
sent the same item) and how many were still unsent at the end. Printed: registrations, per
second and per minute, p50/p95/max of one ``register`` call (the EDS signature, then the
numbered transaction), of one look-up and of one sending of the outbox; and where a
``register`` call's time goes: waiting for the write lock (at regdesk's write gate, where it has
one, and ``BEGIN IMMEDIATE``), the work inside its write transactions, their ``COMMIT`` (the WAL
written, and, in a regdesk without the gate, a checkpoint when one falls due), and the rest
(reading the application, the EDS signature, a WAL checkpoint after the lock), timed at the
desk's connection. Then every write transaction of the run by step of the loop (look-up,
draft, form, register, outbox): how long it held the lock and waited for it, and the share of
the run the lock was held; the WAL checkpoints the desks ran and the WAL file's largest size.
The same file runs against an older regdesk (one without the gate) for A/B pairs.

Limits: the workstations share one machine (2 cores here, with whatever else runs), so the
figures are those of 20 desks on one small computer, a harsher case than 20 computers sharing
a network folder but without a network file system's locking.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import multiprocessing as mp
import os
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from regdesk import demo
from regdesk.registry import contract
from regdesk.registry.sim.faults import Faults
from regdesk.store.paths import DataPaths

DESKS = int(os.environ.get("REGDESK_BENCH_DESKS", "20"))
SECONDS = float(os.environ.get("REGDESK_BENCH_SECONDS", "120"))
PERSONS = int(os.environ.get("REGDESK_BENCH_PERSONS", "20000"))
LATENCY = os.environ.get("REGDESK_BENCH_LATENCY", "")
PAUSES_MS = [float(v) for v in os.environ.get("REGDESK_BENCH_PAUSE_MS", "").split(",") if v.strip()]
"""Extra runs with the registry answering at once, one per value: each desk pauses between
people for a time drawn from 0 to twice the value (ms), the moments a receptionist spends with
the person, so that the clinic registers at a chosen pace instead of as fast as 2 cores allow."""
BASIS = "residence_change"
READY_FORM = {"basis": BASIS, "district": "1", "documents_seen": "identity"}
LOCKED = "database is locked"


def eligible(workspace: demo.DemoWorkspace) -> list[str]:
    """IINs of the population a desk may attach: adults, alive, citizens with a valid
    document, attached elsewhere or nowhere, none of the simulator's example cases."""
    population = workspace.simulator.app.population
    examples = {iin for iins in population.cases.values() for iin in iins}
    today = date.today()
    chosen = []
    for iin, person in population.persons.items():
        if iin in examples or person.get("life_status") != "alive":
            continue
        if person.get("residency") != "citizen":
            continue
        born = date.fromisoformat(person["birth_date"])
        if not 19 <= today.year - born.year <= 80:
            continue
        expires = (person.get("document") or {}).get("expires")
        if expires and date.fromisoformat(expires) <= today:
            continue
        attachment = population.attachments.get(iin)
        if attachment and attachment.get("clinic_bin") == population.clinic_bin:
            continue
        chosen.append(iin)
    return chosen


STEP: contextvars.ContextVar[str] = contextvars.ContextVar("step", default="other")
"""The step of the desk's loop a write transaction belongs to (the outbox's in its own task)."""


class TimedConnection:
    """The desk's connection, timing each write transaction's phases while ``recording``: the
    wait for the write lock (from the write gate, when regdesk has one, or the first ``BEGIN
    IMMEDIATE``), the work inside, the commit; and, while ``timing``, every write transaction's
    wait and hold by ``STEP``, and the WAL checkpoints."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.recording: list[tuple[float, float, float]] | None = None
        self.timing = False
        self.held: list[tuple[str, float, float]] = []
        self.checkpoints: list[float] = []
        self._began = 0.0
        self._wait = 0.0
        self._first_try: float | None = None

    def waiting(self) -> None:
        """The transaction starts waiting (for the write gate)."""
        if self._first_try is None:
            self._first_try = time.perf_counter()

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.startswith("PRAGMA wal_checkpoint") and self.timing:
            start = time.perf_counter()
            cursor = self._conn.execute(sql, *args)
            self.checkpoints.append(time.perf_counter() - start)
            return cursor
        if sql not in ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"):
            return self._conn.execute(sql, *args)
        start = time.perf_counter()
        if sql == "BEGIN IMMEDIATE" and self._first_try is None:
            self._first_try = start  # a writer that naps between tries tries again
        try:
            cursor = self._conn.execute(sql, *args)
        finally:
            end = time.perf_counter()
            if sql == "BEGIN IMMEDIATE":
                assert self._first_try is not None
                self._wait, self._began = end - self._first_try, end
            else:
                self._first_try = None
        if sql == "BEGIN IMMEDIATE":
            self._first_try = None
            return cursor
        if self.recording is not None and sql == "COMMIT":
            self.recording.append((self._wait, start - self._began, end - start))
        if self.timing:
            self.held.append((STEP.get(), self._wait, end - self._began))
        return cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _time_the_gate(timed: TimedConnection) -> None:
    """Count the wait at regdesk's write gate (where it has one) as the wait for the lock."""
    try:
        from regdesk.store import write_gate
    except ImportError:  # a regdesk without the gate: the wait is all in BEGIN IMMEDIATE
        return
    enter = write_gate.WriteGate.enter

    def timed_enter(self: Any, deadline: float) -> int | None:
        timed.waiting()
        return enter(self, deadline)

    write_gate.WriteGate.enter = timed_enter  # type: ignore[method-assign]


def shown(error: BaseException) -> tuple[str, str]:
    """The kind of an error and the text a receptionist would read (English and Russian)."""
    from regdesk.core.errors import UserError

    if isinstance(error, UserError):
        return error.key or type(error).__name__, error.message("en") + " " + error.message("ru")
    return f"raw {type(error).__name__}", str(error)


async def _desk_loop(
    config_file: str,
    staff: tuple[str, str],
    key_path: str,
    iins: list[str],
    barrier: Any,
    seconds: float,
    pause_s: float = 0.0,
) -> dict[str, Any]:
    from regdesk.config import load
    from regdesk.desk import Desk

    result: dict[str, Any] = {
        "registered": [],
        "register_s": [],
        "lookup_s": [],
        "flush_s": [],
        "phases": [],
        "held": [],
        "checkpoints": [],
        "errors": Counter(),
        "locked": 0,
        "skipped": 0,
        "exhausted": False,
    }
    desk = Desk(load(config_file))
    timed = TimedConnection(desk.context.db.conn)
    desk.context.db.conn = timed  # type: ignore[assignment]
    _time_the_gate(timed)

    def failed(error: BaseException) -> None:
        kind, text = shown(error)
        result["errors"][kind] += 1
        if LOCKED in text.lower():
            result["locked"] += 1

    async def flush() -> None:
        STEP.set("outbox")
        began = time.perf_counter()
        try:
            await desk.registration.flush_outbox()
        except Exception as error:
            failed(error)
        result["flush_s"].append(time.perf_counter() - began)

    flushing: asyncio.Task[None] | None = None
    try:
        desk.session.sign_in(*staff)
        check = desk.registration.open_key(key_path, demo.KEY_PASSWORD)
        barrier.wait()
        timed.timing = True
        deadline = time.monotonic() + seconds
        people = iter(iins)
        while time.monotonic() < deadline:
            iin = next(people, None)
            if iin is None:
                result["exhausted"] = True
                break
            if pause_s:
                await asyncio.sleep(random.uniform(0, 2 * pause_s))
            try:
                STEP.set("look-up")
                began = time.perf_counter()
                lookup = await desk.intake.look_up(iin, BASIS)
                result["lookup_s"].append(time.perf_counter() - began)
                if lookup.blocking or lookup.suggested_refusal:
                    result["skipped"] += 1
                    continue
                STEP.set("draft")
                app_id = desk.intake.open_draft(lookup).application_id
                assert app_id is not None
                # The checklist ticked as the receptionist does: what the applicant shows
                # (an identity card; a pensioner's certificate too).
                required = desk.form.required_documents(desk.form.get(app_id))
                seen = ",".join(d.value for d in required) or "identity"
                STEP.set("form")
                desk.form.save_form(app_id, dict(READY_FORM, documents_seen=seen))
                STEP.set("register")
                timed.recording = []
                began = time.perf_counter()
                number = desk.registration.register(app_id, check)
                took = time.perf_counter() - began
                result["register_s"].append(took)
                wait, inside, commit = (sum(p[i] for p in timed.recording) for i in range(3))
                result["phases"].append(
                    (wait, inside, commit, took - wait - inside - commit, len(timed.recording))
                )
                timed.recording = None
                result["registered"].append((app_id, number))
                # As the result screen does: the outbox sent in the background while the
                # receptionist goes on (one sending at a time per desk).
                if flushing is None or flushing.done():
                    flushing = asyncio.create_task(flush())
            except Exception as error:  # what the screen would show; counted by kind
                failed(error)
    except Exception as error:
        failed(error)
        if not barrier.broken:
            barrier.abort()
    finally:
        if flushing is not None:
            await asyncio.wait([flushing], timeout=60)
        timed.timing = False
        result["held"], result["checkpoints"] = timed.held, timed.checkpoints
        await desk.aclose()
        desk.close()
    return result


def _desk_process(
    config_file: str,
    staff: tuple[str, str],
    key_path: str,
    iins: list[str],
    barrier: Any,
    seconds: float,
    results: Any,
    pause_s: float = 0.0,
) -> None:
    results.put(
        asyncio.run(_desk_loop(config_file, staff, key_path, iins, barrier, seconds, pause_s))
    )


def check_journal(database: Path, reported: list[tuple[int, str]]) -> dict[str, Any]:
    """Lost, duplicate and missing numbers, and registrations nobody was told of."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute(
            "SELECT id, number, number_year, number_seq FROM applications WHERE number IS NOT NULL"
        ).fetchall()
        unsent = conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'attachment' AND sent_at IS NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    held = {(app_id, number) for app_id, number, _year, _seq in rows}
    numbers = Counter(number for _id, number, _y, _s in rows)
    missing = 0
    for year in {y for _i, _n, y, _s in rows}:
        seqs = sorted(s for _i, _n, y, s in rows if y == year)
        missing += len(set(range(1, seqs[-1] + 1)) - set(seqs))
    return {
        "in_journal": len(rows),
        "unsent": unsent,
        "lost": sum(1 for r in reported if r not in held),
        "duplicate": sum(n - 1 for n in numbers.values() if n > 1),
        "missing": missing,
        "untold": len(held - set(reported)),
    }


def run(label: str, faults: Faults | None, pause_s: float = 0.0) -> tuple[float, float, float]:
    """One run; the registrations a second and one ``register`` call's p50 and p95 (s)."""
    print(f"-- {label}: {DESKS} desks, {SECONDS:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-desks-") as folder:
        workspace = demo.build(Path(folder) / "workspace", persons=PERSONS)
        try:
            if faults is not None:
                workspace.simulator.set_faults(faults)
            people = eligible(workspace)
            _role, iin, password, _name = next(s for s in workspace.staff if s[0] == "receptionist")
            context = mp.get_context("spawn")  # the simulator's thread must not be forked
            barrier = context.Barrier(DESKS)
            results = context.Queue()
            share = len(people) // DESKS
            processes = [
                context.Process(
                    target=_desk_process,
                    args=(
                        str(workspace.root / "config.toml"),
                        (iin, password),
                        workspace.key_paths[iin],
                        people[i * share : (i + 1) * share],
                        barrier,
                        SECONDS,
                        results,
                        pause_s,
                    ),
                )
                for i in range(DESKS)
            ]
            database = DataPaths.for_config(workspace.config).database
            wal = WalWatch(database.with_name(database.name + "-wal"))
            for process in processes:
                process.start()
            outcomes = [results.get(timeout=SECONDS + 600) for _ in processes]
            for process in processes:
                process.join(60)
            wal.stop()
            reported = [r for o in outcomes for r in o["registered"]]
            journal = check_journal(database, reported)
            logged = workspace.simulator.requests()
            posts = Counter(
                r.idempotency_key
                for r in logged
                if r.method == "POST" and r.path == contract.ATTACHMENTS
            )
            # The simulator keeps its last 100,000 requests (``RequestLog``): past that, the
            # oldest posts are gone and the counts below are a lower bound.
            full = len(logged) >= 100_000
        finally:
            workspace.stop()
    register = [s for o in outcomes for s in o["register_s"]]
    lookups = [s for o in outcomes for s in o["lookup_s"]]
    flushes = [s for o in outcomes for s in o["flush_s"]]
    errors: Counter[str] = sum((o["errors"] for o in outcomes), Counter())
    locked = sum(o["locked"] for o in outcomes)
    print(
        f"{len(reported)} registrations ({len(people)} people eligible, share {share} a desk),"
        f" {len(reported) / SECONDS:.1f} per second, {len(reported) * 60 / SECONDS:.0f} a minute;"
        f" {sum(o['skipped'] for o in outcomes)} skipped (the rules blocked the look-up);"
        f" desks out of people: {sum(1 for o in outcomes if o['exhausted'])}"
    )
    print(f"  register: {_figures(register)}")
    phases = [p for o in outcomes for p in o["phases"]]
    if phases:
        transactions = Counter(p[4] for p in phases)
        print(f"    write transactions per call: {dict(sorted(transactions.items()))}")
        names = ("lock wait", "inside", "commit", "outside")
        for i, name in enumerate(names):
            print(f"    {name + ':':10} {_figures([p[i] for p in phases])}")
        slow = sorted(phases, key=lambda p: sum(p[:4]))[int(len(phases) * 0.95) :]
        shares = [sum(p[i] for p in slow) for i in range(4)]
        print(
            "    the slowest 5 % of calls spend: "
            + ", ".join(
                f"{name} {share / sum(shares):.0%}"
                for name, share in zip(names, shares, strict=True)
            )
        )
    print(f"  look-up:  {_figures(lookups)}")
    print(f"  outbox sent (in the background): {_figures(flushes)}")
    twice = sum(1 for n in posts.values() if n > 1)
    print(
        f"  attachments posted: {sum(posts.values())} posts of {len(posts)} items,"
        f" {sum(posts.values()) / max(1, len(posts)):.2f} per item, {twice} items posted more"
        f" than once (max {max(posts.values(), default=0)}); unsent at the end {journal['unsent']}"
        + (" (the simulator's log was full: a lower bound)" if full else "")
    )
    print(
        f"  journal: {journal['in_journal']} numbered; lost {journal['lost']},"
        f" duplicate {journal['duplicate']}, missing {journal['missing']},"
        f" registered but not reported {journal['untold']}"
    )
    listed = ", ".join(f"{kind} x{n}" for kind, n in errors.most_common()) or "none"
    print(f"  errors shown: {listed}; mentioning {LOCKED!r}: {locked}", flush=True)
    held = [h for o in outcomes for h in o["held"]]
    looked_up = len(lookups)
    print(
        f"  write transactions: {len(held)} ({len(held) / max(1, looked_up):.1f} a person looked"
        " up); the write lock held (BEGIN IMMEDIATE done to COMMIT done) and waited for, by step:"
    )
    for step in ("look-up", "draft", "form", "register", "outbox", "other"):
        mine = [h for h in held if h[0] == step]
        if mine:
            print(
                f"    {step + ':':9} held {_figures([h[2] for h in mine])};"
                f" waited p50 {_ms(statistics.median(h[1] for h in mine))},"
                f" p95 {_ms(_p95([h[1] for h in mine]))}"
            )
    busy = sum(h[2] for h in held)
    print(f"    held {busy:.1f} s of the {SECONDS:.0f} s ({busy / SECONDS:.0%})")
    checkpoints = [c for o in outcomes for c in o["checkpoints"]]
    print(
        f"  WAL checkpoints by the desks: {_figures(checkpoints)}, {sum(checkpoints):.1f} s in all;"
        f" the WAL file at most {wal.largest / 2**20:.1f} MiB (looked at every"
        f" {WalWatch.EVERY_S} s)",
        flush=True,
    )
    ordered = sorted(register) or [0.0]
    return len(reported) / SECONDS, statistics.median(ordered), _p95(ordered)


def _figures(values: list[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "none"
    return (
        f"{len(ordered)} calls, p50 {statistics.median(ordered) * 1000:.1f} ms,"
        f" p95 {_p95(ordered) * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class WalWatch:
    """The size of the database's WAL file, looked at from this process while the desks run."""

    EVERY_S = 0.5

    def __init__(self, wal: Path) -> None:
        self._wal = wal
        self.largest = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while True:
            with contextlib.suppress(OSError):
                self.largest = max(self.largest, self._wal.stat().st_size)
            if self._done.wait(self.EVERY_S):
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def main() -> None:
    paced: list[tuple[str, tuple[float, float, float]]] = []
    if LATENCY != "1":
        paced.append(("no pause", run("the registry answering at once", None)))
    for pause in PAUSES_MS:
        label = f"the registry answering at once, each desk pausing 0-{2 * pause:.0f} ms a person"
        paced.append((f"pause 0-{2 * pause:.0f} ms", run(label, None, pause / 1000)))
    if LATENCY != "0":
        run("the registry answering in 0-3 s", Faults(latency_ms=(0.0, 3000.0)))
    if len(paced) > 1:
        print("-- the pace of the clinic against one registration's time (registry at once):")
        for label, (rate, p50, p95) in paced:
            print(
                f"  {label:18} {rate:6.1f} registrations a second ({rate * 3600:,.0f} an hour):"
                f" register p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
            )
