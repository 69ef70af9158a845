"""A backup's manifest and the note of the last good backup (``regdesk.store.backup`` makes
and checks the backups themselves).

The manifest (``manifest.json`` at the top of a backup) lists every file with its size and
SHA-256, the journal's counts and last numbers, the audit chain's last record and seal, and when
the snapshot was taken; ``restore`` and ``backup verify`` trust nothing a backup holds before it
matches. The note (``last-backup.json`` in the live data folder) is what ``regdesk status`` and
the admin's menu read to say how old the last verified backup is.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from regdesk.core.errors import UserError
from regdesk.core.json_types import JsonObject
from regdesk.store.paths import DataPaths
from regdesk.store.vault import write_all

MANIFEST = "manifest.json"
FORMAT = "regdesk-backup"
FORMAT_VERSION = 1
STATE = "last-backup.json"
"""In the live data folder: the last backup that was made and verified (for ``status``)."""


def dump_json(data: object) -> bytes:
    """``data`` as the manifest and the note are written: indented UTF-8 JSON."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class BackupError(UserError):
    """A backup cannot be made, read or restored as asked."""

    key = "backup.failed"


class DestinationNotEmpty(BackupError):
    key = "backup.dest_not_empty"


class DestinationUnusable(BackupError):
    key = "backup.dest_unusable"


class NoManifest(BackupError):
    key = "backup.no_manifest"


class BadManifest(BackupError):
    key = "backup.bad_manifest"


@dataclass(frozen=True)
class FileEntry:
    """One file of a backup: its path inside the backup folder (with /), SHA-256 and size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside it as ``manifest.json``."""

    program_version: str
    schema_version: int
    made_at: str
    """The clinic's time of the snapshot, ISO-8601 with its offset (2026-11-25T10:30:00+05:00)."""
    counts: dict[str, int]
    """Rows of every table of the copied database, and ``scans``: the scan files copied."""
    numbers: dict[str, int]
    """The last application number given, per clinic code and year ("DEMO-2026": 41)."""
    audit_count: int
    audit_last_hash: str
    key_included: bool
    files: tuple[FileEntry, ...]
    missing_scans: tuple[str, ...] = ()
    """Scans the journal refers to that were already missing from the live vault."""
    audit_seal: JsonObject | None = None
    """A keyed log's seal: K, the key's id, the live checkpoint, a MAC (``backup_audit``)."""

    def to_json(self) -> JsonObject:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "program_version": self.program_version,
            "schema_version": self.schema_version,
            "made_at": self.made_at,
            "counts": dict(sorted(self.counts.items())),
            "numbers": dict(sorted(self.numbers.items())),
            "audit": {
                "count": self.audit_count,
                "last_hash": self.audit_last_hash,
                **({"seal": self.audit_seal} if self.audit_seal is not None else {}),
            },
            "key_included": self.key_included,
            "missing_scans": list(self.missing_scans),
            "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in self.files],
        }

    @classmethod
    def from_json(cls, data: object, where: Path) -> Manifest:
        """The manifest read from ``where``; BadManifest naming what is wrong with it."""

        def bad(detail: str) -> BadManifest:
            return BadManifest(path=str(where), detail=detail)

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise bad(f"not a {FORMAT} manifest")
        if data.get("format_version") != FORMAT_VERSION:
            raise bad(f"format version {data.get('format_version')!r}, expected {FORMAT_VERSION}")
        try:
            audit = data["audit"]
            files = tuple(
                FileEntry(str(f["path"]), str(f["sha256"]), int(f["size"])) for f in data["files"]
            )
            manifest = cls(
                program_version=str(data["program_version"]),
                schema_version=int(data["schema_version"]),
                made_at=str(data["made_at"]),
                counts={str(k): int(v) for k, v in dict(data["counts"]).items()},
                numbers={str(k): int(v) for k, v in dict(data["numbers"]).items()},
                audit_count=int(audit["count"]),
                audit_last_hash=str(audit["last_hash"]),
                key_included=bool(data["key_included"]),
                files=files,
                missing_scans=tuple(str(n) for n in data.get("missing_scans", ())),
                audit_seal=dict(audit["seal"]) if audit.get("seal") is not None else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"a field is missing or of the wrong kind ({exc})") from None
        for entry in manifest.files:
            # A path that leaves the backup folder would make a restore write outside its target.
            parts = Path(entry.path).parts
            if Path(entry.path).is_absolute() or ".." in parts or not parts:
                raise bad(f"file path {entry.path!r} leaves the backup folder")
        return manifest

    def entry(self, path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == path), None)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the backup in ``folder``; NoManifest or BadManifest."""
    path = Path(folder) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NoManifest(path=str(folder)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadManifest(path=str(path), detail=str(exc)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadManifest(path=str(path), detail=f"not JSON: {exc}") from None
    return Manifest.from_json(data, path)


# -- making a backup -------------------------------------------------------------------------


# -- the last good backup, for ``regdesk status`` and the admin's menu ------------------------


@dataclass(frozen=True)
class LastBackup:
    """The newest backup made and verified from this data folder."""

    made_at: datetime
    """The clinic's time of its snapshot, aware."""
    dest: str
    applications: int


def record_good_backup(data: DataPaths, dest: Path, manifest: Manifest) -> None:
    """Note in the data folder that ``dest`` holds a verified backup (replacing older notes)."""
    body = dump_json(
        {
            "made_at": manifest.made_at,
            "dest": str(Path(dest).resolve()),
            "applications": manifest.counts.get("applications", 0),
            "audit_last_hash": manifest.audit_last_hash,
        }
    )
    target = data.root / STATE
    partial = data.root / f".{STATE}.{secrets.token_hex(4)}.part"
    # Readable by the group when the clinic shares the folder by group (umask decides).
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660)
    try:
        try:
            write_all(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def last_good_backup(data: DataPaths) -> LastBackup | None:
    """The last verified backup noted in the data folder, or None (none, or a note unreadable)."""
    try:
        raw = json.loads((data.root / STATE).read_text(encoding="utf-8"))
        made_at = datetime.fromisoformat(str(raw["made_at"]))
        if made_at.tzinfo is None:
            return None
        return LastBackup(made_at, str(raw["dest"]), int(raw.get("applications", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class BackupAge:
    """How old the last verified backup is, against ``[backup] max_age_hours``."""

    last: LastBackup | None
    hours: float | None
    """Hours since its snapshot; None when there is none."""
    max_hours: int

    @property
    def overdue(self) -> bool:
        return self.hours is None or self.hours > self.max_hours


def backup_age(data: DataPaths, now: datetime, max_age_hours: int) -> BackupAge:
    """The age of the last verified backup of ``data`` at ``now`` (aware)."""
    last = last_good_backup(data)
    hours = None if last is None else max(0.0, (now - last.made_at).total_seconds() / 3600)
    return BackupAge(last, hours, max_age_hours)
