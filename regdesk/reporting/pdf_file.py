"""A report as a PDF for an inspector: A4, Kazakh and Russian, the regulation's norms quoted.

The page shows the clinic's name, the report's title, period and scope in both languages, each
table (headers in Kazakh over Russian, the quoted norm beside each action that has one), each
chart drawn with fpdf2's rectangles (bars lying down, a histogram standing up), and the list of
the norms as the regulation words them. The fonts are the talon's (``printing.pdf.add_fonts``),
so every Kazakh letter prints. Lines are placed with ``FPDF.text`` and wrapped by word widths
(``wrap_lines``), as the talon does, which keeps a year's report well inside its time budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fpdf import FPDF

from regdesk.i18n import t
from regdesk.printing.pdf import FONT, add_fonts, wrap_lines
from regdesk.reporting.cells import (
    NUMERIC,
    cell_text,
    chart_labels,
    chart_title,
    clinic_name,
    generated_text,
    label,
    norms_beside,
    norms_text,
    number_text,
    period_text,
    report_title,
    scope_text,
)

if TYPE_CHECKING:
    from regdesk.config import Clinic
    from regdesk.desk.reports import Chart, Report, Table

PAPER_LANGS = ("kk", "ru")

_WIDTH, _HEIGHT = 210.0, 297.0
_MARGIN = 12.0
_CONTENT = _WIDTH - 2 * _MARGIN
_BOTTOM = _HEIGHT - _MARGIN - 6.0  # room for the page number
_PAD = 1.2
_PT_TITLE, _PT_HEADING, _PT_TEXT, _PT_TABLE, _PT_SMALL = 12.0, 10.0, 8.5, 7.5, 6.5
_GREY = (90, 90, 90)
_RULE = (170, 170, 170)
_BAR = (60, 60, 60)
_WORD_MAX = 40.0
_SLACK = 0.1  # measured widths are floats: a cell exactly as wide as its text must not wrap
_BAR_ROW = 7.0
_HISTOGRAM_HEIGHT = 45.0


def _lh(points: float) -> float:
    return points * 0.3528 * 1.25


def _in_both(say: Callable[[str], str]) -> tuple[str, str]:
    """What ``say`` says in Kazakh and in Russian, the two languages of the paper."""
    return say("kk"), say("ru")


def _both(key: str) -> tuple[str, str]:
    return _in_both(lambda lang: label(key, lang))


def _pair_text(kk: str, ru: str) -> str:
    return kk if kk == ru else f"{kk} / {ru}"


_FALLBACK = {"≥": ">=", "≤": "<=", "⌈": "", "⌉": ""}
"""Characters the talon's cut-down font lacks, as the page writes them instead."""


class _Pdf(FPDF):
    """The page number at the foot of every page, in both languages; no missing glyphs.

    A character the font lacks (a label "≥30" of a histogram) would print as nothing: the page
    writes it as ``_FALLBACK`` says, or as "?", and measures what it writes.
    """

    def __init__(self) -> None:
        super().__init__(unit="mm", format="A4")
        self._glyphs: frozenset[int] = frozenset()
        self._printable: dict[str, str] = {}
        # A year's report measures the same figures and words thousands of times.
        self._widths: dict[tuple[str, float, str], float] = {}

    def printable(self, text: str) -> str:
        known = self._printable.get(text)
        if known is not None:
            return known
        if not self._glyphs:
            font = self.fonts["dejavu"]
            self._glyphs = frozenset(getattr(font, "cmap", {}))
        if all(ord(c) in self._glyphs for c in text):
            out = text
        else:
            out = "".join(c if ord(c) in self._glyphs else _FALLBACK.get(c, "?") for c in text)
        self._printable[text] = out
        return out

    def text(self, x: float, y: float, text: str = "") -> None:
        super().text(x, y, self.printable(text))

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        # The sum of the glyphs' advance widths, as fpdf2 computes it for plain text without
        # shaping, but without its per-call preparation (bidi, styles, a copy of the graphics
        # state), which took two thirds of the time of a year's report.
        font = self.current_font
        widths = getattr(font, "cw", None)
        if font is None or widths is None or markdown or normalized:
            return super().get_string_width(self.printable(s), normalized, markdown)
        key = (font.fontkey, self.font_size, s)
        width = self._widths.get(key)
        if width is None:
            width = sum(widths[ord(c)] for c in self.printable(s)) * self.font_size / 1000
            self._widths[key] = width
        return width

    def footer(self) -> None:
        self.set_font(FONT, "", _PT_SMALL)
        self.set_text_color(*_GREY)
        kk, ru = (t("report.file.page", lang, page=self.page_no()) for lang in PAPER_LANGS)
        text = f"{kk} / {ru}"
        self.text(_WIDTH - _MARGIN - self.get_string_width(text), _HEIGHT - _MARGIN, text)
        self.set_text_color(0, 0, 0)


@dataclass
class _Cursor:
    pdf: _Pdf
    y: float = _MARGIN

    def page(self) -> None:
        self.pdf.add_page()
        self.y = _MARGIN

    def ensure(self, height: float) -> bool:
        """A new page when ``height`` does not fit on this one; True when one was started."""
        if self.y + height > _BOTTOM:
            self.page()
            return True
        return False

    def lines(
        self, text: str, points: float, style: str = "", grey: bool = False, x: float = _MARGIN
    ) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, style, points)
        lh = _lh(points)
        if grey:
            pdf.set_text_color(*_GREY)
        for line in wrap_lines(pdf, text, _WIDTH - _MARGIN - x):
            self.ensure(lh)
            pdf.text(x, self.y + 0.8 * lh, line)
            self.y += lh
        pdf.set_text_color(0, 0, 0)

    def pair(self, texts: tuple[str, str], points: float, style: str = "") -> None:
        """A heading in Kazakh, and under it in Russian (grey) when the two differ."""
        kk, ru = texts
        self.ensure(2 * _lh(points))
        self.lines(kk, points, style)
        if ru != kk:
            self.lines(ru, points, style, grey=True)

    def rule(self, space: float = 1.5) -> None:
        self.y += space
        self.pdf.set_draw_color(*_RULE)
        self.pdf.set_line_width(0.2)
        self.pdf.line(_MARGIN, self.y, _WIDTH - _MARGIN, self.y)
        self.y += space


# -- tables -------------------------------------------------------------------------------------


@dataclass
class _Grid:
    headers: list[tuple[str, str]]
    right: list[bool]
    rows: list[list[str]]
    widths: list[float]
    fits: bool
    """False when even the narrowest columns are wider than the page: shown a row at a time."""
    leads: list[bool]
    """The columns that name a row (its words, its period) when it is shown on its own."""


def _grid(report: Report, table: Table, pdf: FPDF) -> _Grid:
    headers = [_both(c.key) for c in table.columns]
    right = [c.kind in NUMERIC for c in table.columns]
    rows = []
    for row in table.rows:
        cells = []
        for value, column in zip(row, table.columns, strict=True):
            kk, ru = (cell_text(value, column.kind, lang, days=False) for lang in PAPER_LANGS)
            cells.append(_pair_text(kk, ru))
        rows.append(cells)
    kk_norms, ru_norms = (norms_beside(report, table, lang) for lang in PAPER_LANGS)
    if kk_norms is not None and ru_norms is not None:
        headers.append(_in_both(lambda lang: t("report.file.norm_column", lang)))
        right.append(False)
        for cells, kk, ru in zip(rows, kk_norms, ru_norms, strict=True):
            cells.append(_pair_text(kk, ru))
    # Figures, dates and times keep their width; words (actions, reasons, names) wrap.
    fixed = [c.kind not in ("text", "key") for c in table.columns]
    fixed += [False] * (len(headers) - len(table.columns))
    widths, fits = _widths(pdf, headers, fixed, rows)
    leads = [
        c.kind in ("key", "text") or (i == 0 and c.kind == "date")
        for i, c in enumerate(table.columns)
    ]
    leads += [False] * (len(headers) - len(table.columns))
    return _Grid(headers, right, rows, widths, fits, leads)


def _widths(
    pdf: FPDF, headers: list[tuple[str, str]], fixed: list[bool], rows: list[list[str]]
) -> tuple[list[float], bool]:
    """Each column's width: as wide as its widest cell when the page allows, else no narrower
    than its longest word (so an application number is never cut), the rest shared by the
    text columns in proportion to what they would take; False when even that is too wide."""
    pdf.set_font(FONT, "", _PT_TABLE)
    natural, least = [], []
    for i, (kk, ru) in enumerate(headers):
        texts = [r[i] for r in rows]
        words = [w for text in texts for w in text.split()]
        widest_word = max((pdf.get_string_width(w) for w in words), default=0.0)
        widest = max((pdf.get_string_width(x) for x in texts), default=0.0)
        pdf.set_font(FONT, "B", _PT_TABLE)  # the header's words, in its bold
        head_word = max((pdf.get_string_width(w) for w in (*kk.split(), *ru.split())), default=0.0)
        pdf.set_font(FONT, "", _PT_TABLE)
        widest_word = min(_WORD_MAX, max(widest_word, head_word))
        natural.append(max(widest_word, widest) + 2 * _PAD + _SLACK)
        least.append(natural[-1] if fixed[i] else widest_word + 2 * _PAD + _SLACK)
    if sum(natural) <= _CONTENT:
        return natural, True
    if sum(least) >= _CONTENT:
        return least, False
    room = _CONTENT - sum(least)
    wants = [n - m for n, m in zip(natural, least, strict=True)]
    return [m + room * w / sum(wants) for m, w in zip(least, wants, strict=True)], True


def _cell_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    return wrap_lines(pdf, text, width - 2 * _PAD)


def _header(cursor: _Cursor, grid: _Grid) -> None:
    pdf, lh = cursor.pdf, _lh(_PT_TABLE)
    pdf.set_font(FONT, "B", _PT_TABLE)
    parts = []
    for (kk, ru), width in zip(grid.headers, grid.widths, strict=True):
        pdf.set_font(FONT, "B", _PT_TABLE)
        top = _cell_lines(pdf, kk, width)
        pdf.set_font(FONT, "", _PT_TABLE)
        bottom = _cell_lines(pdf, ru, width) if ru != kk else []
        parts.append((top, bottom))
    height = max(len(a) + len(b) for a, b in parts) * lh + 2 * _PAD
    cursor.ensure(height + lh)
    x = _MARGIN
    for (top, bottom), width in zip(parts, grid.widths, strict=True):
        y = cursor.y + _PAD
        pdf.set_font(FONT, "B", _PT_TABLE)
        for line in top:
            pdf.text(x + _PAD, y + 0.8 * lh, line)
            y += lh
        pdf.set_font(FONT, "", _PT_TABLE)
        pdf.set_text_color(*_GREY)
        for line in bottom:
            pdf.text(x + _PAD, y + 0.8 * lh, line)
            y += lh
        pdf.set_text_color(0, 0, 0)
        x += width
    cursor.y += height
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.line(_MARGIN, cursor.y, _MARGIN + sum(grid.widths), cursor.y)


def _table(cursor: _Cursor, report: Report, table: Table) -> None:
    pdf = cursor.pdf
    cursor.y += 3.0
    # The title, the header and a first row stay together: no title alone at a page's foot.
    cursor.ensure(2 * _lh(_PT_HEADING) + 4 * _lh(_PT_TABLE) + 4 * _PAD)
    cursor.pair(_both(table.key), _PT_HEADING, "B")
    if not table.rows:
        kk, ru = (t("report.file.empty", lang) for lang in PAPER_LANGS)
        cursor.lines(_pair_text(kk, ru), _PT_TEXT, grey=True)
        return
    grid = _grid(report, table, pdf)
    if not grid.fits:
        _records(cursor, grid)
        return
    lh = _lh(_PT_TABLE)
    _header(cursor, grid)
    pdf.set_font(FONT, "", _PT_TABLE)
    pdf.set_line_width(0.1)
    for cells in grid.rows:
        wrapped = [_cell_lines(pdf, c, w) for c, w in zip(cells, grid.widths, strict=True)]
        height = max(len(w) for w in wrapped) * lh + 2 * _PAD
        if cursor.ensure(height):
            _header(cursor, grid)
            pdf.set_font(FONT, "", _PT_TABLE)
            pdf.set_line_width(0.1)
        x = _MARGIN
        for lines, width, right in zip(wrapped, grid.widths, grid.right, strict=True):
            y = cursor.y + _PAD
            for line in lines:
                at = x + width - _PAD - pdf.get_string_width(line) if right else x + _PAD
                pdf.text(at, y + 0.8 * lh, line)
                y += lh
            x += width
        cursor.y += height
        pdf.set_draw_color(*_RULE)
        pdf.line(_MARGIN, cursor.y, _MARGIN + sum(grid.widths), cursor.y)


def _records(cursor: _Cursor, grid: _Grid) -> None:
    """A table too wide for the page, a row at a time: what names the row (its period, its
    words) in bold, then every figure after its header in both languages."""
    pdf = cursor.pdf
    for cells in grid.rows:
        lead = " · ".join(c for c, is_lead in zip(cells, grid.leads, strict=True) if is_lead)
        pairs = [
            f"{_pair_text(*head)}: {cell}"
            for head, cell, is_lead in zip(grid.headers, cells, grid.leads, strict=True)
            if not is_lead
        ]
        cursor.ensure(3 * _lh(_PT_TABLE) + 2 * _PAD)
        cursor.y += _PAD
        if lead:
            cursor.lines(lead, _PT_TABLE, "B")
        cursor.lines(" · ".join(pairs), _PT_TABLE, x=_MARGIN + 4)
        cursor.y += _PAD
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.1)
        pdf.line(_MARGIN, cursor.y, _WIDTH - _MARGIN, cursor.y)


# -- charts -------------------------------------------------------------------------------------


def _chart(cursor: _Cursor, chart: Chart) -> None:
    cursor.y += 3.0
    cursor.pair(_in_both(lambda lang: chart_title(chart, lang)), _PT_HEADING, "B")
    if not chart.values or max(chart.values) <= 0:
        kk, ru = (t("report.file.empty", lang) for lang in PAPER_LANGS)
        cursor.lines(_pair_text(kk, ru), _PT_TEXT, grey=True)
        return
    if chart.kind == "histogram":
        _histogram(cursor, chart)
    else:
        _bars(cursor, chart)


def _bars(cursor: _Cursor, chart: Chart) -> None:
    """One bar lying down per label: the label (kk over ru), the bar, the figure."""
    pdf = cursor.pdf
    label_w, value_w = 62.0, 18.0
    bar_w = _CONTENT - label_w - value_w
    top = max(chart.values)
    small = _lh(_PT_SMALL)
    names = zip(chart_labels(chart, "kk"), chart_labels(chart, "ru"), strict=True)
    for (kk, ru), value in zip(names, chart.values, strict=True):
        cursor.ensure(_BAR_ROW)
        pdf.set_font(FONT, "", _PT_SMALL)
        y = cursor.y
        pdf.text(_MARGIN, y + 0.8 * small, wrap_lines(pdf, kk, label_w - 2)[0])
        if ru != kk:
            pdf.set_text_color(*_GREY)
            pdf.text(_MARGIN, y + 1.8 * small, wrap_lines(pdf, ru, label_w - 2)[0])
            pdf.set_text_color(0, 0, 0)
        length = bar_w * max(value, 0.0) / top
        pdf.set_fill_color(*_BAR)
        if length > 0:
            pdf.rect(_MARGIN + label_w, y + 1.0, length, _BAR_ROW - 2.0, "F")
        pdf.set_font(FONT, "", _PT_TABLE)
        shown = number_text(value, "ru")
        pdf.text(_WIDTH - _MARGIN - pdf.get_string_width(shown), y + 0.5 * _BAR_ROW + 1.0, shown)
        cursor.y += _BAR_ROW


def _histogram(cursor: _Cursor, chart: Chart) -> None:
    """Columns standing up over their labels, the scale's top figure at the left."""
    pdf = cursor.pdf
    small = _lh(_PT_SMALL)
    cursor.ensure(_HISTOGRAM_HEIGHT + 3 * small)
    axis_w = 14.0
    n = len(chart.values)
    step = (_CONTENT - axis_w) / n
    top = max(chart.values)
    base = cursor.y + small + _HISTOGRAM_HEIGHT
    pdf.set_font(FONT, "", _PT_SMALL)
    top_text = number_text(top, "ru")
    pdf.text(_MARGIN + axis_w - 1 - pdf.get_string_width(top_text), cursor.y + small + 2, top_text)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.line(_MARGIN + axis_w, cursor.y + small, _MARGIN + axis_w, base)
    pdf.line(_MARGIN + axis_w, base, _WIDTH - _MARGIN, base)
    pdf.set_fill_color(*_BAR)
    labels = [
        _pair_text(kk, ru)
        for kk, ru in zip(chart_labels(chart, "kk"), chart_labels(chart, "ru"), strict=True)
    ]
    widest = max(pdf.get_string_width(x) for x in labels)
    every = max(1, int((widest + 1.5) // step) + 1)  # labels that would overlap are thinned
    for i, (text, value) in enumerate(zip(labels, chart.values, strict=True)):
        x = _MARGIN + axis_w + i * step
        height = _HISTOGRAM_HEIGHT * max(value, 0.0) / top
        if height > 0:
            pdf.rect(x + 0.15 * step, base - height, 0.7 * step, height, "F")
        if i % every == 0:
            pdf.text(x + 0.5 * step - pdf.get_string_width(text) / 2, base + 1.2 * small, text)
    cursor.y = base + 2 * small


# -- the document -------------------------------------------------------------------------------


def _heading(cursor: _Cursor, report: Report, clinic: Clinic) -> None:
    cursor.pair(_in_both(lambda lang: clinic_name(clinic, lang)), _PT_TITLE, "B")
    cursor.rule()
    cursor.pair(_in_both(lambda lang: report_title(report.name, lang)), _PT_TITLE, "B")
    cursor.pair(_in_both(lambda lang: period_text(report.period, lang)), _PT_TEXT)
    cursor.pair(_in_both(lambda lang: scope_text(report.scope, lang)), _PT_TEXT)
    cursor.pair(_in_both(lambda lang: generated_text(report, lang)), _PT_TEXT)
    cursor.rule()


def _norms(cursor: _Cursor, report: Report) -> None:
    if not report.norms:
        return
    cursor.y += 3.0
    cursor.pair(_in_both(lambda lang: t("report.file.norms", lang)), _PT_HEADING, "B")
    kk_norms, ru_norms = (norms_text(report, lang) for lang in PAPER_LANGS)
    for (kk_action, kk_norm), (ru_action, ru_norm) in zip(kk_norms, ru_norms, strict=True):
        norm = _pair_text(f"«{kk_norm}»", f"«{ru_norm}»")
        cursor.lines(f"{_pair_text(kk_action, ru_action)}: {norm}", _PT_TEXT)


def render_report_pdf(report: Report, clinic: Clinic) -> bytes:
    """The report as the bytes of an A4 PDF in Kazakh and Russian."""
    pdf = _Pdf()
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    add_fonts(pdf)
    pdf.set_title(f"{report_title(report.name, 'ru')} — {clinic_name(clinic, 'ru')}")
    pdf.set_subject(period_text(report.period, "ru"))
    pdf.set_creator("regdesk")
    pdf.set_lang("kk-KZ")
    pdf.set_creation_date(report.generated_at)
    cursor = _Cursor(pdf)
    cursor.page()
    _heading(cursor, report, clinic)
    for table in report.tables:
        _table(cursor, report, table)
    for chart in report.charts:
        _chart(cursor, chart)
    _norms(cursor, report)
    return bytes(pdf.output())
