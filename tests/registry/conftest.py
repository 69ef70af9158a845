"""The registry simulator on a free loopback port, and a client with fast backoff."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import date

import pytest

from regdesk.registry.client import Backoff, RegistryClient
from regdesk.registry.sim import SimulatorHandle, running_simulator

SEED = 7
PERSONS = 300
TODAY = date(2026, 11, 25)
"""The registry's "today" in these tests (ages, documents' validity, attachments' dates)."""


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator(seed=SEED, persons=PERSONS, token="test-token", today=TODAY) as handle:
        yield handle


@pytest.fixture
def fast_backoff() -> Backoff:
    """Real exponential backoff with jitter, scaled down so that retry tests take milliseconds."""
    return Backoff(base=0.01, cap=0.05, retry_after_cap=2.0, rng=random.Random(1))


@pytest.fixture
def sim_options() -> dict[str, object]:
    """The options of the ``sim`` fixture, for tests that start their own simulator."""
    return {"seed": SEED, "persons": PERSONS, "today": TODAY}


@pytest.fixture
async def client(sim: SimulatorHandle, fast_backoff: Backoff) -> AsyncIterator[RegistryClient]:
    async with RegistryClient(sim.settings(read_timeout=2.0), backoff=fast_backoff) as c:
        yield c


@pytest.fixture
def today() -> date:
    return TODAY
