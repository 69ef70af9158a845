"""The talon and the refusal notice as an A5 or A4 PDF, Kazakh and Russian side by side.

The font is DejaVu Sans, shipped in ``fonts/`` (every Kazakh letter; see its README for why the
files are cut down). The QR code is drawn as vector rectangles, so it stays sharp on any printer
and needs no image library. The QR payload is also printed under the code and stored in the PDF's
Subject and Keywords, so ``regdesk talon verify FILE.pdf`` reads it back without decoding an image.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Literal

from fpdf import FPDF

from regdesk.printing import FONT_DIR
from regdesk.printing.documents import Document
from regdesk.printing.layout import PAPER_LANGS, Sheet, sheet
from regdesk.printing.qr import payload_for

PaperSize = Literal["A5", "A4"]


FONT = "DejaVu"

# Page sizes in millimetres (portrait).
_PAGES: dict[str, tuple[float, float]] = {"A5": (148.0, 210.0), "A4": (210.0, 297.0)}

_GREY = (90, 90, 90)
_WATERMARK = (215, 215, 215)
_BAND = (40, 40, 40)
_EMPTY = ("", "")


class _Geometry:
    """Sizes of one paper format; A4 is the A5 layout with larger type and margins."""

    def __init__(self, size: PaperSize) -> None:
        self.width, self.height = _PAGES[size]
        scale = 1.0 if size == "A5" else 1.3
        self.margin = 9.0 * scale
        self.gap = 5.0 * scale
        self.column = (self.width - 2 * self.margin - self.gap) / 2
        self.pt_heading = 9.5 * scale
        self.pt_title = 9.0 * scale
        self.pt_label = 6.5 * scale
        self.pt_value = 9.0 * scale
        self.pt_text = 7.5 * scale
        self.pt_small = 6.0 * scale
        self.qr = 28.0 * scale
        self.bottom = self.height - self.margin

    @staticmethod
    def line_height(points: float) -> float:
        # 1 pt = 0.3528 mm; 1.25 line spacing.
        return points * 0.3528 * 1.25


def _new_pdf(geo: _Geometry) -> FPDF:
    pdf = FPDF(unit="mm", format=(geo.width, geo.height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(geo.margin, geo.margin, geo.margin)
    add_fonts(pdf)
    return pdf


def add_fonts(pdf: FPDF) -> None:
    """DejaVu Sans, regular and bold, as ``FONT``: every Kazakh letter (the talon, the reports)."""
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    for font in pdf.fonts.values():
        # fontTools would otherwise decompile and recompile every kept glyph on saving the subset
        # just to recompute bounding boxes that subsetting does not change (about half of the
        # time of a talon).
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False


def wrap_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` in the current font, at spaces.

    A greedy word wrap over word widths; fpdf2's own line breaking measures character by
    character and took a third of the time of a talon. A word wider than a line is cut.
    """
    lines: list[str] = []
    space = pdf.get_string_width(" ")
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split():
            w = pdf.get_string_width(word)
            while w > width:  # a word longer than the line: cut it where it overflows
                cut = len(word)
                while cut > 1 and pdf.get_string_width(word[:cut]) > width:
                    cut -= 1
                if line:
                    lines.append(" ".join(line))
                lines.append(word[:cut])
                line, used = [], 0.0
                word = word[cut:]
                w = pdf.get_string_width(word)
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        lines.append(" ".join(line))
    return lines


def _put(pdf: FPDF, x: float, y: float, width: float, height: float, text: str, align: str) -> None:
    """One line of text in the box (x, y, width, height), as ``cell`` would place it.

    ``FPDF.text`` is used instead of ``cell`` because it is several times cheaper, and a talon
    has about a hundred lines.
    """
    if align == "C":
        x += (width - pdf.get_string_width(text)) / 2
    pdf.text(x, y + 0.5 * height + 0.3 * pdf.font_size, text)


class _Writer:
    """Puts two sheets (kk, ru) on the page row by row, so each row's halves stay level."""

    def __init__(self, pdf: FPDF, geo: _Geometry, watermark: str, band: str = "") -> None:
        self.pdf = pdf
        self.geo = geo
        self.watermark = watermark
        self.band = band
        self.y = geo.margin
        self.x = (geo.margin, geo.margin + geo.column + geo.gap)
        self._page()

    def _page(self) -> None:
        self.pdf.add_page()
        self.y = self.geo.margin
        if self.watermark:
            self._draw_watermark()
        if self.band:
            self._draw_band()

    def _draw_watermark(self) -> None:
        pdf, geo = self.pdf, self.geo
        points = geo.pt_heading * 3.2
        pdf.set_font(FONT, "B", points)
        # A long mark (two languages) is made smaller to stay on the page's diagonal.
        room = 0.8 * (geo.width**2 + geo.height**2) ** 0.5
        w = pdf.get_string_width(self.watermark)
        if w > room:
            pdf.set_font(FONT, "B", points * room / w)
        pdf.set_text_color(*_WATERMARK)
        cx, cy = geo.width / 2, geo.height / 2
        with pdf.rotation(angle=35, x=cx, y=cy):
            w = pdf.get_string_width(self.watermark)
            pdf.text(cx - w / 2, cy, self.watermark)
        pdf.set_text_color(0, 0, 0)

    def _draw_band(self) -> None:
        """The document's mark in white bold letters on a dark band across the top of the page,
        above the text rather than over it, so the talon stays readable."""
        pdf, geo = self.pdf, self.geo
        width = geo.width - 2 * geo.margin
        lines = self._lines(self.band, geo.pt_title, "B", width - 4)
        lh = geo.line_height(geo.pt_title)
        height = len(lines) * lh + 2.0
        pdf.set_fill_color(*_BAND)
        pdf.rect(geo.margin, self.y, width, height, "F")
        pdf.set_text_color(255, 255, 255)
        for i, line in enumerate(lines):
            _put(pdf, geo.margin, self.y + 1.0 + i * lh, width, lh, line, "C")
        pdf.set_text_color(0, 0, 0)
        self.y += height + 2.0

    def _lines(self, text: str, points: float, style: str, width: float) -> list[str]:
        self.pdf.set_font(FONT, style, points)
        return wrap_lines(self.pdf, text, width - 1)

    def ensure(self, height: float) -> None:
        """Start a new page when ``height`` more millimetres do not fit on this one."""
        if self.y + height > self.geo.bottom:
            self._page()

    def row(
        self,
        texts: tuple[str, str],
        points: float,
        style: str = "",
        align: Literal["L", "C"] = "L",
        grey: bool = False,
    ) -> None:
        """One row: ``texts[0]`` in the left (kk) column, ``texts[1]`` in the right (ru) one."""
        self.block([((texts[0], texts[1]), points, style, grey)], align=align)

    def block(
        self,
        parts: list[tuple[tuple[str, str], float, str, bool]],
        align: Literal["L", "C"] = "L",
        after: float = 0.0,
    ) -> None:
        """Rows that must stay together on one page (a label and its value)."""
        pdf, geo = self.pdf, self.geo
        wrapped = [
            ([self._lines(text, points, style, geo.column) for text in texts], points, style, grey)
            for texts, points, style, grey in parts
        ]
        height = sum(
            max(len(cols[0]), len(cols[1])) * geo.line_height(points)
            for cols, points, _, _ in wrapped
        )
        self.ensure(height)
        for cols, points, style, grey in wrapped:
            lh = geo.line_height(points)
            pdf.set_font(FONT, style, points)
            if grey:
                pdf.set_text_color(*_GREY)
            for side, lines in enumerate(cols):
                for i, line in enumerate(lines):
                    _put(pdf, self.x[side], self.y + i * lh, geo.column, lh, line, align)
            if grey:
                pdf.set_text_color(0, 0, 0)
            self.y += max(len(cols[0]), len(cols[1])) * lh
        self.y += after

    def fits_inline(self, *pairs: tuple[str, str]) -> bool:
        """Whether each (label, value) fits on one line of its column as "label: value"."""
        pdf = self.pdf
        for label, value in pairs:
            pdf.set_font(FONT, "", self.geo.pt_label)
            width = pdf.get_string_width(label + ": ")
            pdf.set_font(FONT, "", self.geo.pt_value)
            if width + pdf.get_string_width(value) > self.geo.column - 1:
                return False
        return True

    def inline_row(self, *pairs: tuple[str, str], after: float = 0.0) -> None:
        """A row of short fields: the grey label and its value on one line in each column."""
        pdf, geo = self.pdf, self.geo
        lh = geo.line_height(geo.pt_value)
        self.ensure(lh)
        for side, (label, value) in enumerate(pairs):
            pdf.set_font(FONT, "", geo.pt_label)
            pdf.set_text_color(*_GREY)
            label = label + ": "
            _put(pdf, self.x[side], self.y, geo.column, lh, label, "L")
            x = self.x[side] + pdf.get_string_width(label)
            pdf.set_font(FONT, "", geo.pt_value)
            pdf.set_text_color(0, 0, 0)
            _put(pdf, x, self.y, geo.column, lh, value, "L")
        self.y += lh + after

    def rule(self, space: float = 2.0) -> None:
        self.ensure(space * 2)
        self.y += space
        self.pdf.set_draw_color(*_GREY)
        self.pdf.set_line_width(0.2)
        self.pdf.line(self.geo.margin, self.y, self.geo.width - self.geo.margin, self.y)
        self.y += space


def _draw_qr(pdf: FPDF, payload: str, x: float, y: float, size: float) -> None:
    """The QR code of ``payload`` as filled rectangles, one per run of dark modules in a row."""
    import segno

    # A fixed mask: choosing the best of the eight costs segno about 20 ms in pure Python, more
    # than the rest of the page; every mask gives a valid code that scanners read.
    code = segno.make(payload, error="m", micro=False, mask=0)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        start = None
        for c, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, "F")
                start = None


def render_pdf(doc: Document, size: PaperSize = "A5") -> bytes:
    """The document as PDF bytes: A5 (the talon's usual paper) or A4."""
    geo = _Geometry(size)
    pdf = _new_pdf(geo)
    kk, ru = (sheet(doc, lang) for lang in PAPER_LANGS)
    payload = payload_for(doc)
    mark = f"{kk.duplicate_mark} / {ru.duplicate_mark}" if doc.duplicate else ""
    # The diagonal says "duplicate" when the paper is one, else the document's own mark (which
    # the band at the top of every page says as well).

    pdf.set_title(f"{ru.title} {doc.reference}")
    pdf.set_subject(payload)
    pdf.set_keywords(payload)
    pdf.set_creator("regdesk")
    pdf.set_lang("kk-KZ")
    pdf.set_creation_date(doc.issued_at)

    w = _Writer(pdf, geo, mark or doc.mark, band=doc.mark)
    _heading(w, kk, ru)
    w.rule()
    w.row((kk.title, ru.title), geo.pt_title, "B", align="C")
    if mark:
        w.y += 1.0
        w.row((kk.duplicate_mark, ru.duplicate_mark), geo.pt_title, "B", align="C")
    w.rule()
    for (label_kk, value_kk), (label_ru, value_ru) in zip_longest(
        kk.fields, ru.fields, fillvalue=_EMPTY
    ):
        if w.fits_inline((label_kk, value_kk), (label_ru, value_ru)):
            w.inline_row((label_kk, value_kk), (label_ru, value_ru), after=1.0)
            continue
        w.block(
            [
                ((label_kk, label_ru), geo.pt_label, "", True),
                ((value_kk, value_ru), geo.pt_value, "", False),
            ],
            after=1.0,
        )
    for (head_kk, text_kk), (head_ru, text_ru) in zip_longest(
        kk.paragraphs, ru.paragraphs, fillvalue=_EMPTY
    ):
        w.block(
            [
                ((head_kk, head_ru), geo.pt_text, "B", False),
                ((text_kk, text_ru), geo.pt_text, "", False),
            ],
            after=1.5,
        )
    w.rule()
    _footer(w, kk, ru, payload)
    return bytes(pdf.output())


def _heading(w: _Writer, kk: Sheet, ru: Sheet) -> None:
    geo = w.geo
    w.row((kk.clinic_name, ru.clinic_name), geo.pt_heading, "B", align="C")
    for line_kk, line_ru in zip_longest(kk.clinic_lines, ru.clinic_lines, fillvalue=""):
        w.row((line_kk, line_ru), geo.pt_text, align="C")


def _footer(w: _Writer, kk: Sheet, ru: Sheet, payload: str) -> None:
    """The QR code, its caption and payload, and the place for the signature and the stamp."""
    pdf, geo = w.pdf, w.geo
    w.ensure(geo.qr + 2)
    top = w.y + 1
    _draw_qr(pdf, payload, geo.margin, top, geo.qr)
    x = geo.margin + geo.qr + geo.gap
    text_w = geo.width - geo.margin - x
    y = top
    for text, points in (
        (f"{kk.qr_caption} / {ru.qr_caption}:", geo.pt_text),
        (payload, geo.pt_small),
    ):
        pdf.set_font(FONT, "", points)
        lh = geo.line_height(points)
        for line in wrap_lines(pdf, text, text_w):
            _put(pdf, x, y, text_w, lh, line, "L")
            y += lh
    pdf.set_font(FONT, "", geo.pt_text)
    lh = geo.line_height(geo.pt_text)
    sign = f"{kk.signature_label} / {ru.signature_label}: ____________________"
    _put(pdf, x, top + geo.qr - 2.4 * lh, text_w, lh, sign, "L")
    _put(pdf, x, top + geo.qr - lh, text_w, lh, f"{kk.stamp_label} / {ru.stamp_label}", "L")
    w.y = top + geo.qr
