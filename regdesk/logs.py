"""The operational log: one file per data folder, rotated, shared by every desk, free of persons.

Every program of a clinic (the desks of several receptionists, the CLI, the demo) writes to the
same ``logs/regdesk.log``; the log is for the IT admin (start, sign-in outcomes, registry errors,
prints, the outbox, unexpected errors with their traceback), never a record of people: the audit
log is that. So:

- **No personal data.** Every formatted line, tracebacks included, passes through
  ``redact``: twelve-digit runs (an IIN or a BIN, also inside a URL or an exception's text) are
  replaced, and the lines the desk itself writes carry no IIN or name in the first place.
- **Rotation that holds with several processes.** ``SharedRotatingHandler`` rotates by size
  (``[logging] max_kb``, ``files``) under an advisory lock, so two desks never rotate the same
  file twice, and a desk whose file was rotated by another reopens the new one instead of
  writing on into the renamed file.
- **Shared folders.** Files are created group-readable and -writable (0660): a second OS user of
  the clinic's group can append to a log the first one created (issue 14: the first user's
  0644 log made the second user's desk die). A log that cannot be opened costs the log, never
  the desk: ``setup`` returns the reason, and the caller says it in the user's language.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path

from regdesk.config import Logging
from regdesk.core.clock import DEFAULT_TIMEZONE, zone

LOG_NAME = "regdesk.log"

# An IIN or a BIN: twelve digits not part of a longer number. Also matches inside URLs
# (/v1/persons/880101300123) and inside exception messages.
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
REDACTED = "<IIN>"

_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

# Loggers of libraries that write personal data at INFO: httpx logs every request's URL (the
# registry's URLs carry IINs), fontTools the glyphs of every talon it subsets (a person's name).
_QUIET = ("httpx", "httpcore", "fontTools", "fpdf")


def redact(text: str) -> str:
    """``text`` with every twelve-digit run (an IIN or a BIN) replaced."""
    return _TWELVE_DIGITS.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes IINs from the whole text, the traceback included.

    Times are the clinic's, with their offset (``2026-12-02T06:28:48.387+05:00``): the admin
    reads them beside the desk's screens and paper, which are in clinic time too.
    """

    def __init__(self, fmt: str, tz: tzinfo) -> None:
        super().__init__(fmt)
        self._tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self._tz).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """An advisory lock on ``path`` (created 0660) for as long as the block runs."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o660)
    with contextlib.suppress(OSError):
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, 0o660)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _open_shared(path: Path) -> int:
    """Open ``path`` for appending, creating it 0660 whatever the umask says."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o660)
    with contextlib.suppress(OSError):  # another user's file: its mode is theirs to keep
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, 0o660)
    return fd


class SharedRotatingHandler(logging.Handler):
    """Appends to ``path``, rotating to ``path.1`` … ``path.N`` past ``max_bytes``.

    Written for several processes on one file: every write takes an advisory lock on
    ``path.lock``, notices a rotation made by another process (the path's inode changed) and
    reopens, then checks the size on disk and rotates before the line would pass it. A log line
    is rare next to the desk's work, so the lock costs nothing a person could notice.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__()
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock_path = path.with_name(path.name + ".lock")
        self._fd = _open_shared(path)

    def _reopen_if_moved(self) -> None:
        try:
            on_disk = os.stat(self.path).st_ino
        except FileNotFoundError:
            on_disk = -1
        if on_disk != os.fstat(self._fd).st_ino:
            os.close(self._fd)
            self._fd = _open_shared(self.path)

    def _rotate(self) -> None:
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self._reopen_if_moved()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = (self.format(record) + "\n").encode("utf-8", "replace")
            # Check, rotate and write under the one lock of all processes: a size checked
            # outside it is stale by the time another desk has written its line.
            self.acquire()
            try:
                with _flock(self._lock_path):
                    self._reopen_if_moved()
                    size = os.fstat(self._fd).st_size
                    if size and size + len(line) > self.max_bytes:
                        self._rotate()
                    os.write(self._fd, line)
            finally:
                self.release()
        except Exception:  # a log that fails must never stop the desk
            self.handleError(record)

    def close(self) -> None:
        self.acquire()
        try:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
        finally:
            self.release()
        super().close()


_installed: SharedRotatingHandler | None = None


def setup(
    folder: Path, settings: Logging | None = None, timezone: str = DEFAULT_TIMEZONE
) -> str | None:
    """Send this process's log to ``folder/regdesk.log``; the reason as text when it cannot.

    Called once by each program that has a data folder (the desk, the demo, the CLI's
    commands). Calling it again moves the log to the new folder.
    """
    global _installed
    settings = settings or Logging()
    root = logging.getLogger()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = SharedRotatingHandler(
            folder / LOG_NAME, max_bytes=settings.max_kb * 1024, backups=settings.files
        )
    except OSError as exc:
        return f"{folder / LOG_NAME}: {exc.strerror or exc}"
    handler.setFormatter(RedactingFormatter(_FORMAT, zone(timezone)))
    if _installed is not None:
        root.removeHandler(_installed)
        _installed.close()
    _installed = handler
    root.addHandler(handler)
    root.setLevel(getattr(logging, settings.level.upper()))
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return None


def stop() -> None:
    """Close this process's log file (the end of a test, or of a program)."""
    global _installed
    if _installed is not None:
        logging.getLogger().removeHandler(_installed)
        _installed.close()
        _installed = None
