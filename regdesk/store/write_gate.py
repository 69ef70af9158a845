"""The write gate: a lock file beside the database at which regdesk's writers queue, asleep.

SQLite's write lock cannot be waited for: a writer that finds it taken can only try again later.
With 20 desks registering at once (``bench/many_desks``), the 19 waiting desks woke up thousands
of times a second to try, on a machine of 2 cores, and took the processor from the desk holding
the lock, whose transaction then took several times its own work. So every outermost
``transaction`` of regdesk first takes an exclusive ``flock`` on ``regdesk.sqlite3-lock`` and
lets it go once committed or rolled back: a waiting desk sleeps in the kernel until the holder
lets go, and then (as Linux queues the waiters of a lock in about the order they came) the one
that waited longest goes next.

``flock``, not ``fcntl``'s record locks: a flock belongs to the open file, so two connections in
one process queue as two processes do, and closing some other descriptor of the same file does
not let it go behind the holder's back. The kernel's wait has no time-out, and ``setitimer``'s
signal reaches only the main thread while the desk writes from Textual's worker threads; so a
writer that finds the gate taken leaves the blocking wait to a short-lived helper thread and
waits for it up to the deadline. One that gives up goes on to SQLite's lock all the same, for
what is left of its time (``begin_immediate``, at least one try): the gate is only a queue.

It is advisory: SQLite's own locking stays the guard of the data. A writer that does not take
the gate (the sqlite3 shell, an older regdesk, a file system without ``flock``, a folder where
the file cannot be opened) is safe; it merely does not queue, and a desk behind the gate that
meets its lock naps as before. A killed holder lets the gate go with its process.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path


class WriteGate:
    """The gate of one database: ``enter`` before its write transaction, close the returned
    descriptor after it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def enter(self, deadline: float) -> int | None:
        """Take the gate, waiting at most until ``deadline`` (``time.monotonic()``): the open
        descriptor that holds it (closing it lets the gate go), or None when it was not had in
        time or cannot be used here (then the writer relies on SQLite's lock alone)."""
        try:
            # Read-only is enough for flock: a desk of another OS user in the clinic's group
            # may not be allowed to write the file another one created.
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o660)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except OSError:  # no flock on this file system
            os.close(fd)
            return None
        return _Wait(fd).until(deadline)


MAX_WAITING_HELPERS = 8
"""At most this many helper threads of one process wait at gates. A helper whose writer gave up
stays queued until the holder lets go; with a holder stuck for hours, each write tried meanwhile
would leave one more. Past the cap a writer goes straight to SQLite's lock, as when no thread can
be had."""

_helpers = threading.BoundedSemaphore(MAX_WAITING_HELPERS)


class _Wait:
    """A blocking ``flock`` made by a helper thread for a writer that waits with a deadline."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._over = threading.Event()
        self._mutex = threading.Lock()
        self._held = False
        self._abandoned = False

    def until(self, deadline: float) -> int | None:
        if not _helpers.acquire(blocking=False):  # too many already queued: SQLite's lock alone
            os.close(self._fd)
            return None
        try:
            threading.Thread(target=self._take, name="regdesk-write-gate", daemon=True).start()
        except RuntimeError:  # no thread to be had: SQLite's lock alone
            _helpers.release()
            os.close(self._fd)
            return None
        had = False
        try:
            self._over.wait(max(0.0, deadline - time.monotonic()))
            with self._mutex:
                had = self._held  # in time, or just now
        finally:
            # Not had, or the wait interrupted (Ctrl-C in a command): never keep the gate.
            if not had:
                with self._mutex:
                    if self._held:
                        os.close(self._fd)
                    else:  # the helper closes it, and so lets the gate go, once it gets it
                        self._abandoned = True
        return self._fd if had else None

    def _take(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            taken = True
        except OSError:
            taken = False
        finally:
            _helpers.release()
        with self._mutex:
            self._over.set()
            if taken and not self._abandoned:
                self._held = True
                return
        os.close(self._fd)
