"""The journal: drafts, state changes with events and audit, numbering, search and its indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from regdesk.core.application import Channel, Role, State, TransitionError
from regdesk.core.errors import UserError
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import (
    IllegalTransitionError,
    Journal,
    NotEditableError,
    NotFoundError,
    make_name_key,
    normalise_name_query,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CLERK = "880101300123"
R = Role.RECEPTIONIST


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "regdesk.sqlite3")


@pytest.fixture
def journal(db: Database) -> Journal:
    return Journal(db)


def draft(journal: Journal, iin: str = "900101300011", *names: str, at: datetime = NOW) -> int:
    surname, first, patronymic = (*names, "", "", "")[:3]
    return journal.drafts.create_draft(
        applicant_iin=iin,
        actor_iin=CLERK,
        role=R,
        now=at,
        registry_data={"found": True, "name": "Әлиев"},
        surname=surname,
        first_name=first,
        patronymic=patronymic,
        birth_date=date(1990, 1, 1),
    )


def test_a_draft_is_stored_with_its_history_and_audit(journal: Journal, db: Database) -> None:
    app_id = draft(journal, "900101300011", "Әлиев", "Асқар", "Серікұлы")
    rec = journal.search.get(app_id)
    assert rec.state is State.DRAFT and rec.channel is Channel.DESK
    assert rec.full_name == "Әлиев Асқар Серікұлы"
    assert rec.name_key == "алиев аскар серикулы"  # folded: ә→а, қ→к, і→и, ұ→у
    assert rec.registry_data == {"found": True, "name": "Әлиев"}
    assert rec.birth_date == date(1990, 1, 1)
    assert rec.created_at == NOW and rec.created_at.tzinfo is not None
    (event,) = journal.events.history(app_id)
    assert (event.kind, event.from_state, event.to_state) == ("transition", None, State.DRAFT)
    (entry,) = audit.recent(db)
    assert (entry.action, entry.object, entry.actor_iin) == (
        "state_change",
        f"application:{app_id}",
        CLERK,
    )


def test_form_and_fields_are_saved_while_a_draft(journal: Journal) -> None:
    app_id = draft(journal, "900101300011", "Иванов", "Иван")
    later = NOW + timedelta(minutes=1)
    journal.drafts.save_form(app_id, {"phone": "+7 701 000 00 00", "district": "3"}, later)
    journal.drafts.update(
        app_id, later, surname="Ёлкин", district=3, effective_date=date(2027, 1, 1)
    )
    rec = journal.search.get(app_id)
    assert rec.form == {"phone": "+7 701 000 00 00", "district": "3"}
    assert rec.surname == "Ёлкин" and rec.name_key == "елкин иван"
    assert rec.district == 3 and rec.effective_date == date(2027, 1, 1)
    assert rec.updated_at == later
    with pytest.raises(ValueError):
        journal.drafts.update(app_id, later, state="issued")


def test_refusal_needs_a_reason_and_is_final(journal: Journal, db: Database) -> None:
    app_id = draft(journal)
    with pytest.raises(IllegalTransitionError) as caught:
        journal.registration.transition(app_id, State.REFUSED, actor_iin=CLERK, role=R, now=NOW)
    assert isinstance(caught.value, UserError) and isinstance(caught.value, TransitionError)
    assert caught.value.target is State.REFUSED and "reason" in caught.value.why
    assert "cannot move from “draft” to “refused”" in str(caught.value)
    journal.registration.transition(
        app_id, State.REFUSED, actor_iin=CLERK, role=R, reason_code="deceased", note="x", now=NOW
    )
    rec = journal.search.get(app_id)
    assert (rec.state, rec.refusal_code, rec.refusal_note) == (State.REFUSED, "deceased", "x")
    assert rec.decided_at == NOW and rec.is_final
    assert [e.to_state for e in journal.events.history(app_id)] == [State.DRAFT, State.REFUSED]
    assert journal.events.history(app_id)[1].reason_code == "deceased"
    assert audit.recent(db)[0].detail == {
        "from": "draft",
        "reason": "deceased",
        "to": "refused",
    }
    with pytest.raises(IllegalTransitionError):
        journal.registration.transition(app_id, State.ISSUED, actor_iin=CLERK, role=R, now=NOW)
    with pytest.raises(NotEditableError):
        journal.drafts.save_form(app_id, {"a": 1}, NOW)
    assert "refused" in NotEditableError(id=app_id, state="refused").message("en")


def test_a_failed_transition_writes_nothing(journal: Journal, db: Database) -> None:
    app_id = draft(journal)
    before = (len(journal.events.history(app_id)), len(audit.recent(db)))
    with pytest.raises(IllegalTransitionError):
        journal.registration.transition(app_id, State.ISSUED, actor_iin=CLERK, role=R, now=NOW)
    assert (len(journal.events.history(app_id)), len(audit.recent(db))) == before
    assert journal.search.get(app_id).state is State.DRAFT
    with pytest.raises(ValueError, match="register"):
        journal.registration.transition(app_id, State.REGISTERED, actor_iin=CLERK, role=R, now=NOW)
    with pytest.raises(NotFoundError):
        journal.search.get(9999)
    with pytest.raises(NotFoundError):
        journal.registration.transition(9999, State.ABANDONED, actor_iin=CLERK, role=R, now=NOW)


def test_register_numbers_per_clinic_and_year_without_gaps(journal: Journal, db: Database) -> None:
    ids = [draft(journal, f"90010130{i:04d}") for i in range(4)]
    assert journal.registration.register(
        ids[0], clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW
    ) == ("EMH-2026-000001")
    # A registration that fails (a refused application cannot be registered) uses no number.
    journal.registration.transition(
        ids[1], State.REFUSED, actor_iin=CLERK, role=R, reason_code="no_data", now=NOW
    )
    with pytest.raises(IllegalTransitionError):
        journal.registration.register(ids[1], clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW)
    assert journal.registration.register(
        ids[2], clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW
    ) == ("EMH-2026-000002")
    new_year = datetime(2027, 1, 1, 0, 5, tzinfo=timezone(timedelta(hours=5)))
    assert journal.registration.register(
        ids[3], clinic_code="EMH", actor_iin=CLERK, role=R, now=new_year
    ) == ("EMH-2027-000001")
    rec = journal.search.get(ids[2])
    assert (rec.state, rec.number, rec.number_year, rec.number_seq) == (
        State.REGISTERED,
        "EMH-2026-000002",
        2026,
        2,
    )
    assert rec.registered_at == NOW
    assert journal.search.get_by_number("EMH-2026-000002") == rec
    assert journal.search.get_by_number("EMH-2026-000099") is None
    assert audit.recent(db, limit=1)[0].detail == {
        "from": "draft",
        "number": "EMH-2027-000001",
        "to": "registered",
    }
    assert audit.verify(db).ok


def test_register_keeps_the_signature_and_registration_fields(journal: Journal) -> None:
    app_id = draft(journal)
    signature = {
        "signer_iin": CLERK,
        "signer_name": "Сейітова Айгүл",
        "cert_serial": "1234abcd",
        "cert_issuer": "CN=ҰКО (RSA) TEST",
        "signed_at": NOW,
        "content_sha256": "ab" * 32,
        "canonical": b'{"a":1}',
        "cms": b"\x30\x82\x01\x00",
    }
    journal.registration.register(
        app_id,
        clinic_code="EMH",
        actor_iin=CLERK,
        role=R,
        now=NOW,
        signature=signature,
        basis="residence_change",
        district=7,
        effective_date=date(2026, 11, 25),
    )
    sig = journal.registration.signature(app_id)
    assert sig is not None
    assert (sig.signer_name, sig.cms, sig.canonical, sig.signed_at) == (
        "Сейітова Айгүл",
        b"\x30\x82\x01\x00",
        b'{"a":1}',
        NOW,
    )
    rec = journal.search.get(app_id)
    assert (rec.basis, rec.district, rec.effective_date) == (
        "residence_change",
        7,
        date(2026, 11, 25),
    )
    assert journal.registration.signature(draft(journal)) is None


def test_a_failing_signature_rolls_back_the_number(journal: Journal) -> None:
    app_id = draft(journal)
    with pytest.raises(KeyError):
        journal.registration.register(
            app_id, clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW, signature={"x": 1}
        )
    assert journal.search.get(app_id).state is State.DRAFT
    assert journal.registration.register(
        app_id, clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW
    ) == ("EMH-2026-000001")


def test_find_by_iin_number_state_and_dates(journal: Journal) -> None:
    a = draft(journal, "900101300011", "Ахметов", at=NOW)
    b = draft(journal, "900101300011", "Ахметов", at=NOW + timedelta(hours=1))
    c = draft(journal, "850202400022", "Бекова", at=NOW + timedelta(days=1))
    number = journal.registration.register(b, clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW)
    assert [r.id for r in journal.search.find(iin="900101300011")] == [b, a]
    assert [r.id for r in journal.search.find(iin=" 900101300011 ", state=State.DRAFT)] == [a]
    assert [r.id for r in journal.search.find(number=number)] == [b]
    assert [r.id for r in journal.search.find(state="registered")] == [b]
    assert [r.id for r in journal.search.find(date_from=NOW + timedelta(minutes=30))] == [c, b]
    assert [r.id for r in journal.search.find(date_from=NOW, date_to=NOW + timedelta(hours=1))] == [
        a
    ]
    assert [r.id for r in journal.search.list_recent(limit=2)] == [c, b]
    assert journal.search.find(iin="000000000000") == []
    assert journal.search.count_by_state() == {State.DRAFT: 2, State.REGISTERED: 1}


def test_name_prefix_ignores_case_in_kazakh_and_russian(journal: Journal) -> None:
    names = [
        ("ӘЛІМЖАНОВ", "ҒАЛЫМ", "ҚАНАТҰЛЫ"),
        ("Әлімжанова", "Гүлнұр", ""),
        ("Өмірзақов", "Ұлан", ""),
        ("Ёлкина", "Анна", "Петровна"),
        ("Ким", "Ирина", ""),
        ("Кимов", "Олег", ""),
        ("Иванов", "Иван", "Иванович"),
    ]
    ids = {n[0]: draft(journal, f"9001013{i:05d}", *n) for i, n in enumerate(names)}

    def found(prefix: str) -> list[int]:
        return [r.id for r in journal.search.find(name_prefix=prefix)]

    assert found("әлім") == [ids["ӘЛІМЖАНОВ"], ids["Әлімжанова"]]
    assert found("ӘЛІМЖАНОВА") == [ids["Әлімжанова"]]
    assert found("әлімжанов ғалым қ") == [ids["ӘЛІМЖАНОВ"]]
    assert found("ӨМІР") == [ids["Өмірзақов"]]
    assert found("елкина") == found("Ёлкина") == [ids["Ёлкина"]]
    assert found("  иванов   иван ") == [ids["Иванов"]]
    assert found("Ким") == [ids["Ким"], ids["Кимов"]]
    assert found("Ким ") == [ids["Ким"]]
    assert found("ким и") == [ids["Ким"]]
    assert found("Ж") == []
    # An empty prefix does not filter.
    assert len(journal.search.find(name_prefix="  ", limit=100)) == len(names)
    assert len(journal.search.find(name_prefix="к", limit=1)) == 1


def test_surnames_are_found_across_kazakh_and_russian_letters(journal: Journal) -> None:
    kazakh = draft(journal, "900101300011", "Ғабдуллин", "Әлішер")
    russian = draft(journal, "900101300022", "Габдуллина", "Алишер")
    other = draft(journal, "900101300033", "Өмірбеков", "Ұлан", "Һадиұлы")

    def found(prefix: str) -> list[int]:
        return [r.id for r in journal.search.find(name_prefix=prefix)]

    # Typed in Russian letters, typed in Kazakh letters, in either case: the same people.
    assert found("Габдуллин") == found("Ғабдуллин") == found("ҒАБДУЛЛИН") == [kazakh, russian]
    assert found("габдуллина") == found("Ғабдуллина") == [russian]
    assert found("Габдуллин Али") == found("ғабдуллин әлі") == [kazakh]
    assert found("Омирбеков Улан Хадиулы") == found("ӨМІРБЕКОВ ҰЛАН ҺАДИҰЛЫ") == [other]
    assert found("Умир") == found("Үмір") == []  # у and о stay apart


def test_iin_prefix_and_number_tail(journal: Journal) -> None:
    a = draft(journal, "900101300011", "Ахметов", at=NOW)
    b = draft(journal, "900102400022", "Бекова", at=NOW + timedelta(hours=1))
    c = draft(journal, "850202400033", "Сейітов", at=NOW + timedelta(hours=2))
    for app_id in (a, b, c):
        journal.registration.register(app_id, clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW)
    old = draft(journal, "850202400044", "Ким", at=NOW - timedelta(days=400))
    journal.registration.register(
        old, clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW - timedelta(days=400)
    )
    # 2026: a is 000001, b 000002, c 000003; 2025: old is 000001.
    assert [r.id for r in journal.search.find(iin_prefix="900101")] == [a]
    assert [r.id for r in journal.search.find(iin_prefix="9001")] == [b, a]
    assert [r.id for r in journal.search.find(iin_prefix="8502024")] == [c, old]
    assert journal.search.find(iin_prefix="900103") == []
    assert [r.id for r in journal.search.find(number_seq=3)] == [c]
    assert [r.id for r in journal.search.find(number_seq=1)] == [a, old]
    assert [r.id for r in journal.search.find(number_seq=1, number_year=2025)] == [old]
    assert journal.search.find(number_seq=4) == []


def test_name_keys() -> None:
    assert make_name_key("ҚАЙРАТ", "", "Ёрмекұлы") == "кайрат ермекулы"
    assert normalise_name_query("ІЛИЯС ") == "илияс "
    assert normalise_name_query("Іли") == "или"
    # Every folded pair, capital and small: the Kazakh letter reads as the Russian one.
    kazakh, russian = "ҒҚҢҮҰӨӘІҺЁ", "ГКНУУОАИХЕ"
    assert make_name_key(kazakh) == make_name_key(russian) == "гкнууоаихе"
    assert make_name_key(kazakh.lower()) == make_name_key(russian.lower()) == "гкнууоаихе"


@pytest.mark.parametrize(
    ("criteria", "index"),
    [
        ({"iin": "900101300011"}, "applications_iin"),
        ({"number": "EMH-2026-000001"}, "sqlite_autoindex_applications_1"),
        ({"name_prefix": "әлі"}, "applications_name_key"),
        ({"name_prefix": "Габд"}, "applications_name_key"),
        ({"iin_prefix": "900101"}, "applications_iin"),
        ({"number_seq": 3}, "applications_number_seq"),
        ({"number_seq": 3, "number_year": 2026}, "applications_number_seq"),
        ({"state": "draft"}, "applications_state_created"),
        ({"date_from": NOW}, "applications_created_at"),
    ],
)
def test_searches_use_an_index(
    journal: Journal,
    db: Database,
    criteria: dict[str, Any],
    index: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft(journal, "900101300011", "Әлиев")
    captured: list[tuple[str, list[object]]] = []
    search = journal.search
    real_many = search._many

    def spy(sql: str, params: list[object]) -> object:
        captured.append((sql, list(params)))
        return real_many(sql, params)

    monkeypatch.setattr(search, "_many", spy)
    journal.search.find(**criteria)
    sql, params = captured[0]
    plan = " ".join(str(row[3]) for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
    assert "SCAN applications" not in plan.replace(f"SCAN applications USING INDEX {index}", "")


def test_steps_attachments_prints_survey(journal: Journal, db: Database) -> None:
    app_id = draft(journal)
    journal.events.record_step(app_id, "registry_request", "step_start", CLERK, R, NOW)
    journal.events.record_step(
        app_id, "registry_request", "step_end", CLERK, R, NOW + timedelta(seconds=40)
    )
    steps = [(e.kind, e.step) for e in journal.events.history(app_id) if e.kind != "transition"]
    assert steps == [("step_start", "registry_request"), ("step_end", "registry_request")]
    with pytest.raises(ValueError):
        journal.events.record_step(app_id, "x", "transition", CLERK, R, NOW)  # type: ignore[arg-type]

    att = journal.drafts.add_attachment(
        app_id,
        doc_kind="id_card",
        original_name="скан.pdf",
        media_type="application/pdf",
        size=10,
        sha256="cd" * 32,
        vault_name="ab" * 16,
        actor_iin=CLERK,
        now=NOW,
    )
    (record,) = journal.drafts.attachments(app_id)
    assert (record.id, record.original_name, record.size) == (att, "скан.pdf", 10)
    removed = journal.drafts.remove_attachment(att, NOW)
    assert removed == record and journal.drafts.attachments(app_id) == []
    assert journal.drafts.remove_attachment(att, NOW) is None

    journal.registration.register(app_id, clinic_code="EMH", actor_iin=CLERK, role=R, now=NOW)
    first = journal.issuance.record_print(
        app_id, document="talon", printer="files", format="pdf-a5", by_iin=CLERK, now=NOW
    )
    journal.issuance.update_print(first, status="failed", detail="paper jam")
    second = journal.issuance.record_print(
        app_id, document="talon", printer="files", format="pdf-a5", by_iin=CLERK, now=NOW,
        status="written",
    )  # fmt: skip
    third = journal.issuance.record_print(
        app_id, document="talon", printer="files", format="pdf-a5", by_iin=CLERK, now=NOW
    )
    prints = journal.issuance.prints(app_id)
    assert [(p.id, p.status, p.duplicate) for p in prints] == [
        (first, "failed", False),
        (second, "written", False),
        (third, "queued", True),
    ]
    assert [r.action for r in audit.recent(db, action="print")] == ["print"] * 3

    journal.issuance.save_survey(app_id, 3, 2, NOW)
    journal.issuance.save_survey(app_id, 3, 3, NOW)
    survey = journal.issuance.survey(app_id)
    assert survey is not None and (survey.q1, survey.q2) == (3, 3)
    with pytest.raises(ValueError):
        journal.issuance.save_survey(app_id, 4, 1, NOW)
    assert journal.issuance.survey(draft(journal)) is None


def test_open_drafts_are_the_employees_own(journal: Journal) -> None:
    mine = draft(journal, at=NOW)
    newer = draft(journal, at=NOW + timedelta(minutes=5))
    other = journal.drafts.create_draft(applicant_iin="1", actor_iin="other", role=R, now=NOW)
    journal.registration.transition(newer, State.ABANDONED, actor_iin=CLERK, role=R, now=NOW)
    journal.drafts.save_form(mine, {"x": 1}, NOW + timedelta(minutes=9))
    assert [r.id for r in journal.search.open_drafts(CLERK)] == [mine]
    assert [r.id for r in journal.search.open_drafts("other")] == [other]


def test_outbox_is_idempotent(journal: Journal) -> None:
    first = journal.outbox.enqueue("attach", "app-1", {"iin": "900101300011"}, NOW)
    assert journal.outbox.enqueue("attach", "app-1", {"iin": "changed"}, NOW) == first
    (item,) = journal.outbox.pending()
    assert (item.kind, item.payload, item.attempts) == ("attach", {"iin": "900101300011"}, 0)
    journal.outbox.failed(first, "timeout")
    assert journal.outbox.pending()[0].last_error == "timeout"
    journal.outbox.done(first, NOW)
    assert journal.outbox.pending() == []
