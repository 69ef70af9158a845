"""A complete demo clinic per test: real config, SQLite, demo CA and keys, scans, simulator.

``Desk`` is driven exactly as the TUI drives it, with no Textual and no mocks: the registry is the
simulator on a loopback port, signing uses the demo key stores, prints land in the demo's folder.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from desk_support import PINNED_AT
from disk_support import move_data_onto

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, KeyCheck


@pytest.fixture
def clock() -> PinnedClock:
    """The clinic's clock, standing at ``PINNED_AT`` until a test moves it."""
    return PinnedClock(PINNED_AT, "Asia/Almaty")


@pytest.fixture
def ws(tmp_path: Path, clock: PinnedClock) -> Iterator[demo.DemoWorkspace]:
    # Built around the pinned moment: keys, staff and scans are the same on every run.
    workspace = demo.build(tmp_path / "clinic", clock=PinnedClock(PINNED_AT, "Asia/Almaty"))
    try:
        yield workspace
    finally:
        workspace.stop()


@pytest.fixture
def receptionist(ws: demo.DemoWorkspace) -> tuple[str, str, str, str]:
    return next(s for s in ws.staff if s[0] == "receptionist")


@pytest.fixture
def admin(ws: demo.DemoWorkspace) -> tuple[str, str, str, str]:
    return next(s for s in ws.staff if s[0] == "admin")


@pytest.fixture
async def desk(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, str, str, str]
) -> AsyncIterator[Desk]:
    """The receptionist signed in at a workstation of the demo clinic."""
    d = Desk(ws.config, clock=clock)
    d.session.sign_in(receptionist[1], receptionist[2])
    try:
        yield d
    finally:
        await d.aclose()
        d.close()


@pytest.fixture
def key(ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]) -> KeyCheck:
    """The receptionist's key store, opened with its password: it can sign."""
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    assert check.can_sign
    return check


# -- the data folder on a file system of its own (disk_support.py) ---------------------------


@pytest.fixture
def small_disk(ws: demo.DemoWorkspace) -> Iterator[Path]:
    """The data folder on a 16 MiB tmpfs (skipped where this machine does not let a test mount
    one: it needs root or CAP_SYS_ADMIN)."""
    yield from move_data_onto(ws, ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs"])


@pytest.fixture
def ext4_image(tmp_path: Path) -> Path:
    image = tmp_path / "data.img"
    with image.open("wb") as out:
        out.truncate(64 * 1024 * 1024)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make an ext4 image here: {made.stderr.strip()}")
    return image


@pytest.fixture
def breakable_disk(ws: demo.DemoWorkspace, ext4_image: Path) -> Iterator[Path]:
    """The data folder on an ext4 image mounted with ``errors=remount-ro`` (skipped where no
    loop device can be mounted)."""
    yield from move_data_onto(ws, ["-o", "loop,errors=remount-ro", str(ext4_image)])
