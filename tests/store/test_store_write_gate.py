"""The write gate (``regdesk.store.write_gate``): regdesk's writers queue at a lock file beside the
database, asleep in the kernel; SQLite's lock stays the guard; and WAL checkpoints after it.

Real processes and threads on a real database in ``tmp_path``; that a writer is asleep at the
gate is seen in the kernel's own list of file locks (``/proc/locks``), never by waiting a while.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from regdesk.desk.errors import NotSaved, saving
from regdesk.store import db as db_module
from regdesk.store.db import GATE_SUFFIX, WAL_CHECKPOINT_PAGES, open_db, transaction
from regdesk.store.write_gate import MAX_WAITING_HELPERS, WriteGate

PROC_LOCKS = Path("/proc/locks")
pytestmark = pytest.mark.skipif(
    not PROC_LOCKS.exists(), reason="the kernel's lock list (/proc/locks) is Linux's"
)


def gate_path(database: Path) -> Path:
    return database.with_name(database.name + GATE_SUFFIX)


def waiting_at(path: Path) -> int:
    """How many lock requests wait, blocked, on the file ``path`` (``/proc/locks``' "->"
    lines name the inode as major:minor:inode)."""
    inode = f":{path.stat().st_ino} "
    return sum(1 for line in PROC_LOCKS.read_text().splitlines() if "->" in line and inode in line)


def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for ``condition`` (an event, not a duration); fail saying ``what`` otherwise."""
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not condition():
            if done.wait(0.005):
                raise AssertionError(f"never happened: {what}")
    finally:
        deadline.cancel()


def _hold_the_gate(database: str, with_lock: bool, ready: Any, go: Any) -> None:
    """Another desk: takes the gate (and, ``with_lock``, SQLite's write lock in a transaction
    that writes a row), says so, and lets go when told."""
    db = open_db(Path(database))
    if with_lock:
        with transaction(db):
            db.execute("INSERT INTO number_counters VALUES ('child', 2026, 1)")
            ready.set()
            go.wait(60)
        return
    fd = WriteGate(gate_path(Path(database))).enter(float("inf"))
    assert fd is not None
    ready.set()
    go.wait(60)
    os.close(fd)


@contextmanager
def other_desk(database: Path, *, with_lock: bool) -> Iterator[tuple[Any, Any]]:
    """A desk process holding the gate until ``go`` is set; yields (process, go)."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Event(), context.Event()
    process = context.Process(target=_hold_the_gate, args=(str(database), with_lock, ready, go))
    process.start()
    try:
        assert ready.wait(60), "the other desk never took the gate"
        yield process, go
    finally:
        # Not after a kill: a process killed in ``go.wait`` leaves the Event's lock taken.
        if process.is_alive():
            go.set()
            process.join(60)
        if process.is_alive():
            process.kill()
        process.join(60)


def write_in_thread(db: Any, code: str) -> tuple[threading.Thread, list[BaseException]]:
    """A transaction writing ``code`` on a thread of its own; errors collected."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            with transaction(db):
                db.execute("INSERT INTO number_counters VALUES (?, 2026, 1)", (code,))
        except BaseException as exc:  # handed to the test
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failed


def codes(db: Any) -> list[str]:
    return [r[0] for r in db.execute("SELECT clinic_code FROM number_counters ORDER BY rowid")]


def test_a_desk_waits_asleep_at_the_gate_another_process_holds_and_goes_after_it(
    tmp_path: Path,
) -> None:
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    with other_desk(database, with_lock=True) as (_process, go):
        thread, failed = write_in_thread(db, "parent")
        # Asleep in the kernel on the gate's file, not trying SQLite's lock over and over.
        until(lambda: waiting_at(gate_path(database)) == 1, "the desk waiting at the gate")
        assert thread.is_alive() and codes(db) == []
        go.set()
        thread.join(60)
    assert failed == []
    assert codes(db) == ["child", "parent"]


def test_the_gate_alone_holds_writers_back_without_sqlite_s_lock(tmp_path: Path) -> None:
    # The other desk holds only the gate: what keeps this one waiting is the gate itself.
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    with other_desk(database, with_lock=False) as (_process, go):
        thread, failed = write_in_thread(db, "after")
        until(lambda: waiting_at(gate_path(database)) == 1, "the desk waiting at the gate")
        assert codes(db) == []
        go.set()
        thread.join(60)
    assert (failed, codes(db)) == ([], ["after"])


def test_two_connections_of_one_process_queue_at_the_gate_too(tmp_path: Path) -> None:
    # A flock belongs to the open file: two threads of one desk are two places in the queue.
    database = tmp_path / "regdesk.sqlite3"
    first, second = open_db(database), open_db(database)
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction(first):
            first.execute("INSERT INTO number_counters VALUES ('first', 2026, 1)")
            inside.set()
            leave.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(60)
    thread, failed = write_in_thread(second, "second")
    until(lambda: waiting_at(gate_path(database)) == 1, "the second connection at the gate")
    leave.set()
    holder.join(60)
    thread.join(60)
    assert (failed, codes(first)) == ([], ["first", "second"])


def test_a_killed_holder_lets_the_gate_go(tmp_path: Path) -> None:
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    with other_desk(database, with_lock=True) as (process, _go):
        thread, failed = write_in_thread(db, "survivor")
        until(lambda: waiting_at(gate_path(database)) == 1, "the desk waiting at the gate")
        process.kill()  # SIGKILL mid-transaction: no clean-up in the holder
        process.join(60)
        thread.join(60)
    assert (failed, codes(db)) == ([], ["survivor"])  # its row rolled back with it


def test_a_desk_stuck_at_the_gate_past_the_limit_goes_on_to_sqlite_s_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The holder keeps the gate but not SQLite's lock (a desk stopped between the two): the
    # waiter gives up on the gate at the limit and writes, guarded by SQLite's lock alone.
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    with other_desk(database, with_lock=False):
        with transaction(db):
            db.execute("INSERT INTO number_counters VALUES ('past the gate', 2026, 1)")
        # The helper that waited for it is still queued; once let go it closes, not holds.
        assert waiting_at(gate_path(database)) == 1
    until(lambda: waiting_at(gate_path(database)) == 0, "the abandoned wait let go")
    with transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('next', 2026, 1)")
    assert codes(db) == ["past the gate", "next"]


def test_writers_giving_up_on_a_stuck_holder_leave_a_bounded_number_of_waits(
    tmp_path: Path,
) -> None:
    # Each writer that gives up leaves its helper queued until the holder lets go: with a
    # holder stuck, the writes tried meanwhile must not pile up threads without end.
    database = tmp_path / "regdesk.sqlite3"
    open_db(database).close()
    gate = WriteGate(gate_path(database))

    def helpers() -> int:
        return sum(1 for t in threading.enumerate() if t.name == "regdesk-write-gate")

    before = helpers()
    with other_desk(database, with_lock=False):
        tries = [gate.enter(deadline=0.0) for _ in range(3 * MAX_WAITING_HELPERS)]
        assert tries == [None] * len(tries)  # none had the gate the other desk holds
        assert helpers() - before <= MAX_WAITING_HELPERS
        assert waiting_at(gate_path(database)) <= MAX_WAITING_HELPERS
    until(lambda: helpers() <= before, "the queued helpers ended once the holder let go")
    # The cap is given back: the next writer has the free gate at once.
    fd = gate.enter(deadline=0.0)
    assert fd is not None
    os.close(fd)


def test_a_lock_held_past_the_limit_is_said_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    with (
        other_desk(database, with_lock=True),
        pytest.raises(NotSaved) as refused,
        saving("register", tmp_path),
        transaction(db),
    ):
        db.execute("INSERT INTO number_counters VALUES ('never', 2026, 1)")
    assert refused.value.reason == "safety.reason_busy"
    for lang in ("kk", "ru", "en"):
        assert refused.value.message(lang)
    assert codes(db) == ["child"]  # nothing of this desk's step; the other committed


def test_a_writer_without_the_gate_is_still_kept_out_by_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sqlite3 shell or an older regdesk takes SQLite's lock without the gate.
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    shell = sqlite3.connect(database, isolation_level=None)
    shell.execute("BEGIN IMMEDIATE")
    shell.execute("INSERT INTO number_counters VALUES ('shell', 2026, 1)")
    try:
        with pytest.raises(sqlite3.OperationalError) as caught, transaction(db):
            db.execute("INSERT INTO number_counters VALUES ('desk', 2026, 1)")
        assert caught.value.sqlite_errorname == "SQLITE_BUSY"
    finally:
        shell.execute("COMMIT")
        shell.close()
    with transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('desk', 2026, 1)")
    assert codes(db) == ["shell", "desk"]


def test_a_gate_that_cannot_be_opened_leaves_the_writes_to_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "regdesk.sqlite3"
    gate_path(database).mkdir()  # not a file a lock can be taken on
    db = open_db(database)
    with transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('A', 2026, 1)")
    assert codes(db) == ["A"]


def _pages_written(db: Any, pages: int) -> None:
    """``pages`` pages of new rows, a transaction of 20 at a time."""
    blob = os.urandom(3900)  # one row a page (4 KiB pages)
    db.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
    for _ in range(pages // 20):
        with transaction(db):
            db.conn.executemany("INSERT INTO filler VALUES (?)", [(blob,)] * 20)


def test_the_wal_is_copied_back_after_the_commit_once_it_passes_the_threshold(
    tmp_path: Path,
) -> None:
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    before = database.stat().st_size
    _pages_written(db, WAL_CHECKPOINT_PAGES + 200)
    # Most of the first thousand pages (each rewritten b-tree page is in the WAL once a
    # transaction) reached the database file itself: a checkpoint ran.
    assert database.stat().st_size >= before + WAL_CHECKPOINT_PAGES * 4096 * 3 // 4


def test_a_commit_itself_never_copies_the_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's auto-checkpoint is off: only the desk's own one, after the gate, copies pages.
    monkeypatch.setattr(db_module, "WAL_CHECKPOINT_PAGES", 10**9)
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    before = database.stat().st_size
    _pages_written(db, 1200)
    assert database.stat().st_size == before
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_the_wal_file_stays_bounded_while_desks_keep_writing(tmp_path: Path) -> None:
    # Copied back and started over again and again: the file is written over, not grown.
    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)
    _pages_written(db, 6 * WAL_CHECKPOINT_PAGES)
    wal = database.with_name(database.name + "-wal")
    assert wal.stat().st_size <= 2 * (WAL_CHECKPOINT_PAGES + 40) * (4096 + 24)


def test_a_wait_interrupted_half_way_never_keeps_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C in a command while it waits for the gate: the helper thread that waited for it
    # must let it go when it gets it, not keep it for a desk that is no longer there.
    from regdesk.store import write_gate

    database = tmp_path / "regdesk.sqlite3"
    db = open_db(database)

    class Interrupted(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            until(lambda: waiting_at(gate_path(database)) == 1, "the helper at the gate")
            raise KeyboardInterrupt

    class Threading:  # the module as write_gate sees it, but for the writer's wait
        Thread, Lock, Event = threading.Thread, threading.Lock, Interrupted

    with other_desk(database, with_lock=False) as (_process, go):
        monkeypatch.setattr(write_gate, "threading", Threading)
        with pytest.raises(KeyboardInterrupt), transaction(db):
            pass
        monkeypatch.undo()
        go.set()
        until(lambda: gate_free(database), "the gate free again")


def gate_free(database: Path) -> bool:
    """Whether nobody holds the gate now (a try that does not wait)."""
    fd = os.open(gate_path(database), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
