"""Receiving the portal's applications (Table 1, action 5) from the real simulator over loopback:
every case checked before it enters the journal, each once, the deadline of one working day."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from desk_support import PINNED_AT

from regdesk import demo
from regdesk.config import Config, load
from regdesk.core.application import Channel, State
from regdesk.core.clock import PinnedClock, zone
from regdesk.desk.context import DeskContext
from regdesk.desk.portal_intake import FAILURE_CODES, PortalIntake, SyncReport, failure_text
from regdesk.i18n import LANGS, catalogue
from regdesk.registry.errors import Unavailable
from regdesk.registry.sim import Fault
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import Journal
from regdesk.store.paths import DataPaths

ALMATY = "Asia/Almaty"


@pytest.fixture
def ctx(ws: demo.DemoWorkspace, clock: PinnedClock) -> Iterator[DeskContext]:
    context = DeskContext(ws.config, clock=clock)
    try:
        yield context
    finally:
        context.close()


async def sync(ctx: DeskContext, only: Collection[str] | None = None) -> SyncReport:
    """One sync of ``ctx`` (of the portal ids ``only``: the demo's simulator has applications of
    its own from the start)."""
    try:
        return await PortalIntake(ctx).sync(only=only)
    finally:
        await ctx.aclose()


def with_portal(config: Config, **changes: object) -> Config:
    return dataclasses.replace(config, portal=dataclasses.replace(config.portal, **changes))


async def test_every_case_is_received_once_with_what_its_check_found(
    ws: demo.DemoWorkspace, ctx: DeskContext
) -> None:
    portal = ws.simulator.app.portal
    ids = {case: portal.add(case) for case in portal_cases()}
    report = await sync(ctx, ids.values())
    assert report.ok and report.already_here == 0
    assert len(report.new) == len(ids)
    journal = ctx.journal
    by_case = {}
    for case, portal_id in ids.items():
        record = journal.search.get_by_portal_id(portal_id)
        assert record is not None, case
        by_case[case] = record
    # Written from the simulator's cases: what each one breaks.
    expected = {
        "ordinary": (),
        "minor": (),
        "deceased": (),  # signed while alive: the registry's news is the inbox's to show
        "bad_signature": ("signature_invalid",),
        "wrong_signer": ("signer_not_applicant",),
        "tampered_file": ("file_hash",),
        "huge_file": ("file_too_large",),  # 21 MiB over the demo vault's 10 MB
    }
    for case, record in by_case.items():
        check = journal.portal.check(record.id)
        assert check.codes == expected[case], case
        assert check.ok is (not expected[case]), case
    failed = {by_case[c].id for c, codes in expected.items() if codes}
    assert set(report.failed_check) == failed

    ordinary = by_case["ordinary"]
    assert (ordinary.channel, ordinary.state, ordinary.created_by) == (
        Channel.PORTAL,
        State.RECEIVED,
        "system",
    )
    # Received at 10:30 on Wednesday 25 November 2026 (Almaty): due at 10:30 on Thursday.
    assert ordinary.received_at == PINNED_AT
    assert ordinary.deadline == datetime(2026, 11, 26, 5, 30, tzinfo=UTC)
    sent = journal.portal.payload(ordinary.id)
    assert sent.payload and sent.signature and sent.relation == "self"
    assert sent.check.signer["iin"] == ordinary.applicant_iin
    person = ws.simulator.app.population.persons[ordinary.applicant_iin]
    assert (ordinary.surname, ordinary.first_name) == (person["surname"], person["first_name"])
    files = journal.drafts.attachments(ordinary.id)
    assert [(f.doc_kind, f.media_type) for f in files] == [("portal", "application/pdf")]
    stored = ctx.vault.get(files[0].vault_name, files[0].sha256)
    assert hashlib.sha256(stored).hexdigest() == files[0].sha256
    assert [e.to_state for e in journal.events.history(ordinary.id)] == [State.RECEIVED]

    minor = by_case["minor"]
    child = ws.simulator.app.population.persons[minor.applicant_iin]
    parent = child["representatives"][0]
    assert minor.representative_iin == parent["iin"]
    assert journal.portal.payload(minor.id).relation == parent["relation"]
    assert journal.drafts.attachments(by_case["huge_file"].id) == []  # not kept: too large

    again = await sync(DeskContext(ws.config, clock=ctx.clock), ids.values())
    assert again.new == () and again.already_here == len(ids)
    assert journal.portal.counts(ctx.now()).pending == len(ids)
    assert audit.verify(ctx.db).ok


def portal_cases() -> tuple[str, ...]:
    from regdesk.registry.sim.portal import CASES

    return CASES


def test_every_failure_has_its_words_in_kk_ru_and_en() -> None:
    from regdesk.store.journal import CheckFailure

    params = {"field": "clinic_bin", "signer": "X Y", "name": "a.pdf", "size_mb": "21.0"}
    params |= {"max_mb": "10", "limit_mb": "64"}
    for code in FAILURE_CODES:
        entry = catalogue()[f"portal.check.{code}"]
        texts = {lang: failure_text(CheckFailure(code, params), lang) for lang in LANGS}
        assert all(entry[lang] for lang in LANGS)
        assert len(set(texts.values())) == 3, texts
        assert not any("{" in t or "portal.check" in t for t in texts.values()), texts


async def test_an_untrusted_applicants_ca_is_caught(
    ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    # The clinic trusts only the employees' demo CA for applicants too: the portal's is unknown.
    config = with_portal(ws.config, trusted_ca=("keys/demo-ca.pem",))
    portal_id = ws.simulator.app.portal.add("ordinary")
    ctx = DeskContext(config, clock=clock)
    report = await sync(ctx, {portal_id})
    record = ctx.journal.search.get_by_portal_id(portal_id)
    assert record is not None and report.failed_check == (record.id,)
    check = ctx.journal.portal.check(record.id)
    assert check.codes == ("signer_untrusted",)
    assert check.failures[0].problem == "signing.problem.untrusted"
    words = failure_text(check.failures[0], "ru")
    assert "доверенным" in words and "CN=" in words  # the portal's sentence, then the issuer


async def test_a_certificate_revoked_before_signing_is_caught(
    ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    portal = ws.simulator.app.portal
    portal_id = portal.add("ordinary")
    applicant = portal._specs[portal_id].applicant
    signer = portal._keys()
    person = ws.simulator.app.population.persons[applicant]
    cert = signer.certificate(applicant, f"{person['surname']} {person['first_name']}")
    revoked_at = cert.not_valid_before_utc + timedelta(minutes=1)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(signer.ca_cert.subject)
        .last_update(revoked_at)
        .next_update(revoked_at + timedelta(days=3650))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(revoked_at)
            .build()
        )
        .sign(signer.ca_key, hashes.SHA256())
    )
    (ws.root / "keys" / "portal.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    ctx = DeskContext(with_portal(ws.config, crl=("keys/portal.crl",)), clock=clock)
    await sync(ctx, {portal_id})
    record = ctx.journal.search.get_by_portal_id(portal_id)
    assert record is not None
    assert ctx.journal.portal.check(record.id).codes == ("signer_revoked",)


async def test_an_application_over_the_clients_limit_is_received_to_be_refused(
    ws: demo.DemoWorkspace, ctx: DeskContext
) -> None:
    portal = ws.simulator.app.portal
    portal.huge_bytes = (64 << 20) + 1  # one byte over what the client reads of an answer
    portal_id = portal.add("huge_file")
    # Made once before the desk asks: drawing 64 MiB on a loaded machine may take longer than
    # the demo's read timeout, which would be another test (the registry not answering).
    assert len(portal.get(portal_id).body) > 64 << 20
    report = await sync(ctx, {portal_id})
    record = ctx.journal.search.get_by_portal_id(portal_id)
    assert record is not None and report.failed_check == (record.id,)
    check = ctx.journal.portal.check(record.id)
    assert check.codes == ("application_too_large",)
    assert "64" in failure_text(check.failures[0], "en")
    assert ctx.journal.portal.payload(record.id).payload == b""
    assert record.deadline is not None  # it waits for its refusal like any other


async def test_the_registry_down_is_the_registrys_outcome(
    ws: demo.DemoWorkspace, ctx: DeskContext
) -> None:
    ws.simulator.app.portal.add("ordinary")
    ws.simulator.inject(*[Fault("status", status=503, path="/v1/portal/applications")] * 2)
    with pytest.raises(Unavailable):
        await sync(ctx)
    assert ctx.journal.portal.counts(ctx.now()).pending == 0


async def test_a_sync_cut_short_and_started_again_receives_each_once(
    ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    portal = ws.simulator.app.portal
    first, second, third = (portal.add("ordinary") for _ in range(3))
    # The registry goes down while the second is fetched (both attempts: retries = 1).
    ws.simulator.inject(
        *[Fault("status", status=503, path=f"/v1/portal/applications/{second}")] * 2
    )
    ctx = DeskContext(ws.config, clock=clock)
    report = await sync(ctx, {first, second, third})
    assert isinstance(report.stopped, Unavailable) and len(report.new) == 1
    assert ctx.journal.portal.known([first, second, third]) == {first}
    ctx.close()
    # The desk starts again: the rest arrive, the first is not received twice.
    clock.advance(minutes=5)
    again = DeskContext(ws.config, clock=clock)
    report = await sync(again, {first, second, third})
    assert report.ok and len(report.new) == 2 and report.already_here == 1
    assert again.journal.portal.known([first, second, third]) == {first, second, third}
    rows = again.db.execute("SELECT count(*) FROM applications WHERE channel = 'portal'")
    assert rows.fetchone()[0] == 3
    again.close()


PROCESSES = 2
STUCK = 300.0
_start: Barrier | None = None


def _share_start(barrier: Barrier) -> None:
    global _start
    _start = barrier


def _sync_in_process(config_file: str, ids: list[str]) -> list[str]:
    import asyncio

    desk = DeskContext(load(config_file), clock=PinnedClock(PINNED_AT, ALMATY))
    assert _start is not None
    _start.wait(timeout=STUCK)
    report = asyncio.run(sync(desk, ids))
    assert report.ok, report
    return [desk.journal.search.get(i).portal_id or "" for i in report.new]


def test_two_desks_syncing_at_once_receive_each_application_once(
    ws: demo.DemoWorkspace,
) -> None:
    portal = ws.simulator.app.portal
    ids = [portal.add("minor" if n % 3 == 0 else "ordinary") for n in range(12)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    config_file = str(ws.root / "config.toml")
    with context.Pool(PROCESSES, initializer=_share_start, initargs=(barrier,)) as pool:
        results = pool.starmap(_sync_in_process, [(config_file, ids)] * PROCESSES, chunksize=1)
    received = sorted(p for chunk in results for p in chunk)
    assert received == sorted(ids)  # each by exactly one of the two desks
    paths = DataPaths(ws.config.data_path())
    journal = Journal(open_db(paths.database))
    count = journal.db.execute("SELECT count(*) FROM applications WHERE channel = 'portal'")
    assert count.fetchone()[0] == len(ids)
    # The files of the desk that lost a race were taken out of the vault again.
    kept = {r[0] for r in journal.db.execute("SELECT vault_name FROM attachments")}
    in_vault = {p.name for p in paths.vault_dir.iterdir() if not p.name.startswith(".")}
    assert in_vault == kept and len(kept) == len(ids)
    assert audit.verify(journal.db).ok


def test_the_deadline_follows_the_configs_work_hours(ws: demo.DemoWorkspace) -> None:
    hours = dataclasses.replace(ws.config.work_hours, start="08:00", end="17:00")
    config = dataclasses.replace(ws.config, work_hours=hours)
    # 16:30 on Friday 27 November 2026: half an hour of Friday's work left, then Monday's.
    at = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)
    ctx = DeskContext(config, clock=PinnedClock(at, ALMATY))
    try:
        from regdesk.desk.portal_intake import deadline_for

        assert deadline_for(ctx, ctx.now()) == datetime(2026, 11, 30, 16, 30, tzinfo=ctx.clock.tz)
        # 17:10 is after this clinic's hours: due at the end of Monday's, 17:00.
        late = at + timedelta(minutes=40)
        assert deadline_for(ctx, late) == datetime(2026, 11, 30, 17, 0, tzinfo=ctx.clock.tz)
    finally:
        ctx.close()


def almaty(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone(ALMATY))


# (received, due), clinic time, written from the rule: in work hours (09:00-18:00 here) due at
# the same time on the next working day; after hours or on a day off, at 18:00 on the first
# working day after it.
DEADLINES = [
    # Friday afternoon: the weekend does not count.
    (almaty(2026, 11, 27, 17, 30), almaty(2026, 11, 30, 17, 30)),
    # Saturday: the end of Monday's work.
    (almaty(2026, 11, 28, 11, 0), almaty(2026, 11, 30, 18, 0)),
    # The Friday before Nauryz (21-25 March 2026 off): Thursday 26 March.
    (almaty(2026, 3, 20, 9, 40), almaty(2026, 3, 26, 9, 40)),
    # On Nauryz itself (Monday 23 March): the end of Thursday 26 March.
    (almaty(2026, 3, 23, 10, 0), almaty(2026, 3, 26, 18, 0)),
    # New year 2025: 1-2 January holidays, Friday 3 January moved off, Sunday 5 January worked.
    (almaty(2024, 12, 31, 11, 0), almaty(2025, 1, 5, 11, 0)),
    # The moved day off itself: the end of the worked Sunday.
    (almaty(2025, 1, 3, 10, 0), almaty(2025, 1, 5, 18, 0)),
    # New year 2027: Friday 1 January, the weekend, Monday 4 January (observed): Tuesday 5th.
    (almaty(2026, 12, 31, 15, 0), almaty(2027, 1, 5, 15, 0)),
    (almaty(2026, 12, 31, 18, 30), almaty(2027, 1, 5, 18, 0)),
]


async def test_each_application_is_due_within_one_working_day_of_its_receipt(
    ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    portal = ws.simulator.app.portal
    for received, due in DEADLINES:
        clock.set(received)
        portal_id = portal.add("ordinary")
        ctx = DeskContext(ws.config, clock=clock)
        try:
            report = await sync(ctx, {portal_id})
            record = ctx.journal.search.get_by_portal_id(portal_id)
            assert record is not None and report.new == (record.id,)
            assert (record.received_at, record.deadline) == (received, due), received
            entry = ctx.journal.portal.entry(record.id)
            assert not entry.overdue(due) and entry.overdue(due + timedelta(seconds=1))
        finally:
            ctx.close()


def test_the_demo_starts_with_pending_applications_one_of_them_overdue(
    ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    demo.receive_portal_samples(ws, clock)
    ctx = DeskContext(ws.config, clock=clock)
    try:
        counts = ctx.journal.portal.counts(clock.now())
        # The simulator's first applications, the overdue one and the samples: all here.
        pending = len(ws.simulator.app.portal.ids())
        assert pending == 4 + 1 + len(demo.PORTAL_SAMPLES)
        assert (counts.pending, counts.overdue, counts.failed) == (pending, 1, 1)
        (overdue,) = ctx.journal.portal.inbox(status="overdue", now=clock.now())
        assert overdue.received_at is not None and overdue.received_at < clock.now()
    finally:
        ctx.close()
