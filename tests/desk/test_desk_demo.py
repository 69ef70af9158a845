"""The demo workspace itself: what ``regdesk demo`` hands to the desk, and a clean failure."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from desk_support import PINNED_AT

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.store.paths import DataPaths


def test_workspace_is_complete(ws: demo.DemoWorkspace) -> None:
    assert ws.config.source is not None and Path(ws.config.source).parent == ws.root
    assert ws.config.registry.base_url == ws.simulator.url
    assert ws.config.registry.base_url.startswith("http://127.0.0.1:")
    assert DataPaths(ws.config.data_path()).database.exists()
    assert {role for role, *_ in ws.staff} == {"receptionist", "admin"}
    assert set(ws.key_paths) == {iin for _, iin, _, _ in ws.staff}
    assert all(Path(p).exists() for p in ws.key_paths.values())
    assert ws.prints_dir.is_dir()
    assert len([p for p in ws.scan_dir.iterdir() if p.is_file()]) >= 4
    for case in ("adult", "unattached", "deceased", "no_record", "attached_here"):
        assert ws.samples[case], case


def test_failed_build_stops_its_simulator(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    root.mkdir()
    (root / "prints").write_text("a file where the prints folder belongs")
    before = sum(t.name == "registry-sim" for t in threading.enumerate())
    with pytest.raises(OSError):
        demo.build(root, clock=PinnedClock(PINNED_AT))
    after = sum(t.name == "registry-sim" and t.is_alive() for t in threading.enumerate())
    assert after == before
