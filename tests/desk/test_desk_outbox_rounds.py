"""The attachments for the register sent by the clinic's desks (issue 14, "Many desks"): each
item is claimed by one desk at a time, a killed desk's claim ends after the lease, and the
backoff of a failed item is kept in the database across a restart. Against the real simulator
over loopback; what was posted is read from the simulator's request log."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from collections import Counter
from datetime import timedelta

from desk_support import draft, queued_attachment_key, signed_in, with_registry
from outbox_support import flush

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, KeyCheck
from regdesk.desk.outbox_rounds import FIRST_RETRY, LEASE, batch_size, lease
from regdesk.registry import contract
from regdesk.registry.sim import Fault, Faults
from regdesk.registry.sim.request_log import LoggedRequest

Staff = tuple[str, str, str, str]


def posts(ws: demo.DemoWorkspace, log: list[LoggedRequest] | None = None) -> Counter[str | None]:
    """How many times each attachment (by its idempotency key) was posted to the register."""
    return Counter(
        r.idempotency_key
        for r in (ws.simulator.requests() if log is None else log)
        if r.method == "POST" and r.path == contract.ATTACHMENTS
    )


async def registered(ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, n: int) -> list[str]:
    """``n`` people registered at ``desk`` (their attachments queued, none sent): the keys
    their outbox items hold."""
    numbers = []
    for iin in ws.samples["unattached"][:n]:
        numbers.append(desk.registration.register(await draft(desk, iin), key))
    return [queued_attachment_key(ws, number) for number in numbers]


async def test_two_desks_flushing_at_once_post_each_attachment_once(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, key: KeyCheck, receptionist: Staff
) -> None:
    keys = await registered(ws, desk, key, 2)
    assert posts(ws) == Counter()
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as other:
        sent = await asyncio.gather(
            desk.registration.flush_outbox(), other.registration.flush_outbox()
        )
        assert sum(sent) == 2
        # Nothing is left for either desk, and nothing is posted again.
        assert await other.registration.flush_outbox() == 0
    assert await desk.registration.flush_outbox() == 0
    assert posts(ws) == Counter({k: 1 for k in keys})


async def test_a_killed_desk_s_claim_is_taken_over_after_the_lease(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, key: KeyCheck
) -> None:
    (item,) = await registered(ws, desk, key, 1)
    # The register never answers the first post: the other desk is still sending when it dies.
    ws.simulator.inject(Fault("hang", path=contract.ATTACHMENTS, method="POST"))
    context = mp.get_context("spawn")  # the simulator's thread must not be forked
    sender = context.Process(
        target=flush, args=(str(ws.root / "config.toml"), clock.now().isoformat())
    )
    sender.start()
    try:
        await asyncio.to_thread(ws.simulator.wait_for, lambda log: bool(posts(ws, log)), 60)
    finally:
        sender.kill()  # SIGKILL: no finally, no clean-up in the sender
        sender.join(30)
    assert posts(ws) == Counter({item: 1})

    # Its claim holds until the lease ends: this desk sends nothing meanwhile…
    assert await desk.registration.flush_outbox() == 0
    clock.advance(LEASE - timedelta(seconds=1))
    assert await desk.registration.flush_outbox() == 0
    assert posts(ws) == Counter({item: 1})
    # …and takes the item over when it ends, once.
    clock.advance(timedelta(seconds=1))
    assert await desk.registration.flush_outbox() == 1
    assert await desk.registration.flush_outbox() == 0
    assert posts(ws) == Counter({item: 2})
    # The dead desk's post was never answered; the takeover's was, and the register has it.
    first, second = [r for r in ws.simulator.requests() if r.idempotency_key == item]
    assert first.outcome != "answered" and (second.outcome, second.status) == ("answered", 201)
    iin = ws.samples["unattached"][0]
    assert ws.simulator.app.population.attachments[iin]["clinic_bin"] == ws.config.clinic.bin


async def test_a_failed_attachment_waits_its_backoff_across_a_restart(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, key: KeyCheck, receptionist: Staff
) -> None:
    (item,) = await registered(ws, desk, key, 1)
    ws.simulator.set_faults(Faults(fail_rate=1.0))
    assert await desk.registration.flush_outbox() == 0
    tried = posts(ws)[item]
    assert tried >= 1
    with desk.context.locked():
        (waiting,) = desk.context.journal.outbox.pending(kinds=["attachment"])
    assert waiting.attempts == 1 and waiting.last_error
    ws.simulator.set_faults(Faults())

    # The desk is restarted (another workstation would do the same): the wait is in the row.
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as restarted:
        clock.advance(FIRST_RETRY - timedelta(seconds=1))
        assert await restarted.registration.flush_outbox() == 0
        assert posts(ws)[item] == tried
        clock.advance(timedelta(seconds=1))
        assert await restarted.registration.flush_outbox() == 1
        assert await restarted.registration.flush_outbox() == 0
    assert posts(ws)[item] == tried + 1


async def test_a_claimed_batch_is_sent_within_its_lease_whatever_the_deadline(
    ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    for deadline in (1.0, 30.0, 100.0, 600.0):
        ctx = Desk(with_registry(ws.config, deadline=deadline), clock=clock).context
        try:
            batch = batch_size(ctx)
            # Every call of the batch taking the whole deadline still ends before the lease.
            assert batch >= 1 and batch * deadline < lease(ctx).total_seconds()
            assert lease(ctx) >= LEASE
        finally:
            ctx.close()
