"""The rules and the documents, checked again at registration on what the form now says.

Today is outside the attachment campaign (the demo's clock is the real one in late November), so
a change of clinic by free choice is blocked while a change of residence is allowed at any time.
"""

from __future__ import annotations

import pytest
from desk_support import MovableClock, assert_explained, journal_counts

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.rules import in_campaign
from regdesk.desk import Desk, DeskError, KeyCheck, RulesBlock
from regdesk.i18n import t


@pytest.fixture
def key(ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]) -> KeyCheck:
    check = desk.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    assert check.can_sign
    return check


def _outside_campaign(desk: Desk, clock: MovableClock) -> None:
    """Move the clock out of the campaign when the tests run inside it (the keys last a year)."""
    if in_campaign(desk.today(), desk.rule_settings()):
        clock.advance(days=90)
    assert not in_campaign(desk.today(), desk.rule_settings())


async def test_missing_documents_block_registration_in_words(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = await desk.look_up(ws.samples["unattached"][0])
    app_id = lookup.application_id
    desk.save_form(app_id, {"basis": "free_choice", "district": "1"})
    with pytest.raises(DeskError) as caught:
        desk.register(app_id, key)
    error = caught.value
    assert error.key == "desk.documents_missing"
    assert_explained(error)
    for lang in ("kk", "ru", "en"):
        assert t("core.document.identity", lang) in error.message(lang)
        assert "identity" not in error.message(lang).replace(t("core.document.identity", lang), "")
    assert desk.get(app_id).state == State.DRAFT
    assert journal_counts(ws)["signatures"] == 0

    desk.save_form(app_id, {"basis": "free_choice", "district": "1", "documents_seen": "identity"})
    assert desk.register(app_id, key).endswith("-000001")


async def test_pensioner_needs_the_pension_certificate_as_well(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = await desk.look_up(ws.samples["pensioner"][0], basis="residence_change")
    app_id = lookup.application_id
    assert lookup.blocking == ()
    desk.save_form(app_id, {"basis": "residence_change", "documents_seen": "identity"})
    assert desk.missing_documents(app_id) == ["pension_certificate"]
    with pytest.raises(DeskError) as caught:
        desk.register(app_id, key)
    assert t("core.document.pension_certificate", "kk") in caught.value.message("kk")
    assert t("core.document.identity", "kk") not in caught.value.message("kk")
    desk.attach(app_id, ws.scan_dir / "pensionnoe-udostoverenie.tif", "pension_certificate")
    assert desk.missing_documents(app_id) == []
    desk.register(app_id, key)
    assert desk.get(app_id).state == State.REGISTERED


async def test_free_choice_outside_the_campaign_is_refused_residence_change_allowed(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: MovableClock
) -> None:
    _outside_campaign(desk, clock)
    lookup = await desk.look_up(ws.samples["attached_elsewhere_long_ago"][0])
    app_id = lookup.application_id
    assert lookup.attachment is not None
    assert lookup.suggested_refusal == "outside_campaign"

    desk.save_form(app_id, {"basis": "free_choice", "documents_seen": "identity"})
    with pytest.raises(RulesBlock) as caught:
        desk.register(app_id, key)
    assert [f.code for f in caught.value.findings] == ["outside_campaign"]
    assert_explained(caught.value)
    for lang in ("kk", "ru", "en"):
        finding = caught.value.findings[0]
        assert t(finding.key, lang, **dict(finding.params)) in caught.value.message(lang)
    assert desk.get(app_id).state == State.DRAFT

    desk.save_form(app_id, {"basis": "residence_change", "documents_seen": "identity"})
    number = desk.register(app_id, key)
    record = desk.get(app_id)
    assert record.state == State.REGISTERED and record.number == number
    assert record.basis == "residence_change"
    assert record.effective_date == desk.today()


async def test_rules_are_checked_again_on_the_basis_the_form_gives(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: MovableClock
) -> None:
    # The look-up was asked on a change of residence (nothing blocks), then the form says free
    # choice: registration must judge the form, not the look-up.
    _outside_campaign(desk, clock)
    lookup = await desk.look_up(
        ws.samples["attached_elsewhere_recent"][0], basis="residence_change"
    )
    assert lookup.blocking == ()
    desk.save_form(lookup.application_id, {"basis": "free_choice", "documents_seen": "identity"})
    with pytest.raises(RulesBlock) as caught:
        desk.register(lookup.application_id, key)
    codes = {f.code for f in caught.value.findings}
    assert "changed_too_recently" in codes
    assert journal_counts(ws)["signatures"] == 0


async def test_temporary_foreigner_without_insurance_is_never_eligible(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = await desk.look_up(ws.samples["foreign_temporary_uninsured"][0])
    assert lookup.suggested_refusal == "not_eligible"
    desk.save_form(
        lookup.application_id,
        {"basis": "residence_change", "documents_seen": "identity,insurance_policy"},
    )
    with pytest.raises(RulesBlock) as caught:
        desk.register(lookup.application_id, key)
    assert [f.refusal_code for f in caught.value.findings] == ["not_eligible"]
    refused = desk.refuse(lookup.application_id, "not_eligible")
    assert refused.state == State.REFUSED


async def test_child_needs_birth_certificate_and_representative(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = await desk.look_up(ws.samples["child"][0], basis="residence_change")
    app_id = lookup.application_id
    assert lookup.person is not None and lookup.person.representatives
    assert "representative_needed" not in {f.code for f in lookup.findings}
    assert {d.value for d in desk.required_documents(desk.get(app_id))} == {
        "birth_certificate",
        "representative_identity",
    }
    desk.save_form(app_id, {"basis": "residence_change"})
    desk.attach(app_id, ws.scan_dir / "svidetelstvo-o-rozhdenii.png", "birth_certificate")
    assert desk.missing_documents(app_id) == ["representative_identity"]
    desk.save_form(
        app_id, {"basis": "residence_change", "documents_seen": "representative_identity"}
    )
    desk.register(app_id, key)
    assert desk.get(app_id).state == State.REGISTERED


async def test_the_district_is_suggested_from_the_address_by_the_demo_ranges(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    from regdesk.core.districts import suggest_district as core_suggestion

    lookup = await desk.look_up(ws.samples["adult"][0])
    record = desk.get(lookup.application_id)
    person = lookup.person
    assert person is not None and person.address is not None
    registered = desk.suggest_district(record)
    assert registered.source == "registered"
    assert registered == core_suggestion(ws.config.districts, registered=person.address)
    # The demo's ranges (regdesk.demo): Төле би 1-90 is district 1, 91-180 district 2.
    for typed, district in (("ул. Толе би 12", 1), ("Төле би көшесі, 120", 2)):
        got = desk.suggest_district(record, typed)
        assert (got.source, got.district) == ("actual", district)
        assert got.entry.startswith("Төле би")
    elsewhere = desk.suggest_district(record, "Абайская область, г. Семей, ул. Ленина 5")
    assert elsewhere.district is None  # no silent district 1
