"""A demo workspace served by ``regdesk serve`` in a separate process, for the serve tests.

The desks the server starts are separate processes on the workspace's config: like the tmux
test's desk, they read the wall clock (nothing here can pin another process's clock), so the
workspace's keys are made around the wall clock too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from serve_support import Served, free_port, serve_workspace

from regdesk import demo


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
