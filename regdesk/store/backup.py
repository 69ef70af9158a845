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
from the same bytes). The scans are copied in threads from the moment the snapshot is fixed,
beside SQLite's copy of the pages and then beside the copy's checks (``quick_check`` in a thread;
the counts and the audit chain in a process, whose walk ``audit_walk`` splits over the cores),
each flushed to the disk by another thread as the next ones are copied (``backup_copy``). What
it leaves to ``verify_backup`` (``regdesk backup verify``, which a clinic runs
on a schedule, and ``restore`` runs first): reading every file back from the disk, hashing each
decrypted scan again, and
``integrity_check``'s comparison of every index with its table, which the copy cannot break
(SQLite's backup copies pages as they are; a page damaged on the way fails ``quick_check``) and
which takes several times as long as the copy on a large journal.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from regdesk.store import backup_audit, backup_copy, disk_state
from regdesk.store.backup_copy import (
    VAULT,
    Beside,
    ScanCopy,
    Snapshot,
    copy_database,
    copy_file,
    copy_scans,
    hash_stream,
    read_snapshot,
    write_private,
)
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
from regdesk.store.paths import DataPaths
from regdesk.store.vault import fsync_folder

log = logging.getLogger("regdesk.backup")

DATABASE = "regdesk.sqlite3"
KEY = "vault.key"

STEP_PAGES = 1024
"""Pages copied per step of the online backup (4 MB with SQLite's default page size)."""

_CHUNK = 1024 * 1024
_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700
_SHOWN = 10
"""How many broken files a report names one by one; the rest are counted."""


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
    scans = _ScansBeside(data, staging, check)
    try:
        (staging / VAULT).mkdir(mode=_PRIVATE_DIR)
        began = time.monotonic()
        witness = backup_audit.live_witness(data)  # before the snapshot: its tail is older
        # The scans are copied in threads from the moment the snapshot is fixed, while SQLite
        # copies the pages (``backup_copy``'s docstring says why).
        try:
            snapshot = copy_database(
                data.database, staging / DATABASE, step_pages, on_snapshot, then=scans.start
            )
        except sqlite3.OperationalError as exc:
            # SQLite writing the copy met a full or read-only destination: the backup's disk,
            # said as such (the live database, only read here, is not what failed).
            refused = disk_state.refusal(exc, staging)
            if refused not in ("full", "readonly"):
                raise
            lack = errno.ENOSPC if refused == "full" else errno.EROFS
            raise DestinationUnusable(path=str(dest), detail=os.strerror(lack)) from None
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
        # The copied database is hashed and checked (its pages in a thread, its contents and
        # audit chain in processes) while the scans' copy goes on.
        with (
            Beside(_db_entry, (staging, db_entry)),
            Beside(
                _check_copy, (staging / DATABASE, expected, report, data.audit_key), enabled=check
            ),
        ):
            copied = scans.join()
            log.info("backup: scans copied at %.1f s", time.monotonic() - began)
        log.info(
            "backup: database hashed%s at %.1f s", " and checked" * check, time.monotonic() - began
        )
        report.problems[:0] = scans.problems
        report.scans_opened = copied.opened
        for path in copied.broken[:_SHOWN]:
            report.problem("backup.v_scan_unreadable", path=path)
        if len(copied.broken) > _SHOWN:
            report.problem("backup.v_more_unreadable", count=len(copied.broken) - _SHOWN)
        missing = copied.missing
        entries = [*db_entry, *copied.copied]
        if include_key:
            entries.append(copy_file(data.vault_key, staging, KEY))
            if data.audit_key.is_file():
                entries.append(copy_file(data.audit_key, staging, backup_audit.AUDIT_KEY))
        counts = dict(snapshot.counts)
        counts["scans"] = len(snapshot.scans) - len(missing)
        manifest = dataclasses.replace(
            expected, counts=counts, files=tuple(entries), missing_scans=tuple(missing)
        )
        report.manifest = manifest
        if missing and check:
            report.note("backup.v_missing_in_live", count=len(missing))
        write_private(staging / MANIFEST, dump_json(manifest.to_json()))
        fsync_folder(staging / VAULT)
        fsync_folder(staging)
        if dest.exists():
            dest.rmdir()  # checked empty above; rename cannot replace a folder otherwise
        os.rename(staging, dest)
        fsync_folder(dest.parent)
    except OSError as exc:
        raise DestinationUnusable(path=str(dest), detail=exc.strerror or str(exc)) from None
    finally:
        scans.stop()  # a failure before the scans were joined: they end before their folder
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return report


class _ScansBeside:
    """The scans' copy (``backup_copy.copy_scans``) in a thread, started from the snapshot."""

    def __init__(self, data: DataPaths, root: Path, check: bool) -> None:
        self._data, self._root, self._check = data, root, check
        self._thread: Beside | None = None
        self._result: list[ScanCopy] = []
        self.problems: list[Finding] = []
        """Why the scans could not be opened (no key, a key that is not one)."""

    def start(self, snapshot: Snapshot) -> None:
        unseal = None
        if self._check and snapshot.scans:
            unseal = _unsealer(self._data.vault_key, self.problems, rehash=False)

        def run(_: object) -> None:
            vault = self._data.vault_dir
            self._result.append(copy_scans(vault, self._root, snapshot.scans, unseal))

        self._thread = Beside(run, None)
        self._thread.__enter__()

    def join(self) -> ScanCopy:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        return self._result[0] if self._result else ScanCopy()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(raising=False)


def _db_entry(args: tuple[Path, list[FileEntry]]) -> None:
    root, out = args
    began = time.monotonic()
    out.append(backup_copy.entry(root, DATABASE))
    log.info("backup: database hashed and flushed in %.1f s", time.monotonic() - began)


def _check_copy(args: tuple[Path, Manifest, Verification, Path]) -> None:
    """The copied database: ``quick_check`` in a thread of its own beside the contents' check
    (counts, numbers, audit chain, whose walk ``audit_walk`` splits over processes on a long
    log); both against the snapshot."""
    path, expected, report, audit_key = args
    pages: list[str] = []
    began = time.monotonic()
    contents = Verification(expected)
    with Beside(_quick_check, (path, pages)):
        _check_database(path, expected, contents, audit_key)
        log.info("backup: counts and audit chain checked in %.1f s", time.monotonic() - began)
    if pages != ["ok"]:
        report.problem("backup.v_integrity", detail="; ".join(pages[:3]))
    report.problems.extend(contents.problems)


def _check_destination(dest: Path) -> None:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise DestinationNotEmpty(path=str(dest))
    if dest.is_dir() and any(dest.iterdir()):
        raise DestinationNotEmpty(path=str(dest))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True, mode=_PRIVATE_DIR)
    except OSError as exc:
        raise DestinationUnusable(path=str(dest), detail=exc.strerror or str(exc)) from None


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
    with Beside(_integrity_check, (folder / DATABASE, integrity)):
        _check_contents(folder, manifest, report, key_file, audit_key)
    if integrity != ["ok"]:
        report.problems.insert(
            0, Finding("backup.v_integrity", {"detail": "; ".join(integrity[:3])})
        )
    for extra in _extra_files(folder, {f.path for f in manifest.files} | {MANIFEST}):
        report.note("backup.v_file_extra", path=extra)
    return report


def _integrity_check(args: tuple[Path, list[str]]) -> None:
    """``PRAGMA integrity_check`` of the database at the path, its lines appended to the list."""
    _pragma_check(*args, "integrity_check")


def _quick_check(args: tuple[Path, list[str]]) -> None:
    """``PRAGMA quick_check`` (``_integrity_check`` without comparing the indexes with their
    tables), its time logged."""
    began = time.monotonic()
    _pragma_check(*args, "quick_check")
    log.info("backup: quick_check done in %.1f s", time.monotonic() - began)


def _pragma_check(path: Path, out: list[str], pragma: str) -> None:
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
    unseal = _unsealer(key, report.problems) if scans else None
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
            digest, size = hash_stream(fh)
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
            snapshot = read_snapshot(conn)
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
    key: Path | None, problems: list[Finding], *, rehash: bool = True
) -> Callable[[Any, str], bool] | None:
    """A check that a sealed scan opens with the vault key (``Vault.opens``; without
    ``rehash``, ``Vault.sealed_for``), or None (the problem added to ``problems``)."""
    from regdesk.store.vault import Vault, VaultError

    if key is None:
        problems.append(Finding("backup.v_no_key"))
        return None
    vault = Vault.for_reading(key)
    try:
        vault.check_key()
    except VaultError as exc:
        problems.append(Finding(exc.key, dict(exc.params)))
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
