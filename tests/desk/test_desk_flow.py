"""Table 2 end to end through ``Desk``: registration to the talon, and the step-4 refusals."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from io import BytesIO
from pathlib import Path

from desk_support import journal_counts
from pypdf import PdfReader

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk
from regdesk.i18n import t
from regdesk.printing.documents import reason_texts
from regdesk.store.paths import DataPaths

NUMBER = re.compile(r"^DEMO-\d{4}-\d{6}$")


def pdf_text(path: Path) -> str:
    reader = PdfReader(BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


async def test_happy_path_from_look_up_to_survey(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    iin = ws.samples["unattached"][0]
    lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
    app_id = lookup.application_id
    assert lookup.person is not None and lookup.person.iin == iin
    assert lookup.attachment is None
    assert lookup.blocking == () and lookup.suggested_refusal is None
    draft = desk.form.get(app_id)
    assert draft.state == State.DRAFT
    assert draft.full_name and draft.applicant_iin == iin
    # The registry request is timed as a step of the regulation (the time-norm report reads it).
    steps = [(e.kind, e.step) for e in desk.context.journal.events.history(app_id)]
    assert ("step_start", "registry_request") in steps
    assert ("step_end", "registry_request") in steps

    scans = desk.form.list_scans()
    names = [s.name for s in scans]
    assert names[0] == "zametki.txt"  # newest first
    assert {s.name: s.media_type for s in scans}["udostoverenie-lichnosti.pdf"] == (
        "application/pdf"
    )
    assert {s.name: s.media_type for s in scans}["povrezhdennyi-fail.pdf"] is None

    desk.form.save_form(
        app_id, {"phone": "+7 701 000 00 00", "basis": "free_choice", "district": "2"}
    )
    assert desk.form.missing_documents(app_id) == ["identity"]
    scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    desk.form.attach(app_id, scan, "identity")
    assert desk.form.missing_documents(app_id) == []
    signed_doc = desk.registration.document_for_signing(app_id)
    assert signed_doc["attachments"] == [
        {
            "name": scan.name,
            "kind": "identity",
            "sha256": hashlib.sha256(scan.read_bytes()).hexdigest(),
        }
    ]

    clock.advance(minutes=3)
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    assert check.can_sign, [p.message("en") for p in check.problems]
    assert check.info.iin == receptionist[1]
    assert desk.registration.key_store_hint() == ws.key_paths[receptionist[1]]

    number = desk.registration.register(app_id, check)
    assert NUMBER.match(number)
    assert number == f"DEMO-{clock().year}-000001"
    record = desk.form.get(app_id)
    assert record.state == State.REGISTERED
    assert record.number == number
    assert record.basis == "free_choice" and record.district == 2
    assert record.effective_date is not None
    assert record.registered_at == clock()
    detail = desk.journal.detail(app_id)
    assert detail.signature_ok is True
    assert detail.signature_text == check.info.common_name
    signature = desk.context.journal.registration.signature(app_id)
    assert signature is not None and signature.signer_iin == receptionist[1]
    assert [a.doc_kind for a in detail.attachments] == ["identity"]

    issued = desk.issuance.issue(app_id)
    assert issued.document == "talon" and issued.status == "written"
    assert issued.path is not None and issued.path.parent == ws.prints_dir
    assert issued.path.read_bytes().startswith(b"%PDF")
    text = pdf_text(issued.path)
    assert number in text and iin in text
    assert t("printing.doc.duplicate", "ru") not in text
    assert desk.form.get(app_id).state == State.ISSUED

    again = desk.issuance.reprint(app_id)
    assert again.path is not None and again.path != issued.path
    assert t("printing.doc.duplicate", "ru") in pdf_text(again.path)
    prints = desk.journal.detail(app_id).prints
    assert [p.duplicate for p in prints] == [False, True]
    assert desk.form.get(app_id).state == State.ISSUED

    desk.issuance.save_survey(app_id, 3, 2)
    answer = desk.context.journal.issuance.survey(app_id)
    assert answer is not None and (answer.q1, answer.q2) == (3, 2)

    # The journal finds it by IIN, by number and by surname.
    assert [r.id for r in desk.journal.find(iin)] == [app_id]
    assert [r.id for r in desk.journal.find(number.lower())] == [app_id]
    assert app_id in [r.id for r in desk.journal.find(record.surname[:4])]
    # ... and by what is at hand: the number's tail, the start of the IIN, the surname typed in
    # the other alphabet (issue 11, item 9).
    year = clock().year
    for tail in ("000001", "1", f"{year}-000001", f"dеmо-{year}-000001"):  # Cyrillic е, м, о
        assert [r.id for r in desk.journal.find(tail)] == [app_id], tail
    kk_row = {"0": "қ", "1": '"', "2": "ә", "3": "і", "4": "ң", "5": "ғ", "6": ",", "7": "."}
    kk_row |= {"8": "ү", "9": "ұ"}
    assert app_id in [r.id for r in desk.journal.find(iin[:6])]
    assert [r.id for r in desk.journal.find(iin[:11])] == [app_id]
    assert [r.id for r in desk.journal.find("".join(kk_row[d] for d in iin[:8]))] == [app_id]
    ru_spelt = record.surname.translate(str.maketrans("ҒҚҢҮҰӨӘІҺғқңүұөәіһ", "ГКНУУОАИХгкнууоаих"))
    assert app_id in [r.id for r in desk.journal.find(ru_spelt.upper())]


async def test_numbers_follow_each_other_without_gaps(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]
) -> None:
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    numbers = []
    for iin in ws.samples["unattached"][:2]:
        lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
        desk.form.save_form(
            lookup.application_id,
            {"basis": "free_choice", "district": "1", "documents_seen": "identity"},
        )
        numbers.append(desk.registration.register(lookup.application_id, check))
    year = numbers[0].split("-")[1]
    assert numbers == [f"DEMO-{year}-000001", f"DEMO-{year}-000002"]


async def test_tampered_signature_is_reported_invalid(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]
) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    app_id = lookup.application_id
    desk.form.save_form(
        app_id, {"basis": "free_choice", "district": "1", "documents_seen": "identity"}
    )
    desk.registration.register(
        app_id, desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    )
    assert desk.journal.detail(app_id).signature_ok is True
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    (canonical,) = conn.execute(
        "SELECT canonical FROM signatures WHERE application_id = ?", (app_id,)
    ).fetchone()
    assert b"free_choice" in canonical
    with conn:
        conn.execute(
            "UPDATE signatures SET canonical = ? WHERE application_id = ?",
            (bytes(canonical).replace(b"free_choice", b"residence_change"), app_id),
        )
    conn.close()
    assert desk.journal.detail(app_id).signature_ok is False


async def test_not_found_is_refused_with_no_data_and_notice_printed(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock
) -> None:
    iin = ws.samples["no_record"][0]
    lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
    assert lookup.person is None
    assert lookup.suggested_refusal == "no_data"
    assert desk.form.get(lookup.application_id).state == State.DRAFT

    refused = desk.intake.refuse(lookup.application_id, "no_data")
    assert refused.state == State.REFUSED
    assert refused.refusal_code == "no_data"
    assert refused.number is None  # refused at step 4: never registered, so never numbered

    preview = desk.issuance.preview(lookup.application_id)
    assert iin in preview
    flat = " ".join(preview.split())
    for lang in ("kk", "ru"):
        assert " ".join(t("printing.doc.refusal_title", lang).split()) in flat
    # The catalogue's reason, in both paper languages, whatever the line wrapping.
    for reason in reason_texts("no_data"):
        assert " ".join(reason.split()) in flat

    issued = desk.issuance.issue(lookup.application_id)
    assert issued.document == "refusal" and issued.status == "written"
    assert issued.path is not None and issued.path.exists()
    assert iin in pdf_text(issued.path)
    # No internal code on paper (issue 11, item 10): the reason in words and a reference to
    # quote, DEMO-<year of the refusal>-R<id>, which the journal finds again.
    reference = f"DEMO-{clock().year}-R{lookup.application_id:06d}"
    assert "no_data" not in flat and "no_data" not in pdf_text(issued.path)
    assert reference in flat and reference in pdf_text(issued.path)
    assert desk.journal.reference(refused) == reference
    assert [r.id for r in desk.journal.find(reference.lower())] == [lookup.application_id]
    assert desk.journal.find(f"DEMO-{clock().year - 1}-R{lookup.application_id:06d}") == []
    assert desk.form.get(lookup.application_id).state == State.REFUSED
    assert [p.document for p in desk.journal.detail(lookup.application_id).prints] == ["refusal"]


async def test_deceased_person_is_blocked_and_refused(ws: demo.DemoWorkspace, desk: Desk) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["deceased"][0]))
    assert lookup.person is not None
    assert lookup.person.life_status == "dead"
    assert [f.code for f in lookup.blocking] == ["deceased"]
    assert lookup.suggested_refusal == "deceased"
    record = desk.intake.refuse(lookup.application_id, "deceased", "  death date per registry  ")
    assert record.state == State.REFUSED
    assert record.refusal_note == "death date per registry"
    events = desk.context.journal.events.history(lookup.application_id)
    refusal = [e for e in events if e.kind == "transition" and e.to_state == State.REFUSED]
    assert [(e.reason_code, e.from_state) for e in refusal] == [("deceased", State.DRAFT)]


async def test_already_attached_here_is_blocked(ws: demo.DemoWorkspace, desk: Desk) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["attached_here"][0]))
    assert lookup.suggested_refusal == "already_attached_here"
    assert lookup.attachment is not None
    assert lookup.attachment.clinic_bin == ws.config.clinic.bin


async def test_abandoned_draft_leaves_open_drafts(ws: demo.DemoWorkspace, desk: Desk) -> None:
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["adult"][0]))
    assert [r.id for r in desk.session.open_drafts()] == [lookup.application_id]
    desk.intake.abandon(lookup.application_id)
    assert desk.form.get(lookup.application_id).state == State.ABANDONED
    assert desk.session.open_drafts() == []
    assert journal_counts(ws)["signatures"] == 0


async def test_a_talon_printed_from_the_journal_issues_a_registered_application(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]
) -> None:
    # The result screen was left without printing (issue 11, item 4); printing later from the
    # journal hands the talon over all the same: one rule for every print (issue 9).
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    app_id = lookup.application_id
    desk.form.save_form(app_id, {"documents_seen": "identity", "district": "1"})
    desk.registration.register(app_id, check)
    assert desk.journal.get(app_id).state == State.REGISTERED
    printed = desk.issuance.reprint(app_id)
    assert (printed.document, printed.status, printed.duplicate) == ("talon", "written", False)
    assert desk.journal.get(app_id).state == State.ISSUED
    # No time-norm "issue" step for a print from the journal: the applicant was not at the desk.
    steps = [e.step for e in desk.context.journal.events.history(app_id) if e.step]
    assert "issue" not in steps
