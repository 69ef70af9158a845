"""The scans' copy of a backup (``backup_copy.copy_scans``): threads, one read per file into a
reused buffer, each file flushed beside the copying, and a destination that fills up on the way.

Real scans stored through the real vault (noise PNGs of different sizes, so a buffer reused from
a larger file would show stale bytes), a real journal for the backups, and a real tmpfs for the
full disk (skipped where this machine does not let a test mount one).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from disk_filler import tmpfs
from PIL import Image

from regdesk.core.application import Role
from regdesk.store.backup import (
    DestinationUnusable,
    make_checked_backup,
    open_read_only,
    read_manifest,
)
from regdesk.store.backup_copy import copy_scans
from regdesk.store.db import open_db
from regdesk.store.journal import Journal
from regdesk.store.paths import DataPaths
from regdesk.store.vault import StoredFile, Vault

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CLERK = "880101300123"
SIDES = (300, 20, 700, 5, 120)
"""Noise PNGs of these sides: about 270 kB, 1 kB, 1.5 MB, 100 B, 43 kB; larger before smaller."""


def png(side: int) -> bytes:
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def data(tmp_path: Path) -> tuple[DataPaths, list[StoredFile]]:
    """A data folder whose journal has one application with a scan of each size."""
    paths = DataPaths(tmp_path / "live")
    db = open_db(paths.database)
    Vault.create_key(paths.vault_key)
    vault = Vault(paths.vault_dir, paths.vault_key, 8 * 1024 * 1024)
    journal = Journal(db)
    app_id = journal.drafts.create_draft(
        applicant_iin="900101300011", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW,
        registry_data={}, surname="Әлиев", first_name="Асқар", patronymic="",
        birth_date=date(1990, 1, 1),
    )  # fmt: skip
    stored = []
    for n, side in enumerate(SIDES):
        scan = vault.put_bytes(png(side), name=f"scan-{n}.png")
        journal.drafts.add_attachment(
            app_id, doc_kind="identity", original_name=f"scan-{n}.png",
            media_type=scan.media_type, size=scan.size, sha256=scan.sha256,
            vault_name=scan.vault_name, actor_iin=CLERK, now=NOW,
        )  # fmt: skip
        stored.append(scan)
    db.conn.close()
    return paths, stored


def test_every_scan_is_copied_byte_for_byte_in_the_snapshots_order(
    data: tuple[DataPaths, list[StoredFile]], tmp_path: Path
) -> None:
    paths, stored = data
    root = tmp_path / "copy"
    (root / "vault").mkdir(parents=True)
    scans = {s.vault_name: s.sha256 for s in stored}
    scans["0" * 32] = "f" * 64  # in the journal, gone from the vault
    vault = Vault.for_reading(paths.vault_key)
    copied = copy_scans(paths.vault_dir, root, scans, vault.sealed_for)
    assert [e.path for e in copied.copied] == [f"vault/{s.vault_name}" for s in stored]
    for entry in copied.copied:
        live = (paths.vault_dir / entry.path.removeprefix("vault/")).read_bytes()
        assert (root / entry.path).read_bytes() == live
        assert (entry.sha256, entry.size) == (hashlib.sha256(live).hexdigest(), len(live))
        assert (root / entry.path).stat().st_mode & 0o777 == 0o600
    assert copied.missing == ["0" * 32]
    assert (copied.opened, copied.broken) == (len(stored), [])


def test_a_scan_that_does_not_open_is_named_and_the_others_still_open(
    data: tuple[DataPaths, list[StoredFile]], tmp_path: Path
) -> None:
    paths, stored = data
    victim = paths.vault_dir / stored[2].vault_name
    damaged = bytearray(victim.read_bytes())
    damaged[len(damaged) // 2] ^= 1
    victim.write_bytes(bytes(damaged))
    # Another scan's file under this one's name: it decrypts, but not as sealed for this hash.
    swapped = paths.vault_dir / stored[4].vault_name
    swapped.write_bytes((paths.vault_dir / stored[3].vault_name).read_bytes())
    root = tmp_path / "copy"
    (root / "vault").mkdir(parents=True)
    scans = {s.vault_name: s.sha256 for s in stored}
    copied = copy_scans(paths.vault_dir, root, scans, Vault.for_reading(paths.vault_key).sealed_for)
    assert sorted(copied.broken) == sorted(f"vault/{stored[i].vault_name}" for i in (2, 4))
    assert copied.opened == len(stored) - 2
    assert (root / "vault" / stored[2].vault_name).read_bytes() == bytes(damaged)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "small", "1m") as where:
        yield where


def test_a_destination_that_fills_up_during_the_scans_leaves_nothing(
    data: tuple[DataPaths, list[StoredFile]], small_disk: Path
) -> None:
    paths, stored = data
    database = paths.database.stat().st_size
    scans = sum(s.size for s in stored)
    assert database < 1024 * 1024 < database + scans  # the scans are what fills it
    with pytest.raises(DestinationUnusable) as raised:
        make_checked_backup(paths, small_disk / "b", made_at=NOW, program_version="t")
    assert "No space left on device" in str(raised.value.params.get("detail"))
    assert list(small_disk.iterdir()) == []  # no backup, no half-written folder
    # The live data is as it was, and a backup with room is whole.
    room = paths.root.parent / "room"
    report = make_checked_backup(paths, room, made_at=NOW, program_version="t")
    assert report.ok and report.scans_opened == len(stored)
    assert read_manifest(room).counts["scans"] == len(stored)


def test_a_destination_too_small_for_the_database_is_the_destinations_fault(
    data: tuple[DataPaths, list[StoredFile]], tmp_path: Path
) -> None:
    """SQLite writing the copy meets the full disk (not the scans' copy, which raises OSError):
    said as the destination's lack of room, never as a fault of the live database."""
    paths, _stored = data
    with tmpfs(tmp_path / "tiny", "48k") as tiny:
        assert paths.database.stat().st_size > 48 * 1024  # the pages are what fills it
        with pytest.raises(DestinationUnusable) as raised:
            make_checked_backup(paths, tiny / "b", made_at=NOW, program_version="t")
        assert raised.value.params["detail"] == os.strerror(errno.ENOSPC)
        assert raised.value.params["path"] == str(tiny / "b")
        assert list(tiny.iterdir()) == []  # nothing half written is left
    with open_read_only(paths.database) as live:
        assert live.execute("PRAGMA quick_check").fetchone()[0] == "ok"
