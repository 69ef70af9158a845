"""Client overhead per look-up: ``RegistryClient.person`` against a bare httpx GET, same run.

Both talk to the same simulator (its own process) on loopback, alternating in blocks so that
drift in the machine's load hits both alike. The bare request parses the JSON too, as any caller
must; the client adds IIN validation, its headers, the size-limited read and strict parsing into
a ``Person``. The figure is the ratio of the medians (target <= 1.2).
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from bench.registry_sim import spawn_simulator
from regdesk.config import Registry
from regdesk.registry.client import RegistryClient

ROUNDS = 15
BLOCK = 100


async def _measure(url: str, token: str, iins: list[str]) -> tuple[list[float], list[float]]:
    settings = Registry(base_url=url, token=token)
    bare_times: list[float] = []
    client_times: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with (
        httpx.AsyncClient(base_url=url, headers=headers, trust_env=False) as bare,
        RegistryClient(settings) as client,
    ):
        for i in range(50):  # warm both connection pools and code paths
            iin = iins[i % len(iins)]
            (await bare.get(f"/v1/persons/{iin}")).json()
            await client.person(iin)
        for _ in range(ROUNDS):
            for i in range(BLOCK):
                iin = iins[i % len(iins)]
                started = time.perf_counter()
                response = await bare.get(f"/v1/persons/{iin}")
                response.raise_for_status()
                response.json()
                bare_times.append(time.perf_counter() - started)
            for i in range(BLOCK):
                iin = iins[i % len(iins)]
                started = time.perf_counter()
                await client.person(iin)
                client_times.append(time.perf_counter() - started)
    return bare_times, client_times


def main() -> None:
    with spawn_simulator() as spawned:
        bare, client = asyncio.run(_measure(spawned.url, spawned.token, spawned.iins))
    b = statistics.median(bare) * 1000
    c = statistics.median(client) * 1000
    print(f"bare httpx GET + json: median {b:.3f} ms over {len(bare)} requests")
    print(f"RegistryClient.person: median {c:.3f} ms over {len(client)} look-ups")
    print(f"overhead ratio (client / bare, medians): {c / b:.3f}  (target <= 1.2)")
