"""A complete demo clinic per test: real config, SQLite, demo CA and keys, scans, simulator.

``Desk`` is driven exactly as the TUI drives it, with no Textual and no mocks: the registry is the
simulator on a loopback port, signing uses the demo key stores, prints land in the demo's folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_support import MovableClock

from regdesk import demo
from regdesk.desk import Desk


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[demo.DemoWorkspace]:
    workspace = demo.build(tmp_path / "clinic")
    try:
        yield workspace
    finally:
        workspace.stop()


@pytest.fixture
def clock() -> MovableClock:
    # Whole seconds: timestamps round-trip through the journal's text columns unchanged.
    return MovableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def receptionist(ws: demo.DemoWorkspace) -> tuple[str, str, str, str]:
    return next(s for s in ws.staff if s[0] == "receptionist")


@pytest.fixture
def admin(ws: demo.DemoWorkspace) -> tuple[str, str, str, str]:
    return next(s for s in ws.staff if s[0] == "admin")


@pytest.fixture
async def desk(
    ws: demo.DemoWorkspace, clock: MovableClock, receptionist: tuple[str, str, str, str]
) -> AsyncIterator[Desk]:
    """The receptionist signed in at a workstation of the demo clinic."""
    d = Desk(ws.config, clock=clock)
    d.sign_in(receptionist[1], receptionist[2])
    try:
        yield d
    finally:
        await d.aclose()
        d.close()
