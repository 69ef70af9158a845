"""Application numbers stay unique and gap-free when several processes register at once."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path

from regdesk.core.application import Role
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import Journal

PROCESSES = 8
PER_PROCESS = 200
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
STUCK = 300.0
"""Seconds after which a process that never reaches the start is a failure, not a hang."""

_start: Barrier | None = None


def _share_start(barrier: Barrier) -> None:
    """Pool initializer: a barrier reaches a spawned worker only when the worker is created."""
    global _start
    _start = barrier


def _register_many(args: tuple[str, int]) -> list[str]:
    path, worker = args
    journal = Journal(open_db(Path(path)))  # each process has its own connection
    actor = f"clerk-{worker}"
    ids = [
        journal.drafts.create_draft(applicant_iin=f"{worker:02d}{i:010d}", actor_iin=actor,
                                    role=Role.RECEPTIONIST, now=NOW)
        for i in range(PER_PROCESS)
    ]  # fmt: skip
    # Start registering together, not one process after another: every worker waits here until
    # all eight have their drafts (a worker blocked here takes no second task, so the eight tasks
    # are in eight processes).
    assert _start is not None
    _start.wait(timeout=STUCK)
    return [
        journal.registration.register(app_id, clinic_code="EMH", actor_iin=actor,
                                      role=Role.RECEPTIONIST, now=NOW)
        for app_id in ids
    ]  # fmt: skip


def test_eight_processes_register_1600_numbers_without_gap_or_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    db = open_db(path)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    with context.Pool(PROCESSES, initializer=_share_start, initargs=(barrier,)) as pool:
        results = pool.map(_register_many, [(str(path), w) for w in range(PROCESSES)], chunksize=1)
    numbers = [n for chunk in results for n in chunk]
    assert len(numbers) == PROCESSES * PER_PROCESS
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, PROCESSES * PER_PROCESS + 1))
    assert all(n.startswith("EMH-2026-") for n in numbers)
    # Every process got numbers interleaved with the others: they really ran at the same time.
    interleaved = sum(1 for chunk in results if int(chunk[-1][-6:]) - int(chunk[0][-6:]) > 200)
    assert interleaved >= 2
    stored = db.execute(
        "SELECT count(DISTINCT number), min(number_seq), max(number_seq) FROM applications"
    ).fetchone()
    assert stored == (1600, 1, 1600)
    assert db.execute("SELECT last_seq FROM number_counters").fetchone()[0] == 1600
    report = audit.verify(db)
    assert report.ok and report.count == 2 * PROCESSES * PER_PROCESS
