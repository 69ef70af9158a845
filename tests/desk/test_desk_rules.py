"""The rules and the documents, checked again at registration on what the form now says.

The clock is pinned: on 25.11.2026 (outside the attachment campaign, 1 September to 1 November)
a change of clinic by free choice is blocked while a change of residence is allowed at any time;
inside the campaign the free choice goes through and takes effect on 1 January. The campaign's
days are the clinic's days, not UTC ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from desk_support import assert_explained, journal_counts

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.core.rules import in_campaign
from regdesk.desk import Desk, DeskError, KeyCheck, RulesBlock
from regdesk.i18n import t

# 10:30 in Almaty on 25.11.2026: the campaign ended on 1 November.
OUTSIDE = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
# 03:00 in Almaty on 1 November 2027, the campaign's last day (still 31 October in UTC); the
# demo keys, made on 25.11.2026, are valid for a year.
LAST_CAMPAIGN_DAY = datetime(2027, 10, 31, 22, 0, tzinfo=UTC)
# 01:00 in Almaty on 2 November 2027, the day after (still 1 November, the last day, in UTC).
DAY_AFTER = datetime(2027, 11, 1, 20, 0, tzinfo=UTC)


def _outside_campaign(desk: Desk, clock: PinnedClock) -> None:
    clock.set(OUTSIDE)
    assert not in_campaign(desk.context.today(), desk.context.rules)


async def test_missing_documents_block_registration_in_words(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    app_id = lookup.application_id
    desk.form.save_form(app_id, {"basis": "free_choice", "district": "1"})
    with pytest.raises(DeskError) as caught:
        desk.registration.register(app_id, key)
    error = caught.value
    assert error.key == "desk.documents_missing"
    assert_explained(error)
    for lang in ("kk", "ru", "en"):
        assert t("core.document.identity", lang) in error.message(lang)
        assert "identity" not in error.message(lang).replace(t("core.document.identity", lang), "")
    assert desk.form.get(app_id).state == State.DRAFT
    assert journal_counts(ws)["signatures"] == 0

    desk.form.save_form(
        app_id, {"basis": "free_choice", "district": "1", "documents_seen": "identity"}
    )
    assert desk.registration.register(app_id, key).endswith("-000001")


async def test_pensioner_needs_the_pension_certificate_as_well(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["pensioner"][0], basis="residence_change")
    )
    app_id = lookup.application_id
    assert lookup.blocking == ()
    desk.form.save_form(
        app_id, {"basis": "residence_change", "district": "1", "documents_seen": "identity"}
    )
    assert desk.form.missing_documents(app_id) == ["pension_certificate"]
    with pytest.raises(DeskError) as caught:
        desk.registration.register(app_id, key)
    assert t("core.document.pension_certificate", "kk") in caught.value.message("kk")
    assert t("core.document.identity", "kk") not in caught.value.message("kk")
    desk.form.attach(app_id, ws.scan_dir / "pensionnoe-udostoverenie.tif", "pension_certificate")
    assert desk.form.missing_documents(app_id) == []
    desk.registration.register(app_id, key)
    assert desk.form.get(app_id).state == State.REGISTERED


async def test_free_choice_outside_the_campaign_is_refused_residence_change_allowed(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock
) -> None:
    _outside_campaign(desk, clock)
    lookup = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["attached_elsewhere_long_ago"][0])
    )
    app_id = lookup.application_id
    assert lookup.attachment is not None
    assert lookup.suggested_refusal == "outside_campaign"

    desk.form.save_form(
        app_id, {"basis": "free_choice", "district": "1", "documents_seen": "identity"}
    )
    with pytest.raises(RulesBlock) as caught:
        desk.registration.register(app_id, key)
    assert [f.code for f in caught.value.findings] == ["outside_campaign"]
    assert_explained(caught.value)
    for lang in ("kk", "ru", "en"):
        finding = caught.value.findings[0]
        assert t(finding.key, lang, **dict(finding.params)) in caught.value.message(lang)
    assert desk.form.get(app_id).state == State.DRAFT

    desk.form.save_form(
        app_id, {"basis": "residence_change", "district": "1", "documents_seen": "identity"}
    )
    number = desk.registration.register(app_id, key)
    record = desk.form.get(app_id)
    assert record.state == State.REGISTERED and record.number == number
    assert record.basis == "residence_change"
    assert record.effective_date == desk.context.today()


async def test_rules_are_checked_again_on_the_basis_the_form_gives(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock
) -> None:
    # The look-up was asked on a change of residence (nothing blocks), then the form says free
    # choice: registration must judge the form, not the look-up.
    _outside_campaign(desk, clock)
    lookup = desk.intake.open_draft(
        await desk.intake.look_up(
            ws.samples["attached_elsewhere_recent"][0], basis="residence_change"
        )
    )
    assert lookup.blocking == ()
    desk.form.save_form(
        lookup.application_id,
        {"basis": "free_choice", "district": "1", "documents_seen": "identity"},
    )
    with pytest.raises(RulesBlock) as caught:
        desk.registration.register(lookup.application_id, key)
    codes = {f.code for f in caught.value.findings}
    assert "changed_too_recently" in codes
    assert journal_counts(ws)["signatures"] == 0


async def test_temporary_foreigner_without_insurance_is_never_eligible(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["foreign_temporary_uninsured"][0])
    )
    assert lookup.suggested_refusal == "not_eligible"
    desk.form.save_form(
        lookup.application_id,
        {
            "basis": "residence_change",
            "district": "1",
            "documents_seen": "identity,insurance_policy",
        },
    )
    with pytest.raises(RulesBlock) as caught:
        desk.registration.register(lookup.application_id, key)
    assert [f.refusal_code for f in caught.value.findings] == ["not_eligible"]
    refused = desk.intake.refuse(lookup.application_id, "not_eligible")
    assert refused.state == State.REFUSED


async def test_child_needs_birth_certificate_and_representative(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck
) -> None:
    lookup = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["child"][0], basis="residence_change")
    )
    app_id = lookup.application_id
    assert lookup.person is not None and lookup.person.representatives
    assert "representative_needed" not in {f.code for f in lookup.findings}
    assert {d.value for d in desk.form.required_documents(desk.form.get(app_id))} == {
        "birth_certificate",
        "representative_identity",
    }
    desk.form.save_form(app_id, {"basis": "residence_change"})
    desk.form.attach(app_id, ws.scan_dir / "svidetelstvo-o-rozhdenii.png", "birth_certificate")
    assert desk.form.missing_documents(app_id) == ["representative_identity"]
    desk.form.save_form(
        app_id,
        {"basis": "residence_change", "district": "1", "documents_seen": "representative_identity"},
    )
    with pytest.raises(DeskError) as caught:
        desk.registration.register(app_id, key)  # documents complete, but nobody represents
    assert caught.value.key == "representative.missing"
    mother = next(r for r in lookup.person.representatives if r.relation == "mother")
    await desk.form.choose_representative(app_id, mother.iin)
    desk.registration.register(app_id, key)
    assert desk.form.get(app_id).state == State.REGISTERED
    assert desk.form.get(app_id).representative_iin == mother.iin


async def test_the_district_is_suggested_from_the_address_by_the_demo_ranges(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    from regdesk.core.districts import suggest_district as core_suggestion

    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["adult"][0]))
    record = desk.form.get(lookup.application_id)
    person = lookup.person
    assert person is not None and person.address is not None
    registered = desk.form.suggest_district(record)
    assert registered.source == "registered"
    assert registered == core_suggestion(ws.config.districts, registered=person.address)
    # The demo's ranges (regdesk.demo): Төле би 1-90 is district 1, 91-180 district 2.
    for typed, district in (("ул. Толе би 12", 1), ("Төле би көшесі, 120", 2)):
        got = desk.form.suggest_district(record, typed)
        assert (got.source, got.district) == ("actual", district)
        assert got.entry.startswith("Төле би")
    elsewhere = desk.form.suggest_district(record, "Абайская область, г. Семей, ул. Ленина 5")
    assert elsewhere.district is None  # no silent district 1


async def test_free_choice_goes_through_on_the_campaign_s_last_clinic_day_and_not_after(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock
) -> None:
    clock.set(LAST_CAMPAIGN_DAY)
    assert desk.context.today() == date(2027, 11, 1)
    lookup = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["attached_elsewhere_long_ago"][0])
    )
    assert lookup.blocking == ()
    assert lookup.suggested_refusal is None
    app_id = lookup.application_id
    desk.form.save_form(
        app_id, {"basis": "free_choice", "district": "1", "documents_seen": "identity"}
    )
    number = desk.registration.register(app_id, key)
    assert number.startswith("DEMO-2027-")
    record = desk.form.get(app_id)
    # A campaign change takes effect on the next 1 January.
    assert record.effective_date == date(2028, 1, 1)

    clock.set(DAY_AFTER)
    assert desk.context.today() == date(2027, 11, 2)
    again = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["attached_elsewhere_recent"][0])
    )
    assert again.suggested_refusal == "outside_campaign"


async def test_the_card_gives_a_dead_persons_age_at_death(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    from regdesk.core.age import age_on

    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["deceased"][0]))
    person, age = lookup.person, lookup.age
    assert person is not None and person.death_date is not None and age is not None
    assert age.on == person.death_date < desk.context.today()
    assert age.years == age_on(person.birth_date, person.death_date)
    assert age.source == "registry"
