"""The portal's part of the journal: receiving once, the inbox in deadline order, its counts."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.core.application import Channel, Role, State
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import (
    CheckFailure,
    IllegalTransitionError,
    InboxStatus,
    Journal,
    NotFoundError,
    PortalArrival,
    PortalCheck,
    PortalFileRecord,
)

NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
CLERK = "880101300123"
SIGNER = {"iin": "900101300011", "name": "Омаров Ерлан", "serial": "1f", "issuer": "CN=test"}


def arrival(
    portal_id: str,
    iin: str = "900101300011",
    *,
    check: PortalCheck | None = None,
    files: tuple[PortalFileRecord, ...] = (),
    submitted_at: datetime = NOW - timedelta(hours=1),
) -> PortalArrival:
    return PortalArrival(
        portal_id=portal_id,
        submitted_at=submitted_at,
        applicant_iin=iin,
        representative_iin=None,
        relation="self",
        basis="free_choice",
        requested_district=3,
        phone="+7 701 000 0000",
        payload=b'{"id":"' + portal_id.encode() + b'"}',
        signature=b"\x30\x82cms",
        check=check or PortalCheck.passed(SIGNER),
        files=files,
        form={"id": portal_id},
        surname="Омаров",
        first_name="Ерлан",
    )


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "regdesk.sqlite3")


@pytest.fixture
def journal(db: Database) -> Journal:
    return Journal(db)


def test_an_application_is_received_once_with_its_payload_check_and_files(
    journal: Journal,
) -> None:
    pdf = PortalFileRecord("id.pdf", "application/pdf", 120, "ab" * 32, "0" * 32)
    skipped = PortalFileRecord("huge.pdf", "application/pdf", 30 << 20, "cd" * 32, "")
    deadline = NOW + timedelta(days=1)
    first = journal.portal.receive(arrival("P-1", files=(pdf, skipped)), now=NOW, deadline=deadline)
    again = journal.portal.receive(arrival("P-1"), now=NOW + timedelta(hours=1), deadline=NOW)
    assert first == (first[0], True) and again == (first[0], False)
    rec = journal.search.get(first[0])
    assert (rec.channel, rec.state, rec.created_by, rec.portal_id) == (
        Channel.PORTAL,
        State.RECEIVED,
        "system",
        "P-1",
    )
    # The second copy changed nothing: the first receipt's times stand.
    assert (rec.received_at, rec.deadline, rec.delivered_at) == (NOW, deadline, None)
    assert rec.form == {"id": "P-1"} and rec.full_name == "Омаров Ерлан"
    sent = journal.portal.payload(rec.id)
    assert (sent.payload, sent.signature) == (b'{"id":"P-1"}', b"\x30\x82cms")
    assert (sent.relation, sent.phone, sent.requested_district) == ("self", "+7 701 000 0000", 3)
    assert sent.submitted_at == NOW - timedelta(hours=1)
    assert sent.check.ok and dict(sent.check.signer) == SIGNER
    # Only the file that was put in the vault is an attachment.
    files = journal.drafts.attachments(rec.id)
    assert [(f.original_name, f.doc_kind, f.added_by) for f in files] == [
        ("id.pdf", "portal", "system")
    ]
    history = journal.events.history(rec.id)
    assert [(e.kind, e.from_state, e.to_state) for e in history] == [
        ("transition", None, State.RECEIVED)
    ]
    assert journal.portal.is_here("P-1") and not journal.portal.is_here("P-2")
    assert journal.portal.known(["P-2", "P-1", "P-1"]) == {"P-1"}


def test_a_failed_check_is_kept_with_its_codes(journal: Journal) -> None:
    failures = (
        CheckFailure("file_hash", {"name": "id.pdf"}),
        CheckFailure("signer_revoked", {"date": "2026-11-01"}, problem="signing.problem.revoked"),
    )
    app_id, _ = journal.portal.receive(
        arrival("P-bad", check=PortalCheck.failed(failures)), now=NOW, deadline=NOW
    )
    check = journal.portal.check(app_id)
    assert not check.ok
    assert check.codes == ("file_hash", "signer_revoked")
    assert check.failures[0].params == {"name": "id.pdf"}
    assert check.failures[1].problem == "signing.problem.revoked"
    assert journal.portal.payload(app_id).check == check
    with pytest.raises(NotFoundError):
        journal.portal.payload(app_id + 100)


def test_only_staff_decide_a_received_application(journal: Journal) -> None:
    app_id, _ = journal.portal.receive(arrival("P-77"), now=NOW, deadline=NOW)
    with pytest.raises(IllegalTransitionError):  # only the system receives, never decides
        journal.registration.register(
            app_id, clinic_code="E", actor_iin=CLERK, role=Role.SYSTEM, now=NOW
        )
    number = journal.registration.register(
        app_id, clinic_code="E", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW
    )
    assert number == "E-2026-000001"


def test_a_receive_that_fails_half_way_leaves_nothing_and_can_be_repeated(
    journal: Journal,
) -> None:
    # A naive submission time fails after the application row was inserted: the whole receipt
    # rolls back, as a desk killed in the middle of it would.
    broken = arrival("P-5", submitted_at=datetime(2026, 11, 25, 9, 0))
    with pytest.raises(ValueError):
        journal.portal.receive(broken, now=NOW, deadline=NOW)
    assert not journal.portal.is_here("P-5")
    assert journal.db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert journal.portal.receive(arrival("P-5"), now=NOW, deadline=NOW)[1] is True
    assert audit.verify(journal.db).ok


def _fill(journal: Journal) -> dict[str, int]:
    """Five portal applications and a desk draft: deadlines out of arrival order."""
    ids: dict[str, int] = {}
    hours = {"late": 30, "soon": 2, "overdue": -3, "failed": 5, "decided": 1}
    for n, (name, h) in enumerate(hours.items()):
        check = (
            PortalCheck.failed([CheckFailure("signature_invalid")]) if name == "failed" else None
        )
        ids[name], _ = journal.portal.receive(
            arrival(f"P-{name}", f"9001013000{n}1", check=check),
            now=NOW,
            deadline=NOW + timedelta(hours=h),
        )
    journal.drafts.create_draft(
        applicant_iin="900101300099", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW
    )
    journal.registration.register(
        ids["decided"], clinic_code="E", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW
    )
    return ids


def test_the_inbox_lists_by_deadline_with_each_status(journal: Journal) -> None:
    ids = _fill(journal)
    by_id = {v: k for k, v in ids.items()}

    def names(status: InboxStatus, **page: int) -> list[str]:
        return [by_id[e.id] for e in journal.portal.inbox(status=status, now=NOW, **page)]

    assert names(InboxStatus.PENDING) == ["overdue", "soon", "failed", "late"]
    assert names(InboxStatus.OVERDUE) == ["overdue"]
    assert names(InboxStatus.FAILED) == ["failed"]
    assert names(InboxStatus.DECIDED) == ["decided"]
    assert names(InboxStatus.UNDELIVERED) == ["decided"]
    assert names(InboxStatus.ALL) == ["overdue", "decided", "soon", "failed", "late"]
    assert names(InboxStatus.PENDING, limit=2, offset=1) == ["soon", "failed"]
    # At a later moment more of them are overdue.
    later = NOW + timedelta(hours=6)
    assert [by_id[e.id] for e in journal.portal.inbox(status="overdue", now=later)] == [
        "overdue",
        "soon",
        "failed",
    ]
    entry = journal.portal.entry(ids["overdue"])
    assert entry.pending and entry.overdue(NOW) and not entry.overdue(NOW - timedelta(hours=4))
    decided = journal.portal.entry(ids["decided"])
    assert decided.undelivered and decided.number == "E-2026-000001"
    assert not journal.portal.entry(ids["failed"]).portal_check.ok


def test_the_counts_at_a_moment(journal: Journal) -> None:
    _fill(journal)
    counts = journal.portal.counts(NOW)
    assert (counts.pending, counts.overdue, counts.failed, counts.undelivered) == (4, 1, 1, 1)
    assert journal.portal.counts(NOW + timedelta(hours=31)).overdue == 4
    assert journal.portal.count(InboxStatus.ALL, now=NOW) == 5
    journal.db.execute("UPDATE applications SET delivered_at = received_at")
    assert journal.portal.counts(NOW).undelivered == 0


@pytest.mark.parametrize("status", list(InboxStatus))
def test_every_inbox_page_reads_the_channel_state_deadline_index(
    journal: Journal, status: InboxStatus
) -> None:
    plan = journal.portal.inbox_plan(status, NOW)
    assert "applications_channel_state_deadline" in plan, plan


PROCESSES = 2
PORTAL_IDS = [f"P-race-{n:03d}" for n in range(60)]
STUCK = 300.0
"""Seconds after which a process that never reaches the start is a failure, not a hang."""

_start: Barrier | None = None


def _share_start(barrier: Barrier) -> None:
    global _start
    _start = barrier


def _receive_all(path: str) -> list[str]:
    journal = Journal(open_db(Path(path)))
    assert _start is not None
    _start.wait(timeout=STUCK)
    return [
        portal_id
        for portal_id in PORTAL_IDS
        if journal.portal.receive(arrival(portal_id), now=NOW, deadline=NOW)[1]
    ]


def test_two_processes_receiving_at_once_record_each_application_once(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    db = open_db(path)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    with context.Pool(PROCESSES, initializer=_share_start, initargs=(barrier,)) as pool:
        results = pool.map(_receive_all, [str(path)] * PROCESSES, chunksize=1)
    recorded = [p for chunk in results for p in chunk]
    assert sorted(recorded) == PORTAL_IDS  # each recorded by exactly one of the two
    rows = db.execute(
        "SELECT count(*), count(DISTINCT portal_id) FROM applications WHERE channel = 'portal'"
    ).fetchone()
    assert rows == (len(PORTAL_IDS), len(PORTAL_IDS))
    assert db.execute("SELECT count(*) FROM portal_payloads").fetchone()[0] == len(PORTAL_IDS)
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == len(PORTAL_IDS)
    assert audit.verify(db).ok
