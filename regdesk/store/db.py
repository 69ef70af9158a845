"""Opening the clinic's database and writing to it in transactions that several processes share.

One SQLite file in the data folder serves every terminal of the clinic (DESIGN.md "Running it").
``open_db`` sets the connection up the same way everywhere: WAL, foreign keys, a busy timeout, and
the schema checked: a new file gets the whole schema, a file of an older version is refused in
words (``SchemaTooOldError``) unless the caller is the upgrade (``regdesk upgrade``, a restore of
an older backup), which migrates it (``regdesk.store.schema``).

Python's sqlite3 module opens transactions implicitly and late (at the first write), which lets two
processes both read a counter and then race to write it. The connection is therefore put in
autocommit mode (``isolation_level=None``) and every write goes through ``transaction(db)``, which
starts with ``BEGIN IMMEDIATE``: the write lock is taken before anything is read, so whatever a
transaction reads stays true until it commits.

Many desks writing at once queue at a lock file beside the database (``WriteGate``), waiting
in the kernel, not by trying SQLite's lock over and over; SQLite's own lock stays the guard (a
writer without the gate, the sqlite3 shell or an older regdesk, is safe, it merely does not
queue). WAL checkpoints run after the lock is released, not in a COMMIT (``wal_checkpoint``).

Timestamps are stored as ISO-8601 UTC text with microseconds (``utc_text``), which sorts the same
way as time does and so can be compared and indexed as text.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from sqlite_utils import Database

from regdesk.core.clock import wall_utc
from regdesk.core.errors import UserError
from regdesk.store.write_gate import WriteGate

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another terminal's transaction before giving up."""

LONGEST_NAP_S = 0.004
"""The longest a writer sleeps between two tries to take the write lock (``begin_immediate``)."""

GATE_SUFFIX = "-lock"
"""The write gate's file: the database's name with this added (``regdesk.sqlite3-lock``), beside
SQLite's own ``-wal`` and ``-shm``."""

WAL_CHECKPOINT_PAGES = 1000
"""The WAL is copied back into the database once it holds this many pages (SQLite's own
auto-checkpoint threshold), by the writer that took it past, after releasing the lock."""

_savepoints = count(1)
_log = logging.getLogger("regdesk.store")


class _Files:
    """The files beside a database that its writers use: the write gate and the WAL."""

    def __init__(self, database: Path) -> None:
        self.gate = WriteGate(database.with_name(database.name + GATE_SUFFIX))
        self.wal = database.with_name(database.name + "-wal")


_files: weakref.WeakKeyDictionary[Database, _Files] = weakref.WeakKeyDictionary()
"""Per database opened by ``open_db_as_is``; one opened otherwise writes without the gate."""

_before_commit: dict[int, dict[str, Callable[[], None]]] = {}
"""Per connection (by id) inside an outermost ``transaction``: what runs right before its COMMIT."""
_after_commit: dict[int, dict[str, Callable[[], None]]] = {}
"""… and what runs once its COMMIT has succeeded (not after a rollback)."""


class DatabaseError(UserError):
    """The database cannot be opened or used as it is (too new, damaged, not a database)."""

    key = "store.db_unusable"


class SchemaTooNewError(DatabaseError):
    """The file was written by a newer regdesk; opening it with this one could damage it."""

    key = "store.schema_too_new"


class SchemaTooOldError(DatabaseError):
    """The file is of an older schema than this regdesk needs: an administrator upgrades it
    (``regdesk upgrade``), after which every desk opens it; nobody migrates it by opening it."""

    key = "deploy.schema_too_old"


DURABILITY = {"normal": "NORMAL", "full": "FULL"}
"""``[storage] durability`` → SQLite's ``synchronous``. In WAL mode NORMAL syncs at each
checkpoint, not at each commit: a power cut (not a crash of the program) may lose the last
transactions committed before it, never the file's consistency. FULL syncs the WAL at each
commit, so a committed registration survives a power cut too, at the cost measured by
``bench/registration.py``."""


def open_db(path: Path, durability: str = "normal", *, upgrade: bool = False) -> Database:
    """Open (creating when missing) the database at ``path`` and check its schema.

    A new, empty file gets the whole schema. An older file is migrated only with ``upgrade``
    (``regdesk upgrade``, a restore); otherwise ``SchemaTooOldError``. A newer file:
    ``SchemaTooNewError``.
    """
    from regdesk.store import schema

    db = open_db_as_is(path, durability)
    conn = db.conn
    with _closed_on_error(conn, path):
        found = schema.version(conn)
        if found > schema.SCHEMA_VERSION:
            raise SchemaTooNewError(path=str(path), found=found, known=schema.SCHEMA_VERSION)
        if found < schema.SCHEMA_VERSION:
            if not (upgrade or schema.is_new(conn)):
                raise SchemaTooOldError(path=str(path), found=found, needed=schema.SCHEMA_VERSION)
            schema.migrate(conn, path)
    return db


def open_db_as_is(path: Path, durability: str = "normal") -> Database:
    """The database at ``path`` set up as every desk opens it, its schema neither checked nor
    changed: for ``regdesk upgrade``, which migrates it inside its own transaction."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise DatabaseError(path=str(path), detail=str(exc)) from None
    with _closed_on_error(conn, path):
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise DatabaseError(path=str(path), detail=f"journal_mode is {mode}, not wal")
        conn.execute(f"PRAGMA synchronous = {DURABILITY[durability]}")
        # Not in a COMMIT, where it would hold the write gate: after it (``_after_write``).
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    db = Database(conn)
    _files[db] = _Files(path)
    return db


@contextmanager
def _closed_on_error(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close ``conn`` when the block fails; SQLite's own error said as a ``DatabaseError``."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(path=str(path), detail=str(exc)) from None
    except BaseException:
        conn.close()
        raise


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """Run the block as one write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK``.

    The outermost one first takes the database's write gate (``WriteGate``), and lets it go
    once committed or rolled back, before the ``after_commit`` hooks and any WAL checkpoint.
    Nested use (a helper that writes, called inside a caller's transaction) becomes a SAVEPOINT of
    the outer transaction, so the helper's writes commit or roll back with the caller's.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"regdesk_sp{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    files = _files.get(db)
    held = files.gate.enter(deadline) if files is not None else None
    try:
        begin_immediate(conn, deadline)
        hooks = _before_commit[id(conn)] = {}
        after = _after_commit[id(conn)] = {}
        try:
            try:
                yield db
                for hook in list(hooks.values()):
                    hook()
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            _before_commit.pop(id(conn), None)
            _after_commit.pop(id(conn), None)
    finally:
        if held is not None:
            os.close(held)  # lets the gate go: the next desk in the queue wakes
    for hook in list(after.values()):
        hook()
    if files is not None:
        _checkpoint_if_due(conn, files)


def _checkpoint_if_due(conn: sqlite3.Connection, files: _Files) -> None:
    """Copy the WAL back into the database once it holds ``WAL_CHECKPOINT_PAGES`` pages, as
    SQLite's auto-checkpoint does, but after the write gate is let go: in a COMMIT it would hold
    every waiting desk. PASSIVE: it waits for nobody and blocks no reader or writer.

    This bounds the WAL as SQLite's own threshold did: past it, every regdesk writer copies
    what a checkpoint has not copied yet, and once all of it is copied the next writer starts
    the WAL over from its beginning (the file keeps its largest size and is written over). A
    read that never ends would keep it from starting over, as it always did; no desk holds one.
    A checkpoint that fails (a full disk) is only logged: the transaction before it has
    committed, and the next writer tries again.
    """
    if _wal_pages(files.wal) < WAL_CHECKPOINT_PAGES:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as exc:
        _log.warning("WAL checkpoint of %s not done: %s", files.wal, exc)


def _wal_pages(wal: Path) -> int:
    """How many pages the WAL holds since it last started over, read from the file itself
    (SQLite's file format, "The WAL file"): its frames of the header's salt, which the
    writers lay down from the start of the file each time it starts over, so that they are a
    prefix of the file, found by halving. Read without a lock: a frame in the middle of being
    written only moves the next checkpoint by a commit.

    Not from the ``-shm`` index, although it holds the count: closing a descriptor of a file
    drops every POSIX lock the process holds on it, SQLite's included, and another process
    could then take the shared memory for unused and reset it under this one's feet.
    """
    try:
        fd = os.open(wal, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return 0
    try:
        header = os.pread(fd, 32, 0)
        if len(header) < 32:
            return 0
        page_size = int.from_bytes(header[8:12], "big")
        salt = header[16:24]
        frame = 24 + page_size
        low, high = 0, max(0, (os.fstat(fd).st_size - 32) // frame)
        while low < high:  # frames 1..low carry the salt; high is the last that may
            middle = (low + high + 1) // 2
            if os.pread(fd, 8, 32 + (middle - 1) * frame + 8) == salt:
                low = middle
            else:
                high = middle - 1
        return low
    except OSError:
        return 0
    finally:
        os.close(fd)


def before_commit(db: Database, name: str, hook: Callable[[], None]) -> bool:
    """Run ``hook`` inside the transaction, right before the outermost ``transaction`` commits
    (still holding the write lock; a hook that raises rolls the transaction back). The first
    hook registered under ``name`` wins: False when one already was. Outside a ``transaction``
    block (a caller's own BEGIN) it runs at once.
    """
    hooks = _before_commit.get(id(db.conn))
    if hooks is None:
        hook()
        return True
    if name in hooks:
        return False
    hooks[name] = hook
    return True


def after_commit(db: Database, name: str, hook: Callable[[], None]) -> bool:
    """Run ``hook`` once the outermost ``transaction`` has committed (the write lock released;
    never after a rollback). The first hook registered under ``name`` wins. Outside a
    ``transaction`` block nothing is known of the commit: the hook is dropped and False returned.
    """
    hooks = _after_commit.get(id(db.conn))
    if hooks is None or name in hooks:
        return False
    hooks[name] = hook
    return True


def begin_immediate(conn: sqlite3.Connection, deadline: float | None = None) -> None:
    """``BEGIN IMMEDIATE``, waiting for another terminal's write transaction in short naps.

    SQLite's own busy handler sleeps longer at each try (up to 100 ms a nap): with many desks the
    writer that has waited longest sleeps through the moments the lock is free, while one that
    has just come takes it, and a registration waited 0.66 s at p95 for a lock held about a
    millisecond at a time (``bench/many_desks``). Here a writer tries again after at most
    ``LONGEST_NAP_S`` (with jitter, so the waiting desks do not wake together), up to
    ``deadline`` (``time.monotonic()``; ``BUSY_TIMEOUT_MS`` from now by default) and at least
    once; then SQLite's "database is locked" is raised as before. Behind the write gate this
    wait is short: only a writer that does not take the gate (the sqlite3 shell, an older
    regdesk) or a desk that gave up waiting for it meets the lock taken.
    """
    if deadline is None:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        nap = LONGEST_NAP_S / 8
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() >= deadline:
                    raise
            time.sleep(random.uniform(nap / 2, nap))
            nap = min(nap * 2, LONGEST_NAP_S)
    finally:
        # Every other statement (a read meeting a checkpoint, say) keeps SQLite's own wait.
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def utc_text(moment: datetime) -> str:
    """``moment`` as stored: ISO-8601 UTC with microseconds (2026-11-25T10:00:00.123456+00:00).

    A naive datetime is refused: guessing its zone would silently shift the journal by hours.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp without a time zone: {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_utc_text(text: str) -> datetime:
    """The aware datetime of a stored timestamp."""
    return datetime.fromisoformat(text)


def now_utc() -> datetime:
    """The machine's clock, aware, in UTC (where no clinic clock is at hand)."""
    return wall_utc()
