"""Simulator throughput: 50 concurrent keep-alive clients on loopback, requests per second.

The simulator runs in its own process (``regdesk registry-sim``), as in the demo's worst case of
many terminals; the load comes from minimal asyncio HTTP/1.1 clients in this process, so that the
figure is the server's and not httpx's.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

CLIENTS = 50
DURATION = 6.0
TOKEN = "bench-token"


@dataclass
class Spawned:
    url: str
    host: str
    port: int
    token: str
    iins: list[str]


@contextmanager
def spawn_simulator(persons: int = 2000, seed: int = 0) -> Iterator[Spawned]:
    """``regdesk registry-sim`` in a child process on a free port; stopped on exit."""
    sample = subprocess.run(
        [sys.executable, "-m", "regdesk", "registry-sim", "--sample", "--persons", str(persons),
         "--seed", str(seed)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    iins = [
        iin
        for line in sample.stdout.splitlines()
        for case in [json.loads(line)]
        if case["case"] != "no_record"
        for iin in case["iins"]
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "regdesk", "--lang", "en", "registry-sim", "--port", "0",
         "--persons", str(persons), "--seed", str(seed), "--token", TOKEN],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        found = re.search(r"http://([\d.]+):(\d+)", proc.stdout.readline())
        if not found:
            raise RuntimeError("the simulator did not start")
        host, port = found.group(1), int(found.group(2))
        yield Spawned(found.group(0), host, port, TOKEN, iins)
    finally:
        proc.terminate()
        proc.wait(10)


async def _client(spawned: Spawned, deadline: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection(spawned.host, spawned.port)
    done = 0
    try:
        while time.perf_counter() < deadline:
            iin = spawned.iins[done % len(spawned.iins)]
            request = (
                f"GET /v1/persons/{iin} HTTP/1.1\r\nHost: {spawned.host}\r\n"
                f"Authorization: Bearer {spawned.token}\r\nAccept: application/json\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200") or not body.startswith(b"{"):
                raise RuntimeError(head.decode(errors="replace"))
            done += 1
    finally:
        writer.close()
    return done


async def _load(spawned: Spawned, clients: int, duration: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + duration
    counts = await asyncio.gather(*(_client(spawned, deadline, latencies) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, latencies


def main() -> None:
    with spawn_simulator() as spawned:
        asyncio.run(_load(spawned, 5, 1.0))  # warm-up
        rates = []
        for _ in range(3):
            rate, latencies = asyncio.run(_load(spawned, CLIENTS, DURATION / 3))
            rates.append(rate)
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(
        f"simulator throughput, {CLIENTS} concurrent keep-alive clients, GET /v1/persons/{{iin}}: "
        f"median {statistics.median(rates):.0f} requests/s (runs: "
        f"{', '.join(f'{r:.0f}' for r in rates)}); latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
