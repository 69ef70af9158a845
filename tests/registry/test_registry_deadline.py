"""A registry that trickles its answer: the overall deadline ends the wait, as any timeout does.

httpx's read timeout counts from one piece of the answer to the next, so an answer sent a byte at
a time, each byte well inside the read timeout, would hold the desk for ever without a deadline
over the whole request. The simulator trickles the answer over real loopback HTTP.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from regdesk.registry.client import Backoff, RegistryClient
from regdesk.registry.errors import Unavailable
from regdesk.registry.sim import Fault, SimulatorHandle

DEADLINE = 0.6
EVERY = 0.05
"""A byte every 50 ms: far inside the read timeout (2 s), so only the deadline can end it."""
SLACK = 5.0
"""Upper bounds leave room for a loaded machine, yet stay far below the failure they guard
against: without the deadline a trickled answer of a kilobyte or more takes a minute."""


@pytest.mark.parametrize("kind", ["trickle_headers", "trickle_body"])
async def test_a_trickled_answer_ends_at_the_deadline_as_did_not_answer_in_time(
    sim: SimulatorHandle, fast_backoff: Backoff, kind: str
) -> None:
    sim.inject(Fault(kind, every=EVERY))
    settings = sim.settings(read_timeout=2.0, deadline=DEADLINE, retries=0)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable) as caught:
            await client.person(sim.cases["adult"][0])
        took = time.monotonic() - started
    assert caught.value.key == "registry.unavailable_timeout"
    assert DEADLINE <= took < DEADLINE + SLACK
    (logged,) = sim.wait_for_requests(1)
    assert logged.fault == kind and logged.outcome == "client_closed"
    assert caught.value.request_id == logged.request_id


async def test_the_deadline_covers_the_retries_too(
    sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    # Three trickled attempts would take three deadlines if each attempt had its own.
    sim.inject(*[Fault("trickle_body", every=EVERY) for _ in range(3)])
    settings = sim.settings(read_timeout=2.0, deadline=DEADLINE, retries=2)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable) as caught:
            await client.person(sim.cases["adult"][0])
        took = time.monotonic() - started
    assert caught.value.key == "registry.unavailable_timeout"
    assert took < DEADLINE + SLACK
    assert len(sim.requests()) == 1, "the first attempt used the whole deadline"


async def test_an_answer_within_the_deadline_is_read_whole(
    sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    # A short trickle (the attachment answer is about 200 bytes) that ends inside the deadline.
    sim.inject(Fault("trickle_body", every=0.001))
    settings = sim.settings(read_timeout=2.0, deadline=5.0, retries=0)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        attachment = await client.attachment(sim.cases["attached_here"][0])
    assert attachment is not None and attachment.clinic_bin == sim.clinic_bin
    (logged,) = sim.wait_for_requests(1)
    assert logged.fault == "trickle_body" and logged.outcome == "answered"


def test_lookup_on_a_trickling_registry_ends_and_says_so(
    sim: SimulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The config's smallest deadline (1 s); a byte every 0.2 s never trips the 5 s read timeout.
    from staff_cli import init_with_admin, main_with_stdin, signed

    config = tmp_path / "config.toml"
    config.write_text(
        f'[registry]\nbase_url = "{sim.url}"\ntoken = "{sim.token}"\n'
        "retries = 0\nread_timeout = 5.0\ndeadline = 1.0\n"
        '[clinic]\nbin = "040340004129"\n[storage]\ndata_dir = "data"\n',
        encoding="utf-8",
    )
    init_with_admin(config)
    sim.inject(Fault("trickle_headers", every=0.2), Fault("trickle_headers", every=0.2))
    started = time.monotonic()
    code = main_with_stdin(
        signed("--lang", "en", "--config", str(config), "lookup", sim.cases["adult"][0])
    )
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 4 and "did not answer in time" in err
    assert took < 1.0 + SLACK  # trickled headers alone would take tens of seconds
