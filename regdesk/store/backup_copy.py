"""The copying half of a backup (``regdesk.store.backup`` makes and checks backups with it): the
database copied inside one read snapshot, the scans copied beside it, and the file helpers.

What runs at once, because a backup's time is mostly CPU on a small server (SQLite's copy of
every page, SHA-256 and AES-GCM over the scans, then the copy's checks) and each part leaves
the interpreter's lock while it works: the scans' copy starts in threads as soon as the snapshot
is fixed (the list of scans is the snapshot's), while SQLite copies the database's pages; each
scan is read once into a buffer that is reused, hashed, decrypted and written from it, and
flushed to the disk by another thread as the next ones are copied, so the disk's writing
overlaps the CPU's work instead of coming at the end. The database's copy is written without
SQLite's own flush (``synchronous = OFF`` on the copy, which nothing else opens until the backup
is complete) and flushed once beside its hashing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regdesk.store.backup_manifest import BackupError, FileEntry
from regdesk.store.db import BUSY_TIMEOUT_MS
from regdesk.store.vault import write_all

log = logging.getLogger("regdesk.backup")

VAULT = "vault"
PRIVATE_FILE = 0o600
SCAN_THREADS = 2
"""Threads copying scans: while one waits on the disk, the other hashes."""

_CHUNK = 1024 * 1024
_MMAP = 1 << 40
"""The live database read through a memory map as its pages are copied (no read call per
page); SQLite maps what the platform allows."""


@dataclass(frozen=True)
class Snapshot:
    """What the live database held at the backup's moment, read in its read transaction."""

    schema_version: int
    counts: dict[str, int]
    numbers: dict[str, int]
    audit_count: int
    audit_last_hash: str
    scans: dict[str, str]
    """Vault name → SHA-256 of the scan (as the journal recorded it) of every attachment."""


def copy_database(
    live: Path,
    target: Path,
    step_pages: int,
    on_snapshot: Callable[[], None] | None,
    then: Callable[[Snapshot], None] | None = None,
) -> Snapshot:
    """Copy the live database into ``target`` within one read snapshot; ``then(snapshot)`` is
    called once the snapshot is read, before the pages are copied (the scans' copy starts there).
    The copy is not flushed to the disk here (``entry`` does)."""
    if not live.is_file():
        raise BackupError("backup.no_database", path=str(live))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(fd)
    with (
        closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        src.execute(f"PRAGMA mmap_size = {_MMAP}")
        # Flushed once by ``entry`` beside its hashing, not page by page while copying; the
        # backup is renamed into place only after that.
        dst.execute("PRAGMA synchronous = OFF")
        src.execute("BEGIN")  # the snapshot: everything below reads the same moment
        try:
            snapshot = read_snapshot(src)
            if on_snapshot is not None:
                on_snapshot()
            if then is not None:
                then(snapshot)
            src.backup(dst, pages=step_pages)
        finally:
            src.execute("COMMIT")
        # One self-contained file: the copy needs no -wal or -shm beside it.
        dst.execute("PRAGMA journal_mode = DELETE")
    return snapshot


def read_snapshot(conn: sqlite3.Connection) -> Snapshot:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
    numbers: dict[str, int] = {}
    if "number_counters" in tables:
        for code, year, last in conn.execute(
            "SELECT clinic_code, year, last_seq FROM number_counters"
        ):
            numbers[f"{code}-{year}"] = int(last)
    audit_count, last_hash = 0, "0" * 64
    if "audit_log" in tables:
        row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        audit_count = counts["audit_log"]
        last_hash = str(row[0]) if row else last_hash
    scans: dict[str, str] = {}
    if "attachments" in tables:
        scans = {
            str(name): str(sha)
            for name, sha in conn.execute(
                "SELECT vault_name, sha256 FROM attachments ORDER BY vault_name"
            )
        }
    return Snapshot(version, counts, numbers, audit_count, last_hash, scans)


class Beside:
    """``job(arg)`` in a thread for the length of a ``with`` block; its error raised at the end
    (after the block's own, which wins)."""

    def __init__(self, job: Callable[[Any], None], arg: object, *, enabled: bool = True) -> None:
        self._error: BaseException | None = None
        self._enabled = enabled

        def run() -> None:
            try:
                job(arg)
            except BaseException as exc:
                self._error = exc

        self._thread = threading.Thread(target=run, name="regdesk-backup", daemon=True)

    def __enter__(self) -> Beside:
        if self._enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.join(raising=exc[0] is None)

    def join(self, *, raising: bool = True) -> None:
        if not self._enabled:
            return
        self._thread.join()
        if self._error is not None and raising:
            error, self._error = self._error, None
            raise error


@dataclass
class ScanCopy:
    """The scans copied: their entries (in the snapshot's order), the names missing from the
    live vault, the copied files that did not open with the key, and how many did."""

    copied: list[FileEntry] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    opened: int = 0


def copy_scans(
    vault_dir: Path,
    root: Path,
    scans: dict[str, str],
    unseal: Callable[[memoryview, str], bool] | None,
) -> ScanCopy:
    """Copy every scan of ``scans`` (vault name → the journal's SHA-256) into ``root/vault``,
    each read once: hashed for the manifest, written, and (with ``unseal``) checked to open as
    sealed for the journal's hash. Each file is flushed to the disk by another thread once
    written; all are on the disk when this returns."""
    began = time.perf_counter()
    result = ScanCopy()
    local = threading.local()
    flushing: queue.Queue[Path | None] = queue.Queue()
    flusher = Beside(_flush_each, flushing)

    def one(item: tuple[str, str]) -> tuple[str, FileEntry | None, bool]:
        name, sha = item
        relative = f"{VAULT}/{name}"
        buffer: bytearray | None = getattr(local, "buffer", None)
        try:
            data, buffer = _read_once(vault_dir / name, buffer)
        except (FileNotFoundError, IsADirectoryError):
            return name, None, False
        local.buffer = buffer
        target = root / relative
        _write_new(target, data)
        flushing.put(target)
        entry = FileEntry(relative, hashlib.sha256(data).hexdigest(), len(data))
        return name, entry, unseal is not None and unseal(data, sha)

    with flusher:
        pool = ThreadPoolExecutor(SCAN_THREADS, thread_name_prefix="regdesk-scans")
        try:
            for name, entry, opened in pool.map(one, scans.items()):
                if entry is None:
                    result.missing.append(name)
                    continue
                result.copied.append(entry)
                if opened:
                    result.opened += 1
                elif unseal is not None:
                    result.broken.append(entry.path)
        finally:
            pool.shutdown(cancel_futures=True)  # after a failure (a full disk): no more scans
            flushing.put(None)
    log.info(
        "backup: %d scans copied and flushed in %.1f s",
        len(result.copied),
        time.perf_counter() - began,
    )
    return result


def _read_once(path: Path, buffer: bytearray | None) -> tuple[memoryview, bytearray]:
    """The whole file at ``path`` read into ``buffer`` (grown when too small): a view of its
    bytes, and the buffer to reuse for the next file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if buffer is None or len(buffer) < size + 1:
            buffer = bytearray(max(size + 1, _CHUNK))
        view = memoryview(buffer)
        got = 0
        while True:
            n = os.readv(fd, [view[got:]])
            if n == 0:
                break
            got += n
            if got == len(buffer):  # grew since fstat: room for the rest
                buffer = buffer + bytearray(len(buffer))
                view = memoryview(buffer)
        return view[:got], buffer
    finally:
        os.close(fd)


def _flush_each(paths: queue.Queue[Path | None]) -> None:
    while (path := paths.get()) is not None:
        fsync_path(path)


def _write_new(target: Path, data: memoryview | bytes) -> None:
    """``data`` into the new private file ``target``, not yet flushed."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_file(source: Path, root: Path, relative: str) -> FileEntry:
    """Copy ``source`` to ``root/relative`` (private, fsynced); its entry with the SHA-256."""
    digest = hashlib.sha256()
    size = 0
    target = root / relative
    with source.open("rb") as src:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        try:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
    return FileEntry(relative, digest.hexdigest(), size)


def entry(root: Path, relative: str) -> FileEntry:
    """The entry of the file ``root/relative``, hashed, then flushed to the disk (the hash is
    of the same bytes: the copy is no longer written)."""
    path = root / relative
    with path.open("rb") as fh:
        digest, size = hash_stream(fh)
        os.fsync(fh.fileno())
    return FileEntry(relative, digest, size)


def hash_stream(stream: io.BufferedIOBase) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(_CHUNK * 4)
    view = memoryview(buffer)
    while n := stream.readinto(buffer):
        digest.update(view[:n])
        size += n
    return digest.hexdigest(), size


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
