"""The results of portal applications going back to the portal (Table 1, actions 6-8).

A decision (registered with the electronic talon, or refused) is queued in the outbox as one
``portal_result`` message in the decision's transaction (``desk.portal_decision``); this part
keeps the decision's and the delivery's times (``applications.decided_at``, ``delivered_at``,
which the inbox and the reports read) and reads back where each result is: sent, waiting for its
next attempt, or held for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from regdesk.store.db import from_utc_text, transaction, utc_text
from regdesk.store.journal.outbox import fresh_key
from regdesk.store.journal.part import JournalPart

PORTAL_RESULT = "portal_result"
"""The outbox kind of a portal application's result."""


def result_key(clinic_bin: str, portal_id: str) -> str:
    """A new idempotency key for ``portal_id``'s result, drawn in the decision's transaction and
    kept in its outbox row: a retry, a restart or a second desk sends that row's key, so the
    portal never gets two. Its random part (``fresh_key``) is for a power cut that lost the
    decision after its result went out: the application decided again sends another key, which
    the portal answers ``409 already_decided`` (settled by reading its status), not ``422
    idempotency_conflict`` under the old key with another body."""
    return fresh_key(clinic_bin, "portal", portal_id, "result")


@dataclass(frozen=True)
class ResultRow:
    """Where one portal application's result stands, as stored (timestamps aware, UTC)."""

    item_id: int
    application_id: int
    portal_id: str
    number: str | None
    outcome: str
    decided_at: datetime | None
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    held: str | None


# The payload is not selected: a registered result carries the talon (tens of kilobytes).
_SELECT = (
    "SELECT o.id, a.id, a.portal_id, a.number, json_extract(o.payload, '$.outcome'),"
    " a.decided_at, o.attempts, o.last_error, a.delivered_at, o.next_attempt_at, o.held"
    " FROM outbox o JOIN applications a ON a.id = json_extract(o.payload, '$.application_id')"
)


def _row(values: tuple[object, ...]) -> ResultRow:
    def ts(value: object) -> datetime | None:
        return from_utc_text(value) if isinstance(value, str) else None

    item_id, app_id, portal_id, number, outcome, decided, attempts, error, delivered, due, held = (
        values
    )
    return ResultRow(
        item_id=int(str(item_id)),
        application_id=int(str(app_id)),
        portal_id=str(portal_id or ""),
        number=str(number) if number else None,
        outcome=str(outcome),
        decided_at=ts(decided),
        attempts=int(str(attempts)),
        last_error=str(error) if error else None,
        delivered_at=ts(delivered),
        next_attempt_at=ts(due),
        held=str(held) if held else None,
    )


class PortalResults(JournalPart):
    """Decision times of portal applications and the state of their results' delivery."""

    def decided(self, app_id: int, now: datetime) -> None:
        """Note when the application was decided (a registration sets no ``decided_at`` of its
        own; a refusal's transition already did and is not moved)."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE applications SET decided_at = COALESCE(decided_at, ?) WHERE id = ?",
                (utc_text(now), app_id),
            )

    def delivered(self, app_id: int, now: datetime) -> None:
        """Note when the portal confirmed the result (``applications.delivered_at``, which the
        inbox and the reports read); the outbox message is marked sent by the caller."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE applications SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
                (utc_text(now), app_id),
            )

    def of(self, portal_id: str) -> ResultRow | None:
        """The result of one portal application, or None when it has not been decided here."""
        # Found through the application (one decision each): the key has a random part.
        row = self.db.conn.execute(
            f"{_SELECT} WHERE o.kind = ? AND a.portal_id = ? ORDER BY o.id DESC LIMIT 1",
            (PORTAL_RESULT, portal_id),
        ).fetchone()
        return _row(tuple(row)) if row else None

    def undelivered(self, limit: int = 500) -> list[ResultRow]:
        """Results decided but not yet taken by the portal, held ones included, oldest first."""
        rows = self.db.conn.execute(
            f"{_SELECT} WHERE o.kind = ? AND o.sent_at IS NULL ORDER BY o.id LIMIT ?",
            (PORTAL_RESULT, limit),
        )
        return [_row(tuple(r)) for r in rows]
