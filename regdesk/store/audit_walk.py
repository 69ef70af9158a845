"""The audit chain's walk for ``audit.verify``: every record's hash and link, in id order.

The walk is Python from end to end (a record's payload built and hashed), about a microsecond or
two per record, so a log of millions takes seconds of one core. A record's hash needs nothing but
its own stored fields and the key, so on a long log (``PARALLEL_FROM`` records or more) the walk
is split over id ranges checked in worker processes, one per core; each range checks its own
records' hashes, ids and links, and here the ranges' boundaries are checked against each other
(the first record of a range continues the last one of the range before: its id, its link).
Wherever a range or a boundary finds anything wrong, the walk goes on in this process with the
one-process walk from the first such record, with the state it would have had there (every
record before it was checked and is whole, ids 1, 2, 3, …), so what ``verify`` reports — which
record, which problem — is exactly what one walk from the first record reports.

Only a database file opened without a transaction of the caller's is split (a worker opens its
own connection and would not see the caller's uncommitted records); the ranges end at the last
id read before the walk, so records a desk appends meanwhile are not walked, as a one-process
walk started a moment earlier would not have seen them. No process can be started: the walk
stays in this process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any
from urllib.parse import quote

from regdesk.store.audit_seal import GENESIS

log = logging.getLogger("regdesk.audit")

PARALLEL_FROM = 200_000
"""A log whose last id is at least this is walked in worker processes (starting them takes a
few tenths of a second: less than walking this many records)."""

WORKERS: int | None = None
"""Worker processes for a long log; None: one per core this process may run on."""

RANGES_PER_WORKER = 4
"""Id ranges per worker process, so that a worker slowed by other work is caught up by others."""

Row = tuple[int, str, str | None, str, str | None, str | None, str, str]
_SELECT = "SELECT id, at, actor_iin, action, object, detail, prev_hash, hash FROM audit_log"


def _payload(prev_hash: Any, at: Any, actor: Any, action: Any, obj: Any, detail: Any) -> bytes:
    """``prev_hash || canonical JSON`` of the stored fields, built without a JSON encoder's
    dict walk (what ``verify`` spends its time on); the same bytes as ``canonical_json``."""
    try:
        text = (
            f'{prev_hash}{{"action":{encode_basestring(action)}'
            f',"actor_iin":{"null" if actor is None else encode_basestring(actor)}'
            f',"at":{encode_basestring(at)}'
            f',"detail":{"null" if detail is None else encode_basestring(detail)}'
            f',"object":{"null" if obj is None else encode_basestring(obj)}}}'
        )
        if not isinstance(prev_hash, str):
            raise TypeError("prev_hash is not text")
    except TypeError:  # a field that is not text: changed by hand; hash it the long way
        from regdesk.store.audit import canonical_json

        fields = {"action": action, "actor_iin": actor, "at": at, "detail": detail, "object": obj}
        text = f"{prev_hash}{canonical_json(fields)}"
    return text.encode("utf-8")


@dataclass(frozen=True)
class Sealing:
    """How a record's hash is checked: the key (None: unkeyed log), K, and whether the keyed
    records are checked for their ids and links only (a backup checked without its key)."""

    key: bytes | None
    keyed_from: int
    links_only: bool = False


@dataclass(frozen=True)
class Break:
    """The first broken record: ``problem`` is an ``audit.Problem``'s value; ``count`` how many
    records before it were whole."""

    count: int
    record_id: int
    problem: str
    detail: str
    walkers: int = 1
    """Processes the walk was split over (1: walked in this process alone)."""


@dataclass(frozen=True)
class Walked:
    """A whole chain: how many records, the last one, whether the anchor was seen."""

    count: int
    last: Row | None
    anchor_seen: bool
    walkers: int = 1
    """Processes the walk was split over (1: walked in this process alone)."""


@dataclass
class _State:
    count: int
    expected_id: int
    prev: Row | None
    prev_hash: str
    anchor_seen: bool


def walk(
    conn: sqlite3.Connection,
    sealing: Sealing,
    anchor: str | None,
    *,
    workers: int | None = None,
    parallel_from: int | None = None,
) -> Break | Walked:
    """The chain in ``conn`` walked from its first record: the first broken one, or the whole.

    ``workers``: processes to split a long log over (default ``WORKERS``);
    ``parallel_from``: the last id from which a log is split (default ``PARALLEL_FROM``).
    """
    count = workers or WORKERS or len(os.sched_getaffinity(0))
    path = _file_of(conn)
    if count > 1 and path is not None:
        last_id = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        if isinstance(last_id, int) and last_id >= max(parallel_from or PARALLEL_FROM, 1):
            split = _walk_split(conn, path, sealing, anchor, count, last_id)
            if split is not None:
                return dataclasses.replace(split, walkers=count)
    state = _State(0, 1, None, GENESIS, anchor is None)
    return _loop(conn.execute(f"{_SELECT} ORDER BY id"), _Checker(sealing), anchor, state)


def _file_of(conn: sqlite3.Connection) -> str | None:
    """The database file a worker can open on its own, or None (in memory, or the caller's
    transaction open: a worker would not see its records)."""
    if conn.in_transaction:
        return None
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return str(file) or None
    return None


class _Checker:
    """What a record's hash should be, with the key's HMAC pads hashed once."""

    def __init__(self, sealing: Sealing) -> None:
        self.key = sealing.key
        self.keyed_from = sealing.keyed_from
        self.links_only = sealing.links_only
        # HMAC (RFC 2104) with the key's inner and outer pads hashed once: copying those two
        # states per record costs a third of ``hmac.digest``'s, which sets the key up each call.
        pad = (sealing.key or b"").ljust(64, b"\0")
        self.inner = hashlib.sha256(bytes(b ^ 0x36 for b in pad))
        self.outer = hashlib.sha256(bytes(b ^ 0x5C for b in pad))


def _loop(rows: Iterable[Row], checker: _Checker, anchor: str | None, s: _State) -> Break | Walked:
    """The one-process walk over ``rows`` (in id order) from the state ``s``."""
    key, keyed_from, links_only = checker.key, checker.keyed_from, checker.links_only
    inner, outer, sha256 = checker.inner, checker.outer, hashlib.sha256
    count, expected_id, prev, prev_hash = s.count, s.expected_id, s.prev, s.prev_hash
    anchor_seen = s.anchor_seen
    for row in rows:
        rid, at, actor, action, obj, detail, row_prev, row_hash = row
        if rid < expected_id:
            return Break(count, rid, "inserted", f"id {rid} precedes the first record")
        if rid > expected_id:
            missing = f"{expected_id}" if rid == expected_id + 1 else f"{expected_id}..{rid - 1}"
            return Break(count, expected_id, "removed", f"record(s) {missing} missing")
        data = _payload(row_prev, at, actor, action, obj, detail)
        if links_only and rid >= keyed_from:
            sealed = row_hash  # no key to check it with: the link below is still checked
        elif key is not None and rid >= keyed_from:
            i = inner.copy()
            i.update(data)
            o = outer.copy()
            o.update(i.digest())
            sealed = o.hexdigest()
        else:
            sealed = sha256(data).hexdigest()
        fits_link = row_prev == prev_hash
        if sealed != row_hash:
            if key is not None and rid >= keyed_from and sha256(data).hexdigest() == row_hash:
                return Break(
                    count, rid, "forged", "its hash is the public formula's, not the key's"
                )
            if fits_link:
                return Break(count, rid, "changed", "its fields do not match its hash")
            return Break(count, rid, "inserted", "neither its hash nor its link fits")
        if not fits_link:
            if prev is not None and row_prev == prev[6]:
                # This record links over its predecessor: the predecessor was slipped in.
                return Break(count, prev[0], "inserted", f"record {rid} links to the one before it")
            return Break(
                count,
                rid,
                "removed",
                "its link points at a record that is not there (removed or rewritten)",
            )
        if not anchor_seen and row_hash == anchor:
            anchor_seen = True
        prev = row
        prev_hash = row_hash
        count += 1
        expected_id += 1
    return Walked(count, prev, anchor_seen)


@dataclass(frozen=True)
class _Range:
    """What a worker found in one id range: its first and last records, how many, whether the
    anchor was among them, and the first record from which something is wrong (None: whole)."""

    first: Row | None
    last: Row | None
    count: int
    anchor_seen: bool
    suspect: int | None


def _check_range(
    path: str, sealing: Sealing, anchor: str | None, after: int | None, upto: int
) -> _Range:
    """The records with ``after`` < id <= ``upto`` (no lower bound for the first range) walked
    in a worker: each one's hash, and each one's id and link but the first's (the boundary's,
    checked by the caller)."""
    uri = f"file:{quote(path)}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as conn:
        where = "id <= ?" if after is None else "id > ? AND id <= ?"
        args = (upto,) if after is None else (after, upto)
        rows = conn.execute(f"{_SELECT} WHERE {where} ORDER BY id", args)
        first = rows.fetchone()
        if first is None:
            return _Range(None, None, 0, False, None)
        # The first record trusted for its id and link: the boundary is the caller's to check.
        state = _State(0, first[0], None, first[6], anchor is None)
        found = _loop(_chain(first, rows), _Checker(sealing), anchor, state)
    if isinstance(found, Break):
        return _Range(first, None, found.count, False, found.record_id)
    return _Range(first, found.last, found.count, found.anchor_seen, None)


def _chain(first: Row, rows: Iterable[Row]) -> Iterable[Row]:
    yield first
    yield from rows


def _walk_split(
    conn: sqlite3.Connection,
    path: str,
    sealing: Sealing,
    anchor: str | None,
    workers: int,
    last_id: int,
) -> Break | Walked | None:
    """The walk split over id ranges in ``workers`` processes; None when none could start."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    parts = workers * RANGES_PER_WORKER
    uppers = [last_id * n // parts for n in range(1, parts + 1)]
    afters: list[int | None] = [None, *uppers[:-1]]
    spans = list(zip(afters, uppers, strict=True))
    try:
        # spawn: a fork would copy this process's other threads' locks (a backup runs some).
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_check_range, path, sealing, anchor, after, upto)
                for after, upto in spans
            ]
            ranges = [f.result() for f in futures]
    except (OSError, BrokenProcessPool) as exc:
        log.warning("audit: the chain is walked in one process (%s)", exc)
        return None
    return _joined(conn, ranges, sealing, anchor)


def _joined(
    conn: sqlite3.Connection, ranges: list[_Range], sealing: Sealing, anchor: str | None
) -> Break | Walked:
    """The ranges' findings put together, their boundaries checked; from the first record where
    anything is wrong, the one-process walk."""
    before: Row | None = None
    count = 0
    seen = anchor is None
    for part in ranges:
        if part.first is None:
            continue  # no record in this range: the next one's first is checked against before
        first = part.first
        continues = (
            (first[0], first[6]) == (1, GENESIS)
            if before is None
            else (first[0], first[6]) == (before[0] + 1, before[7])
        )
        if not continues:
            return _resume(conn, first[0], sealing, anchor)
        if part.suspect is not None:
            return _resume(conn, part.suspect, sealing, anchor)
        count += part.count
        seen = seen or part.anchor_seen
        before = part.last
    return Walked(count, before, seen)


def _resume(
    conn: sqlite3.Connection, from_id: int, sealing: Sealing, anchor: str | None
) -> Break | Walked:
    """The one-process walk from the record ``from_id`` on (or the first after it), every
    record before it found whole with ids 1 … its predecessor's."""
    prev = conn.execute(f"{_SELECT} WHERE id < ? ORDER BY id DESC LIMIT 1", (from_id,)).fetchone()
    seen = anchor is None or (
        conn.execute(
            "SELECT 1 FROM audit_log WHERE id < ? AND hash = ?", (from_id, anchor)
        ).fetchone()
        is not None
    )
    count = prev[0] if prev is not None else 0
    state = _State(count, count + 1, prev, prev[7] if prev is not None else GENESIS, seen)
    rows = conn.execute(f"{_SELECT} WHERE id >= ? ORDER BY id", (from_id,))
    return _loop(rows, _Checker(sealing), anchor, state)
