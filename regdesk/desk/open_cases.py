"""The person open at this desk, told to the colleagues at the others (issue 14, "same person at
two desks").

Two receptionists may open the same applicant at once (a family at two windows, a person who
walked over to the shorter queue). The journal's check at registration lets only one of them
register; this is the warning before that, on the person card: who has the person open, at
which workstation, since when. It warns and never blocks: the person may have walked away from
the other desk without a word.

A desk holds at most one person (``store.journal.open_cases``): the look-up that answered
opens the mark, the form (or refusal) begun adds its draft, and the mark goes when the case
ends (registered, refused, abandoned, Esc back to the menu, sign-out, the desk closing). The
idle lock takes it away too (the draft stays a draft, which ``same_person`` still mentions);
the unlocked desk's next heartbeat writes it again.

Marks of a desk that died expire by a heartbeat, not by their age: while a person is open, the
screen tells the desk what it shows every ``HEARTBEAT_SECONDS`` (``keep``), which refreshes the
mark's ``seen_at``; a mark not refreshed for ``STALE_AFTER`` (six missed beats) is ignored, and
removed by the next desk that writes one. An age limit on the opening time would have to be
longer than the longest form (a family's, with scans: half an hour), and a dead desk's mark
would warn for as long. The heartbeat also brings the colleague who opened the person second
onto the first one's card.

The workstation is the context's (``desk.terminal_name``: ``REGDESK_WORKSTATION``, else the
host's name).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from regdesk.core.application import State
from regdesk.desk.errors import refused_write
from regdesk.store.journal import OpenCase

if TYPE_CHECKING:
    from regdesk.core.rules import Finding
    from regdesk.desk.context import DeskContext

log = logging.getLogger("regdesk.desk")

HEARTBEAT_SECONDS = 20.0
"""How often an open person's screen refreshes its mark (and reads the colleagues' again)."""
STALE_AFTER = timedelta(minutes=2)
"""A mark not refreshed for this long belongs to a desk that is gone (six missed beats: a desk
busy for a minute on a slow registry still counts as present)."""


@dataclass(frozen=True)
class Held:
    """The person open at this desk."""

    iin: str
    application_id: int | None
    opened_at: datetime


class OpenCases:
    """This desk's open person, and the colleagues' marks on a person."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx
        self.desk_id = secrets.token_hex(8)
        """This desk's mark: one per running desk (two desks of one employee are two)."""
        self.held: Held | None = None
        self.paused = False
        """The mark was taken away by the idle lock; the next ``keep`` writes it again."""

    def hold(self, iin: str, application_id: int | None = None) -> None:
        """``iin`` is open at this desk (its draft, once begun): the colleagues see it. The
        same person held again keeps the time it was first opened."""
        ctx = self._ctx
        actor = ctx.actor()
        now = ctx.now()
        with ctx.locked():
            held = self.held
            opened = held.opened_at if held is not None and held.iin == iin else now
            ctx.journal.open_cases.hold(
                self.desk_id,
                iin=iin,
                actor_iin=actor.iin,
                workstation=ctx.workstation,
                application_id=application_id,
                opened_at=opened,
                now=now,
                stale_before=now - STALE_AFTER,
            )
            self.held = Held(iin, application_id, opened)
            self.paused = False

    def release(self, application_id: int | None = None) -> None:
        """Nobody is open at this desk any more. With ``application_id``: only when the person
        held is that application's (an abandon of the previous person's draft, finishing late,
        must not take the next person's mark away)."""
        ctx = self._ctx
        with ctx.locked():
            held = self.held
            if held is None:
                return
            if application_id is not None and held.application_id != application_id:
                return
            self.held = None
            self.paused = False
            ctx.journal.open_cases.release(self.desk_id)

    def pause(self) -> None:
        """The idle lock: the mark goes (nobody is at this desk), the person stays held for
        when the same employee unlocks."""
        ctx = self._ctx

        def take_away() -> None:
            with ctx.locked():
                if self.held is not None and not self.paused:
                    ctx.journal.open_cases.release(self.desk_id)
                    self.paused = True

        self._beat(take_away)

    def leave(self) -> None:
        """Back to the menu: nobody is open here any more. No key asked for the mark's write
        itself: a disk that refuses it leaves the mark to expire (``_beat``)."""
        self._beat(self.release)

    def keep(self, iin: str | None, application_id: int | None = None) -> list[Finding]:
        """The heartbeat of the screen that shows a person (``iin`` None: it shows nobody).

        The mark is refreshed (written again after a lock), replaced when the screen shows
        another person, or taken away; an application that is no longer a draft (registered,
        refused) ends the case. Returns what the journal says of the person now: colleagues
        who have them open, a registration made meanwhile (``same_person``).
        """
        from regdesk.desk import same_person

        if iin is None:
            self._beat(self.release)
            return []
        if application_id is not None and self._ctx.record(application_id).state != State.DRAFT:
            self._beat(self.release, application_id)
            return []
        self._beat(self.hold, iin, application_id)
        return same_person.findings(self._ctx, iin, besides=application_id)

    @staticmethod
    def _beat(write: Callable[..., None], *args: object) -> None:
        """The heartbeat's write of the mark. No key asked for it: a disk that refuses it (full,
        read-only, failing) leaves the mark as it was, to expire after ``STALE_AFTER``, and
        the work at this desk goes on (the key the receptionist presses says its own words)."""
        try:
            write(*args)
        except sqlite3.OperationalError as exc:
            if not refused_write(exc):
                raise
            log.warning("the open case's mark not refreshed: %s", exc)

    def others(self, iin: str) -> list[OpenCase]:
        """The other desks that have ``iin`` open now (their marks fresh), first opened first."""
        ctx = self._ctx
        now = ctx.now()
        with ctx.locked():
            return ctx.journal.open_cases.of_person(
                iin, fresh_since=now - STALE_AFTER, besides_desk=self.desk_id
            )

    def close(self) -> None:
        """The desk is closing (quit, hang-up): its mark goes. A database that refuses the
        write (locked for long, disk gone) leaves it to expire."""
        import sqlite3

        try:
            self.release()
        except sqlite3.Error as exc:
            log.warning("the open case's mark stays until it expires: %s", exc)


__all__ = ["HEARTBEAT_SECONDS", "STALE_AFTER", "Held", "OpenCases"]
