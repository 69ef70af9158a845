"""Printed files (names, IINs) leave a folder printer's folder after its ``keep_hours``."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from regdesk.config import Printer
from regdesk.printing.printers import printed_folders, remove_old_prints

NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


def file_at(path: Path, hours_ago: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    when = (NOW - timedelta(hours=hours_ago)).timestamp()
    os.utime(path, (when, when))
    return path


def test_only_printed_files_past_their_time_are_removed(tmp_path: Path) -> None:
    printers = (
        Printer(name="a5", kind="folder", folder="prints", keep_hours=24),
        Printer(name="slip", kind="folder", folder="slips", keep_hours=2),
        Printer(name="laser", kind="cups", queue="reception"),
    )
    old_talon = file_at(tmp_path / "prints" / "DEMO-2026-000001-talon.pdf", 30)
    new_talon = file_at(tmp_path / "prints" / "DEMO-2026-000002-talon.pdf", 3)
    old_dup = file_at(tmp_path / "prints" / "DEMO-2026-000001-talon-dup-1.pdf", 25)
    left_part = file_at(tmp_path / "prints" / ".tmpab12cd.part", 48)
    old_slip = file_at(tmp_path / "slips" / "DEMO-2026-000002-talon.txt", 3)
    foreign = file_at(tmp_path / "prints" / "scan from the copier.jpg", 100)
    removed, failed = remove_old_prints(printers, tmp_path, NOW)
    assert (removed, failed) == (4, [])
    assert not any(p.exists() for p in (old_talon, old_dup, left_part, old_slip))
    assert new_talon.exists() and foreign.exists()


def test_a_shared_folder_keeps_files_as_long_as_its_longest_printer(tmp_path: Path) -> None:
    shared = [
        Printer(name="a", kind="folder", folder="out", keep_hours=2),
        Printer(name="b", kind="folder", folder="out", keep_hours=48),
    ]
    assert printed_folders(shared, tmp_path) == [(tmp_path / "out", 48)]
    keep = [*shared, Printer(name="c", kind="folder", folder="out", keep_hours=0)]
    assert printed_folders(keep, tmp_path) == [(tmp_path / "out", 0)]
    talon = file_at(tmp_path / "out" / "DEMO-2026-000001-talon.pdf", 1000)
    assert remove_old_prints(keep, tmp_path, NOW) == (0, [])
    assert talon.exists()
