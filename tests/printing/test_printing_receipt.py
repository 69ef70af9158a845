"""Receipt layouts: plain text for 80/58 mm and ESC/POS bytes with the Kazakh code page."""

from __future__ import annotations

import pytest
from PIL import Image

from regdesk.printing.documents import Document
from regdesk.printing.escpos import (
    CODEPAGE_KZ1048,
    CUT,
    INIT,
    encode_kz1048,
    qr_command,
    raster_image,
    render_escpos,
)
from regdesk.printing.qr import payload_for
from regdesk.printing.samples import KAZAKH_LETTERS, make_refusal, make_talon
from regdesk.printing.text import render_lines, render_text

DOCS = [make_talon(), make_refusal(), make_talon(duplicate=True)]


@pytest.mark.parametrize("width", [48, 32])
@pytest.mark.parametrize("doc", DOCS, ids=["talon", "refusal", "duplicate"])
def test_text_fits_the_paper_and_has_kk_then_ru(doc: Document, width: int) -> None:
    text = render_text(doc, width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    kk_title = "тіркеу талоны" if doc.kind == "talon" else "бас тарту туралы хабарлама"
    ru_title = "Талон прикрепления" if doc.kind == "talon" else "мотивированном"
    flat = " ".join(text.split())
    assert flat.index(kk_title) < flat.index(ru_title)
    for value in (doc.person.full_name, doc.person.iin, doc.reference, doc.employee):
        assert flat.count(value) >= 2  # in the kk block and in the ru block
    assert set(KAZAKH_LETTERS) <= set(text)
    assert ("ТЕЛНҰСҚА" in text and "ДУБЛИКАТ" in text) == doc.duplicate
    assert payload_for(doc) in "".join(lines[-3:])


@pytest.mark.parametrize("width", [48, 32])
def test_the_refusal_slip_gives_the_reason_in_words_and_no_code(width: int) -> None:
    from regdesk.core.refusals import reason

    found = reason("no_data")
    doc = make_refusal(
        number=None,
        internal_id="CLINIC-2026-R000007",
        reason_code="no_data",
        reason_kk=found.kk,
        reason_ru=found.ru,
    )
    flat = " ".join(render_text(doc, width).split())
    assert " ".join(found.kk.split()) in flat and " ".join(found.ru.split()) in flat
    assert "no_data" not in flat and "ID7" not in flat
    # The reference, quotable, in the kk block and in the ru block (the QR line is apart).
    assert flat.count("CLINIC-2026-R000007") >= 2
    assert "Хабарламаның нөмірі" in flat and "Номер уведомления" in flat


def test_too_narrow_is_refused() -> None:
    with pytest.raises(ValueError):
        render_text(make_talon(), 10)


@pytest.mark.parametrize("width", [48, 32])
def test_escpos_selects_the_kazakh_code_page_and_encodes_kz1048(width: int) -> None:
    doc = make_talon()
    data = render_escpos(doc, width)
    assert data.startswith(INIT + CODEPAGE_KZ1048)
    assert CODEPAGE_KZ1048 == b"\x1bt\x35"
    for line in render_lines(doc, width):
        assert encode_kz1048(line) in data
    assert "Әбілқасымова".encode("kz1048") in data
    assert "Әбілқасымова".encode() not in data  # not UTF-8
    assert qr_command(payload_for(doc), 6 if width == 48 else 4) in data
    assert data.endswith(CUT)


def test_qr_command_layout() -> None:
    cmd = qr_command("RD1/T/X", 6)
    # GS ( k pL pH 49 80 48 data: the stored data is the payload, its length counted in pL pH.
    store = b"\x1d(k" + (len("RD1/T/X") + 3).to_bytes(2, "little") + b"1P0RD1/T/X"
    assert store in cmd
    assert cmd.endswith(b"\x1d(k\x03\x001Q0")


def test_kz1048_keeps_kazakh_letters_and_degrades_the_rest() -> None:
    assert encode_kz1048(KAZAKH_LETTERS).decode("kz1048") == KAZAKH_LETTERS
    assert encode_kz1048("Müller №5 ₸") == "Muller №5 ?".encode("kz1048")


@pytest.mark.parametrize(("width", "dots"), [(48, 576), (32, 384)])
def test_raster_fallback_sends_an_image_instead_of_text(width: int, dots: int) -> None:
    doc = make_refusal()
    data = render_escpos(doc, width, kz1048=False)
    assert data.startswith(INIT) and data.endswith(CUT)
    assert CODEPAGE_KZ1048 not in data
    assert "Әбілқасымова".encode("kz1048") not in data
    # Walk the GS v 0 bands: each declares its size, and together they cover the image.
    pos, rows = len(INIT), 0
    while data.startswith(b"\x1dv0\x00", pos):
        x = int.from_bytes(data[pos + 4 : pos + 6], "little")
        y = int.from_bytes(data[pos + 6 : pos + 8], "little")
        assert x == dots // 8 and 0 < y <= 256
        pos += 8 + x * y
        rows += y
    image = raster_image(render_lines(doc, width), payload_for(doc), dots)
    assert rows == image.height and image.width == dots
    assert data[pos:] == b"\n" * 3 + CUT


def test_raster_image_has_ink_and_a_white_margin() -> None:
    doc = make_talon()
    image = raster_image(render_lines(doc, 48), payload_for(doc), 576)
    pixels = image.tobytes()  # mode L: one byte a pixel, row by row
    dark = sum(1 for v in pixels if v < 128)
    assert 0.02 < dark / len(pixels) < 0.5
    right_column = pixels[image.width - 1 :: image.width]
    assert all(v >= 128 for v in right_column)
    assert isinstance(image, Image.Image)
