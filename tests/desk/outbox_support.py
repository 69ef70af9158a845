"""A workstation that sends the outbox in a process of its own, for the test to kill -9 while it
sends (spawned, so it is importable here beside the test, which the spawned interpreter finds on
the same path)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from regdesk.config import load
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk


async def _flush(config_file: str, at: str) -> None:
    desk = Desk(load(config_file), clock=PinnedClock(datetime.fromisoformat(at), "Asia/Almaty"))
    try:
        await desk.registration.flush_outbox()
    finally:
        await desk.aclose()
        desk.close()


def flush(config_file: str, at: str) -> None:
    """Send the clinic's outbox from a desk whose clock stands at ``at``."""
    asyncio.run(_flush(config_file, at))
