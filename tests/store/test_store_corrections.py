"""The journal's corrections: an annulment in one transaction (state, signature, event, audit),
only from a registered or issued application and only by an admin; a file from before the
annulments table gets it on opening."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.core.application import Role, State
from regdesk.store import audit, schema
from regdesk.store.db import open_db
from regdesk.store.journal import IllegalTransitionError, Journal

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CLERK, ADMIN = "880101300123", "750505400456"
SIGNATURE: dict[str, object] = {
    "signer_iin": ADMIN,
    "signer_name": "ADMIN",
    "cert_serial": 42,
    "cert_issuer": "CN=Test CA",
    "content_sha256": "ab" * 32,
    "canonical": b'{"kind":"regdesk.attachment-annulment"}',
    "cms": b"\x30\x00",
}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "regdesk.sqlite3")


def registered(journal: Journal, iin: str = "900101300011") -> tuple[int, str]:
    app_id = journal.drafts.create_draft(
        applicant_iin=iin, actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW,
        registry_data={}, surname="Әлиев", first_name="Асқар", patronymic="",
        birth_date=date(1990, 1, 1),
    )  # fmt: skip
    number = journal.registration.register(
        app_id, clinic_code="C", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW
    )
    return app_id, number


def test_an_annulment_is_one_record_with_its_event_and_audit(db: Database) -> None:
    journal = Journal(db)
    app_id, number = registered(journal)
    later = NOW + timedelta(hours=1)
    got = journal.corrections.annul(
        app_id, reason_code="wrong_person", note="ЖСН", actor_iin=ADMIN, role=Role.ADMIN,
        now=later, signature=SIGNATURE,
    )  # fmt: skip
    assert got == number
    record = journal.search.get(app_id)
    assert record.state is State.ANNULLED and record.number == number and record.is_final
    stored = journal.corrections.annulment(app_id)
    assert stored is not None
    assert (stored.number, stored.reason_code, stored.note, stored.at) == (
        number, "wrong_person", "ЖСН", later,
    )  # fmt: skip
    assert stored.canonical == SIGNATURE["canonical"] and stored.cms == SIGNATURE["cms"]
    last = journal.events.history(app_id)[-1]
    assert (last.from_state, last.to_state, last.actor_iin, last.reason_code) == (
        State.REGISTERED, State.ANNULLED, ADMIN, "wrong_person",
    )  # fmt: skip
    (entry,) = [a for a in audit.recent(db) if a.detail.get("to") == "annulled"]
    assert entry.actor_iin == ADMIN and entry.detail["number"] == number
    assert audit.verify(db).ok
    # The numbering is untouched: the next registration takes the next number.
    _, following = registered(journal, "900101300022")
    assert int(following.rsplit("-", 1)[1]) == int(number.rsplit("-", 1)[1]) + 1


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.SYSTEM])
def test_only_an_admin_may_annul(db: Database, role: Role) -> None:
    journal = Journal(db)
    app_id, _ = registered(journal)
    with pytest.raises(IllegalTransitionError):
        journal.corrections.annul(
            app_id, reason_code="duplicate", note="", actor_iin=CLERK, role=role, now=NOW,
            signature=SIGNATURE,
        )  # fmt: skip
    assert journal.search.get(app_id).state is State.REGISTERED
    assert journal.corrections.annulment(app_id) is None


def test_a_draft_or_an_annulled_application_cannot_be_annulled(db: Database) -> None:
    journal = Journal(db)
    app_id, _ = registered(journal)
    journal.corrections.annul(
        app_id, reason_code="duplicate", note="", actor_iin=ADMIN, role=Role.ADMIN, now=NOW,
        signature=SIGNATURE,
    )  # fmt: skip
    with pytest.raises(IllegalTransitionError):
        journal.corrections.annul(
            app_id, reason_code="duplicate", note="", actor_iin=ADMIN, role=Role.ADMIN,
            now=NOW, signature=SIGNATURE,
        )  # fmt: skip
    draft = journal.drafts.create_draft(
        applicant_iin="900101300033", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW,
        registry_data={},
    )  # fmt: skip
    with pytest.raises(IllegalTransitionError):
        journal.corrections.annul(
            draft, reason_code="duplicate", note="", actor_iin=ADMIN, role=Role.ADMIN, now=NOW,
            signature=SIGNATURE,
        )  # fmt: skip
    # A reason is part of the move: none, and the store refuses it too.
    other, _ = registered(journal, "900101300044")
    with pytest.raises(IllegalTransitionError):
        journal.corrections.annul(
            other, reason_code="", note="", actor_iin=ADMIN, role=Role.ADMIN, now=NOW,
            signature=SIGNATURE,
        )  # fmt: skip


def test_a_file_of_schema_1_gets_the_annulments_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in schema.statements(schema.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    db = open_db(path, upgrade=True)
    assert schema.version(db.conn) == schema.SCHEMA_VERSION >= 2
    assert "annulments" in db.table_names()
