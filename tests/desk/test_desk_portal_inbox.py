"""The portal inbox at the desk: by deadline, work time left, marks, counts, one opened.

Real parts: the demo clinic's SQLite journal and vault, the registry simulator on loopback (asked
again when an application is opened), real PDF and PNG files. The clock is pinned at Wednesday
25.11.2026 10:30 in Almaty; expected deadlines and times left are worked out here from the
regulation's rule (one working day, work hours 09:00-18:00), not read from the code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from inbox_support import a4_pdf, png, receive

from regdesk import demo
from regdesk.core.clock import PinnedClock, zone
from regdesk.desk import Desk, InboxStatus, Urgency
from regdesk.store.journal import CheckFailure

ALMATY = zone("Asia/Almaty")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Almaty."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ALMATY)


async def test_rows_come_by_deadline_with_work_time_left_and_marks(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    adult = ws.samples["adult"][0]
    # Received Monday 23.11 11:00 -> due Tuesday 24.11 11:00: overdue since yesterday.
    late = receive(ws, portal_id="P-late", subject_iin=adult, received=at(23, 11))
    # Received Tuesday 24.11 11:10 -> due today 11:10: 40 minutes left, within the hour.
    soon = receive(ws, portal_id="P-soon", subject_iin=adult, received=at(24, 11, 10))
    # Received today 08:00, before work -> due today 18:00: 7 h 30 min left.
    today = receive(ws, portal_id="P-today", subject_iin=adult, received=at(25, 8))
    # Received yesterday 20:00, after work -> due at the end of today: 7 h 30 min, later id.
    evening = receive(ws, portal_id="P-evening", subject_iin=adult, received=at(24, 20))

    page = desk.portal_inbox.page(InboxStatus.PENDING)

    assert [r.app_id for r in page.rows] == [late, soon, today, evening]
    by_id = {r.app_id: r for r in page.rows}
    assert by_id[late].deadline == at(24, 11)
    assert by_id[late].urgency is Urgency.OVERDUE
    # Overdue by the work time since the deadline: 11:00-18:00 yesterday and 09:00-10:30 today.
    assert by_id[late].left == -timedelta(hours=8, minutes=30)
    assert by_id[soon].deadline == at(25, 11, 10)
    assert by_id[soon].left == timedelta(minutes=40)
    assert by_id[soon].urgency is Urgency.SOON
    assert by_id[today].deadline == at(25, 18)
    assert by_id[today].left == timedelta(hours=7, minutes=30)
    assert by_id[today].urgency is Urgency.NONE
    assert by_id[evening].deadline == at(25, 18)
    assert page.total == 4
    assert page.counts.pending == 4
    assert page.counts.overdue == 1


async def test_due_within_the_hour_counts_work_hours_over_a_weekend(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock
) -> None:
    # Received Friday 27.11 at 09:30 -> due Monday 30.11 09:30. On Friday at 17:30, half an
    # hour of Friday's work and half an hour of Monday's are left: one hour, so it is marked
    # before the weekend, not on Monday morning.
    receive(ws, portal_id="P-friday", subject_iin=ws.samples["adult"][0], received=at(27, 9, 30))
    clock.set(at(27, 17, 30))

    row = desk.portal_inbox.page().rows[0]

    assert row.deadline == at(30, 9, 30)
    assert row.left == timedelta(hours=1)
    assert row.urgency is Urgency.SOON
    clock.set(at(27, 17, 0))
    assert desk.portal_inbox.page().rows[0].urgency is Urgency.NONE


async def test_the_overdue_filter_and_paging(ws: demo.DemoWorkspace, desk: Desk) -> None:
    adult = ws.samples["adult"][0]
    ids = [
        receive(ws, portal_id=f"P-{n}", subject_iin=adult, received=at(20 + n % 3, 10, n))
        for n in range(7)
    ]
    overdue = desk.portal_inbox.page(InboxStatus.OVERDUE)
    # Friday 20.11 10:0n is due Monday 23.11 10:0n; Saturday and Sunday receipts are due at
    # the end of Monday 23.11: all seven are past due on Wednesday.
    assert overdue.total == 7
    assert all(r.urgency is Urgency.OVERDUE for r in overdue.rows)
    first = desk.portal_inbox.page(offset=0, limit=3)
    rest = desk.portal_inbox.page(offset=3, limit=10)
    listed = [r.app_id for r in first.rows + rest.rows]
    assert sorted(listed) == sorted(ids)
    assert len(first.rows) == 3 and first.total == 7
    deadlines = [r.deadline for r in first.rows + rest.rows]
    assert deadlines == sorted(deadlines)  # type: ignore[type-var]


async def test_opening_asks_the_registry_again_and_catches_a_death(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    # Someone the registry now knows as dead: the rules block, the refusal "deceased" fits.
    dead = ws.samples["deceased"][0]
    app_id = receive(ws, portal_id="P-dead", subject_iin=dead, received=at(25, 9))

    case = await desk.portal_inbox.open(app_id)

    assert case.registry_error is None
    assert case.subject is not None and case.subject.iin == dead
    assert case.subject.life_status == "dead"
    assert [f.code for f in case.blocking] == ["deceased"]
    assert case.suggested_refusal == "deceased"
    assert not case.may_register
    assert case.signed_form["subject_iin"] == dead


async def test_opening_one_that_can_be_registered(ws: demo.DemoWorkspace, desk: Desk) -> None:
    # Unattached: the first attachment is allowed at any time.
    iin = ws.samples["unattached"][0]
    app_id = receive(ws, portal_id="P-ok", subject_iin=iin, received=at(25, 9))

    case = await desk.portal_inbox.open(app_id)

    assert case.blocking == ()
    assert case.representative_problem is None
    assert case.registration_problem is None
    assert case.may_register
    assert case.suggested_refusal is None
    # The demo's addresses fall in no district and the applicant asked for none: chosen later.
    assert case.district is None
    assert case.facts is not None and case.facts.person is not None
    assert case.delivery is None


async def test_a_decided_one_says_where_its_result_stands(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    app_id = receive(
        ws, portal_id="P-refused", subject_iin=ws.samples["unattached"][0], received=at(25, 9)
    )
    desk.portal_decision.refuse(app_id, "other", "asked by phone")

    case = await desk.portal_inbox.open(app_id)
    undelivered = desk.portal_inbox.page(InboxStatus.UNDELIVERED)

    assert not case.row.pending and not case.may_register
    assert case.delivery is not None and case.delivery.outcome == "refused"
    assert case.delivery.delivered_at is None
    assert [r.app_id for r in undelivered.rows] == [app_id]
    assert undelivered.rows[0].undelivered
    assert undelivered.counts.undelivered == 1 and undelivered.counts.pending == 0


async def test_a_representative_is_checked_against_the_registry_now(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    child = ws.samples["child"][0]
    person = await desk.context.registry().person(child)
    parent = person.representatives[0]
    ok = receive(
        ws,
        portal_id="P-child",
        subject_iin=child,
        applicant_iin=parent.iin,
        relation=parent.relation,
        received=at(25, 9),
    )
    stranger = ws.samples["adult"][0]
    wrong = receive(
        ws,
        portal_id="P-child-2",
        subject_iin=child,
        applicant_iin=stranger,
        relation="mother",
        received=at(25, 9, 5),
    )

    good = await desk.portal_inbox.open(ok)
    bad = await desk.portal_inbox.open(wrong)

    assert good.applicant is not None and good.applicant.iin == parent.iin
    assert good.representative_problem is None
    assert bad.representative_problem == "representative.not_a_parent"
    assert not bad.may_register


async def test_files_are_described_by_pages_and_size(ws: demo.DemoWorkspace, desk: Desk) -> None:
    app_id = receive(
        ws,
        portal_id="P-files",
        subject_iin=ws.samples["unattached"][0],
        received=at(25, 9),
        files=(("passport.pdf", a4_pdf(2)), ("photo.png", png(640, 480))),
    )

    case = await desk.portal_inbox.open(app_id)

    pdf, image = case.files
    assert pdf.preview is not None and pdf.preview.readable
    assert (pdf.preview.kind, pdf.preview.pages) == ("PDF", 2)
    assert (pdf.preview.width, pdf.preview.height, pdf.preview.unit) == (210, 297, "mm")
    assert image.preview is not None
    assert (image.preview.kind, image.preview.width, image.preview.height) == ("PNG", 640, 480)
    assert image.preview.unit == "px"


async def test_a_registry_that_is_down_still_opens_the_application(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    app_id = receive(ws, portal_id="P-down", subject_iin=ws.samples["adult"][0], received=at(25, 9))
    ws.simulator.stop()

    case = await desk.portal_inbox.open(app_id)

    assert case.registry_error is not None
    assert case.subject is None
    assert not case.may_register
    assert case.suggested_refusal is None  # no answer is not "no data"
    assert case.files and case.signed_form["id"] == "P-down"


async def test_one_that_failed_its_check_is_listed_as_such_and_can_only_be_refused(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    iin = ws.samples["unattached"][0]
    receive(ws, portal_id="P-good", subject_iin=iin, received=at(25, 9))
    bad = receive(
        ws,
        portal_id="P-bad",
        subject_iin=iin,
        received=at(25, 9, 1),
        failures=(CheckFailure("signature_invalid"),),
    )

    failed = desk.portal_inbox.page(InboxStatus.FAILED)
    case = await desk.portal_inbox.open(bad)

    assert [r.app_id for r in failed.rows] == [bad]
    assert failed.rows[0].verified is False
    assert failed.counts.failed == 1 and failed.counts.pending == 2
    assert not case.check.ok
    assert case.blocking == ()  # the registry has nothing against the person...
    assert not case.may_register  # ...but a payload that failed its check is only refused
    assert case.suggested_refusal == "data_mismatch"
    assert len(case.failure_texts("ru")) == 1
