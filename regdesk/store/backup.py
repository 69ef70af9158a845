"""A backup of the clinic's data folder taken while the desks keep working, and its check.

A backup is a folder::

    DEST/regdesk.sqlite3   the database, copied by SQLite's online backup API
    DEST/vault/<name>      every scan the copied journal refers to, still encrypted
    DEST/vault.key         the vault key, only when asked for (``include_key``)
    DEST/manifest.json     what was copied: counts, numbers, the audit log's last hash, the
                           SHA-256 of every file, the clinic's time, the versions

The database is not copied as a file (a file copy of a database being written can be torn). The
copy runs inside one read transaction of the live database: in WAL mode that transaction is a
snapshot, so the copy, the counts and the list of scans are all of the same moment, and the
desks' writes go on beside it (a reader never blocks a writer in WAL). Without that transaction
SQLite restarts a backup whenever another connection writes, which under a busy desk never ends.
The copy is made in steps of ``STEP_PAGES`` pages and switched to a one-file journal mode, so the
backup is a single self-contained file.

Everything is written into a hidden folder beside ``DEST`` and renamed to ``DEST`` only when
complete, so a backup interrupted half-way never looks like a backup. Files are private (0600,
folders 0700): they hold personal data. The key, when included, sits beside the scans it opens:
such a backup must be kept as carefully as the server itself (``include_key``'s warning says so).

``verify_backup`` opens a backup as a restore would: every file against its SHA-256, the
database's ``PRAGMA integrity_check``, the audit chain, the counts against the manifest, and every
scan decrypted and checked against the hash the journal recorded for it.

``make_checked_backup`` (``regdesk backup``) checks the copy while it makes it, without reading
anything twice. What it proves: the copied database passes ``PRAGMA quick_check`` (every page
read, every b-tree and record well formed, NOT NULL and CHECK constraints hold), its schema,
counts, numbers and audit chain (``audit.verify``, up to the snapshot's last hash) are the
snapshot's; every scan's bytes as written are the bytes that were hashed for the manifest and
that decrypted with the vault key as the scan sealed for the SHA-256 the journal recorded (the
tag covers that hash: ``Vault.sealed_for``; one read of each scan: hashed, decrypted and written
from the same bytes). The database's check runs in threads beside
the copying of the scans, and the scans are flushed to the disk together at the end rather than
one by one. What it leaves to ``verify_backup`` (``regdesk backup verify``, which a clinic runs
on a schedule, and ``restore`` runs first): reading every file back from the disk, hashing each
decrypted scan again, and
``integrity_check``'s comparison of every index with its table, which the copy cannot break
(SQLite's backup copies pages as they are; a page damaged on the way fails ``quick_check``) and
which takes several times as long as the copy on a large journal.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from regdesk.store import backup_audit
from regdesk.store.backup_manifest import FORMAT as FORMAT
from regdesk.store.backup_manifest import FORMAT_VERSION as FORMAT_VERSION
from regdesk.store.backup_manifest import MANIFEST as MANIFEST
from regdesk.store.backup_manifest import STATE as STATE
from regdesk.store.backup_manifest import BackupAge as BackupAge
from regdesk.store.backup_manifest import BackupError as BackupError
from regdesk.store.backup_manifest import BadManifest as BadManifest
from regdesk.store.backup_manifest import DestinationNotEmpty as DestinationNotEmpty
from regdesk.store.backup_manifest import DestinationUnusable as DestinationUnusable
from regdesk.store.backup_manifest import FileEntry as FileEntry
from regdesk.store.backup_manifest import LastBackup as LastBackup
from regdesk.store.backup_manifest import Manifest as Manifest
from regdesk.store.backup_manifest import NoManifest as NoManifest
from regdesk.store.backup_manifest import backup_age as backup_age
from regdesk.store.backup_manifest import dump_json
from regdesk.store.backup_manifest import last_good_backup as last_good_backup
from regdesk.store.backup_manifest import read_manifest as read_manifest
from regdesk.store.backup_manifest import record_good_backup as record_good_backup
from regdesk.store.db import BUSY_TIMEOUT_MS
from regdesk.store.paths import DataPaths
from regdesk.store.vault import fsync_folder, write_all

log = logging.getLogger("regdesk.backup")

DATABASE = "regdesk.sqlite3"
VAULT = "vault"
KEY = "vault.key"

STEP_PAGES = 1024
"""Pages copied per step of the online backup (4 MB with SQLite's default page size)."""

_CHUNK = 1024 * 1024
_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700
_SHOWN = 10
"""How many broken files a report names one by one; the rest are counted."""


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


def make_backup(
    data: DataPaths,
    dest: Path,
    *,
    made_at: datetime,
    program_version: str,
    include_key: bool = False,
    step_pages: int = STEP_PAGES,
    on_snapshot: Callable[[], None] | None = None,
) -> Manifest:
    """Copy the data folder ``data`` into the new folder ``dest``; the manifest written.

    ``made_at``: the clinic's time of the snapshot (aware). ``on_snapshot`` is called once the
    snapshot is fixed and before the pages are copied (a test registers there, to show that a
    registration during the backup is neither blocked nor in the copy).
    """
    return _make(
        data, dest, made_at, program_version, include_key, step_pages, on_snapshot, check=False
    ).manifest


def make_checked_backup(
    data: DataPaths,
    dest: Path,
    *,
    made_at: datetime,
    program_version: str,
    include_key: bool = False,
    step_pages: int = STEP_PAGES,
    on_snapshot: Callable[[], None] | None = None,
) -> Verification:
    """``make_backup`` checked as it is made (the module's docstring says what that proves);
    what the check found, with the manifest. The backup is in ``dest`` even when the check
    found problems (the caller says it is not verified)."""
    return _make(
        data, dest, made_at, program_version, include_key, step_pages, on_snapshot, check=True
    )


def _make(
    data: DataPaths,
    dest: Path,
    made_at: datetime,
    program_version: str,
    include_key: bool,
    step_pages: int,
    on_snapshot: Callable[[], None] | None,
    *,
    check: bool,
) -> Verification:
    dest = Path(dest)
    _check_destination(dest)
    staging = dest.parent / f".{dest.name}.partial-{secrets.token_hex(4)}"
    try:
        staging.mkdir(mode=_PRIVATE_DIR)
    except OSError as exc:
        raise DestinationUnusable(path=str(dest), detail=exc.strerror or str(exc)) from None
    try:
        (staging / VAULT).mkdir(mode=_PRIVATE_DIR)
        began = time.monotonic()
        witness = backup_audit.live_witness(data)  # before the snapshot: its tail is older
        snapshot = _copy_database(data.database, staging / DATABASE, step_pages, on_snapshot)
        log.info("backup: database copied in %.1f s", time.monotonic() - began)
        with open_read_only(staging / DATABASE) as copy:
            seal = backup_audit.seal_block(
                witness, copy, snapshot.audit_count, snapshot.audit_last_hash
            )
        expected = Manifest(
            program_version=program_version,
            schema_version=snapshot.schema_version,
            made_at=made_at.isoformat(timespec="seconds"),
            counts=dict(snapshot.counts),
            numbers=snapshot.numbers,
            audit_count=snapshot.audit_count,
            audit_last_hash=snapshot.audit_last_hash,
            key_included=include_key,
            files=(),
            audit_seal=seal,
        )
        report = Verification(expected)
        db_entry: list[FileEntry] = []
        # The copied database is checked (its pages, then its contents and audit chain) in
        # threads while the scans are copied: SQLite and the hashing leave the interpreter's
        # lock, and the scans' copying waits mostly on the disk.
        with (
            _Beside(_db_entry, (staging, db_entry)),
            _Beside(
                _check_copy, (staging / DATABASE, expected, report, data.audit_key), enabled=check
            ),
        ):
            copied, missing = _copy_scans(
                data, staging, snapshot.scans, report, data.vault_key if check else None
            )
            log.info("backup: %d scans copied at %.1f s", len(copied), time.monotonic() - began)
        log.info(
            "backup: database hashed%s at %.1f s", " and checked" * check, time.monotonic() - began
        )
        entries = [*db_entry, *copied]
        if include_key:
            entries.append(_copy_file(data.vault_key, staging, KEY))
            if data.audit_key.is_file():
                entries.append(_copy_file(data.audit_key, staging, backup_audit.AUDIT_KEY))
        counts = dict(snapshot.counts)
        counts["scans"] = len(snapshot.scans) - len(missing)
        manifest = dataclasses.replace(
            expected, counts=counts, files=tuple(entries), missing_scans=tuple(missing)
        )
        report.manifest = manifest
        if missing and check:
            report.note("backup.v_missing_in_live", count=len(missing))
        _write_private(staging / MANIFEST, dump_json(manifest.to_json()))
        fsync_folder(staging / VAULT)
        fsync_folder(staging)
        if dest.exists():
            dest.rmdir()  # checked empty above; rename cannot replace a folder otherwise
        os.rename(staging, dest)
        fsync_folder(dest.parent)
    except OSError as exc:
        raise DestinationUnusable(path=str(dest), detail=exc.strerror or str(exc)) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return report


def _db_entry(args: tuple[Path, list[FileEntry]]) -> None:
    root, out = args
    out.append(_entry(root, DATABASE))


def _check_copy(args: tuple[Path, Manifest, Verification, Path]) -> None:
    """The copied database: ``quick_check`` in a thread of its own beside the contents' check
    (counts, numbers, audit chain) in a process of its own; both against the snapshot."""
    path, expected, report, audit_key = args
    pages: list[str] = []
    with _Beside(_integrity_check, (path, pages, "quick_check")):
        problems = _in_a_process(_database_problems, path, expected, audit_key)
    if pages != ["ok"]:
        report.problem("backup.v_integrity", detail="; ".join(pages[:3]))
    report.problems.extend(problems)


def _database_problems(path: Path, expected: Manifest, audit_key: Path) -> list[Finding]:
    contents = Verification(expected)
    _check_database(path, expected, contents, audit_key)
    return contents.problems


def _in_a_process(job: Callable[..., list[Finding]], *args: Any) -> list[Finding]:
    """``job(*args)`` in a new process: the audit chain's walk is Python from end to end, and in
    a thread it would hold the interpreter's lock that the scans' copying needs; here alone if
    no process can be started."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        context = multiprocessing.get_context("spawn")  # no copy of this process's threads
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(job, *args).result()
    except (OSError, BrokenProcessPool):
        log.warning("backup: the database is checked in this process (no process started)")
        return job(*args)


def _copy_scans(
    data: DataPaths,
    root: Path,
    scans: dict[str, str],
    report: Verification,
    key: Path | None,
) -> tuple[list[FileEntry], list[str]]:
    """Copy every scan the snapshot refers to into ``root/vault``, each read once: hashed for the
    manifest, written, and (with ``key``) decrypted and checked against the journal's hash.
    The files are flushed to the disk together at the end. (entries, names missing in the
    live vault)."""
    unseal = _unsealer(key, report, rehash=False) if key is not None and scans else None
    copied: list[FileEntry] = []
    missing: list[str] = []
    broken: list[str] = []
    spent = dict.fromkeys(("read", "written", "hashed", "opened", "flushed"), 0.0)
    clock = time.perf_counter
    for name, sha in scans.items():
        relative = f"{VAULT}/{name}"
        began = clock()
        try:
            blob = (data.vault_dir / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            missing.append(name)
            continue
        read = clock()
        _write_new(root / relative, blob)
        written = clock()
        copied.append(FileEntry(relative, hashlib.sha256(blob).hexdigest(), len(blob)))
        hashed = clock()
        spent["read"] += read - began
        spent["written"] += written - read
        spent["hashed"] += hashed - written
        if unseal is None:
            continue
        if unseal(blob, sha):
            report.scans_opened += 1
        else:
            broken.append(relative)
        spent["opened"] += clock() - hashed
    began = clock()
    for entry in copied:
        _fsync_path(root / entry.path)
    spent["flushed"] = clock() - began
    log.info("backup: scans %s", ", ".join(f"{k} in {v:.1f} s" for k, v in spent.items()))
    for path in broken[:_SHOWN]:
        report.problem("backup.v_scan_unreadable", path=path)
    if len(broken) > _SHOWN:
        report.problem("backup.v_more_unreadable", count=len(broken) - _SHOWN)
    return copied, missing


def _check_destination(dest: Path) -> None:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise DestinationNotEmpty(path=str(dest))
    if dest.is_dir() and any(dest.iterdir()):
        raise DestinationNotEmpty(path=str(dest))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True, mode=_PRIVATE_DIR)
    except OSError as exc:
        raise DestinationUnusable(path=str(dest), detail=exc.strerror or str(exc)) from None


def _copy_database(
    live: Path,
    target: Path,
    step_pages: int,
    on_snapshot: Callable[[], None] | None,
) -> Snapshot:
    """Copy the live database into ``target`` within one read snapshot."""
    if not live.is_file():
        raise BackupError("backup.no_database", path=str(live))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
    os.close(fd)
    with (
        closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        src.execute("BEGIN")  # the snapshot: everything below reads the same moment
        try:
            snapshot = _read_snapshot(src)
            if on_snapshot is not None:
                on_snapshot()
            src.backup(dst, pages=step_pages)
        finally:
            src.execute("COMMIT")
        # One self-contained file: the copy needs no -wal or -shm beside it.
        dst.execute("PRAGMA journal_mode = DELETE")
    return snapshot


class _Beside:
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

    def __enter__(self) -> _Beside:
        if self._enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._enabled:
            return
        self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error


def _read_snapshot(conn: sqlite3.Connection) -> Snapshot:
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


def _copy_file(source: Path, root: Path, relative: str) -> FileEntry:
    """Copy ``source`` to ``root/relative`` (private, fsynced); its entry with the SHA-256."""
    digest = hashlib.sha256()
    size = 0
    target = root / relative
    with source.open("rb") as src:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
        try:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
    return FileEntry(relative, digest.hexdigest(), size)


def _write_new(target: Path, data: bytes) -> None:
    """``data`` into the new private file ``target``, not yet flushed (``_fsync_path``)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _entry(root: Path, relative: str) -> FileEntry:
    path = root / relative
    with path.open("rb") as fh:
        fd = fh.fileno()
        os.fsync(fd)
        digest, size = _hash_stream(fh)
    return FileEntry(relative, digest, size)


def _hash_stream(stream: Any) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


# -- checking a backup -----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing found wrong (or worth saying): a catalogue key and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Verification:
    """What ``verify_backup`` found: ``problems`` make a backup unusable, ``notes`` do not."""

    manifest: Manifest
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    scans_opened: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, key: str, /, **params: object) -> None:
        self.problems.append(Finding(key, params))

    def note(self, key: str, /, **params: object) -> None:
        self.notes.append(Finding(key, params))


def verify_backup(
    folder: Path, *, key_file: Path | None = None, audit_key_file: Path | None = None
) -> Verification:
    """Open the backup in ``folder`` as a restore would and report everything wrong with it.

    ``key_file``: the vault key to open the scans with when the backup holds none (the live
    data folder's, or the copy kept apart). ``audit_key_file``: the audit key when the backup
    holds none (default: ``audit.key`` beside ``key_file``). NoManifest/BadManifest when it is
    not a backup.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    included = manifest.entry(backup_audit.AUDIT_KEY) is not None
    audit_key = audit_key_file or backup_audit.audit_key_for(folder, included, key_file)
    report = Verification(manifest)
    db_entry = manifest.entry(DATABASE)
    if db_entry is None:
        report.problem("backup.v_file_missing", path=DATABASE)
        return report
    if not _file_matches(folder, db_entry, report):
        return report  # a database that is not the one copied is not opened
    # integrity_check is the longest part (minutes for a million applications): it runs in a
    # thread of its own while the rest is checked.
    integrity: list[str] = []
    with _Beside(_integrity_check, (folder / DATABASE, integrity)):
        _check_contents(folder, manifest, report, key_file, audit_key)
    if integrity != ["ok"]:
        report.problems.insert(
            0, Finding("backup.v_integrity", {"detail": "; ".join(integrity[:3])})
        )
    for extra in _extra_files(folder, {f.path for f in manifest.files} | {MANIFEST}):
        report.note("backup.v_file_extra", path=extra)
    return report


def _integrity_check(args: tuple[Path, list[str]] | tuple[Path, list[str], str]) -> None:
    """``PRAGMA integrity_check`` (or the pragma named third: ``quick_check``) of the database
    at the path, its lines appended to the list."""
    path, out, *which = args
    pragma = which[0] if which else "integrity_check"
    try:
        with open_read_only(path) as conn:
            out.extend(str(r[0]) for r in conn.execute(f"PRAGMA {pragma}"))
    except sqlite3.Error as exc:
        out.append(str(exc))


def _check_contents(
    folder: Path,
    manifest: Manifest,
    report: Verification,
    key_file: Path | None,
    audit_key: Path | None,
) -> None:
    """The copied database's counts and audit chain, and every other file with its scan."""
    scans = _check_database(folder / DATABASE, manifest, report, audit_key)
    key = folder / KEY if manifest.key_included else key_file
    unseal = _unsealer(key, report) if scans else None
    broken: list[str] = []
    listed = {f.path for f in manifest.files}
    for entry in manifest.files:
        if entry.path == DATABASE:
            continue
        blob = _read_matching(folder, entry, report)
        if blob is None or unseal is None or not entry.path.startswith(f"{VAULT}/"):
            continue
        name = entry.path.removeprefix(f"{VAULT}/")
        sha = scans.pop(name, None)
        if sha is None:
            report.note("backup.v_scan_unreferenced", path=entry.path)
        elif unseal(blob, sha):
            report.scans_opened += 1
        else:
            broken.append(entry.path)
    if unseal is not None:
        absent = [n for n in scans if n not in manifest.missing_scans]
        for name in absent:
            if f"{VAULT}/{name}" not in listed:
                report.problem("backup.v_scan_not_copied", path=f"{VAULT}/{name}")
    for path in broken[:_SHOWN]:
        report.problem("backup.v_scan_unreadable", path=path)
    if len(broken) > _SHOWN:
        report.problem("backup.v_more_unreadable", count=len(broken) - _SHOWN)
    if manifest.missing_scans:
        report.note("backup.v_missing_in_live", count=len(manifest.missing_scans))


def _file_matches(folder: Path, entry: FileEntry, report: Verification) -> bool:
    path = folder / entry.path
    try:
        with path.open("rb") as fh:
            digest, size = _hash_stream(fh)
    except FileNotFoundError:
        report.problem("backup.v_file_missing", path=entry.path)
        return False
    except OSError as exc:
        report.problem("backup.v_file_unreadable", path=entry.path, detail=exc.strerror or "")
        return False
    if digest != entry.sha256 or size != entry.size:
        report.problem("backup.v_file_changed", path=entry.path)
        return False
    return True


def _read_matching(folder: Path, entry: FileEntry, report: Verification) -> bytes | None:
    """The file's bytes when they match the manifest; else a problem noted and None."""
    try:
        blob = (folder / entry.path).read_bytes()
    except FileNotFoundError:
        report.problem("backup.v_file_missing", path=entry.path)
        return None
    except OSError as exc:
        report.problem("backup.v_file_unreadable", path=entry.path, detail=exc.strerror or "")
        return None
    if len(blob) != entry.size or hashlib.sha256(blob).hexdigest() != entry.sha256:
        report.problem("backup.v_file_changed", path=entry.path)
        return None
    return blob


@contextmanager
def open_read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that cannot change the file at ``path`` (a backup, before it is trusted)."""
    uri = f"file:{quote(str(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _check_database(
    path: Path, manifest: Manifest, report: Verification, audit_key: Path | None
) -> dict[str, str]:
    """Schema version, counts and audit chain of the copy; its scans' hashes."""
    try:
        with open_read_only(path) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version != manifest.schema_version:
                report.problem("backup.v_schema", found=version, expected=manifest.schema_version)
            snapshot = _read_snapshot(conn)
            for table, expected in manifest.counts.items():
                if table == "scans":
                    continue
                found = snapshot.counts.get(table)
                if found != expected:
                    report.problem("backup.v_count", table=table, found=found, expected=expected)
            if snapshot.numbers != manifest.numbers:
                report.problem("backup.v_numbers")
            chain = backup_audit.check_copy(
                conn,
                manifest.audit_count,
                manifest.audit_last_hash,
                manifest.audit_seal,
                audit_key,
                report.problems,
                report.notes,
            )
            if not chain.ok:
                report.problem("backup.v_audit", id=chain.first_bad_id or "-", detail=chain.detail)
            elif chain.count != manifest.audit_count or (
                chain.count and chain.last_hash != manifest.audit_last_hash
            ):
                report.problem("backup.v_audit_tail", count=chain.count, hash=chain.last_hash)
            return {
                str(name): str(sha)
                for name, sha in conn.execute("SELECT vault_name, sha256 FROM attachments")
            }
    except sqlite3.Error as exc:
        report.problem("backup.v_integrity", detail=str(exc))
        return {}


def _unsealer(
    key: Path | None, report: Verification, *, rehash: bool = True
) -> Callable[[bytes, str], bool] | None:
    """A check that a sealed scan opens with the vault key (``Vault.opens``; without
    ``rehash``, ``Vault.sealed_for``), or None (problem noted)."""
    from regdesk.store.vault import Vault, VaultError

    if key is None:
        report.problem("backup.v_no_key")
        return None
    vault = Vault.for_reading(key)
    try:
        vault.check_key()
    except VaultError as exc:
        report.problem(exc.key, **exc.params)
        return None
    return vault.opens if rehash else vault.sealed_for


def _extra_files(folder: Path, listed: Iterable[str]) -> list[str]:
    known = set(listed)
    extra = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            if relative not in known:
                extra.append(relative)
    return extra
