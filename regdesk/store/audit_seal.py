"""The audit chain's two files outside the database: its key and its checkpoint.

``audit.key`` (32 random bytes, made by ``regdesk init`` with the vault key's own helper and
permissions) keys the hash of every record from the switch-over on (``regdesk.store.audit`` has
the formula). ``audit.checkpoint`` is a small JSON file rewritten inside the writer's transaction
at every commit that appends records, just before the COMMIT::

    {"format": "regdesk-audit-checkpoint", "version": 1,
     "keyed_from": K, "key_id": "…",
     "committed": {"id": N, "count": N, "hash": "…"},   the log's tail before this transaction
     "pending":   {"id": M, "count": M, "hash": "…"},   its tail once this transaction commits
     "unconfirmed": [...],   tails announced as pending that never appeared in the database
     "alarm": null | {...},  the first time the database did not continue the checkpoint
     "mac": "…"}             HMAC-SHA256 under the audit key of the canonical JSON of the rest

The file is written aside and renamed over the old one (``os.replace``), so a reader sees the old
or the new one whole; with ``[storage] durability = "full"`` it is fsynced, and its folder too,
as SQLite syncs each commit; with "normal" neither is (as SQLite's WAL commits are not).

This module reads and writes those files; it knows nothing of the chain itself.
"""

from __future__ import annotations

import enum
import fcntl
import hmac
import json
import logging
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from regdesk.core.errors import UserError

GENESIS = "0" * 64
"""The ``prev_hash`` of the first record (and the hash of an empty log's tail)."""

KEY_BYTES = 32
FORMAT = "regdesk-audit-checkpoint"
FORMAT_VERSION = 1
SLOT_BYTES = 8192
"""The checkpoint file holds two slots of this size (page-aligned); see ``write_checkpoint``."""
SLOTS = 2
MAX_UNCONFIRMED = 20
"""How many never-committed tails a checkpoint keeps (crashes are rare; this bounds the file)."""

_KEY_ID_LABEL = b"regdesk audit key id"
_log = logging.getLogger("regdesk.store")


class AuditKeyError(UserError):
    """The audit key is missing, unreadable, not a key, or not the one the log was keyed with.

    Raised by an append on a keyed log: the action is refused (and rolled back) in words rather
    than written with a hash nobody could check later.
    """

    key = "audit_key.key_unusable"

    def message(self, lang: str) -> str:
        from regdesk.i18n import t
        from regdesk.store.audit_key_words import detail_words

        params = dict(self.params)
        if "detail" in params:  # kept in English for the log; said in the reader's language
            params["detail"] = detail_words(str(params["detail"]), lang)
        return t(self.key, lang, **params)


def mac(key: bytes, data: bytes) -> str:
    """HMAC-SHA256 of ``data`` under ``key``, in hex."""
    return hmac.digest(key, data, "sha256").hex()


def key_id(key: bytes) -> str:
    """A name for ``key`` that reveals nothing of it (stored in the database and checkpoint)."""
    return mac(key, _KEY_ID_LABEL)[:16]


def read_key(path: Path) -> bytes:
    """The audit key in ``path``; AuditKeyError saying what is wrong with it."""
    try:
        key = Path(path).read_bytes()
    except FileNotFoundError:
        raise AuditKeyError(path=str(path), detail="missing") from None
    except OSError as exc:
        raise AuditKeyError(path=str(path), detail=exc.strerror or str(exc)) from None
    if len(key) != KEY_BYTES:
        raise AuditKeyError(path=str(path), detail=f"{len(key)} bytes, not {KEY_BYTES}")
    return key


_keys: dict[Path, tuple[tuple[int, ...], bytes]] = {}
"""The keys ``current_key`` read, with what ``os.stat`` said of their file then."""


def current_key(path: Path) -> bytes:
    """``read_key``, the file read again only when it changed: an append runs under the write
    lock, where a file read on every record was a tenth of a registration's time there. A key
    removed, replaced, or whose permissions changed (a new ctime) is read (and refused) anew."""
    path = Path(path)
    try:
        found = os.stat(path)
    except OSError:
        return read_key(path)  # says what is wrong with it
    mark = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
    cached = _keys.get(path)
    if cached is not None and cached[0] == mark:
        return cached[1]
    key = read_key(path)
    _keys[path] = (mark, key)
    return key


@dataclass(frozen=True)
class SealFiles:
    """Where the key and the checkpoint of a database are: beside it, in its data folder."""

    key: Path
    checkpoint: Path

    @classmethod
    def beside(cls, database: Path) -> SealFiles:
        from regdesk.store.paths import DataPaths

        paths = DataPaths(Path(database).parent)
        return cls(paths.audit_key, paths.audit_checkpoint)

    @classmethod
    def of_connection(cls, conn: sqlite3.Connection) -> SealFiles | None:
        """The files of the database ``conn`` has open; None for one in memory."""
        for _, name, file in conn.execute("PRAGMA database_list"):
            if name == "main":
                return cls.beside(Path(file)) if file else None
        return None


@dataclass(frozen=True)
class Tail:
    """The newest record of a log: its id (= the count, ids being 1, 2, 3, … with no gap)."""

    id: int
    hash: str

    @property
    def count(self) -> int:
        return self.id

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "count": self.id, "hash": self.hash}

    @classmethod
    def from_json(cls, data: object) -> Tail:
        if not isinstance(data, dict):
            raise ValueError("a tail is not an object")
        tail = cls(int(data["id"]), str(data["hash"]))
        if tail.id < 0 or len(tail.hash) != 64 or int(data.get("count", tail.id)) != tail.id:
            raise ValueError(f"not a tail: {data!r}")
        return tail


EMPTY = Tail(0, GENESIS)


class AlarmReason(enum.StrEnum):
    """Why an append found that the database did not continue the checkpoint."""

    CUT = "cut"
    """The database's tail no longer holds the checkpoint's committed record."""
    KEYED_FROM = "keyed_from"
    """The database says the log is keyed from another record (or with another key)."""
    MISSING = "missing"
    """There was no checkpoint file at all."""
    NOT_AUTHENTIC = "not_authentic"
    """The checkpoint file was damaged, or written without the key."""


@dataclass(frozen=True)
class Alarm:
    """The first time an append found the database not continuing the checkpoint: kept in every
    later checkpoint, so the evidence is not overwritten by the desks' next records."""

    reason: AlarmReason
    at_id: int
    """The first record appended after it was found."""
    expected: Tail
    """What the checkpoint said the tail was (EMPTY when it could not be read)."""
    found: Tail
    """The tail the database had."""

    def to_json(self) -> dict[str, object]:
        return {
            "reason": str(self.reason),
            "at_id": self.at_id,
            "expected": self.expected.to_json(),
            "found": self.found.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> Alarm:
        if not isinstance(data, dict):
            raise ValueError("an alarm is not an object")
        return cls(
            AlarmReason(str(data["reason"])),
            int(data["at_id"]),
            Tail.from_json(data["expected"]),
            Tail.from_json(data["found"]),
        )


@dataclass(frozen=True)
class Checkpoint:
    """The log's tail as the last writer left it, and what it noticed."""

    keyed_from: int
    key_id: str
    committed: Tail
    pending: Tail | None = None
    unconfirmed: tuple[Tail, ...] = ()
    alarm: Alarm | None = None
    seq: int = 1
    """Counts the writes since the file was (re)made: the newer of the two slots wins."""

    def body(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "seq": self.seq,
            "keyed_from": self.keyed_from,
            "key_id": self.key_id,
            "committed": self.committed.to_json(),
            "pending": self.pending.to_json() if self.pending else None,
            "unconfirmed": [t.to_json() for t in self.unconfirmed],
            "alarm": self.alarm.to_json() if self.alarm else None,
        }

    def sealed(self, key: bytes) -> bytes:
        """The file's bytes: the body and its MAC (readable by a person, one field a line)."""
        body = self.body()
        body["mac"] = mac(key, canonical(body))
        return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Checkpoint:
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise ValueError("not a regdesk audit checkpoint of a known version")
        pending, alarm, unconfirmed = data.get("pending"), data.get("alarm"), data["unconfirmed"]
        if not isinstance(unconfirmed, list):
            raise ValueError("unconfirmed is not a list")
        return cls(
            keyed_from=int(str(data["keyed_from"])),
            key_id=str(data["key_id"]),
            committed=Tail.from_json(data["committed"]),
            pending=Tail.from_json(pending) if pending is not None else None,
            unconfirmed=tuple(Tail.from_json(t) for t in unconfirmed),
            alarm=Alarm.from_json(alarm) if alarm is not None else None,
            seq=int(str(data["seq"])),
        )


def canonical(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes a MAC is taken of."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class CheckpointState(enum.StrEnum):
    OK = "ok"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    """The file is there but cannot be read (permissions, I/O): nothing is known of it."""
    NOT_AUTHENTIC = "not_authentic"
    """Read, but damaged, not a checkpoint, or its MAC does not match under the key."""


@dataclass(frozen=True)
class CheckpointRead:
    state: CheckpointState
    checkpoint: Checkpoint | None = None
    detail: str = ""


def read_checkpoint(path: Path, key: bytes) -> CheckpointRead:
    """The newest whole slot of the checkpoint in ``path`` written with ``key``."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return CheckpointRead(CheckpointState.MISSING)
    except OSError as exc:
        return CheckpointRead(CheckpointState.UNREADABLE, detail=exc.strerror or str(exc))
    return _parse(raw, key)


def _parse(raw: bytes, key: bytes) -> CheckpointRead:
    """The newest slot of ``raw`` whose MAC checks. Each slot's JSON is read, but only the MAC
    of the newest is checked unless it fails (then the next): this runs under the database's
    write lock at every append."""
    found: list[tuple[int, dict[str, object]]] = []
    detail = "empty"
    for slot in range(SLOTS):
        text = _slot_text(raw, slot * SLOT_BYTES)
        if not text:
            continue
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            found.append((int(str(data.get("seq", 0))), data))
        except ValueError as exc:  # JSONDecodeError is a ValueError
            detail = str(exc)[:200]
    for _seq, data in sorted(found, key=lambda f: f[0], reverse=True):
        try:
            given = str(data.pop("mac"))
            if not hmac.compare_digest(given, mac(key, canonical(data))):
                detail = "its MAC does not match"
                continue
            return CheckpointRead(CheckpointState.OK, Checkpoint.from_json(data))
        except (ValueError, KeyError, TypeError) as exc:
            detail = str(exc)[:200]
    return CheckpointRead(CheckpointState.NOT_AUTHENTIC, detail=detail)


def _slot_text(raw: bytes, start: int) -> bytes:
    """The JSON of the slot at ``start``: up to the closing brace ``sealed`` ends it with (the
    padding after it not scanned), or the slot without its padding when it is not there."""
    stop = min(len(raw), start + SLOT_BYTES)
    end = raw.find(b"\n}\n", start, stop)
    if end >= 0:
        return raw[start : end + 2]
    return raw[start:stop].strip(b" \n\0")


def _slot(checkpoint: Checkpoint, key: bytes) -> bytes:
    data = checkpoint.sealed(key)
    if len(data) >= SLOT_BYTES:
        raise ValueError(f"an audit checkpoint of {len(data)} bytes does not fit its slot")
    return data + b" " * (SLOT_BYTES - len(data) - 1) + b"\n"


@contextmanager
def _locked(path: Path) -> Iterator[int | None]:
    """The checkpoint file open for reading and writing under an exclusive ``flock`` (the
    writers before a COMMIT are already one at a time; this orders them with the confirmations
    made after one); None when it cannot be opened (the read then says why)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        yield None
        return
    try:
        # A file system without locks: the database's lock still orders the writers.
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _read_open(fd: int | None, path: Path, key: bytes) -> CheckpointRead:
    if fd is None:
        return read_checkpoint(path, key)
    try:
        return _parse(os.pread(fd, SLOTS * SLOT_BYTES, 0), key)
    except OSError as exc:
        return CheckpointRead(CheckpointState.UNREADABLE, detail=exc.strerror or str(exc))


def write_checkpoint(
    path: Path,
    checkpoint: Checkpoint,
    key: bytes,
    *,
    durable: bool,
    in_place: bool,
    fd: int | None = None,
) -> None:
    """Write ``checkpoint`` to ``path``; OSError when it cannot.

    ``in_place``: overwrite the older of the file's two slots (``checkpoint.seq`` picks it), the
    newer one staying whole: a crash or a reader in the middle of the write finds that one (its
    MAC checks), so no write is ever seen half done. Renaming a new file over the old one at
    every append would do the same, but on ext4 a rename over a file flushes the new file's data
    to disk, which cost 8 ms an append under load. Otherwise (a new checkpoint, or one that was
    damaged) the file is written aside whole and renamed into place.
    """
    from regdesk.store.vault import fsync_folder, write_all

    path = Path(path)
    if in_place:
        own = fd is None
        if fd is None:
            fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, _slot(checkpoint, key), (checkpoint.seq % SLOTS) * SLOT_BYTES)
            if durable:
                os.fsync(fd)
        finally:
            if own:
                os.close(fd)
        return
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    # Readable and writable by the group when the clinic shares the folder by group: every desk
    # process rewrites it (the umask decides; the MAC, not secrecy, protects it).
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660)
    try:
        try:
            first = _slot(checkpoint, key)
            write_all(fd, first if checkpoint.seq % SLOTS == 0 else b" " * SLOT_BYTES + first)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if durable:
        fsync_folder(path.parent)


# -- keeping the checkpoint in step with the log (inside the writer's transaction) -------------


def log_tail(conn: sqlite3.Connection) -> Tail:
    """The newest record of ``audit_log`` as ``conn`` sees it."""
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return Tail(int(row[0]), str(row[1])) if row else EMPTY


def holds(conn: sqlite3.Connection, tail: Tail, upto: Tail) -> bool:
    """Whether the log whose newest record is ``upto`` still has ``tail`` as it was."""
    if tail.id == 0:
        return True
    if tail.id > upto.id:
        return False
    if tail.id == upto.id:
        return tail.hash == upto.hash
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (tail.id,)).fetchone()
    return row is not None and str(row[0]) == tail.hash


def advance_checkpoint(
    conn: sqlite3.Connection,
    path: Path,
    key: bytes,
    keyed_from: int,
    key_id: str,
    committed: Tail,
    fresh: bool,
) -> Tail | None:
    """Write {committed, pending} (with what the last checkpoint carried) under the write lock;
    the pending tail when it was written (for ``confirm_checkpoint`` after the COMMIT).

    ``fresh``: start a new checkpoint whatever the old one says (the switch-over, a restore, an
    admin's reseal: each is itself a record of the log saying so). Never raises for the file:
    the records are in the database whatever happens to it; what went wrong is logged, and
    ``verify`` shows the lag.
    """
    pending = log_tail(conn)
    if pending == committed:
        return None  # every record of this transaction was rolled back to a savepoint
    with _locked(path) as fd:
        return _advance(conn, path, key, keyed_from, key_id, committed, pending, fresh, fd)


def _advance(
    conn: sqlite3.Connection,
    path: Path,
    key: bytes,
    keyed_from: int,
    key_id: str,
    committed: Tail,
    pending: Tail,
    fresh: bool,
    fd: int | None,
) -> Tail | None:
    read = CheckpointRead(CheckpointState.MISSING) if fresh else _read_open(fd, path, key)
    alarm: Alarm | None = None
    unconfirmed: tuple[Tail, ...] = ()
    at_id = committed.id + 1
    if read.state is CheckpointState.OK and read.checkpoint is not None:
        old = read.checkpoint
        alarm, unconfirmed = old.alarm, old.unconfirmed
        if (
            old.pending is not None
            and old.pending != committed
            and not holds(conn, old.pending, committed)
        ):
            unconfirmed = (*unconfirmed, old.pending)[-MAX_UNCONFIRMED:]
        if alarm is None and (old.keyed_from, old.key_id) != (keyed_from, key_id):
            alarm = Alarm(AlarmReason.KEYED_FROM, at_id, old.committed, committed)
        elif alarm is None and not holds(conn, old.committed, committed):
            alarm = Alarm(AlarmReason.CUT, at_id, old.committed, committed)
    elif read.state is CheckpointState.MISSING:
        if not fresh:
            alarm = Alarm(AlarmReason.MISSING, at_id, EMPTY, committed)
    elif read.state is CheckpointState.NOT_AUTHENTIC:
        alarm = Alarm(AlarmReason.NOT_AUTHENTIC, at_id, EMPTY, committed)
    else:
        _log.warning(
            "audit checkpoint %s cannot be read (%s); not rewritten: records from %d on are "
            "not covered by it",
            path,
            read.detail,
            at_id,
        )
        return None
    if alarm is not None and alarm.at_id == at_id:
        _log.warning(
            "audit log: the database did not continue the checkpoint %s (%s; it said record %d, "
            "the database ends at %d); kept as an alarm for regdesk audit verify",
            path,
            alarm.reason,
            alarm.expected.id,
            committed.id,
        )
    old_seq = read.checkpoint.seq if read.checkpoint is not None else 0
    checkpoint = Checkpoint(
        keyed_from, key_id, committed, pending, unconfirmed, alarm, seq=old_seq + 1
    )
    durable = int(conn.execute("PRAGMA synchronous").fetchone()[0]) >= 2
    try:
        in_place = read.state is CheckpointState.OK
        write_checkpoint(path, checkpoint, key, durable=durable, in_place=in_place, fd=fd)
        return pending
    except OSError as exc:
        _log.warning(
            "audit checkpoint %s could not be written (%s): records %d..%d are in the database "
            "(keyed) but not yet covered by it; a later append writes it again",
            path,
            exc.strerror or exc,
            at_id,
            pending.id,
        )
        return None


def confirm_checkpoint(path: Path, key: bytes, pending: Tail) -> None:
    """After the COMMIT: mark ``pending`` committed when the checkpoint still names it pending
    (another desk may have written a newer one meanwhile: then nothing is done). From then on
    removing that newest record reads as a cut, not as a crash before the COMMIT. Not fsynced:
    losing it loses nothing but this precision. Never raises: it only sharpens what is there.

    Read and made ready without the file's lock, which the next desk's append waits for under
    the database's write lock; under it only a look that the file is still the one read, and
    the write.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return
    try:
        raw = os.pread(fd, SLOTS * SLOT_BYTES, 0)
        old = _parse(raw, key).checkpoint
        if old is None or old.pending != pending:
            return
        done = replace(old, committed=pending, pending=None, seq=old.seq + 1)
        data = _slot(done, key)
        with suppress(OSError):  # a file system without locks: as in ``_locked``
            fcntl.flock(fd, fcntl.LOCK_EX)
        if os.pread(fd, SLOTS * SLOT_BYTES, 0) == raw:  # else a newer one: it stands
            os.pwrite(fd, data, (done.seq % SLOTS) * SLOT_BYTES)
    except (OSError, ValueError) as exc:
        _log.info("audit checkpoint %s: the commit of %d not confirmed (%s)", path, pending.id, exc)
    finally:
        os.close(fd)  # releases the lock
