"""Why a write failed on a disk: full, read-only, or something the disk does not explain.

SQLite names a full or read-only disk itself (``SQLITE_FULL``, ``SQLITE_READONLY``) only when it
can tell; a write that the kernel refused half-way is often just ``SQLITE_IOERR``. Then the file
system is asked what it says of itself, so that the words a person reads say what to do (make
room, or have the disk checked) instead of "I/O error". The desk's words for a step not saved
(``desk.errors.NotSaved``) and the backup's for a destination that cannot take it both come
from here.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Literal

Refusal = Literal["full", "readonly", "busy"]

ROOM = 64 * 1024
"""Less free space than this on the disk is a full disk: a write that failed there with an I/O
error most likely ran out of it."""


def refusal(cause: BaseException, folder: Path | None = None) -> Refusal | None:
    """What refused the write that raised ``cause`` (an ``sqlite3`` error or an ``OSError``):
    from the error itself, else from what the file system of ``folder`` says of itself; None
    when neither explains it."""
    name = getattr(cause, "sqlite_errorname", "") or ""
    code = getattr(cause, "errno", None)
    text = str(cause)
    if name.startswith("SQLITE_FULL") or code in (errno.ENOSPC, errno.EDQUOT) or "full" in text:
        return "full"
    if name.startswith("SQLITE_READONLY") or code == errno.EROFS or "readonly" in text:
        return "readonly"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "busy"
    if folder is None:
        return None
    try:
        disk = os.statvfs(folder)
    except OSError:
        return None
    if disk.f_flag & os.ST_RDONLY:
        return "readonly"
    if disk.f_bavail * disk.f_frsize < ROOM:
        return "full"
    if _read_only(folder):
        return "readonly"
    return None


def _read_only(folder: Path) -> bool:
    """Whether ``folder`` refuses a new file as read-only: a file system that an error turned
    read-only (ext4's ``errors=remount-ro``) may still call itself writable in ``statvfs``."""
    probe = folder / f".regdesk-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return exc.errno == errno.EROFS
    os.close(fd)
    probe.unlink(missing_ok=True)
    return False


__all__ = ["ROOM", "Refusal", "refusal"]
