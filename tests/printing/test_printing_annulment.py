"""The notice of an annulled registration (issue 11): bilingual on PDF and receipt, the ground in
words, its QR bound to the annulment and told apart from the talon of the same number."""

from __future__ import annotations

import dataclasses
import re
from io import BytesIO

from pypdf import PdfReader

from regdesk.i18n import t
from regdesk.printing.documents import digest_fields
from regdesk.printing.layout import format_date
from regdesk.printing.pdf import render_pdf
from regdesk.printing.qr import mismatches, parse_payload, payload_for, verify_payload
from regdesk.printing.samples import KAZAKH_LETTERS, make_annulment, make_talon
from regdesk.printing.text import render_text


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in reader.pages))


def test_the_notice_says_everything_in_kazakh_and_russian() -> None:
    doc = make_annulment()
    text = _text(render_pdf(doc, "A5"))
    labels = ["annulment_title", "number", "annulment_date", "full_name", "iin"]
    labels += ["annulment_reason", "annulment_heading", "annulment_text"]
    labels += ["note", "employee", "issued_at"]
    expected = [t(f"printing.doc.{key}", lang) for key in labels for lang in ("kk", "ru")]
    expected += [doc.number, format_date(doc.date), doc.person.full_name, doc.person.iin]
    expected += [doc.reason_kk, doc.reason_ru, doc.note, doc.employee]
    expected += ["26.11.2026 09:15", doc.clinic.name_kk, doc.clinic.name_ru]
    missing = [s for s in expected if re.sub(r"\s+", " ", s) not in text]
    assert missing == []
    assert doc.reason_code not in text  # the ground in words; no internal code on paper
    assert set(KAZAKH_LETTERS + KAZAKH_LETTERS.upper()) <= set(text)
    # Not a refusal and not a talon: neither title is on it.
    for lang in ("kk", "ru"):
        assert t("printing.doc.refusal_title", lang) not in text
        assert t("printing.doc.talon_title", lang) not in text
    assert payload_for(doc) in text


def test_the_receipt_carries_both_languages_and_the_code() -> None:
    doc = make_annulment()
    text = render_text(doc, 48)
    assert all(len(line) <= 48 for line in text.splitlines())
    flat = "".join(text.split())
    for lang in ("kk", "ru"):
        assert "".join(t("printing.doc.annulment_reason", lang).split()) in flat
    assert "".join(doc.reason_kk.split()) in flat and "".join(doc.reason_ru.split()) in flat
    assert parse_payload(text).text() == payload_for(doc)


def test_the_qr_is_an_annulments_and_binds_its_ground() -> None:
    doc = make_annulment()
    payload = parse_payload(payload_for(doc))
    assert payload_for(doc).startswith("RD1/A/CLINIC-2026-000125/990340005977/20261126/")
    assert payload.kind == "annulment" and verify_payload(payload, digest_fields(doc))
    assert mismatches(payload, digest_fields(make_annulment(reason_code="duplicate"))) == (
        "digest",
    )
    # The talon of the same number cannot pass for the annulment, nor the other way round.
    talon = make_talon(number=doc.number, date=doc.date)
    assert "kind" in mismatches(payload, digest_fields(talon))
    as_talon = dataclasses.replace(digest_fields(doc), kind="talon")
    assert "kind" in mismatches(payload, as_talon)
