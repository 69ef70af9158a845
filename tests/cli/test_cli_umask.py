"""Files the program makes are never world-readable (issue 14): its umask, the demo's folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from regdesk import demo
from regdesk.core.clock import PinnedClock


def test_the_program_sets_its_umask_whatever_the_login_has() -> None:
    # The login's umask lets everybody read (022); the program narrows it to the group (007).
    probe = (
        "import atexit, os, sys\n"
        "atexit.register(lambda: print('umask', oct(os.umask(0))))\n"
        "sys.argv = ['regdesk', '--version']\n"
        "from regdesk.cli import run\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert "umask 0o7" in done.stdout.splitlines()[-1], done.stdout + done.stderr


def test_the_demo_workspace_is_its_users_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a login that shares with everyone
    try:
        clock = PinnedClock(datetime(2026, 11, 25, 5, 30, tzinfo=UTC))
        ws = demo.build(tmp_path / "ws", clock=clock)
    finally:
        os.umask(old)
    try:
        modes = {
            path.relative_to(ws.root).as_posix(): stat.S_IMODE(path.stat().st_mode)
            for path in [ws.root, *ws.root.rglob("*")]
        }
    finally:
        ws.stop()
    assert modes["."] == 0o700
    assert modes["config.toml"] == 0o600
    assert [name for name, mode in modes.items() if mode & 0o077] == []
