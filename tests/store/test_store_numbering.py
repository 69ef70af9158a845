"""Application numbers stay unique and gap-free when several processes register at once."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

from regdesk.core.application import Role
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import Journal

PROCESSES = 8
PER_PROCESS = 200
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _register_many(args: tuple[str, int, float]) -> list[str]:
    path, worker, start_at = args
    journal = Journal(open_db(Path(path)))  # each process has its own connection
    actor = f"clerk-{worker}"
    ids = [
        journal.create_draft(applicant_iin=f"{worker:02d}{i:010d}", actor_iin=actor,
                             role=Role.RECEPTIONIST, now=NOW)
        for i in range(PER_PROCESS)
    ]  # fmt: skip
    while time.time() < start_at:  # start registering together, not one process after another
        time.sleep(0.001)
    return [
        journal.register(app_id, clinic_code="EMH", actor_iin=actor, role=Role.RECEPTIONIST,
                         now=NOW)
        for app_id in ids
    ]  # fmt: skip


def test_eight_processes_register_1600_numbers_without_gap_or_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    db = open_db(path)
    start_at = time.time() + 3.0
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        results = pool.map(_register_many, [(str(path), w, start_at) for w in range(PROCESSES)])
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
