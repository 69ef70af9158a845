"""The audit chain's walk split over id ranges in worker processes (``audit_walk``): whatever was
done to the log, it reports the same record and the same problem as one walk from the first
record, including at the ranges' boundaries.

A log of 40 records (3 unkeyed, then keyed from record 4) split for 2 workers into 8 ranges of
5 ids: (…, 5], (5, 10], (10, 15], …, (35, 40]. Real worker processes, real SQLite files changed
behind the program's back as in ``test_store_audit``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.store import audit, audit_walk
from regdesk.store.audit import Problem, record_hash, verify
from regdesk.store.audit_walk import Break, Sealing, Walked, walk
from regdesk.store.db import open_db, transaction
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RECORDS = 40
K = 4
"""The first keyed record (three written before the key)."""


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    db = open_db(paths.database)
    for i in range(K - 1):
        audit.append(db, actor_iin=None, action="sign_in", object=f"old:{i}", at=NOW)
    Vault.create_key(paths.audit_key)
    assert audit.start_keying(db, actor_iin=None, at=NOW) == K
    with transaction(db):
        for i in range(RECORDS - K):
            audit.append(
                db,
                actor_iin="880101300123" if i % 2 else None,
                action="person_view",
                object=f"iin:{i:012d}",
                detail={"n": i, "name": "Әлиев Ғалым"},
                at=NOW + timedelta(seconds=i),
            )
    db.conn.close()
    return paths


def sealing(paths: DataPaths) -> Sealing:
    return Sealing(paths.audit_key.read_bytes(), K)


def both(paths: DataPaths, anchor: str | None = None) -> tuple[Break | Walked, Break | Walked]:
    """The walk split over 2 workers and the walk in one process, each on its own connection."""
    found = []
    for workers in (2, 1):
        with sqlite3.connect(paths.database, isolation_level=None) as conn:
            found.append(walk(conn, sealing(paths), anchor, workers=workers, parallel_from=1))
    split, alone = found
    assert (split.walkers, alone.walkers) == (2, 1)
    return split, alone


def tamper(paths: DataPaths, *sql: str) -> None:
    conn = sqlite3.connect(paths.database)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def row(paths: DataPaths, record: int) -> tuple[str, str | None, str, str | None, str, str]:
    conn = sqlite3.connect(paths.database)
    found = conn.execute(
        "SELECT at, actor_iin, action, object, prev_hash, hash FROM audit_log WHERE id = ?",
        (record,),
    ).fetchone()
    conn.close()
    return found


def public_hash(prev: str, at: str, actor: str | None, action: str, obj: str | None) -> str:
    fields = {"action": action, "actor_iin": actor, "at": at, "detail": None, "object": obj}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev.encode() + text.encode()).hexdigest()


def test_a_whole_log_split_is_the_whole_log(paths: DataPaths) -> None:
    split, alone = both(paths)
    assert isinstance(split, Walked) and isinstance(alone, Walked)
    assert (split.count, split.last, split.anchor_seen) == (alone.count, alone.last, True)
    assert split.count == RECORDS and split.last is not None and split.last[0] == RECORDS


def test_the_anchor_is_found_in_whichever_range_holds_it(paths: DataPaths) -> None:
    anchor = row(paths, 13)[5]
    split, _ = both(paths, anchor)
    assert isinstance(split, Walked) and split.anchor_seen
    split, _ = both(paths, "f" * 64)
    assert isinstance(split, Walked) and not split.anchor_seen


def slip_in(paths: DataPaths, at_id: int) -> list[str]:
    """A record slipped in as ``at_id`` by someone holding the key, linking to its predecessor
    and keyed as the program would key it, the later ones renumbered."""
    prev = row(paths, at_id - 1)[5]
    at = "2026-11-25T10:00:03.500000+00:00"
    forged = record_hash(
        prev,
        at=at,
        actor_iin=None,
        action="sign_in",
        object=None,
        detail=None,
        key=paths.audit_key.read_bytes(),
    )
    return [
        f"UPDATE audit_log SET id = id + 1000 WHERE id >= {at_id}",
        "UPDATE audit_log SET id = id - 999 WHERE id > 1000",
        "INSERT INTO audit_log (id, at, actor_iin, action, object, detail, prev_hash, hash)"
        f" VALUES ({at_id}, '{at}', NULL, 'sign_in', NULL, NULL, '{prev}', '{forged}')",
    ]


# What was done, and what one walk from the first record says of it (from the rule: the first
# record whose id, hash or link does not fit; how many whole records before it).
CASES: dict[str, tuple[Callable[[DataPaths], list[str]], tuple[int, int, str]]] = {
    "changed in the second range": (
        lambda p: ["UPDATE audit_log SET object = 'someone else' WHERE id = 8"],
        (7, 8, "changed"),
    ),
    "changed, the last of a range": (
        lambda p: ["UPDATE audit_log SET at = 'x' WHERE id = 15"],
        (14, 15, "changed"),
    ),
    "removed, the last of a range": (
        lambda p: ["DELETE FROM audit_log WHERE id = 10"],
        (9, 10, "removed"),
    ),
    "removed, the first of a range": (
        lambda p: ["DELETE FROM audit_log WHERE id = 11"],
        (10, 11, "removed"),
    ),
    "a whole range removed": (
        lambda p: ["DELETE FROM audit_log WHERE id BETWEEN 16 AND 20"],
        (15, 16, "removed"),
    ),
    "the first record removed": (
        lambda p: ["DELETE FROM audit_log WHERE id = 1"],
        (0, 1, "removed"),
    ),
    "removed and renumbered across a boundary": (
        lambda p: [
            "DELETE FROM audit_log WHERE id = 9",
            "UPDATE audit_log SET id = id + 1000 WHERE id > 9",
            "UPDATE audit_log SET id = id - 1001 WHERE id > 1000",
        ],
        (8, 9, "removed"),
    ),
    # The record after it links over it: found there, named as the one slipped in.
    "slipped in as the first of a range": (lambda p: slip_in(p, 21), (21, 21, "inserted")),
    "slipped in inside a range": (lambda p: slip_in(p, 23), (23, 23, "inserted")),
    "slipped in as the last of a range": (lambda p: slip_in(p, 25), (25, 25, "inserted")),
    "a record before the first": (
        lambda p: ["INSERT INTO audit_log VALUES (0, 'x', NULL, 'y', NULL, NULL, 'z', 'w')"],
        (0, 0, "inserted"),
    ),
    "appended by hand after the last": (
        lambda p: [
            "INSERT INTO audit_log (at, action, prev_hash, hash) VALUES"
            f" ('2026-11-25T12:00:00.000000+00:00', 'sign_in', 'x', '{'0' * 64}')"
        ],
        (RECORDS, RECORDS + 1, "inserted"),
    ),
    "a forged append with the public formula": (
        lambda p: [
            "INSERT INTO audit_log (id, at, actor_iin, action, object, detail, prev_hash, hash)"
            f" VALUES ({RECORDS + 1}, 'now', NULL, 'sign_in', NULL, NULL, '{row(p, RECORDS)[5]}',"
            f" '{public_hash(row(p, RECORDS)[5], 'now', None, 'sign_in', None)}')"
        ],
        (RECORDS, RECORDS + 1, "forged"),
    ),
    "edited and rehashed at the end of a range": (
        lambda p: [
            "UPDATE audit_log SET detail = NULL, hash ="
            f" '{public_hash(row(p, 25)[4], *row(p, 25)[:4])}' WHERE id = 25"
        ],
        (24, 25, "forged"),
    ),
    "an unkeyed record edited and rehashed": (
        lambda p: [
            "UPDATE audit_log SET object = 'x', hash ="
            f" '{public_hash(row(p, 2)[4], *row(p, 2)[:3], 'x')}' WHERE id = 2",
        ],
        (2, 3, "removed"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_what_was_done_is_found_at_the_same_record_as_one_walk_finds_it(
    paths: DataPaths, case: str
) -> None:
    change, (count, record, problem) = CASES[case]
    tamper(paths, *change(paths))
    split, alone = both(paths)
    assert isinstance(split, Break) and isinstance(alone, Break)
    assert (split.count, split.record_id, split.problem) == (count, record, problem)
    assert (split.count, split.record_id, split.problem, split.detail) == (
        alone.count,
        alone.record_id,
        alone.problem,
        alone.detail,
    )


def test_verify_splits_a_long_log_and_reports_as_before(
    paths: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_db(paths.database)
    tamper(paths, "UPDATE audit_log SET actor_iin = '000000000000' WHERE id = 12")
    before = verify(db)  # 40 records: one process
    monkeypatch.setattr(audit_walk, "PARALLEL_FROM", 1)
    monkeypatch.setattr(audit_walk, "WORKERS", 2)
    report = verify(db)
    assert (report.ok, report.first_bad_id, report.problem, report.count) == (
        False,
        12,
        Problem.CHANGED,
        11,
    )
    assert report == before
    db.conn.close()


def test_an_open_transaction_is_walked_in_this_process_with_its_own_records(
    paths: DataPaths,
) -> None:
    db = open_db(paths.database)
    with transaction(db):
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)
        found = walk(db.conn, sealing(paths), None, workers=2, parallel_from=1)
    assert isinstance(found, Walked)
    assert (found.walkers, found.count) == (1, RECORDS + 1)
    db.conn.close()


def test_a_log_too_short_is_walked_in_this_process(paths: DataPaths) -> None:
    with sqlite3.connect(paths.database, isolation_level=None) as conn:
        found = walk(conn, sealing(paths), None, workers=2, parallel_from=RECORDS + 1)
    assert isinstance(found, Walked) and (found.walkers, found.count) == (1, RECORDS)
