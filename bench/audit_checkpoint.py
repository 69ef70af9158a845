"""The keyed audit chain: what the checkpoint costs an append, and how fast ``verify`` walks.

1. One audit record per transaction (as a sign-in or a person's view writes it), in a log that is
   not keyed (no checkpoint) and in a keyed one (HMAC, and the checkpoint rewritten before each
   COMMIT), with ``[storage] durability`` "normal" and "full". The four cases run in turn, round
   after round, so that load from other programs falls on all alike. Medians, p95 and the ratio
   keyed / unkeyed.
2. ``verify`` over a log of ``AUDIT_BENCH_RECORDS`` records (default 1,000,000), keyed and not,
   against the walk as it was before the keyed chain (a dict and ``json.dumps`` per record).

``python -m bench audit_checkpoint``; ``AUDIT_BENCH_RECORDS=200000`` for a shorter run.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from regdesk.store import audit
from regdesk.store.audit_seal import GENESIS
from regdesk.store.db import open_db, transaction
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

ROUNDS = 300
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _folder(root: Path, name: str, durability: str, *, keyed: bool) -> Database:
    paths = DataPaths(root / name)
    db = open_db(paths.database, durability)
    if keyed:
        Vault.create_key(paths.audit_key)
        audit.start_keying(db, actor_iin=None, at=AT)
    return db


def _append(db: Database) -> float:
    start = time.perf_counter()
    with transaction(db):
        audit.append(
            db,
            actor_iin="880101300123",
            action="person_view",
            object="iin:880101300123",
            detail={"screen": "form"},
            at=AT,
        )
    return time.perf_counter() - start


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def appends() -> None:
    print(f"-- one audit record per transaction, {ROUNDS} rounds, cases in turn")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cases = {
            (durability, keyed): _folder(root, f"{durability}-{keyed}", durability, keyed=keyed)
            for durability in ("normal", "full")
            for keyed in (False, True)
        }
        for db in cases.values():
            _append(db)  # warm up
        times: dict[tuple[str, bool], list[float]] = {case: [] for case in cases}
        for _ in range(ROUNDS):
            for case, db in cases.items():
                times[case].append(_append(db))
        for db in cases.values():
            assert audit.verify(db).ok
            db.conn.close()
    for durability in ("normal", "full"):
        plain, keyed = times[(durability, False)], times[(durability, True)]
        for label, values in (("unkeyed", plain), ("keyed + checkpoint", keyed)):
            median = statistics.median(values) * 1e3
            print(
                f"durability={durability:<6} {label:<19} median {median:6.2f} ms"
                f"  p95 {_p95(values) * 1e3:6.2f} ms"
            )
        ratio = statistics.median(keyed) / statistics.median(plain)
        print(f"durability={durability:<6} ratio keyed / unkeyed (medians) {ratio:.2f}")


def _fill(db: Database, count: int, *, keyed: bool) -> None:
    """``count`` records written straight into the table with the documented formula."""
    key = None
    if keyed:
        files = DataPaths(Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).parent)
        key = files.audit_key.read_bytes()
    start = audit.log_tail(db.conn)
    prev, next_id = start.hash, start.id + 1
    batch: list[tuple[object, ...]] = []
    with transaction(db):
        for i in range(count):
            at = f"2026-11-25T10:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:06d}+00:00"
            detail = f'{{"n":{i},"screen":"form"}}'
            digest = audit.record_hash(
                prev,
                at=at,
                actor_iin="880101300123",
                action="person_view",
                object=f"iin:{i:012d}",
                detail=detail,
                key=key,
            )
            batch.append((next_id, at, "880101300123", "person_view", f"iin:{i:012d}", detail,
                          prev, digest))  # fmt: skip
            prev, next_id = digest, next_id + 1
            if len(batch) == 10_000:
                db.conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
                batch.clear()
        db.conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
    if keyed:  # an append through the program brings the checkpoint up to the filled tail
        audit.append(db, actor_iin=None, action="sign_in", at=AT)


def _walk_as_before(db: Database) -> int:
    """The verify loop before the keyed chain: a dict and ``json.dumps`` per record."""
    prev_hash = GENESIS
    count = 0
    for row in db.conn.execute(
        "SELECT id, at, actor_iin, action, object, detail, prev_hash, hash FROM audit_log"
        " ORDER BY id"
    ):
        fields = {"action": row[3], "actor_iin": row[2], "at": row[1], "detail": row[5],
                  "object": row[4]}  # fmt: skip
        text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(str(row[6]).encode("ascii") + text.encode("utf-8")).hexdigest()
        if digest != row[7] or row[6] != prev_hash:
            break
        prev_hash = digest
        count += 1
    return count


def verifies() -> None:
    count = int(os.environ.get("AUDIT_BENCH_RECORDS", "1000000"))
    print(f"-- verify over {count:,} records")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for keyed in (False, True):
            db = _folder(root, f"verify-{keyed}", "normal", keyed=keyed)
            start = time.perf_counter()
            _fill(db, count, keyed=keyed)
            built = time.perf_counter() - start
            start = time.perf_counter()
            report = audit.verify(db)
            took = time.perf_counter() - start
            assert report.ok, report
            label = "keyed" if keyed else "unkeyed"
            print(f"{label:<8} built in {built:5.1f} s; verify {took:5.1f} s"
                  f" ({report.count / took:,.0f} records/s)")  # fmt: skip
            if not keyed:
                start = time.perf_counter()
                walked = _walk_as_before(db)
                before = time.perf_counter() - start
                print(f"{'':<8} the walk as before the keyed chain: {before:5.1f} s"
                      f" ({walked:,} records); ratio new / before {took / before:.2f}")  # fmt: skip
            db.conn.close()


def main() -> None:
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    appends()
    verifies()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
