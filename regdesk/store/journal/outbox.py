"""Messages to the registry waiting to be sent (e.g. recording a new attachment).

A message is queued in the transaction of the change that causes it, so the two commit together:
a registry that is down never loses one, and the idempotency key keeps a retry from doubling it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from regdesk.core.json_types import JsonObject
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.part import OUTBOX, JournalPart, dump_json
from regdesk.store.journal.records import OutboxItem

log = logging.getLogger("regdesk.outbox")


class Outbox(JournalPart):
    """The queue of messages to the registry."""

    def enqueue(self, kind: str, idempotency_key: str, payload: JsonObject, now: datetime) -> int:
        """Queue a message for the registry (idempotent on the key); returns the item id.

        Call it inside the transaction of the change that causes the message, so that the two
        commit together.
        """
        with transaction(self.db):
            self.db.conn.execute(
                "INSERT INTO outbox (kind, idempotency_key, payload, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
                (kind, idempotency_key, dump_json(payload), utc_text(now)),
            )
            row = self.db.conn.execute(
                "SELECT id FROM outbox WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
        return int(row[0])

    def pending(self, limit: int = 50) -> list[OutboxItem]:
        """Messages not yet sent, oldest first."""
        return self._all(OUTBOX, "FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,))

    def done(self, item_id: int, now: datetime) -> None:
        """Mark a message as sent."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL"
                " WHERE id = ?",
                (utc_text(now), item_id),
            )
        log.info("outbox item %d delivered", item_id)

    def failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt and keep why (no personal data in ``error``)."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, item_id),
            )
        log.warning("outbox item %d not delivered: %s", item_id, error)
