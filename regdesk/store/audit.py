"""The audit log: an append-only chain of records, each sealed by the hash of the one before,
keyed with a secret kept outside the database and checked against a checkpoint kept beside it.

Every sign-in (failed ones too), registry look-up, view of a person, state change, print and admin
action is one row of ``audit_log``. Row ids are allocated as last id + 1 inside the writer's
transaction, so the ids of an untouched log are 1, 2, 3, … with no gap. A row's ``hash`` is::

    record id <  K:   SHA-256(          prev_hash || canonical JSON )   (the public formula)
    record id >= K:   HMAC-SHA256( key, prev_hash || canonical JSON )   (keyed)

where ``prev_hash`` is the previous row's ``hash`` (64 zeros for the first row, ``GENESIS``) as
ASCII hex, and the canonical JSON is that of {"action", "actor_iin", "at", "detail", "object"}
with sorted keys, no spaces (separators ``","`` and ``":"``), UTF-8 without escapes; ``detail``
is the stored canonical JSON text itself, so any byte changed in it changes the hash. ``key`` is
the 32 bytes of ``audit.key`` in the data folder (``DataPaths.audit_key``), made by
``regdesk init`` with the vault key's helper and permissions and never stored in the database.

**The switch-over.** Logs written before there was a key keep their public hashes. ``regdesk
init`` (``start_keying``) appends one record, action ``audit.keyed``, whose id is ``K``; that
record and every later one are keyed. ``K`` and the key's id (an HMAC of a fixed label, not the
key) are stored in the table ``audit_seal`` *and* in the checkpoint file, so removing the row from
the database and re-hashing the keyed records with the public formula (a "downgrade") disagrees
with the checkpoint; and the unkeyed records before ``K`` cannot be rewritten either, as record
``K``'s keyed hash covers the last of them.

**The checkpoint** (``audit.checkpoint`` beside the key; ``regdesk.store.audit_seal`` has the
format) is rewritten right before the COMMIT of every transaction that appended records, while that
transaction still holds SQLite's write lock, so checkpoints are written in the chain's own order
whatever number of desks write. It holds the committed tail (the newest record before the
transaction: id = count, and hash) and the pending tail (the newest once it commits), and is
authenticated with an HMAC under the key. ``verify`` reads it *before* walking the database and
accepts a database whose tail is the committed one, the pending one, or a later one (another desk
appended meanwhile): a crash between the checkpoint and the COMMIT, or a failed COMMIT, gives no
false alarm. Once the COMMIT has succeeded the writer *confirms* it (the pending tail becomes the
committed one, if no other desk wrote a newer checkpoint meanwhile), so that removing the newest
record is a cut too. The file has two slots, written in place in turn, the newer whole one being
the checkpoint: a crash or a reader in the middle of a write finds the other one, whole. Writers
take an exclusive ``flock`` on it (the confirmation runs after the database's lock is released). An
append that finds the database not continuing the checkpoint (a tail cut below the committed
record, a missing or unauthentic checkpoint, another ``K``) does not bless what it found: it writes
the first such *alarm* into the checkpoint and every later one carries it, so the desks' next
records cannot wash the evidence out. A pending tail that never appeared in the database is kept in
the checkpoint's ``unconfirmed`` list and shown by ``verify`` as a notice.

When the checkpoint cannot be written (disk full, permissions), the action still commits (the
record is in the database, keyed) and a warning naming the file goes to the log: the desks go on
working, and ``verify`` then says how many keyed records are newer than the checkpoint (they cannot
be forged, but a cut among them would not be seen) until a later append writes it again. A key
that cannot be read, on a keyed log, refuses the action in words (``AuditKeyError``): a record
that nobody could check later is not written.

What ``verify`` detects, with no anchor given:

- a row whose fields were changed after it was written (its hash no longer matches): *changed*;
  one whose hash was recomputed with the public formula where the key is due: *forged* — this
  is what a forged append or a re-hashed chain after an edit look like;
- a row deleted from the middle or the start (a gap in the ids, or the next row's ``prev_hash``
  pointing at a record that is no longer there): *removed*;
- a row slipped in between two others: *inserted*;
- a log that ends before the checkpoint's committed record, or before record ``K``: *cut* (an
  emptied log is the extreme case);
- a missing, unreadable or unauthentic checkpoint, a checkpoint that disagrees on ``K`` (a
  downgrade), or an alarm an append wrote into it;
- a missing key, or not the key the log was keyed with.

What it cannot detect:

- anything done by someone who holds the key and can replace the checkpoint (both are readable by
  the account the desks run as: file permissions and the deployment keep others out);
- the checkpoint replaced by an older copy of itself, together with the log cut back to match it:
  that needs write access to the folder of the keys; ``--anchor`` and the backups' manifests are
  witnesses kept further away;
- the newest record removed in the instant between its COMMIT and its confirmation (or when the
  confirmation was lost: it is not fsynced): it looks like a crash between the checkpoint and the
  COMMIT, and is shown as a notice naming the record, not as a break;
- after a power cut with ``[storage] durability = "normal"``, SQLite may lose the last commits
  while the checkpoint kept them: that reads as a cut (or, once a desk appended after it, as the
  alarm of a cut), exactly as records removed behind the program's back would; ``regdesk audit
  verify`` names both readings, the records lost, and what to do (``"full"`` syncs both at every
  commit);
- a log that was never keyed (no key, no ``audit_seal`` row, no checkpoint): the chain is then
  only as strong as write access to the file, as before; ``regdesk audit verify`` says so.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from regdesk.store import audit_walk
from regdesk.store.audit_seal import (
    EMPTY,
    GENESIS,
    KEY_BYTES,
    AuditKeyError,
    Checkpoint,
    CheckpointRead,
    CheckpointState,
    SealFiles,
    Tail,
    advance_checkpoint,
    confirm_checkpoint,
    current_key,
    holds,
    key_id,
    log_tail,
    read_checkpoint,
    read_key,
)
from regdesk.store.audit_walk import _payload
from regdesk.store.db import after_commit, before_commit, now_utc, transaction, utc_text

__all__ = ["GENESIS", "KEY_BYTES", "AuditKeyError"]

KEYED_ACTION = "audit.keyed"
"""The action of the first keyed record (its id is ``K``)."""

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
    key: bytes | None = None,
) -> str:
    """The hash that seals a record with these stored field values after ``prev_hash``: the
    public SHA-256, or the HMAC-SHA256 under ``key`` for a keyed record."""
    payload = _payload(prev_hash, at, actor_iin, action, object, detail)
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.digest(key, payload, "sha256").hex()


@dataclass(frozen=True)
class Seal:
    """What the database says of its keying: from which record, with which key."""

    keyed_from: int
    key_id: str


def seal_of(conn: sqlite3.Connection) -> Seal | None:
    """The switch-over recorded in the database, or None for a log that was never keyed."""
    try:
        row = conn.execute("SELECT keyed_from, key_id FROM audit_seal WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # a copy made before the table existed
        return None
    return Seal(int(row[0]), str(row[1])) if row else None


@dataclass(frozen=True)
class _Sealing:
    files: SealFiles
    key: bytes
    seal: Seal


def _sealing(conn: sqlite3.Connection) -> _Sealing | None:
    """The key and files an append on this keyed log needs; None for an unkeyed log."""
    seal = seal_of(conn)
    if seal is None:
        return None
    files = SealFiles.of_connection(conn)
    if files is None:
        raise AuditKeyError(path=":memory:", detail="missing")
    key = current_key(files.key)
    if key_id(key) != seal.key_id:
        raise AuditKeyError(path=str(files.key), detail="not the key this log was keyed with")
    return _Sealing(files, key, seal)


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
    it describes; it never commits by itself. Called outside a transaction it opens its own. On a
    keyed log the checkpoint is rewritten right before that transaction commits; AuditKeyError
    (the action refused in words) when the key cannot be read.
    """
    with transaction(db):
        conn = db.conn
        prev = log_tail(conn)
        sealing = _sealing(conn)
        new_id = prev.id + 1
        key = sealing.key if sealing and new_id >= sealing.seal.keyed_from else None
        at_text = utc_text(at or now_utc())
        detail_text = canonical_json(dict(detail)) if detail is not None else None
        digest = record_hash(
            prev.hash,
            at=at_text,
            actor_iin=actor_iin,
            action=action,
            object=object,
            detail=detail_text,
            key=key,
        )
        conn.execute(
            "INSERT INTO audit_log (id, at, actor_iin, action, object, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id, at_text, actor_iin, action, object, detail_text, prev.hash, digest),
        )
        if sealing is not None:
            _keep_checkpoint(db, sealing, prev, fresh=False)
    return new_id


def start_keying(db: Database, *, actor_iin: str | None, at: datetime | None = None) -> int | None:
    """Switch the log to keyed hashes from now on (``regdesk init``, once the key exists): the
    ``audit.keyed`` record appended as the first keyed one, ``K`` stored in the database and the
    first checkpoint written. Its id, or None when the log is keyed already.

    AuditKeyError when the key cannot be read; ``CheckpointWithoutSeal`` when a checkpoint
    exists although the database says the log was never keyed (what a downgrade leaves).
    """
    with transaction(db):
        conn = db.conn
        if seal_of(conn) is not None:
            return None
        files = SealFiles.of_connection(conn)
        if files is None:
            raise AuditKeyError(path=":memory:", detail="missing")
        key = read_key(files.key)
        if files.checkpoint.exists():
            raise CheckpointWithoutSeal(path=str(files.checkpoint))
        prev = log_tail(conn)
        seal = Seal(prev.id + 1, key_id(key))
        conn.execute(
            "INSERT INTO audit_seal (id, keyed_from, key_id, at) VALUES (1, ?, ?, ?)",
            (seal.keyed_from, seal.key_id, utc_text(at or now_utc())),
        )
        _keep_checkpoint(db, _Sealing(files, key, seal), prev, fresh=True)
        return append(
            db,
            actor_iin=actor_iin,
            action=KEYED_ACTION,
            object="audit_log",
            detail={"keyed_from": seal.keyed_from, "key_id": seal.key_id},
            at=at,
        )


def reseal(
    db: Database,
    *,
    actor_iin: str | None,
    action: str,
    detail: Mapping[str, object],
    at: datetime | None = None,
) -> int:
    """Append ``action`` and start a new checkpoint from it, whatever the old one said (a restore
    into a new data folder; an admin who looked into a checkpoint's alarm). The record itself,
    keyed, says it was done: pass in ``detail`` what the old checkpoint said."""
    with transaction(db):
        sealing = _sealing(db.conn)
        if sealing is None:
            raise AuditKeyError(path="audit_seal", detail="the log is not keyed")
        _keep_checkpoint(db, sealing, log_tail(db.conn), fresh=True)
        return append(
            db, actor_iin=actor_iin, action=action, object="audit_log", detail=detail, at=at
        )


class CheckpointWithoutSeal(AuditKeyError):
    """A checkpoint says the log is keyed, the database says it never was."""

    key = "audit_key.checkpoint_without_seal"


def _keep_checkpoint(db: Database, sealing: _Sealing, committed: Tail, *, fresh: bool) -> None:
    """Have the checkpoint rewritten right before this transaction commits (once per
    transaction: the first append's ``committed`` tail is the one before the transaction)."""
    conn, files, seal = db.conn, sealing.files, sealing.seal

    written: list[Tail] = []

    def write() -> None:
        pending = advance_checkpoint(
            conn, files.checkpoint, sealing.key, seal.keyed_from, seal.key_id, committed, fresh
        )
        written.extend([pending] if pending is not None else [])

    def confirm() -> None:
        for pending in written:
            confirm_checkpoint(files.checkpoint, sealing.key, pending)

    if before_commit(db, "audit.checkpoint", write):
        after_commit(db, "audit.checkpoint", confirm)


class Problem(enum.StrEnum):
    """What is wrong at the first broken record, or with the chain's witnesses."""

    CHANGED = "changed"
    REMOVED = "removed"
    INSERTED = "inserted"
    FORGED = "forged"
    """A record due to be keyed carries the public formula's hash: written without the key."""
    CUT = "cut"
    """The log ends before the checkpoint's committed record (or before ``K``)."""
    ANCHOR_MISSING = "anchor_missing"
    """The hash given as an external anchor is not in the chain (the tail was cut or rewritten)."""
    KEY_UNUSABLE = "key_unusable"
    KEY_WRONG = "key_wrong"
    NOT_KEYED = "not_keyed"
    """A key is there but the database says the log was never keyed (init interrupted)."""
    DOWNGRADED = "downgraded"
    """The checkpoint says the log is keyed from K; the database says otherwise."""
    CHECKPOINT_MISSING = "checkpoint_missing"
    CHECKPOINT_UNREADABLE = "checkpoint_unreadable"
    CHECKPOINT_NOT_AUTHENTIC = "checkpoint_not_authentic"
    ALARM = "alarm"
    """An append found the database not continuing the checkpoint and recorded it."""


_CHAIN_PROBLEMS = frozenset({Problem.CHANGED, Problem.REMOVED, Problem.INSERTED, Problem.FORGED})


@dataclass(frozen=True)
class Notice:
    """Something ``verify`` says that does not break the chain: a catalogue key and parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


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
    keyed_from: int | None = None
    """``K``: the first keyed record; None for a log that was never keyed."""
    params: dict[str, object] = field(default_factory=dict)
    """The parameters of the problem's catalogue text (``audit_key.problem_<problem>``)."""
    notices: tuple[Notice, ...] = ()
    key_file: Path | None = None
    checkpoint_file: Path | None = None

    @property
    def chain_break(self) -> bool:
        """Whether the problem is at a record of the chain (changed, removed, inserted, forged)."""
        return self.problem in _CHAIN_PROBLEMS


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


@dataclass(frozen=True)
class Witness:
    """What ``verify`` checks the database against besides itself.

    For the live data folder (the default): the key and checkpoint files beside the database. For
    a backup: the key kept with it (or apart) and, instead of a file, the tail the manifest says
    (``expected``), already authenticated by the caller.
    """

    key_file: Path | None
    checkpoint_file: Path | None = None
    expected: Checkpoint | None = None
    links_only: bool = False
    """Without a key, check the keyed records' ids and links only (a backup checked without its
    audit key: said in a notice), instead of failing for the key."""

    @classmethod
    def beside(cls, conn: sqlite3.Connection) -> Witness:
        files = SealFiles.of_connection(conn)
        if files is None:
            return cls(None)
        return cls(files.key, files.checkpoint)


_Row = audit_walk.Row


def verify(
    db: Database, *, anchor: str | None = None, witness: Witness | None = None
) -> AuditReport:
    """Walk the whole chain and report the first record that was changed, forged, removed or
    inserted; then the tail against the checkpoint (a cut, an emptied log, a downgrade).

    ``anchor``: a record hash noted earlier outside the database; the report fails when no record
    carries it any more. ``witness``: the key and checkpoint to use (default: the files beside
    the database).
    """
    conn = db.conn
    w = witness if witness is not None else Witness.beside(conn)
    where = {"key_file": w.key_file, "checkpoint_file": w.checkpoint_file}
    seal = seal_of(conn)
    key: bytes | None = None
    key_detail = "missing"
    if w.key_file is not None:
        try:
            key = read_key(w.key_file)
        except AuditKeyError as exc:
            key_detail = str(exc.params.get("detail", ""))
    keyed_from = seal.keyed_from if seal else None
    links_only = seal is not None and key is None and w.links_only
    if seal is not None and not links_only:
        if key is None:
            return _setup_bad(
                Problem.KEY_UNUSABLE,
                seal.keyed_from,
                where,
                path=str(w.key_file or "-"),
                detail=key_detail,
            )
        if key_id(key) != seal.key_id:
            return _setup_bad(Problem.KEY_WRONG, seal.keyed_from, where, path=str(w.key_file))
    # Read before the walk: whatever the checkpoint calls committed was in the database already.
    checkpoint = w.checkpoint_file
    read = read_checkpoint(checkpoint, key) if checkpoint is not None and key else None
    walked = _walk(conn, key if seal else None, keyed_from or 0, anchor, links_only)
    if isinstance(walked, AuditReport):
        return _with(walked, keyed_from=keyed_from, **where)
    count, last, anchor_seen = walked
    tail = Tail(last[0], last[7]) if last else EMPTY
    report = AuditReport(
        ok=True,
        count=count,
        last_id=last[0] if last else None,
        last_hash=tail.hash,
        keyed_from=keyed_from,
        key_file=w.key_file,
        checkpoint_file=w.checkpoint_file,
    )
    if seal is None:
        report = _unkeyed(report, w, key is not None)
    elif links_only:
        notice = Notice("audit_key.seal_not_checked", {"keyed_from": seal.keyed_from})
        report = _with(report, notices=(notice,))
    else:
        report = _against_checkpoint(conn, report, seal, tail, w, read, key)
    if report.ok and not anchor_seen:
        return _with(
            report,
            ok=False,
            problem=Problem.ANCHOR_MISSING,
            detail="no record has the anchor hash",
        )
    return report


def _walk(
    conn: sqlite3.Connection,
    key: bytes | None,
    keyed_from: int,
    anchor: str | None,
    links_only: bool = False,
) -> AuditReport | tuple[int, _Row | None, bool]:
    """The chain walked (``audit_walk``: a long log in worker processes): the first broken
    record as a report, or (count, last row, anchor seen)."""
    found = audit_walk.walk(conn, audit_walk.Sealing(key, keyed_from, links_only), anchor)
    if isinstance(found, audit_walk.Break):
        return _bad(found.count, found.record_id, Problem(found.problem), found.detail)
    return found.count, found.last, found.anchor_seen


def _unkeyed(report: AuditReport, w: Witness, key_there: bool) -> AuditReport:
    """A log the database says was never keyed: fine only when nothing says it was."""
    cp = w.checkpoint_file
    if (cp is not None and cp.exists()) or (w.expected is not None):
        return _with(
            report,
            ok=False,
            problem=Problem.DOWNGRADED,
            detail="a checkpoint says the log is keyed; the database says it never was",
            params={"path": str(cp or "-")},
        )
    if key_there and cp is not None:
        return _with(
            report,
            ok=False,
            problem=Problem.NOT_KEYED,
            detail="a key is there but the log was never keyed",
            params={"path": str(w.key_file)},
        )
    return _with(report, notices=(Notice("audit_key.not_keyed"),))


def _against_checkpoint(
    conn: sqlite3.Connection,
    report: AuditReport,
    seal: Seal,
    tail: Tail,
    w: Witness,
    read: CheckpointRead | None,
    key: bytes | None,
) -> AuditReport:
    """The walked chain's tail against ``K`` and the checkpoint (file or manifest)."""
    path = str(w.checkpoint_file or "-")
    cp = w.expected
    if cp is None and read is not None and read.state is CheckpointState.OK:
        cp = read.checkpoint
    if cp is not None and (cp.keyed_from, cp.key_id) != (seal.keyed_from, seal.key_id):
        return _with(
            report,
            ok=False,
            problem=Problem.DOWNGRADED,
            detail=f"keyed from {cp.keyed_from} (checkpoint), {seal.keyed_from} (database)",
            params={"path": path},
        )
    if tail.id < seal.keyed_from:
        return _with(
            report,
            ok=False,
            problem=Problem.CUT,
            detail=f"the log ends at {tail.id}, before record {seal.keyed_from} (keyed from)",
            params={"count": tail.id, "expected": seal.keyed_from},
        )
    if cp is None:
        if read is None:
            return _with(report, notices=(Notice("audit_key.no_checkpoint"),))
        problem = {
            CheckpointState.MISSING: Problem.CHECKPOINT_MISSING,
            CheckpointState.UNREADABLE: Problem.CHECKPOINT_UNREADABLE,
        }.get(read.state, Problem.CHECKPOINT_NOT_AUTHENTIC)
        return _with(
            report,
            ok=False,
            problem=problem,
            detail=read.detail or str(read.state),
            params={"path": path, "detail": read.detail},
        )
    if cp.alarm is not None:
        a = cp.alarm
        return _with(
            report,
            ok=False,
            problem=Problem.ALARM,
            detail=f"{a.reason} found when record {a.at_id} was appended",
            params={
                "path": path,
                "reason": str(a.reason),
                "at_id": a.at_id,
                "expected": a.expected.id,
                "found": a.found.id,
            },
        )
    if not holds(conn, cp.committed, tail):
        return _with(
            report,
            ok=False,
            problem=Problem.CUT,
            detail=f"the log ends at {tail.id}; the checkpoint says record {cp.committed.id} "
            f"({cp.committed.hash[:16]}…) was committed",
            params={"count": tail.id, "expected": cp.committed.id, "path": path},
        )
    notices: list[Notice] = []
    if cp.pending is not None and tail == cp.committed:
        notices.append(Notice("audit_key.pending_absent", {"id": cp.pending.id}))
    for gone in cp.unconfirmed:
        notices.append(Notice("audit_key.unconfirmed", {"id": gone.id, "hash": gone.hash[:16]}))
    covered = cp.pending.id if cp.pending is not None else cp.committed.id
    if tail.id > covered and w.checkpoint_file is not None and key is not None:
        # Written meanwhile by a desk (the checkpoint moved on), or the checkpoint lags.
        again = read_checkpoint(w.checkpoint_file, key).checkpoint
        if again is not None:
            covered = max(covered, again.committed.id, again.pending.id if again.pending else 0)
        if tail.id > covered:
            notices.append(Notice("audit_key.lagging", {"first": covered + 1, "last": tail.id}))
    return _with(report, notices=(*report.notices, *notices))


def _with(report: AuditReport, **changes: Any) -> AuditReport:
    from dataclasses import replace

    return replace(report, **changes)


def _setup_bad(
    problem: Problem, keyed_from: int, where: dict[str, Path | None], **params: object
) -> AuditReport:
    return AuditReport(
        ok=False,
        count=0,
        problem=problem,
        detail=str(params.get("detail", "")),
        keyed_from=keyed_from,
        params={"keyed_from": keyed_from, **params},
        key_file=where["key_file"],
        checkpoint_file=where["checkpoint_file"],
    )


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
