"""The PDF talon and refusal notice: every field in both languages, read back with pypdf."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import segno
from pypdf import PdfReader

from regdesk.i18n import t
from regdesk.printing.documents import Document, RefusalData, TalonData, refusal_reference
from regdesk.printing.layout import format_date
from regdesk.printing.pdf import render_pdf
from regdesk.printing.qr import payload_for
from regdesk.printing.samples import KAZAKH_LETTERS, make_refusal, make_talon

MM = 72 / 25.4


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)  # values may wrap inside their column


def _labels(doc: Document) -> list[str]:
    keys = ["employee", "issued_at", "full_name", "iin", "qr_caption", "signature", "stamp"]
    if isinstance(doc, TalonData):
        keys += ["talon_title", "number", "reg_date", "effective_date", "birth_date", "address"]
        keys += ["district", "doctor", "nurse", "note"]
    else:
        keys += ["refusal_title", "refusal_date", "reason", "appeal_heading"]
        keys += ["appeal_text", "note", "number" if doc.number else "refusal_reference"]
    return [t(f"printing.doc.{key}", lang) for key in keys for lang in ("kk", "ru")]


def _values(doc: Document) -> list[str]:
    c, p = doc.clinic, doc.person
    values = [c.name_kk, c.name_ru, c.bin, c.address_kk, c.address_ru, c.phone]
    values += [p.full_name, p.iin, doc.employee, doc.reference, format_date(doc.date)]
    values += [doc.issued_at.strftime("%d.%m.%Y %H:%M"), doc.note]
    if isinstance(doc, TalonData):
        assert doc.district is not None
        values += [p.address, format_date(p.birth_date), format_date(doc.effective_date)]
        values += [f"№ {doc.district.number}", doc.district.doctor, doc.district.nurse]
    else:
        values += [doc.reason_kk, doc.reason_ru]
    return values


@pytest.mark.parametrize("size", ["A5", "A4"])
@pytest.mark.parametrize("doc", [make_talon(), make_refusal()], ids=["talon", "refusal"])
def test_every_field_is_printed_in_both_languages(doc: Document, size: str) -> None:
    text = _text(render_pdf(doc, size))  # type: ignore[arg-type]
    missing = [s for s in _labels(doc) + _values(doc) if re.sub(r"\s+", " ", s) not in text]
    assert missing == []
    assert set(KAZAKH_LETTERS + KAZAKH_LETTERS.upper()) <= set(text)
    assert payload_for(doc) in text


@pytest.mark.parametrize("code", ["no_data", "already_attached_here", "deceased"])
def test_a_refusal_notice_gives_the_reason_in_words_and_a_quotable_reference(code: str) -> None:
    # Issue 11, item 10: no internal code on paper. The reason is the refusal catalogue's text in
    # both paper languages; a notice before registration is quoted as CODE-YEAR-R<id, 6 digits>.
    from regdesk.core.refusals import reason

    doc = make_refusal(
        number=None,
        internal_id=refusal_reference("CLINIC", 2026, 42),
        reason_code=code,
        reason_kk=reason(code).kk,
        reason_ru=reason(code).ru,
    )
    text = _text(render_pdf(doc))
    assert " ".join(reason(code).kk.split()) in text and " ".join(reason(code).ru.split()) in text
    assert code not in text
    assert "ID42" not in text
    # The two columns (kk, ru) each label the reference; pypdf reads them side by side.
    assert "Хабарламаның нөмірі" in text and "Номер уведомления" in text
    assert text.count("CLINIC-2026-R000042") >= 3  # kk, ru, and inside the QR's payload line
    assert "себебінің коды" not in text and "Код причины" not in text


def test_page_size_and_a_single_page() -> None:
    for size, (w, h) in {"A5": (148, 210), "A4": (210, 297)}.items():
        reader = PdfReader(BytesIO(render_pdf(make_talon(), size)))  # type: ignore[arg-type]
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (w, h)


def test_a_long_note_flows_onto_a_second_page_without_losing_text() -> None:
    note = " ".join(f"Ескертпе-{i} қосымша мәтін." for i in range(120))
    doc = make_talon(note=note)
    reader = PdfReader(BytesIO(render_pdf(doc)))
    assert len(reader.pages) >= 2
    assert note in _text(render_pdf(doc))


def test_duplicate_is_marked_and_the_original_is_not() -> None:
    dup_mark = [t("printing.doc.duplicate", lang) for lang in ("kk", "ru")]
    original = _text(render_pdf(make_talon()))
    duplicate = _text(render_pdf(make_talon(duplicate=True)))
    assert not any(m in original for m in dup_mark)
    assert all(m in duplicate for m in dup_mark)
    assert "ТЕЛНҰСҚА" in duplicate and "ДУБЛИКАТ" in duplicate


def test_the_font_is_embedded() -> None:
    reader = PdfReader(BytesIO(render_pdf(make_talon())))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        embedded.append("/FontFile2" in descendant["/FontDescriptor"])
        assert "DejaVu" in str(font["/BaseFont"])
    assert embedded and all(embedded)


def test_payload_is_in_the_metadata_and_holds_no_iin() -> None:
    doc = make_talon()
    data = render_pdf(doc)
    meta = PdfReader(BytesIO(data)).metadata
    assert meta is not None
    assert meta.subject == payload_for(doc)
    assert doc.person.iin not in data.decode("latin-1")  # content is compressed; metadata is not
    assert doc.person.iin not in str(dict(meta))


def _qr_modules(pdf: bytes) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn on the page, from its filled rectangles."""
    page = PdfReader(BytesIO(pdf)).pages[0]
    content = page.get_contents()
    assert content is not None
    ops = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", content.get_data())
    rects = [tuple(float(v) for v in op) for op in ops]
    left = min(r[0] for r in rects)
    top = max(r[1] for r in rects)
    module = min(r[2] for r in rects)
    cells = set()
    for x, y, w, _ in rects:
        row = round((top - y) / module)
        first = round((x - left) / module)
        cells |= {(row, first + i) for i in range(round(w / module))}
    return cells


def test_qr_drawn_on_the_page_is_the_payload_s_code() -> None:
    doc = make_refusal(number=None, internal_id="CLINIC-2026-R000042")
    assert isinstance(doc, RefusalData)
    code = segno.make(payload_for(doc), error="m", micro=False, mask=0)
    expected = {
        (r, c)
        for r, row in enumerate(code.matrix_iter(scale=1, border=0))
        for c, dark in enumerate(row)
        if dark
    }
    assert _qr_modules(render_pdf(doc)) == expected
