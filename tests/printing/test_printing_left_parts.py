"""The ``.part`` file of a print whose desk died is for ``regdesk doctor`` to remove, even in a
folder whose printed files are kept (``keep_hours = 0``); a young one may be a print under way."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from regdesk.config import Printer
from regdesk.printing.printers import doctor_prints

NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


def file_at(path: Path, minutes_ago: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 cut short")
    when = (NOW - timedelta(minutes=minutes_ago)).timestamp()
    os.utime(path, (when, when))
    return path


def test_a_part_left_by_a_dead_print_is_listed_whatever_the_keep_time(tmp_path: Path) -> None:
    printers = (
        Printer(name="kept", kind="folder", folder="kept", keep_hours=0),
        Printer(name="a5", kind="folder", folder="prints", keep_hours=24),
    )
    left = file_at(tmp_path / "kept" / ".tmpq1w2e3r4.part", 16)
    under_way = file_at(tmp_path / "kept" / ".tmpz9x8c7v6.part", 1)
    kept_talon = file_at(tmp_path / "kept" / "DEMO-2026-000001-talon.pdf", 60 * 24 * 30)
    left_here = file_at(tmp_path / "prints" / ".tmpa1s2d3f4.part", 20)
    old_talon = file_at(tmp_path / "prints" / "DEMO-2026-000002-talon.pdf", 60 * 25)
    new_talon = file_at(tmp_path / "prints" / "DEMO-2026-000003-talon.pdf", 60)
    found = doctor_prints(printers, tmp_path, NOW)
    assert found == sorted([left, left_here, old_talon])
    assert under_way not in found and kept_talon not in found and new_talon not in found
