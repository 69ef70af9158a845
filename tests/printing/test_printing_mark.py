"""A document's mark (a printer's TEST page, a TRAINING talon): on the PDF as a band at the top of
every page and on the diagonal, on the receipt as a banner at its head and foot, in bold on
ESC/POS; read back from the real PDF (pypdf) and the real bytes."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from regdesk.i18n import t
from regdesk.printing.documents import Document
from regdesk.printing.escpos import (
    BOLD_ON,
    CODEPAGE_KZ1048,
    CUT,
    DOUBLE_HEIGHT,
    INIT,
    encode_kz1048,
    qr_command,
    render_escpos,
)
from regdesk.printing.layout import format_date
from regdesk.printing.pdf import render_pdf
from regdesk.printing.qr import payload_for
from regdesk.printing.samples import make_annulment, make_refusal, make_talon
from regdesk.printing.text import render_lines, render_text

MARK = "СЫНАҚ / ПРОБА / TEST"
LONG_MARK = "ОҚУ ҮЛГІСІ — ЖАРАМСЫЗ / УЧЕБНЫЙ ОБРАЗЕЦ — НЕДЕЙСТВИТЕЛЕН"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pages(pdf: bytes) -> list[str]:
    return [_flat(page.extract_text() or "") for page in PdfReader(BytesIO(pdf)).pages]


@pytest.mark.parametrize(
    "doc",
    [make_talon(mark=MARK), make_refusal(mark=MARK), make_annulment(mark=MARK)],
    ids=["talon", "refusal", "annulment"],
)
@pytest.mark.parametrize("size", ["A5", "A4"])
def test_the_mark_is_on_the_pdf_and_every_field_still_is(doc: Document, size: str) -> None:
    pages = _pages(render_pdf(doc, size))  # type: ignore[arg-type]
    assert len(pages) == 1  # the band does not push the talon onto a second sheet
    text = pages[0]
    # The band and the diagonal: the words twice.
    assert text.count(MARK) >= 2
    person = doc.person
    for value in (person.full_name, person.iin, doc.reference, doc.employee, doc.clinic.name_kk):
        assert value in text
    assert format_date(doc.date) in text
    assert payload_for(doc) in text


def test_a_document_without_a_mark_has_none() -> None:
    pdf = render_pdf(make_talon())
    assert "ПРОБА" not in _pages(pdf)[0]
    assert "#" not in render_text(make_talon())
    assert BOLD_ON not in render_escpos(make_talon())


def test_a_long_mark_wraps_inside_the_band_and_a_duplicate_keeps_its_own_mark() -> None:
    doc = make_talon(mark=LONG_MARK, duplicate=True)
    text = _pages(render_pdf(doc))[0]
    assert LONG_MARK in text
    for lang in ("kk", "ru"):
        assert t("printing.doc.duplicate", lang) in text


def test_every_page_of_a_long_document_carries_the_mark() -> None:
    note = " ".join(f"Ескертпе-{i} қосымша мәтін." for i in range(120))
    pages = _pages(render_pdf(make_talon(note=note, mark=MARK)))
    assert len(pages) >= 2
    assert all(MARK in page for page in pages)


def _band_and_text(pdf: bytes) -> tuple[tuple[float, float], list[tuple[float, str]]]:
    """The band's vertical extent (PDF points) and every piece of text with its baseline."""
    page = PdfReader(BytesIO(pdf)).pages[0]
    content = page.get_contents()
    assert content is not None
    ops = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", content.get_data())
    width = float(page.mediabox.width)
    # The band is the one filled rectangle nearly as wide as the page (QR modules are tiny).
    wide = [tuple(float(v) for v in op) for op in ops if float(op[2]) > 0.8 * width]
    assert len(wide) == 1
    _, y, _, h = wide[0]
    low, high = sorted((y, y + h))
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            pieces.append((tm[5] * cm[3] + cm[5], text.strip()))

    page.extract_text(visitor_text=visit)
    return (low, high), pieces


def test_the_band_hides_none_of_the_text() -> None:
    doc = make_talon(mark=MARK)
    (low, high), pieces = _band_and_text(render_pdf(doc))
    inside = [text for y, text in pieces if low <= y <= high]
    # Only the mark's own words are written on the band; the diagonal crosses the page's middle.
    assert inside and all(text in MARK for text in inside)
    assert any(doc.clinic.name_kk in text for y, text in pieces if y < low)


@pytest.mark.parametrize("width", [48, 32])
def test_the_receipt_opens_and_closes_with_the_mark(width: int) -> None:
    doc = make_talon(mark=MARK)
    lines = render_lines(doc, width)
    assert max(len(line) for line in lines) <= width
    bar = "#" * width
    assert lines[0] == bar and lines[2] == bar and lines[1].strip() == MARK
    assert lines[-3] == bar and lines[-1] == bar and lines[-2].strip() == MARK
    # The document itself is all there between the banners.
    assert render_lines(make_talon(), width) == lines[3:-3]


def test_a_long_mark_wraps_on_a_narrow_receipt() -> None:
    lines = render_lines(make_talon(mark=LONG_MARK), 32)
    assert max(len(line) for line in lines) <= 32
    end = lines.index("#" * 32, 1)
    assert " ".join(line.strip() for line in lines[1:end]) == LONG_MARK


@pytest.mark.parametrize("width", [48, 32])
def test_escpos_prints_the_mark_in_bold_at_head_and_foot(width: int) -> None:
    doc = make_talon(mark=MARK)
    data = render_escpos(doc, width)
    assert data.startswith(INIT + CODEPAGE_KZ1048) and data.endswith(CUT)
    big = BOLD_ON + DOUBLE_HEIGHT + encode_kz1048(MARK.center(width).rstrip())
    assert data.count(big) == 2
    qr = qr_command(payload_for(doc), 6 if width == 48 else 4)
    first, qr_at, last = data.index(big), data.index(qr), data.rindex(big)
    assert first < data.index("Әбілқасымова".encode("kz1048")) < qr_at < last
    # The mark is not also printed as plain lines.
    assert data.count(encode_kz1048(MARK.center(width).rstrip())) == 2


def test_a_raster_receipt_draws_the_mark_lines() -> None:
    # Without the Kazakh code page the receipt is an image of render_lines: the mark is in them.
    doc = make_talon(mark=MARK)
    plain = render_escpos(make_talon(), 48, kz1048=False)
    marked = render_escpos(doc, 48, kz1048=False)
    assert len(marked) > len(plain)
    assert MARK in " ".join(render_lines(doc, 48))
