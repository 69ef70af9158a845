"""A demo workspace served by ``regdesk serve`` in a separate process, for the serve tests.

The desks the server starts are separate processes on the workspace's config: like the tmux
test's desk, they read the wall clock (nothing here can pin another process's clock), so the
workspace's keys are made around the wall clock too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import Served, free_port

from regdesk import demo

MAX_SESSIONS = 2


def serve_workspace(root: Path, serve_toml: str = "") -> demo.DemoWorkspace:
    """A demo workspace (English) whose config has the ``[serve]`` section ``serve_toml``."""
    ws = demo.build(root, lang="en")
    config = ws.root / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"\n[serve]\nmax_sessions = {MAX_SESSIONS}\n{serve_toml}")
    return ws


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[demo.DemoWorkspace]:
    ws = serve_workspace(tmp_path_factory.mktemp("serve") / "ws")
    try:
        yield ws
    finally:
        ws.stop()


@pytest.fixture(scope="module")
def served(workspace: demo.DemoWorkspace) -> Iterator[Served]:
    server = Served(workspace.root / "config.toml", free_port())
    try:
        yield server
    finally:
        server.stop()
