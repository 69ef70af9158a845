"""The simulator's fault model: faults at random rates, faults queued one at a time, bad bodies.

By rate (``Faults``) or one at a time for the next matching request (``Fault``): latency, 5xx
answers (502/503/504), hung answers that never come, dropped connections, and malformed answers
(``GARBAGE_KINDS``: HTML, truncated JSON, a wrong type, a missing field, an invalid IIN, an
oversized body with or without Content-Length), and answers trickled a byte at a time.
"""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Final, Literal

from regdesk.registry.sim.replies import Reply, json_bytes

GARBAGE_KINDS: Final = (
    "html",
    "truncated",
    "wrong_type",
    "missing_field",
    "bad_iin",
    "oversized",
    "oversized_chunked",
)
FaultKind = Literal[
    "status", "hang", "drop", "garbage", "drop_after_commit", "trickle_headers", "trickle_body"
]


@dataclass(frozen=True)
class Faults:
    """Faults injected at random into every request of the contract (rates are 0..1)."""

    latency_ms: tuple[float, float] = (0.0, 0.0)
    """Each answer is delayed by a uniform draw from this range, in milliseconds."""
    fail_rate: float = 0.0
    """Share of requests answered 502, 503 or 504."""
    hang_rate: float = 0.0
    """Share of requests never answered (the client times out or cancels)."""
    garbage_rate: float = 0.0
    """Share of requests answered with a malformed body (one of ``GARBAGE_KINDS``)."""

    @staticmethod
    def parse_latency(text: str) -> tuple[float, float]:
        """``"50"`` or ``"50-200"`` (milliseconds) as a range."""
        low, _, high = text.partition("-")
        a = float(low)
        b = float(high) if high else a
        if a < 0 or b < a:
            raise ValueError(f"latency {text!r} is not A or A-B with 0 <= A <= B")
        return a, b


@dataclass(frozen=True)
class Fault:
    """One fault for the next request whose path starts with ``path`` (and has ``method``).

    ``status``: answer ``status`` (with ``retry_after`` as the Retry-After header); ``hang``: never
    answer; ``drop``: close the connection without answering; ``garbage``: answer with the
    ``garbage`` kind of malformed body; ``drop_after_commit``: do the work (record a POST), then
    close the connection without answering, as when an answer is lost on the way back;
    ``trickle_headers``: send the whole answer one byte every ``every`` seconds, status line
    first; ``trickle_body``: send the headers at once, then the body one byte every ``every``
    seconds (each byte resets a per-read timeout, so only an overall deadline ends the wait).
    """

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    garbage: str = "html"
    path: str = ""
    method: str = ""
    every: float = 2.0

    @property
    def label(self) -> str:
        """How the request log names this fault."""
        return self.garbage if self.kind == "garbage" else self.kind


class FaultSchedule:
    """Which fault, if any, the next request gets: a queued one first, else a draw at the rates."""

    def __init__(self, faults: Faults | None, seed: int) -> None:
        self.faults = faults or Faults()
        # Seeded apart from the population, so that a fault rate does not change who exists.
        self.rng = random.Random(f"regdesk-sim-faults/{seed}")
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._queue.extend(faults)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._queue):
                if path.startswith(fault.path) and fault.method in ("", method):
                    del self._queue[i]
                    return fault
        f = self.faults
        roll = self.rng.random()
        if roll < f.fail_rate:
            return Fault("status", status=self.rng.choice((502, 503, 504)))
        roll -= f.fail_rate
        if roll < f.hang_rate:
            return Fault("hang")
        roll -= f.hang_rate
        if roll < f.garbage_rate:
            return Fault("garbage", garbage=self.rng.choice(GARBAGE_KINDS))
        return None

    def latency(self) -> float:
        """Seconds to delay the next answer."""
        low, high = self.faults.latency_ms
        return 0.0 if high <= 0 else self.rng.uniform(low, high) / 1000


def garbage(kind: str, reply: Reply) -> Reply:
    """``reply`` made malformed in the way ``kind`` (one of ``GARBAGE_KINDS``) names."""
    if kind == "html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        return Reply(200, page, content_type="text/html")
    if kind == "truncated":
        return Reply(200, reply.body[: max(1, len(reply.body) // 2)])
    if kind in ("oversized", "oversized_chunked"):
        padding = "x" * (2 << 20)
        body = reply.body.rstrip(b"}") + f',"padding":"{padding}"}}'.encode()
        return Reply(200, body, chunked=kind == "oversized_chunked")
    try:
        data = json.loads(reply.body)
    except ValueError:
        data = {}
    if not isinstance(data, dict) or not data:
        data = {"unexpected": True}
    if kind == "bad_iin" and isinstance(data.get("iin"), str):
        iin = data["iin"]
        data["iin"] = iin[:11] + str((int(iin[11]) + 1) % 10)
    elif kind == "missing_field":
        del data[next(iter(data))]
    else:
        key = next((k for k, v in data.items() if isinstance(v, str)), next(iter(data)))
        data[key] = 12345 if isinstance(data[key], str) else "12345"
    return Reply(200, json_bytes(data))
