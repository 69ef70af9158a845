"""One registration of a person per clinic and numbering year, settled inside the transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.core.application import Role, State
from regdesk.i18n import LANGS
from regdesk.store.db import open_db
from regdesk.store.journal import (
    AlreadyRegisteredError,
    Journal,
    RegisteredByColleagueError,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FIRST = "880101300123"
SECOND = "870202400456"
IIN = "900101300011"
R = Role.RECEPTIONIST


def terminal(path: Path) -> Journal:
    """A terminal of its own: its own connection to the clinic's one database file."""
    return Journal(open_db(path))


def draft(journal: Journal, actor: str, iin: str = IIN, at: datetime = NOW) -> int:
    return journal.drafts.create_draft(
        applicant_iin=iin, actor_iin=actor, role=R, now=at, birth_date=date(1990, 1, 1)
    )


def counts(journal: Journal) -> tuple[int, int]:
    conn = journal.db.conn
    registered = conn.execute(
        "SELECT count(*) FROM applications WHERE state = 'registered'"
    ).fetchone()[0]
    last_seq = conn.execute("SELECT coalesce(max(last_seq), 0) FROM number_counters").fetchone()
    return int(registered), int(last_seq[0])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = open_db(tmp_path / "regdesk.sqlite3")
    # The registrar's name comes from the staff list.
    db.conn.execute(
        "INSERT INTO staff (iin, full_name, role, password_hash, created_at)"
        " VALUES (?, 'Сейітова Айгүл', 'receptionist', 'x', ?)",
        (FIRST, NOW.isoformat()),
    )
    db.conn.close()
    return tmp_path / "regdesk.sqlite3"


def test_a_second_application_of_the_same_person_takes_no_number(path: Path) -> None:
    a, b = terminal(path), terminal(path)
    first, second = draft(a, FIRST), draft(b, SECOND)
    number = a.registration.register(first, clinic_code="EMH", actor_iin=FIRST, role=R, now=NOW)
    with pytest.raises(AlreadyRegisteredError) as caught:
        b.registration.register(second, clinic_code="EMH", actor_iin=SECOND, role=R, now=NOW)
    for lang in LANGS:
        text = caught.value.message(lang)
        assert number in text and "Сейітова Айгүл" in text, text
    assert b.search.get(second).state is State.DRAFT
    # No number was used by the refused one: the next person gets 000002.
    assert counts(b) == (1, 1)
    other = b.registration.register(
        draft(b, SECOND, "850202400022"), clinic_code="EMH", actor_iin=SECOND, role=R, now=NOW
    )
    assert other == "EMH-2026-000002"


def test_an_issued_one_counts_a_refused_one_and_last_year_do_not(path: Path) -> None:
    j = terminal(path)
    last_year = draft(j, FIRST, at=NOW - timedelta(days=365))
    j.registration.register(
        last_year, clinic_code="EMH", actor_iin=FIRST, role=R, now=NOW - timedelta(days=365)
    )
    refused = draft(j, FIRST)
    j.registration.register(refused, clinic_code="EMH", actor_iin=FIRST, role=R, now=NOW)
    j.registration.transition(
        refused, State.REFUSED, actor_iin=FIRST, role=R, reason_code="data_mismatch", now=NOW
    )
    # Last year's and a refused one do not hold this year's registration.
    issued = draft(j, FIRST)
    j.registration.register(issued, clinic_code="EMH", actor_iin=FIRST, role=R, now=NOW)
    j.registration.transition(issued, State.ISSUED, actor_iin=FIRST, role=R, now=NOW)
    found = j.same_person.registered(IIN, 2026)
    assert found is not None and found.id == issued and found.state is State.ISSUED
    assert found.by_name == "Сейітова Айгүл"
    with pytest.raises(AlreadyRegisteredError):
        j.registration.register(
            draft(j, FIRST), clinic_code="EMH", actor_iin=FIRST, role=R, now=NOW
        )
    # The next numbering year starts afresh (the registry knows of the attachment by then).
    next_year = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    assert j.registration.register(
        draft(j, FIRST, at=next_year), clinic_code="EMH", actor_iin=FIRST, role=R, now=next_year
    ).startswith("EMH-2027-")


def test_the_same_draft_signed_twice_names_the_colleague_and_the_number(path: Path) -> None:
    a, b = terminal(path), terminal(path)
    app_id = draft(a, FIRST)
    number = a.registration.register(app_id, clinic_code="EMH", actor_iin=FIRST, role=R, now=NOW)
    with pytest.raises(RegisteredByColleagueError) as caught:
        b.registration.register(app_id, clinic_code="EMH", actor_iin=SECOND, role=R, now=NOW)
    texts = {lang: caught.value.message(lang) for lang in LANGS}
    for lang, text in texts.items():
        assert number in text and "Сейітова Айгүл" in text, (lang, text)
        assert "registered” to “registered" not in text and "«registered»" not in text
    assert len(set(texts.values())) == 3
    assert counts(b) == (1, 1)


def test_open_drafts_of_other_employees_since_a_moment(path: Path) -> None:
    j = terminal(path)
    mine = draft(j, SECOND)
    theirs = draft(j, FIRST, at=NOW + timedelta(minutes=5))
    draft(j, FIRST, at=NOW - timedelta(days=1))  # yesterday's: not "open now"
    found = j.same_person.open_drafts(IIN, since=NOW - timedelta(hours=1), besides_actor=SECOND)
    assert [d.id for d in found] == [theirs]
    assert found[0].by_name == "Сейітова Айгүл" and found[0].at == NOW + timedelta(minutes=5)
    assert (
        j.same_person.open_drafts(
            IIN, since=NOW - timedelta(hours=1), besides_actor=FIRST, besides=mine
        )
        == []
    )
