"""The outbox's backoff and claims: kept in the rows, for a restart and a second desk alike."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.store.db import open_db
from regdesk.store.journal import Journal

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def _journal(tmp_path: Path) -> Journal:
    return Journal(open_db(tmp_path / "regdesk.sqlite3"))


def test_a_claimed_item_is_not_claimed_again_until_its_lease_ends(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    first = journal.outbox.enqueue("portal_result", "k1", {"n": 1}, NOW)
    # Another terminal on the same file: the claim is in the row, not in this process.
    other = _journal(tmp_path)
    assert [i.id for i in journal.outbox.claim(["portal_result"], NOW, LEASE)] == [first]
    assert other.outbox.claim(["portal_result"], NOW + LEASE / 2, LEASE) == []
    # The sender died mid-way: after the lease the item is due again.
    assert [i.id for i in other.outbox.claim(["portal_result"], NOW + LEASE, LEASE)] == [first]


def test_a_failure_backs_off_until_its_retry_time_across_a_reopen(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    item = journal.outbox.enqueue("portal_result", "k1", {"n": 1}, NOW)
    journal.outbox.claim(["portal_result"], NOW, LEASE)
    journal.outbox.failed(item, "registry down", retry_at=NOW + timedelta(minutes=10))
    journal.db.conn.close()

    reopened = _journal(tmp_path)
    assert reopened.outbox.claim(["portal_result"], NOW + timedelta(minutes=9), LEASE) == []
    (due,) = reopened.outbox.claim(["portal_result"], NOW + timedelta(minutes=10), LEASE)
    assert (due.attempts, due.last_error) == (1, "registry down")
    assert due.next_attempt_at is not None and due.next_attempt_at > NOW


def test_claims_are_by_kind_and_the_desks_flush_does_not_see_other_kinds(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.outbox.enqueue("portal_result", "p", {}, NOW)
    attachment = journal.outbox.enqueue("attachment", "a", {}, NOW)
    assert [i.id for i in journal.outbox.pending(kinds=("attachment",))] == [attachment]
    assert [i.kind for i in journal.outbox.claim(["attachment"], NOW, LEASE)] == ["attachment"]
    assert {i.kind for i in journal.outbox.pending()} == {"portal_result", "attachment"}


def test_a_held_item_waits_for_a_person_and_release_makes_it_due(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    item = journal.outbox.enqueue("portal_result", "k1", {}, NOW)
    journal.outbox.hold(item, "conflict:refused", "409 already_decided")
    later = NOW + timedelta(days=3)
    assert journal.outbox.claim(["portal_result"], later, LEASE) == []
    assert journal.outbox.pending() == []
    held = journal.outbox.get(item)
    assert held is not None and held.held == "conflict:refused" and held.sent_at is None
    journal.outbox.release(item)
    assert [i.id for i in journal.outbox.claim(["portal_result"], later, LEASE)] == [item]
    journal.outbox.done(item, later)
    # A message that went through cannot be held or released back into the queue.
    journal.outbox.hold(item, "conflict:refused")
    journal.outbox.release(item)
    assert journal.outbox.claim(["portal_result"], later + LEASE, LEASE) == []
    sent = journal.outbox.get(item)
    assert sent is not None and sent.held is None and sent.sent_at == later


def test_a_claim_that_finds_nothing_due_does_not_wait_for_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regdesk.store import db as db_module

    journal = _journal(tmp_path)
    item = journal.outbox.enqueue("attachment", "a", {}, NOW)
    journal.outbox.claim(["attachment"], NOW, LEASE)  # leased: not due again before NOW + LEASE
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    other = sqlite3.connect(tmp_path / "regdesk.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another terminal writing, for as long as it likes
    try:
        # Most rounds end so: nothing due, said without queueing for the lock.
        assert journal.outbox.claim(["attachment"], NOW + LEASE / 2, LEASE) == []
        # Something due is claimed in a write transaction, which waits for the lock as before.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            journal.outbox.claim(["attachment"], NOW + LEASE, LEASE)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [i.id for i in journal.outbox.claim(["attachment"], NOW + LEASE, LEASE)] == [item]
