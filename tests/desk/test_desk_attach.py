"""A scan the journal refuses to record leaves no file in the vault; the scanner's original goes
once the vault holds it; a full database disk is said as what was and was not kept (issue 14)."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_support import READY_FORM, assert_explained, draft, signed_in
from disk_filler import fill_disk

from regdesk import demo
from regdesk.config import Config, Scans
from regdesk.core.clock import PinnedClock
from regdesk.desk import AttachNotRecorded, Desk, KeyCheck
from regdesk.desk.form import remove_original
from regdesk.store.journal import NotEditableError, NotFoundError
from regdesk.store.vault import VaultError


def vault_files(desk: Desk) -> set[str]:
    folder = desk.context.paths.vault_dir
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_a_scan_not_recorded_is_removed_from_the_vault(ws: demo.DemoWorkspace, desk: Desk) -> None:
    before = vault_files(desk)
    with pytest.raises(NotFoundError):
        desk.form.attach(999_999, ws.scan_dir / "udostoverenie-lichnosti.pdf", "identity")
    assert vault_files(desk) == before


async def test_a_scan_for_an_application_that_cannot_change_never_reaches_the_vault(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0])
    desk.registration.register(app_id, key)
    before = vault_files(desk)
    # The application is checked before the scan is even opened: a damaged file is not what
    # the receptionist is told about, and no byte of a whole one is written.
    for name in ("povrezhdennyi-fail.pdf", "udostoverenie-lichnosti.pdf"):
        with pytest.raises(NotEditableError) as refused:
            desk.form.attach(app_id, ws.scan_dir / name, "identity")
        assert_explained(refused.value)
    assert vault_files(desk) == before


def with_scans(config: Config, after_store: str) -> Config:
    return dataclasses.replace(config, scans=Scans(after_store=after_store))  # type: ignore[arg-type]


async def test_the_original_leaves_the_scanner_folder_once_stored(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, str, str, str]
) -> None:
    config = with_scans(ws.config, "remove")
    original = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    data = original.read_bytes()
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        app_id = await draft(desk, ws.samples["unattached"][0])
        desk.form.attach(app_id, original, "identity")
        assert not original.exists()
        (stored,) = desk.form.attachments(app_id)
        assert desk.context.vault.get(stored.vault_name, stored.sha256) == data

        # A scan that cannot be stored stays where it is.
        damaged = ws.scan_dir / "povrezhdennyi-fail.pdf"
        with pytest.raises(VaultError):
            desk.form.attach(app_id, damaged, "identity")
        assert damaged.exists()

    # Kept where the config says so.
    png = ws.scan_dir / "svidetelstvo-o-rozhdenii.png"
    async with signed_in(
        with_scans(ws.config, "keep"), clock, receptionist[1], receptionist[2]
    ) as desk:
        app_id = await draft(desk, ws.samples["unattached"][1])
        desk.form.attach(app_id, png, "identity")
        assert png.exists()


def test_an_original_rewritten_meanwhile_is_not_removed(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7 the scan that was stored")
    stored = hashlib.sha256(scan.read_bytes()).hexdigest()
    scan.write_bytes(b"%PDF-1.7 a new scan under the same name")
    assert remove_original(scan, stored) is False
    assert scan.exists()
    scan.write_bytes(b"%PDF-1.7 the scan that was stored")
    assert remove_original(scan, stored) is True
    assert not scan.exists()


@pytest.fixture
def small_disks(ws: demo.DemoWorkspace) -> Iterator[Path]:
    """The clinic's data folder on a small tmpfs of its own, its vault on another one.

    A real full file system (no injected failure): the database's disk fills while the vault's
    has room, the moment between a scan stored and its record written. Skipped where this
    machine does not let the test mount a tmpfs (it needs root or CAP_SYS_ADMIN).
    """
    data = ws.config.data_path()
    aside = data.parent / "data-aside"
    data.rename(aside)
    data.mkdir()
    mounted: list[Path] = []
    try:
        for where, size in ((data, "16m"), (data / "vault", "16m")):
            where.mkdir(exist_ok=True)
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
            mounted.append(where)
        for item in aside.iterdir():
            if item.is_dir():
                shutil.copytree(item, data / item.name, dirs_exist_ok=True)
            else:
                shutil.copy2(item, data / item.name)
        yield data
    finally:
        for where in reversed(mounted):
            subprocess.run(["umount", "-l", str(where)], check=False)


async def test_a_full_database_disk_says_what_was_and_was_not_saved(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
    small_disks: Path,
) -> None:
    original = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        app_id = await draft(desk, ws.samples["unattached"][0])
        before = vault_files(desk)
        # The write-ahead log is emptied, so the next commit needs new space on the disk.
        desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill_disk(small_disks)
        with pytest.raises(AttachNotRecorded) as refused:
            desk.form.attach(app_id, original, "identity")
        assert_explained(refused.value)
        assert refused.value.key == "safety.attach_not_recorded"
        text = refused.value.message("en")
        assert "the disk holding the database is full" in text
        assert "Not saved: the scan (nothing of it stays in the vault)" in text
        assert "Saved: the application and everything typed before" in text
        assert vault_files(desk) == before  # the vault had room: its copy was taken back
        assert original.exists()

        # Space comes back: the same desk, the same scan, attached.
        filler.unlink()
        desk.form.attach(app_id, original, "identity")
        (scan,) = desk.form.attachments(app_id)
        assert desk.context.vault.get(scan.vault_name, scan.sha256) == original.read_bytes()
        assert desk.form.get(app_id).form == READY_FORM
