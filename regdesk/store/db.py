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

Timestamps are stored as ISO-8601 UTC text with microseconds (``utc_text``), which sorts the same
way as time does and so can be compared and indexed as text.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from sqlite_utils import Database

from regdesk.core.clock import wall_utc
from regdesk.core.errors import UserError

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another terminal's transaction before giving up."""

LONGEST_NAP_S = 0.004
"""The longest a writer sleeps between two tries to take the write lock (``begin_immediate``)."""

_savepoints = count(1)

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
    return Database(conn)


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
    begin_immediate(conn)
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
    for hook in list(after.values()):
        hook()


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


def begin_immediate(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for another terminal's write transaction in short naps.

    SQLite's own busy handler sleeps longer at each try (up to 100 ms a nap): with many desks the
    writer that has waited longest sleeps through the moments the lock is free, while one that
    has just come takes it, and a registration waited 0.66 s at p95 for a lock held about a
    millisecond at a time (``bench/many_desks``). Here a writer tries again after at most
    ``LONGEST_NAP_S`` (with jitter, so the waiting desks do not wake together), up to
    ``BUSY_TIMEOUT_MS`` as before; then SQLite's "database is locked" is raised as before.
    """
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
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
