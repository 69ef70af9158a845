"""A minor is attached by a valid representative (issue 11, item 2).

The registry names a child's parents; one of them is chosen in one step, anyone else is looked
up in the registry and acts as guardian or trustee (with the appointing decision among the
documents). Registration refuses an application of a minor without a valid representative,
whatever the screen let through.
"""

from __future__ import annotations

import pytest
from desk_support import assert_explained, draft

from regdesk import demo
from regdesk.core.application import State
from regdesk.desk import Desk, DeskError, DocumentsMissing, KeyCheck

NEWBORN_FORM = {
    "basis": "newborn",
    "district": "1",
    "documents_seen": "birth_certificate,representative_identity",
}
CHILD_FORM = {
    "basis": "residence_change",
    "district": "1",
    "documents_seen": "birth_certificate,representative_identity",
}


async def test_a_newborn_is_not_registered_without_a_representative(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    app_id = await draft(desk, ws.samples["newborn"][0], NEWBORN_FORM)
    record = desk.form.get(app_id)
    assert desk.form.needs_representative(record)
    assert desk.form.missing_documents(app_id) == []  # the papers alone do not make it valid
    with pytest.raises(DeskError) as caught:
        desk.registration.register(app_id, key)
    assert caught.value.key == "representative.missing"
    assert_explained(caught.value)
    assert desk.form.get(app_id).state == State.DRAFT

    # The registry names the mother: one step, her relation taken from the registry.
    offered = desk.form.registry_representatives(record)
    assert [r.relation for r in offered] == ["mother"]
    chosen = await desk.form.choose_representative(app_id, offered[0].iin)
    assert chosen.relation == "mother" and chosen.known and chosen.name
    # The screen saving the typed fields afterwards keeps the choice.
    desk.form.save_form(app_id, {**NEWBORN_FORM, "phone": "+7 701 234 56 78"})
    assert desk.form.representative(desk.form.get(app_id)) == chosen
    number = desk.registration.register(app_id, key)
    registered = desk.form.get(app_id)
    assert registered.number == number and registered.representative_iin == offered[0].iin
    signed = desk.registration.document_for_signing(app_id)
    assert offered[0].iin in str(signed["form"])


async def test_any_adult_is_not_a_parent_of_a_child(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    app_id = await draft(desk, ws.samples["child"][0], CHILD_FORM)
    record = desk.form.get(app_id)
    parents = {r.relation: r.iin for r in desk.form.registry_representatives(record)}
    assert set(parents) == {"mother", "father"}
    stranger = ws.samples["adult"][0]

    for iin, relation, problem in [
        (stranger, "mother", "representative.not_a_parent"),
        (parents["mother"], "father", "representative.relation_differs"),
        (ws.samples["newborn"][0], "guardian", "representative.minor"),
        (ws.samples["no_record"][0], "guardian", "representative.not_found"),
        (record.applicant_iin, "guardian", "representative.self"),
        ("12345", "guardian", "representative.invalid_iin"),
        (stranger, None, "representative.relation_missing"),
    ]:
        with pytest.raises(DeskError) as caught:
            await desk.form.choose_representative(app_id, iin, relation)  # type: ignore[arg-type]
        assert caught.value.key == problem, (iin, relation)
        assert_explained(caught.value)
        assert desk.form.representative(desk.form.get(app_id)) is None  # nothing recorded

    # Someone else acts as guardian: the decision appointing them is then a document too.
    await desk.form.choose_representative(app_id, stranger, "guardian")
    assert "guardianship_decision" in desk.form.missing_documents(app_id)
    with pytest.raises(DocumentsMissing):
        desk.registration.register(app_id, key)
    desk.form.save_form(
        app_id,
        {**CHILD_FORM, "documents_seen": CHILD_FORM["documents_seen"] + ",guardianship_decision"},
    )
    desk.registration.register(app_id, key)
    assert desk.form.get(app_id).representative_iin == stranger


async def test_the_representative_identity_document_is_required(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    app_id = await draft(
        desk, ws.samples["child"][0], {**CHILD_FORM, "documents_seen": "birth_certificate"}
    )
    father = next(
        r.iin
        for r in desk.form.registry_representatives(desk.form.get(app_id))
        if r.relation == "father"
    )
    await desk.form.choose_representative(app_id, father)
    assert desk.form.missing_documents(app_id) == ["representative_identity"]
    with pytest.raises(DocumentsMissing):
        desk.registration.register(app_id, key)
    desk.form.clear_representative(app_id)
    assert desk.form.get(app_id).representative_iin is None
    assert desk.form.representative_problem(desk.form.get(app_id)) == "representative.missing"


async def test_an_adult_needs_no_representative(ws: demo.DemoWorkspace, desk: Desk) -> None:
    app_id = await draft(desk, ws.samples["adult"][0], {"basis": "free_choice"})
    record = desk.form.get(app_id)
    assert not desk.form.needs_representative(record)
    assert desk.form.representative_problem(record) is None
