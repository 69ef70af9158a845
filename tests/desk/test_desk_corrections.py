"""Corrections after the fact (issue 11) through ``Desk``: a registration annulled by an admin
with a ground and an EDS, told to the registry simulator through the outbox, its number never
reused; the annulment notice printed; a survey answered on paper entered later."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from desk_support import READY_FORM, assert_explained, draft, queued_attachment_key, signed_in
from pypdf import PdfReader

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk
from regdesk.desk.errors import DeskError
from regdesk.i18n import t
from regdesk.signing import verify
from regdesk.signing.errors import Problem
from regdesk.store.paths import DataPaths

Staff = tuple[str, str, str, str]


async def registered(desk: Desk, ws: demo.DemoWorkspace, iin: str, who: Staff) -> tuple[int, str]:
    """An application registered by ``who`` (district 2, the identity document seen)."""
    app_id = await draft(desk, iin, READY_FORM | {"district": "2"})
    check = desk.registration.open_key(ws.key_paths[who[1]], demo.KEY_PASSWORD)
    return app_id, desk.registration.register(app_id, check)


def audit_actions(ws: demo.DemoWorkspace, app_id: int) -> list[tuple[str, str | None, str]]:
    """(action, actor, detail) of the application's audit records, read as another terminal."""
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        rows = conn.execute(
            "SELECT action, actor_iin, detail FROM audit_log WHERE object = ? ORDER BY id",
            (f"application:{app_id}",),
        ).fetchall()
    finally:
        conn.close()
    return [(r[0], r[1], r[2] or "") for r in rows]


async def test_a_receptionist_is_refused_and_an_admin_annuls_in_the_open(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
) -> None:
    iin = ws.samples["unattached"][0]
    app_id, number = await registered(desk, ws, iin, receptionist)
    assert await desk.registration.flush_outbox() == 1
    registry = desk.context.registry()
    attached = await registry.attachment(iin)
    assert attached is not None and attached.clinic_bin == ws.config.clinic.bin

    # A receptionist may not annul, even with a valid key of their own: the use case says no.
    assert not desk.corrections.may_annul()
    own = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    with pytest.raises(DeskError) as refused:
        desk.corrections.annul(app_id, "duplicate", "", own)
    assert refused.value.key == "admin.not_allowed"
    assert_explained(refused.value)
    assert desk.form.get(app_id).state == State.REGISTERED

    clock.advance(minutes=20)
    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        assert head.corrections.may_annul()
        # A ground outside the catalogue, and "other" without a note, are refused before the EDS.
        with pytest.raises(DeskError) as unknown:
            head.corrections.check_request(app_id, "bored", "")
        assert_explained(unknown.value)
        with pytest.raises(DeskError) as no_note:
            head.corrections.check_request(app_id, "other", "  ")
        assert no_note.value.key == "desk.annul.note_required"
        assert_explained(no_note.value)
        # The admin's EDS, not somebody else's key: the same signing policy as registration.
        with pytest.raises(Problem):
            head.corrections.annul(app_id, "duplicate", "", own)

        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        note = "Екі рет тіркелген / зарегистрировано дважды"
        assert head.corrections.annul(app_id, "duplicate", note, check) == number

        record = head.form.get(app_id)
        assert record.state == State.ANNULLED and record.number == number
        # Both events in the journal: the registration and the annulment, with who and why.
        moves = [
            (e.from_state, e.to_state, e.actor_iin, e.reason_code, e.note)
            for e in head.context.journal.events.history(app_id)
            if e.kind == "transition"
        ]
        assert moves[-2:] == [
            (State.DRAFT, State.REGISTERED, receptionist[1], None, None),
            (State.REGISTERED, State.ANNULLED, admin[1], "duplicate", note),
        ]
        # The EDS is stored over the annulment's canonical bytes and verifies.
        stored = head.corrections.annulment(app_id)
        assert stored is not None
        assert (stored.number, stored.reason_code, stored.by_iin) == (number, "duplicate", admin[1])
        assert stored.signer_iin == admin[1]
        assert (
            b'"reason_code":"duplicate"' in stored.canonical and number.encode() in stored.canonical
        )
        assert verify(stored.cms, stored.canonical, policy=head.context.signing_policy()).valid
        assert not verify(stored.cms, stored.canonical + b" ").valid
        detail = head.journal.detail(app_id)
        assert detail.annulment == stored and detail.annulment_ok is True
        assert detail.signature_ok is True  # the registration's own signature is untouched

        # The audit has it, by the admin.
        changes = [(a, who, d) for a, who, d in audit_actions(ws, app_id) if a == "state_change"]
        assert changes[-1][1] == admin[1]
        assert '"to":"annulled"' in changes[-1][2] and '"reason":"duplicate"' in changes[-1][2]

        # The registry is told through the outbox and drops the clinic's attachment.
        assert await head.registration.flush_outbox() == 1
        assert await head.context.registry().attachment(iin) is None
        with head.context.locked():
            assert head.context.journal.outbox.pending() == []
        requests = [r for r in ws.simulator.requests() if r.path.endswith("/annulments")]
        assert [r.status for r in requests] == [200]
        # Its key: the attachment's, followed by ":annul".
        assert requests[0].idempotency_key == f"{queued_attachment_key(ws, number)}:annul"

        # A second annulment is refused, in the user's words, and sends nothing.
        with pytest.raises(DeskError) as twice:
            head.corrections.annul(app_id, "duplicate", "", check)
        assert twice.value.key == "desk.annul.not_annullable"
        assert_explained(twice.value)
        assert t("state.annulled", "ru") in twice.value.message("ru")
        assert await head.registration.flush_outbox() == 0

    # The number is never given again: the next registration takes the next one. The person
    # may be registered anew (an annulled registration does not count as this year's one).
    again_id, following = await registered(desk, ws, iin, receptionist)
    prefix, seq = number.rsplit("-", 1)
    assert following == f"{prefix}-{int(seq) + 1:06d}" and again_id != app_id
    assert desk.form.get(app_id).number == number  # the annulled one keeps its own
    assert await desk.registration.flush_outbox() == 1
    again = await desk.context.registry().attachment(iin)
    assert again is not None and again.clinic_bin == ws.config.clinic.bin


async def test_an_issued_talon_is_annulled_and_the_notice_is_printed_in_clinic_time(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    tmp_path: Path,
) -> None:
    app_id, number = await registered(desk, ws, ws.samples["unattached"][0], receptionist)
    assert desk.issuance.issue(app_id).status == "written"
    assert desk.form.get(app_id).state == State.ISSUED
    # 21:00 UTC is 02:00 the next day in Almaty: the notice is dated by the clinic's calendar.
    utc_day = clock.utc().date()
    clock.set(datetime.combine(utc_day, time(21, 0), tzinfo=UTC))
    clinic_day = clock.today()
    assert clinic_day == utc_day + timedelta(days=1)
    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        head.corrections.annul(app_id, "other", "Басқа емханаға өтті", check)
        printed = head.corrections.print_notice(app_id, out=tmp_path / "notice.pdf")
        assert printed.status == "written" and printed.document == "annulment"
        again = head.corrections.print_notice(app_id, out=tmp_path / "notice-2.pdf")
        assert again.duplicate and not printed.duplicate
        prints = head.journal.detail(app_id).prints
        assert [(p.document, p.duplicate) for p in prints][-2:] == [
            ("annulment", False),
            ("annulment", True),
        ]
    reader = PdfReader(BytesIO((tmp_path / "notice.pdf").read_bytes()))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    flat = " ".join(text.split())
    assert number in flat
    assert clinic_day.strftime("%d.%m.%Y") in flat
    assert utc_day.strftime("%d.%m.%Y") not in flat  # no UTC date on the paper
    assert admin[3] in flat  # the employee who annulled it
    for lang in ("kk", "ru"):
        assert " ".join(t("printing.doc.annulment_title", lang).split()[:3]) in flat
        assert t("core.annul_reason.other", lang) in flat
    assert "Басқа емханаға өтті" in flat
    assert "RD1/A/" + number in "".join(text.split())


async def test_a_survey_answered_on_paper_is_entered_later_with_who_and_when(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, receptionist: Staff
) -> None:
    app_id, _ = await registered(desk, ws, ws.samples["unattached"][0], receptionist)
    desk.issuance.issue(app_id)
    assert desk.context.journal.issuance.survey(app_id) is None
    clock.advance(hours=2)
    desk.corrections.record_survey(app_id, 2, 3)
    answer = desk.context.journal.issuance.survey(app_id)
    assert answer is not None and (answer.q1, answer.q2) == (2, 3) and answer.at == clock()
    (noted,) = [
        e for e in desk.context.journal.events.history(app_id) if e.kind == "survey_recorded"
    ]
    assert (noted.actor_iin, noted.at, noted.note) == (receptionist[1], clock(), "paper")
    assert ("survey_recorded", receptionist[1]) in [
        (a, who) for a, who, _ in audit_actions(ws, app_id)
    ]

    with pytest.raises(DeskError) as bad:
        desk.corrections.record_survey(app_id, 4, None)
    assert_explained(bad.value)
    # A draft has given the applicant no result yet: nothing to answer about.
    draft = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["unattached"][1])
    ).application_id
    with pytest.raises(DeskError) as early:
        desk.corrections.record_survey(draft, 1, 1)
    assert early.value.key == "desk.survey.not_now"
    assert_explained(early.value)
    assert desk.context.journal.issuance.survey(draft) is None
