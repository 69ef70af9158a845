"""A fresh demo workspace (config, database, keys, scans, a running simulator) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from regdesk import demo


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[demo.DemoWorkspace]:
    ws = demo.build(tmp_path / "ws", lang="en")
    try:
        yield ws
    finally:
        ws.stop()
