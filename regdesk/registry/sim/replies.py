"""What the simulator answers: a status, a body and headers, before the server writes it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from regdesk.core.clock import wall_utc
from regdesk.registry import contract as c


@dataclass
class Reply:
    """One answer; ``chunked`` sends the body without a Content-Length."""

    status: int
    body: bytes
    content_type: str = c.JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunked: bool = False


def json_bytes(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def error(status: int, code: str, message: str) -> Reply:
    """The contract's error body ``{"error": {"code", "message"}}`` with ``status``."""
    return Reply(status, json_bytes({"error": {"code": code, "message": message}}))


def now() -> datetime:
    """The simulator's time (it has no clinic): the machine's clock in UTC, whole seconds."""
    return wall_utc().replace(microsecond=0)
