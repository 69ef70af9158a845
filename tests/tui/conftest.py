"""A fresh demo workspace (config, database, keys, scans, a running simulator) per test."""

from __future__ import annotations

import shutil
import subprocess
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


@pytest.fixture
def small_disk(workspace: demo.DemoWorkspace) -> Iterator[Path]:
    """The data folder on a 16 MiB tmpfs of its own (skipped where mounting is not allowed)."""
    data = workspace.config.data_path()
    aside = data.parent / "data-aside"
    data.rename(aside)
    data.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(data)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        shutil.copytree(aside, data, dirs_exist_ok=True)
        yield data
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)
