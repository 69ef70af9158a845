"""A fresh demo workspace (config, database, keys, scans, a running simulator) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import pinned_clock

from regdesk import demo


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[demo.DemoWorkspace]:
    ws = demo.build(tmp_path / "ws", lang="en", clock=pinned_clock())
    try:
        yield ws
    finally:
        ws.stop()
