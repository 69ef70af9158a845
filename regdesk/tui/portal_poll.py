"""The portal fetched on its own: every ``[portal] fetch_seconds``, and at once on the inbox's F5.

One round is the intake's sync (new applications fetched, checked and received) and then the
decision's delivery (decided results sent to the portal, the outbox's backoff kept). It runs in a
worker of the app, on the desk's own loop — never on the UI thread — and never twice at once: a
tick that finds the last round still running is skipped, and F5 then says so. What the last round
did is kept (when, how many came, how many results went, what failed, in words) for the inbox's
status line; every screen on the stack with a ``portal_synced`` method is told when a round ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.timer import Timer

from regdesk.tui import calls

if TYPE_CHECKING:
    from regdesk.tui.app import DeskApp
    from regdesk.tui.calls import PortalRound

Tr = Any


class PortalPoll:
    """The app's fetch-and-deliver rounds and what the last one did."""

    def __init__(self, app: DeskApp) -> None:
        self.app = app
        self.running = False
        """A round is under way: a tick or F5 now does not start another."""
        self.again = False
        """A decision was made during a round: one more round follows it, to send its result."""
        self.last: PortalRound | None = None
        """What the last round that ended did (None before the first)."""
        self.failed: str = ""
        """Why the last round could not run at all, in the user's words ("" when it ran)."""
        self.ended_at: datetime | None = None
        """When the last round ended, in clinic time."""
        self._timer: Timer | None = None

    def start(self) -> None:
        """Start the timer (the app calls it once it is mounted); nothing when the clinic turned
        the automatic fetch off (``[portal] enabled = false``)."""
        portal = self.app.config.portal
        if portal.enabled and self._timer is None:
            self._timer = self.app.set_interval(portal.fetch_seconds, self.tick, name="portal")

    def tick(self) -> None:
        """The timer's call: a round while someone is signed in (the lock screen included: the
        portal's deadlines run on)."""
        if self.app.employee is not None:
            self.run_now()

    def run_now(self) -> bool:
        """Start a round unless one is running; whether one was started."""
        if self.running:
            return False
        self.running = True
        self._tell()
        self.app.call_desk(
            self.app,
            calls.portal_round,
            then=self._done,
            failed=self._failed,
            group="portal-poll",
        )
        return True

    def soon(self) -> None:
        """A round now, or right after the one under way (a result decided here is sent at
        once when the registry answers)."""
        if not self.run_now():
            self.again = True

    def _done(self, result: PortalRound) -> None:
        self.last = result
        self.failed = ""
        self._ended()

    def _failed(self, text: str) -> None:
        self.failed = text
        self._ended()

    def _ended(self) -> None:
        self.running = False
        self.ended_at = self.app.clock.now()
        self._tell()
        if self.again:
            self.again = False
            self.run_now()

    def _tell(self) -> None:
        for screen in self.app.screen_stack:
            told = getattr(screen, "portal_synced", None)
            if callable(told):
                told()

    def status(self, tr: Tr, lang: str) -> tuple[str, bool]:
        """The inbox's status line, and whether it reports a failure."""
        if self.running:
            return tr("inbox.poll_running"), False
        if self.ended_at is None:
            return "", False
        at = self.ended_at.strftime("%H:%M")
        if self.failed:
            return tr("inbox.poll_failed", time=at, error=self.failed), True
        last = self.last
        assert last is not None
        lines = [tr("inbox.poll_done", time=at, new=last.received, sent=last.delivered)]
        if last.waiting:
            lines.append(tr("inbox.poll_waiting", count=last.waiting))
        if last.held:
            lines.append(tr("inbox.poll_held", count=last.held))
        lines += [p.message(lang) for p in last.problems]
        return " ".join(lines), bool(last.problems or last.held)


__all__ = ["PortalPoll"]
