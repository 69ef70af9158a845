"""Sending the outbox in rounds: claims, leases and backoff, the same for every kind of message.

Every desk of a clinic sends the one outbox the clinic shares (the attachments and annulments for
the register, ``Registration.flush_outbox``; the portal's results, ``portal_decision``). A round
claims the items that are due (``Outbox.claim``: their next attempt moved past a lease in one
transaction), so another desk skips them meanwhile, and a desk killed half-way leaves them due
again once the lease ends. Claims are taken a few at a time, so that a batch is sent within its
lease even when each call to the registry takes its whole deadline. A failed item waits
``retry_delay`` (kept in its row, so a restart keeps the wait); when the registry cannot be
reached at all, the rest of the claimed batch waits with it and the round stops, instead of each
item meeting its own timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from regdesk.desk.context import DeskContext
from regdesk.store.journal import OutboxItem

if TYPE_CHECKING:  # httpx is loaded with the registry client, on first use
    from regdesk.registry.errors import Unavailable

LEASE = timedelta(minutes=2)
"""How long a desk that took an item to send keeps it from other desks (and from itself after a
crash mid-way): longer than one call to the registry with its retries can last (``lease``)."""
FIRST_RETRY = timedelta(seconds=30)
"""The wait after a first failed delivery; each further failure doubles it…"""
LONGEST_RETRY = timedelta(minutes=15)
"""…up to this: after a registry down for hours, an item goes within this long of its return.
No jitter: the lease already keeps the desks of one clinic from sending the same item."""
ROUND = 50
"""The most items one round sends: a desk's round ends even while others keep registering."""

R = TypeVar("R")


def retry_delay(attempts: int, asked: float | None = None) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones (at least 1), or what
    the registry asked for (``Retry-After``) when that is longer."""
    # The exponent is bounded: a registry down for days counts hundreds of attempts, and a
    # timedelta of 30 s * 2**100 does not exist.
    delay = min(LONGEST_RETRY, FIRST_RETRY * 2 ** min(max(0, attempts - 1), 20))
    if asked is not None:
        delay = max(delay, timedelta(seconds=asked))
    return delay


class RegistryDown(Exception):
    """Raised by a round's ``send`` after it marked its item failed (``failed``): the registry
    could not be reached, so the round stops sending."""

    def __init__(self, error: Unavailable) -> None:
        super().__init__(error.key)
        self.error = error


def lease(ctx: DeskContext) -> timedelta:
    """``LEASE``, or twice the registry's deadline for one call when a clinic set it longer."""
    return max(LEASE, timedelta(seconds=2 * ctx.config.registry.deadline))


def batch_size(ctx: DeskContext) -> int:
    """How many items one claim takes: fewer than the lease covers when each call takes the
    registry's whole deadline (its retries included), at least one."""
    deadline = max(1.0, ctx.config.registry.deadline)
    return max(1, int(lease(ctx).total_seconds() // deadline) - 1)


def claim(ctx: DeskContext, kinds: Collection[str], limit: int) -> list[OutboxItem]:
    """Up to ``limit`` due items of ``kinds``, oldest first, leased to this desk."""
    with ctx.locked():
        return ctx.journal.outbox.claim(kinds, ctx.now(), lease(ctx), limit)


def failed(ctx: DeskContext, item: OutboxItem, error: str, asked: float | None = None) -> None:
    """Count a failed attempt (``error`` in English, for the log) and set when ``item`` is due
    again: ``retry_delay`` after now, or later when the registry asked for it."""
    retry_at = ctx.now() + retry_delay(item.attempts + 1, asked)
    with ctx.locked():
        ctx.journal.outbox.failed(item.id, error, retry_at)


def done(ctx: DeskContext, item: OutboxItem) -> None:
    """Mark ``item`` sent."""
    with ctx.locked():
        ctx.journal.outbox.done(item.id, ctx.now())


async def send_round(
    ctx: DeskContext,
    kinds: Collection[str],
    send: Callable[[OutboxItem], Awaitable[R]],
    down: R,
) -> list[R]:
    """Claim the due items of ``kinds`` a batch at a time and ``send`` each (it ends the item:
    ``done``, ``failed`` or a hold); returns what ``send`` returned for each, ``down`` for each
    item the round did not send because the registry could not be reached."""
    outcomes: list[R] = []
    limit = batch_size(ctx)
    while len(outcomes) < ROUND:
        items = await asyncio.to_thread(claim, ctx, kinds, min(limit, ROUND - len(outcomes)))
        if not items:
            break
        for n, item in enumerate(items):
            try:
                outcomes.append(await send(item))
            except RegistryDown as stop:
                outcomes.append(down)
                # The rest of the batch waits as long as the item that met the outage.
                error = stop.error.message("en")
                for rest in items[n + 1 :]:
                    await asyncio.to_thread(failed, ctx, rest, error, stop.error.retry_after)
                    outcomes.append(down)
                return outcomes
    return outcomes


__all__ = [
    "FIRST_RETRY",
    "LEASE",
    "LONGEST_RETRY",
    "ROUND",
    "RegistryDown",
    "batch_size",
    "claim",
    "done",
    "failed",
    "lease",
    "retry_delay",
    "send_round",
]
