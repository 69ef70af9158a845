"""What the card, the EDS summary and the journal's detail say (issue 11, item 12).

The texts are the TUI's (``regdesk.tui.cards``, pure functions of the desk's answers); the desk
here is the real one over the demo clinic, so the names and the phone come from the journal.
"""

from __future__ import annotations

from datetime import date

import pytest

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.core.person import Address, CodeName, IdentityDocument, Person
from regdesk.core.phone import PhoneError
from regdesk.desk import Desk
from regdesk.i18n import LANGS, t
from regdesk.tui import cards


def _tr(lang: str):  # type: ignore[no-untyped-def]
    return lambda key, **params: t(key, lang, **params)


def _person(**changes: object) -> Person:
    base: dict[str, object] = dict(
        iin="150505600017",
        surname="Ахметова",
        first_name="Айя",
        patronymic=None,
        birth_date=date(2015, 5, 5),
        sex="female",
        citizenship=CodeName("KAZ", "Қазақстан"),
        nationality=None,
        residency="citizen",
        has_insurance=None,
        life_status="alive",
        death_date=None,
        address=Address("Алматы", "Бостандық", "Алматы", "ул. Абая", "10", None, "0001"),
        document=IdentityDocument(
            "birth_certificate", "I-АЛ 123456", date(2015, 5, 20), None, "ЗАГС"
        ),
        representatives=(),
    )
    base.update(changes)
    return Person(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_the_card_names_the_document_by_its_kind_and_an_open_validity_by_its_start(
    lang: str,
) -> None:
    tr = _tr(lang)
    text = cards.person_card(_person(), None, tr, 11)
    line = next(x for x in text.splitlines() if "I-АЛ 123456" in x)
    assert line.startswith(t("card.doc_type.birth_certificate", lang) + ":")
    assert t("card.valid_from", lang, date="20.05.2015") in line
    assert "–—" not in text and t("card.document", lang) not in line

    permit = IdentityDocument("residence_permit", "R1", date(2022, 7, 24), date(2032, 7, 23), "МВД")
    text = cards.person_card(_person(residency="foreign_resident", document=permit), None, tr, 11)
    line = next(x for x in text.splitlines() if "R1" in x)
    assert line.startswith(t("card.doc_type.residence_permit", lang) + ":")
    assert "24.07.2022–23.07.2032" in line


@pytest.mark.parametrize("lang", LANGS)
def test_a_dead_persons_card_says_the_age_was_at_death(lang: str) -> None:
    dead = _person(birth_date=date(1950, 3, 1), life_status="dead", death_date=date(2020, 2, 29))
    text = cards.person_card(dead, None, _tr(lang), 69)
    assert t("card.age_at_death", lang, age=69) in text
    assert f"({t('card.age', lang, age=69)})" not in text


async def test_phone_and_address_in_the_eds_summary_and_the_detail_and_events_name_the_employee(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    app_id = lookup.application_id
    form = {
        "phone": "abc",
        "actual_address": "Алматы, ул. Сатпаева, 22",
        "basis": "free_choice",
        "district": "2",
        "documents_seen": "identity",
    }
    desk.form.save_form(app_id, form)
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    # A phone that is not +7 and ten digits stops the registration, in words.
    with pytest.raises(PhoneError):
        desk.registration.register(app_id, check)
    assert desk.form.get(app_id).number is None

    desk.form.save_form(app_id, form | {"phone": "8 701 123 45 67"})
    record = desk.form.get(app_id)
    for lang in LANGS:
        summary = cards.sign_summary(record, [], _tr(lang))
        assert f"{t('form.phone', lang)}: 8 701 123 45 67" in summary
        assert f"{t('form.actual_address', lang)}: Алматы, ул. Сатпаева, 22" in summary
    number = desk.registration.register(app_id, check)
    assert number

    detail = desk.journal.detail(app_id)
    assert detail.actor_names == {receptionist[1]: receptionist[3]}
    for lang in LANGS:
        text = cards.detail_text(detail, _tr(lang), lang, clock)
        assert f"{t('form.phone', lang)}: 8 701 123 45 67" in text
        assert "ул. Сатпаева, 22" in text
        events = text.split(t("detail.events", lang))[1].split(t("detail.attachments", lang))[0]
        surname, first, patronymic = receptionist[3].split()
        assert f"{surname} {first[0]}. {patronymic[0]}." in events
        assert receptionist[1] not in events  # the name, not the IIN
