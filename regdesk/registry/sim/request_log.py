"""The simulator's log of requests, which tests read to count attempts and see outcomes.

The server (on its event loop thread) writes an entry when a request arrives and changes it as
the request ends; a test (on another thread) waits for a condition on the log rather than for a
duration, since the server marks a request answered only after its reply has been flushed, which
may be after the client has already read it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

Outcome = Literal["pending", "answered", "hung", "client_closed", "dropped"]
ENDED: Final = frozenset({"answered", "client_closed", "dropped"})
"""Outcomes after which the server does nothing more with a request."""


@dataclass
class LoggedRequest:
    """One request as the simulator saw it; tests count retries with these."""

    method: str
    path: str
    request_id: str
    idempotency_key: str | None
    client: str
    started: float
    status: int = 0
    fault: str = ""
    outcome: Outcome = "pending"
    """answered, hung (still waiting), client_closed (the client gave up), dropped."""

    @property
    def ended(self) -> bool:
        return self.outcome in ENDED


class RequestLog:
    """The entries, oldest first, behind one condition that every change notifies."""

    def __init__(self, limit: int = 100_000) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=limit)
        self._changed = threading.Condition()

    def add(self, entry: LoggedRequest) -> None:
        with self._changed:
            self._entries.append(entry)
            self._changed.notify_all()

    def update(
        self,
        entry: LoggedRequest,
        *,
        outcome: Outcome | None = None,
        status: int | None = None,
        fault: str | None = None,
        client: str | None = None,
    ) -> None:
        """Change an entry under the lock, so a waiting test sees the change whole."""
        with self._changed:
            if outcome is not None:
                entry.outcome = outcome
            if status is not None:
                entry.status = status
            if fault is not None:
                entry.fault = fault
            if client is not None:
                entry.client = client
            self._changed.notify_all()

    def entries(self) -> list[LoggedRequest]:
        with self._changed:
            return list(self._entries)

    def clear(self) -> None:
        with self._changed:
            self._entries.clear()
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[list[LoggedRequest]], bool], timeout: float
    ) -> list[LoggedRequest]:
        """The entries once ``predicate(entries)`` holds; TimeoutError after ``timeout`` seconds.

        The predicate runs under the log's lock, so it sees no half-made change.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self._entries)):
                left = deadline - time.monotonic()
                if left <= 0:
                    shown = [(e.method, e.path, e.status, e.outcome) for e in self._entries]
                    raise TimeoutError(f"the request log did not reach the condition: {shown}")
                self._changed.wait(left)
            return list(self._entries)
