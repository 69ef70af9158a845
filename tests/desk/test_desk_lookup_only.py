"""A look-up alone is a view of a person, not an application (issue 11, item 6).

The journal lists applications; a person only looked up leaves an audit record and no row. The
draft is opened when the receptionist goes on (the form, or a refusal), with the registry
request's time norm measured by the look-up itself.
"""

from __future__ import annotations

from desk_support import journal_counts

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk
from regdesk.store import audit


async def test_a_look_up_alone_leaves_an_audit_record_and_no_application(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]
) -> None:
    before = journal_counts(ws)
    iin = ws.samples["adult"][0]
    lookup = await desk.intake.look_up(iin)
    assert lookup.person is not None and lookup.application_id is None
    assert journal_counts(ws) == before
    assert desk.session.open_drafts() == []
    assert desk.journal.find(iin) == []
    with desk.context.locked():
        views = audit.recent(desk.context.db, action="person_view")
        asked = audit.recent(desk.context.db, action="registry_lookup")
    assert [(v.actor_iin, v.object) for v in views] == [(receptionist[1], f"iin:{iin}")]
    assert [(a.object, a.detail) for a in asked] == [(f"iin:{iin}", {"iin": iin, "found": True})]


async def test_a_person_the_registry_does_not_know_is_audited_without_a_view(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    before = journal_counts(ws)
    iin = ws.samples["no_record"][0]
    lookup = await desk.intake.look_up(iin)
    assert lookup.person is None and lookup.suggested_refusal == "no_data"
    assert journal_counts(ws) == before
    with desk.context.locked():
        assert audit.recent(desk.context.db, action="person_view") == []
        asked = audit.recent(desk.context.db, action="registry_lookup")
    assert [a.detail for a in asked] == [{"iin": iin, "found": False}]


async def test_going_on_opens_one_draft_timed_by_the_look_up(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock
) -> None:
    iin = ws.samples["unattached"][0]
    looked_at = clock.now()
    lookup = await desk.intake.look_up(iin)
    # The receptionist reads the card for a while before opening the form.
    clock.advance(minutes=3)
    opened = desk.intake.open_draft(lookup)
    assert opened.application_id is not None
    assert desk.intake.open_draft(opened) == opened  # once per look-up
    record = desk.form.get(opened.application_id)
    assert record.state == State.DRAFT and record.applicant_iin == iin
    assert lookup.person is not None and record.surname == lookup.person.surname
    steps = [
        (e.kind, e.at)
        for e in desk.journal.detail(opened.application_id).events
        if e.step == "registry_request"
    ]
    assert steps == [("step_start", looked_at), ("step_end", looked_at)]
    assert [d.id for d in desk.session.open_drafts()] == [opened.application_id]
    assert [r.id for r in desk.journal.find(iin)] == [opened.application_id]


async def test_a_refusal_after_a_look_up_is_an_application(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    lookup = await desk.intake.look_up(ws.samples["no_record"][0])
    opened = desk.intake.open_draft(lookup)
    assert opened.application_id is not None
    record = desk.intake.refuse(opened.application_id, "no_data")
    assert record.state == State.REFUSED
    assert [r.id for r in desk.journal.find(lookup.iin)] == [opened.application_id]
