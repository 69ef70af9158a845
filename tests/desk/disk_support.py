"""The data folder on a file system of its own that a test fills up or turns read-only (issue
14): real file systems, no injected failure (``test_desk_disk_full.py`` says how). The fixtures
``small_disk``, ``ext4_image`` and ``breakable_disk`` are in this folder's ``conftest.py``."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_support import assert_explained, journal_counts
from disk_filler import fill_disk

from regdesk import demo
from regdesk.config import Config
from regdesk.desk import Desk, NotSaved
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths


def mount(args: list[str], where: Path) -> None:
    done = subprocess.run(["mount", *args, str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a file system here: {done.stderr.strip()}")


def move_data_onto(ws: demo.DemoWorkspace, args: list[str]) -> Iterator[Path]:
    """The clinic's data folder (database, vault, key) moved onto a file system of its own."""
    data = ws.config.data_path()
    aside = data.parent / "data-aside"
    data.rename(aside)
    data.mkdir()
    mount(args, data)
    try:
        for item in aside.iterdir():
            if item.is_dir():
                shutil.copytree(item, data / item.name)
            else:
                shutil.copy2(item, data / item.name)
        yield data
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)


def fill(desk: Desk, folder: Path) -> Path:
    """Fill the disk of ``folder`` to the last byte; the filler file. The write-ahead log is
    emptied first, so that the next commit needs new space (a failed transaction leaves its
    frames in the log, where a later one could fit)."""
    desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return fill_disk(folder)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    rows: dict[str, int]
    audit: int
    vault: frozenset[str]


def snapshot(ws: demo.DemoWorkspace) -> Snapshot:
    """What the data folder holds, read as another terminal would; the database whole and the
    audit chain verifying."""
    paths = DataPaths.for_config(ws.config)
    db = open_db(paths.database)
    try:
        assert db.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        report = audit.verify(db)
        assert report.ok, report
    finally:
        db.conn.close()
    folder = paths.vault_dir
    vault = frozenset(p.name for p in folder.iterdir()) if folder.exists() else frozenset()
    return Snapshot(journal_counts(ws), report.count, vault)


def refused(step: object) -> NotSaved:
    assert isinstance(step, NotSaved)
    assert_explained(step)
    return step


# -- a disk that turns read-only ------------------------------------------------------------------


def turn_read_only(folder: Path) -> None:
    """An error of the file system, as a failing disk causes: ext4 turns it read-only."""
    source = subprocess.run(
        ["findmnt", "-n", "-o", "SOURCE", str(folder)], capture_output=True, text=True
    ).stdout.strip()
    trigger = Path("/sys/fs/ext4") / Path(source).name / "trigger_fs_error"
    if not trigger.exists():
        pytest.skip(f"this kernel's ext4 has no {trigger}")
    # What was committed before has reached the disk, as it does within seconds; a failure
    # within those seconds loses it like a power cut (``[storage] durability``, README).
    os.sync()
    trigger.write_text("regdesk test: the data disk fails\n")
    with pytest.raises(OSError) as refused:
        (folder / "probe").write_bytes(b"x")
    assert refused.value.errno == errno.EROFS


def remount(config: Config, image: Path) -> None:
    """What the administrator does: unmount, check the file system, mount it again."""
    data = config.data_path()
    subprocess.run(["umount", str(data)], check=True)
    subprocess.run(["e2fsck", "-fy", str(image)], capture_output=True, check=False)
    subprocess.run(["mount", "-o", "loop,errors=remount-ro", str(image), str(data)], check=True)
