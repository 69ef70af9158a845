"""The audit log: an append-only chain of records, each sealed by the hash of the one before.

Every sign-in (failed ones too), registry look-up, view of a person, state change, print and admin
action is one row of ``audit_log``. A row's ``hash`` is::

    sha256( prev_hash  ||  canonical JSON of {"action", "actor_iin", "at", "detail", "object"} )

where ``prev_hash`` is the previous row's ``hash`` (64 zeros for the first row, ``GENESIS``), the
JSON has sorted keys, no spaces (separators ``","`` and ``":"``), UTF-8 without escapes, and
``detail`` is the stored canonical JSON text itself, so any byte changed in it changes the hash.
Row ids are allocated as last id + 1 inside the writer's transaction, so the ids of an untouched
log are 1, 2, 3, … with no gap.

What ``verify`` detects:

- a row whose fields were changed after it was written (its hash no longer matches): *changed*;
- a row deleted from the middle or the start (a gap in the ids, or the next row's ``prev_hash``
  pointing at a record that is no longer there): *removed*;
- a row slipped in between two others or appended by hand (its link or its hash does not fit,
  or the row after it still links to the row before it): *inserted*.

What it cannot detect on its own:

- removal of the newest rows (truncating the tail): what is left is still a valid chain. The
  defence is an anchor kept outside the database: ``regdesk audit verify`` prints the count and the
  last hash; an admin who notes them (on paper, in a ticket, in the backup log) can later run
  ``regdesk audit verify --anchor HASH`` to prove that record is still there;
- a forger who rewrites a row and recomputes the hash of it and of every later row: the chain is
  not keyed, so anybody with write access to the file and this description can do that. Again an
  external anchor of the last hash exposes it; file permissions and backups are the first line.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from regdesk.store.db import now_utc, transaction, utc_text

GENESIS = "0" * 64
"""The ``prev_hash`` of the first record."""

_FIELDS = ("action", "actor_iin", "at", "detail", "object")


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return utc_text(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} into an audit record")


def canonical_json(value: object) -> str:
    """``value`` as canonical JSON: sorted keys, no spaces, UTF-8 characters kept as they are."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def record_hash(
    prev_hash: str,
    *,
    at: str,
    actor_iin: str | None,
    action: str,
    object: str | None,
    detail: str | None,
) -> str:
    """The hash that seals a record with these stored field values after ``prev_hash``."""
    fields = {
        "action": action,
        "actor_iin": actor_iin,
        "at": at,
        "detail": detail,
        "object": object,
    }
    payload = prev_hash.encode("ascii") + canonical_json(fields).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


def append(
    db: Database,
    *,
    actor_iin: str | None,
    action: str,
    object: str | None = None,
    detail: Mapping[str, object] | None = None,
    at: datetime | None = None,
) -> int:
    """Add one record to the chain and return its id.

    Call it inside the caller's ``transaction(db)`` so the record commits (or not) with the change
    it describes; it never commits by itself. Called outside a transaction it opens its own.
    """
    with transaction(db):
        conn = db.conn
        last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev_id, prev_hash = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        at_text = utc_text(at or now_utc())
        detail_text = canonical_json(dict(detail)) if detail is not None else None
        digest = record_hash(
            prev_hash,
            at=at_text,
            actor_iin=actor_iin,
            action=action,
            object=object,
            detail=detail_text,
        )
        new_id = prev_id + 1
        conn.execute(
            "INSERT INTO audit_log (id, at, actor_iin, action, object, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id, at_text, actor_iin, action, object, detail_text, prev_hash, digest),
        )
    return new_id


class Problem(enum.StrEnum):
    """What is wrong at the first broken record."""

    CHANGED = "changed"
    REMOVED = "removed"
    INSERTED = "inserted"
    ANCHOR_MISSING = "anchor_missing"
    """The hash given as an external anchor is not in the chain (the tail was cut or rewritten)."""


@dataclass(frozen=True)
class AuditReport:
    """The result of ``verify``: ``ok``, how many records, and where the chain first breaks."""

    ok: bool
    count: int
    first_bad_id: int | None = None
    problem: Problem | None = None
    detail: str = ""
    """A few words for the admin, in English (ids and hashes, not personal data)."""
    last_id: int | None = None
    last_hash: str = GENESIS
    """The hash of the newest record: note it outside the database as an anchor."""


@dataclass(frozen=True)
class AuditRecord:
    """One record of the audit log, as stored (``detail`` decoded)."""

    id: int
    at: datetime
    actor_iin: str | None
    action: str
    object: str | None
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str


_Row = tuple[int, str, str | None, str, str | None, str | None, str, str]


def verify(db: Database, *, anchor: str | None = None) -> AuditReport:
    """Walk the whole chain and report the first record that was changed, removed or inserted.

    ``anchor``: a record hash noted earlier outside the database; the report fails when no record
    carries it any more.
    """
    cursor = db.conn.execute(
        "SELECT id, at, actor_iin, action, object, detail, prev_hash, hash"
        " FROM audit_log ORDER BY id"
    )
    count = 0
    expected_id = 1
    prev: _Row | None = None
    prev_hash = GENESIS
    anchor_seen = anchor is None
    for row in cursor:
        rid, at, actor, action, obj, detail, row_prev, row_hash = row
        if rid < expected_id:
            return _bad(count, rid, Problem.INSERTED, f"id {rid} precedes the first record")
        if rid > expected_id:
            missing = f"{expected_id}" if rid == expected_id + 1 else f"{expected_id}..{rid - 1}"
            return _bad(count, expected_id, Problem.REMOVED, f"record(s) {missing} missing")
        sealed = record_hash(
            str(row_prev), at=at, actor_iin=actor, action=action, object=obj, detail=detail
        )
        fits_link = row_prev == prev_hash
        if sealed != row_hash:
            if fits_link:
                return _bad(count, rid, Problem.CHANGED, "its fields do not match its hash")
            return _bad(count, rid, Problem.INSERTED, "neither its hash nor its link fits")
        if not fits_link:
            if prev is not None and row_prev == prev[6]:
                # This record links over its predecessor: the predecessor was slipped in.
                return _bad(
                    count, prev[0], Problem.INSERTED, f"record {rid} links to the one before it"
                )
            return _bad(
                count,
                rid,
                Problem.REMOVED,
                "its link points at a record that is not there (removed or rewritten)",
            )
        if not anchor_seen and row_hash == anchor:
            anchor_seen = True
        prev = row
        prev_hash = row_hash
        count += 1
        expected_id += 1
    last_id = prev[0] if prev else None
    if not anchor_seen:
        return AuditReport(
            ok=False,
            count=count,
            first_bad_id=None,
            problem=Problem.ANCHOR_MISSING,
            detail="no record has the anchor hash",
            last_id=last_id,
            last_hash=prev_hash,
        )
    return AuditReport(ok=True, count=count, last_id=last_id, last_hash=prev_hash)


def _bad(count: int, record_id: int, problem: Problem, detail: str) -> AuditReport:
    return AuditReport(
        ok=False, count=count, first_bad_id=record_id, problem=problem, detail=detail
    )


def recent(
    db: Database,
    *,
    limit: int = 100,
    action: str | None = None,
    actor_iin: str | None = None,
    prefixes: tuple[str, ...] | None = None,
) -> list[AuditRecord]:
    """The newest records first, optionally of one action, of actions starting with one of
    ``prefixes`` (the admin journal's ``admin.``, ``staff.``…), or of one actor."""
    where = []
    params: list[object] = []
    if action is not None:
        where.append("action = ?")
        params.append(action)
    if prefixes:
        # substr, not LIKE: "_" in a prefix is a wildcard for LIKE.
        where.append("(" + " OR ".join("substr(action, 1, ?) = ?" for _ in prefixes) + ")")
        for prefix in prefixes:
            params += [len(prefix), prefix]
    if actor_iin is not None:
        where.append("actor_iin = ?")
        params.append(actor_iin)
    sql = "SELECT id, at, actor_iin, action, object, detail, prev_hash, hash FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [
        AuditRecord(
            id=r[0],
            at=datetime.fromisoformat(r[1]),
            actor_iin=r[2],
            action=r[3],
            object=r[4],
            detail=json.loads(r[5]) if r[5] is not None else None,
            prev_hash=r[6],
            hash=r[7],
        )
        for r in db.conn.execute(sql, params)
    ]
