"""What ``regdesk doctor`` looks for in a data folder, and what ``--clean`` may remove.

- ``.part`` files in the vault: a scan being written, or one whose writer died (killed, power
  cut). Only those older than ``vault.STALE_PART_AGE`` are stale; a younger one may be a desk
  storing a scan right now. The same for ``.audit.checkpoint.*.part`` beside the audit key: a
  new or damaged checkpoint written aside whole and renamed (``audit_seal.write_checkpoint``)
  by a desk that died before the rename.
- Vault files no attachment row names (orphans): a scan whose record never committed. Again only
  old ones count, because a desk stores the file a moment before it records it; and each is
  looked up once more just before it is removed.
- Attachment rows whose vault file is missing: a scan lost. Nothing can clean that; a backup may
  hold the file (``regdesk backup verify`` lists what a backup has).
- Originals in the scanner folder that the vault already holds (the same SHA-256), when
  ``[scans] after_store = "remove"``: plaintext copies of documents that should be gone.
- Printed files older than their folder printer's ``keep_hours``.

A referenced vault file is never removed: cleaning removes only what the listing above found, and
an orphan only if it is still unreferenced at that moment.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from regdesk.store.paths import DataPaths
from regdesk.store.vault import STALE_PART_AGE

_NAME = re.compile(r"^[0-9a-f]{32}$")
_PART = re.compile(r"^\.[0-9a-f]{32}\.part$")
_BATCH = 500


@dataclass(frozen=True)
class Missing:
    """An attachment row whose scan is not in the vault."""

    attachment_id: int
    application_id: int
    vault_name: str


@dataclass
class Checkup:
    """Everything ``examine`` found."""

    stale_parts: list[Path] = field(default_factory=list)
    fresh_parts: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    recent_orphans: list[Path] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    stored_originals: list[Path] = field(default_factory=list)
    old_prints: list[Path] = field(default_factory=list)
    referenced: int = 0
    """Attachment rows looked at."""

    @property
    def removable(self) -> list[Path]:
        """What ``clean`` removes."""
        return [*self.stale_parts, *self.orphans, *self.stored_originals, *self.old_prints]

    @property
    def healthy(self) -> bool:
        """Nothing to clean and nothing lost (a fresh ``.part`` or orphan is work in progress)."""
        return not self.removable and not self.missing


def examine(
    data: DataPaths,
    conn: sqlite3.Connection,
    *,
    now: datetime,
    scan_folder: Path | None = None,
    old_prints: Sequence[Path] = (),
) -> Checkup:
    """Look through the vault, the journal's attachments and the scanner folder. ``now`` is
    aware; ``scan_folder`` only when originals are to be removed after storing; ``old_prints``:
    the printed files past their time (``printing.printers.old_prints``), to clean with the rest.
    """
    found = Checkup()
    limit = (now - STALE_PART_AGE).timestamp()
    on_disk: dict[str, float] = {}
    for entry in _entries(data.vault_dir):
        try:
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _PART.match(entry.name):
            (found.stale_parts if mtime < limit else found.fresh_parts).append(Path(entry.path))
        elif _NAME.match(entry.name):
            on_disk[entry.name] = mtime
    checkpoint = data.audit_checkpoint
    checkpoint_part = re.compile(rf"^\.{re.escape(checkpoint.name)}\.[0-9a-f]+\.part$")
    for entry in _entries(checkpoint.parent):
        if not checkpoint_part.match(entry.name):
            continue
        try:
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        (found.stale_parts if mtime < limit else found.fresh_parts).append(Path(entry.path))
    referenced: set[str] = set()
    for attachment_id, application_id, name in conn.execute(
        "SELECT id, application_id, vault_name FROM attachments ORDER BY id"
    ):
        found.referenced += 1
        referenced.add(str(name))
        if name not in on_disk:
            found.missing.append(Missing(int(attachment_id), int(application_id), str(name)))
    for name, mtime in sorted(on_disk.items()):
        if name not in referenced:
            path = data.vault_dir / name
            (found.orphans if mtime < limit else found.recent_orphans).append(path)
    if scan_folder is not None:
        found.stored_originals = _stored_originals(conn, scan_folder)
    found.old_prints = sorted(old_prints)
    for listing in (found.stale_parts, found.fresh_parts, found.orphans, found.recent_orphans):
        listing.sort()
    return found


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def _stored_originals(conn: sqlite3.Connection, folder: Path) -> list[Path]:
    """Files in the scanner folder whose bytes the vault already holds."""
    hashes: dict[str, list[Path]] = {}
    for entry in _entries(folder):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
        except OSError:
            continue
        hashes.setdefault(digest, []).append(Path(entry.path))
    stored: list[Path] = []
    for batch in _batches(sorted(hashes), _BATCH):
        marks = ",".join("?" * len(batch))
        for (sha,) in conn.execute(
            f"SELECT DISTINCT sha256 FROM attachments WHERE sha256 IN ({marks})", batch
        ):
            stored += hashes[str(sha)]
    return sorted(stored)


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Cleaned:
    removed: int
    failed: list[str]
    """``path: reason`` of each file that could not be removed."""


def clean(found: Checkup, conn: sqlite3.Connection) -> Cleaned:
    """Remove what ``examine`` found removable; an orphan only if still unreferenced now."""
    removed, failed = 0, []
    for path in found.removable:
        if path in found.orphans:
            row = conn.execute(
                "SELECT 1 FROM attachments WHERE vault_name = ? LIMIT 1", (path.name,)
            ).fetchone()
            if row is not None:
                continue  # recorded since it was listed: it is no orphan
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            failed.append(f"{path}: {exc.strerror or exc}")
    return Cleaned(removed, failed)
