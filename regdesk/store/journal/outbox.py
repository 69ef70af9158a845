"""Messages to the registry waiting to be sent (e.g. recording a new attachment).

A message is queued in the transaction of the change that causes it, so the two commit together:
a registry that is down never loses one, and the idempotency key keeps a retry from doubling it.

A sender that backs off keeps the time of its next attempt in the row (``next_attempt_at``), so
the backoff survives a restart; ``claim`` takes the due items and moves their next attempt past
a lease in one transaction, so two desks sending at once do not send the same item together. An
item the registry will not take as it is (``hold``) waits for a person and is not sent again.

**Keys** (``fresh_key``) end with a random part drawn when the message is queued, in the change's
own transaction, and kept in the row, so every retry and restart sends the same key. The readable
part (the clinic's BIN, the number or the portal id) alone would not do: with ``[storage]
durability = "normal"`` a power cut can lose the last commits after their messages went out, and
the journal then gives the lost number (or id) again, to another person; a key made of it alone
would reach the register a second time with another body (``422 idempotency_conflict``), and
that person would never be recorded there. An annulment's key is its attachment's with
``:annul`` (``desk.corrections``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from regdesk.core.json_types import JsonObject
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.part import OUTBOX, JournalPart, dump_json
from regdesk.store.journal.records import OutboxItem

log = logging.getLogger("regdesk.outbox")

KEY_RANDOM_BYTES = 6
"""The random part of a key: 48 bits, 12 hex digits. Two keys of one number meet only after a
power cut lost the first one's commit, so a collision is a 1 in 2**48 chance at that moment."""


def fresh_key(*parts: str) -> str:
    """A new idempotency key: ``parts`` joined by ``:`` for the admin to read (the BIN first,
    then what the message is about), and a random part that no lost commit can give again."""
    return ":".join((*parts, secrets.token_hex(KEY_RANDOM_BYTES)))


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

    def pending(self, limit: int = 50, *, kinds: Collection[str] = ()) -> list[OutboxItem]:
        """Messages not yet sent and not held, oldest first; of ``kinds`` only, when given."""
        where, params = _of_kinds(kinds)
        return self._all(
            OUTBOX,
            f"FROM outbox WHERE sent_at IS NULL AND held IS NULL{where} ORDER BY id LIMIT ?",
            (*params, limit),
        )

    def claim(
        self, kinds: Collection[str], now: datetime, lease: timedelta, limit: int = 50
    ) -> list[OutboxItem]:
        """The items of ``kinds`` due at ``now`` (not sent, not held, past their next attempt),
        oldest first, each with its next attempt moved to ``now + lease``: another sender skips
        them meanwhile, and a sender that dies mid-way leaves them due again after the lease.
        The caller ends each with ``done``, ``failed`` or ``hold``."""
        where, params = _of_kinds(kinds)
        at = utc_text(now)
        due = (
            "FROM outbox WHERE sent_at IS NULL AND held IS NULL"
            f" AND (next_attempt_at IS NULL OR next_attempt_at <= ?){where}"
        )
        # Most rounds end with a claim that finds nothing: looked for first without the write
        # lock, so that it does not queue behind the registering desks for nothing.
        if self.db.conn.execute(f"SELECT 1 {due} LIMIT 1", (at, *params)).fetchone() is None:
            return []
        with transaction(self.db):
            items = self._all(OUTBOX, f"{due} ORDER BY id LIMIT ?", (at, *params, limit))
            self.db.conn.executemany(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
                [(utc_text(now + lease), item.id) for item in items],
            )
        return items

    def get(self, item_id: int) -> OutboxItem | None:
        return self._first(OUTBOX, "FROM outbox WHERE id = ?", (item_id,))

    def attachment_key(self, clinic_bin: str, number: str) -> str | None:
        """The idempotency key the attachment of application ``number`` was queued with (the
        newest, should there be two); None when the journal holds none."""
        # Its keys start with ``BIN:number`` (``fresh_key``; older ones are just that): the
        # range is read from the keys' unique index, not from every row's JSON; the payload
        # then tells the number from a longer one that starts the same.
        start = f"{clinic_bin}:{number}"
        row = self.db.conn.execute(
            "SELECT idempotency_key FROM outbox"
            " WHERE idempotency_key >= ? AND idempotency_key < ? AND kind = 'attachment'"
            " AND json_extract(payload, '$.application') = ? ORDER BY id DESC LIMIT 1",
            (start, start + ";", number),  # ";" comes right after ":"
        ).fetchone()
        return str(row[0]) if row else None

    def done(self, item_id: int, now: datetime) -> None:
        """Mark a message as sent."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL"
                " WHERE id = ?",
                (utc_text(now), item_id),
            )
        log.info("outbox item %d delivered", item_id)

    def failed(self, item_id: int, error: str, retry_at: datetime | None = None) -> None:
        """Count a failed attempt and keep why (no personal data in ``error``); ``retry_at``:
        not due again before then (None: due at once, as the desk's flush expects)."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
                " WHERE id = ?",
                (error, utc_text(retry_at) if retry_at else None, item_id),
            )
        log.warning("outbox item %d not delivered: %s", item_id, error)

    def hold(self, item_id: int, why: str, error: str = "") -> None:
        """Stop sending the item until a person acts (``release``): ``why`` says what stopped it
        (e.g. ``conflict:refused``), ``error`` what the registry said, for the log."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, held = ?, last_error = ?"
                " WHERE id = ? AND sent_at IS NULL",
                (why, error or None, item_id),
            )
        log.warning("outbox item %d held for a person: %s", item_id, why)

    def release(self, item_id: int) -> None:
        """Make a held or backed-off item due at once."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET held = NULL, next_attempt_at = NULL"
                " WHERE id = ? AND sent_at IS NULL",
                (item_id,),
            )


def _of_kinds(kinds: Collection[str]) -> tuple[str, tuple[str, ...]]:
    """The SQL condition (and its parameters) limiting outbox rows to ``kinds`` (none: all)."""
    if not kinds:
        return "", ()
    return f" AND kind IN ({', '.join('?' * len(kinds))})", tuple(kinds)
