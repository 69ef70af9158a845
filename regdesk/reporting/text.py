"""A report as plain text: a table laid out in columns per table, bars of block characters per
chart.

Readable at 80 columns and without colour: the bars are made of the characters themselves
(eighths of a block), never of a background colour. A figure, a date or an application number
is never broken; a column of words (an action, a reason, a name) and the headers wrap at their
spaces to fit the width; a table that cannot fit even so is shown a row at a time, each figure
after its header. The Reports screen shows the same text (``body_lines``); the ``table`` format
prints it under the report's heading.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from regdesk.i18n import t
from regdesk.reporting.cells import (
    NUMERIC,
    cell_text,
    chart_labels,
    chart_title,
    clinic_name,
    generated_text,
    label,
    norms_text,
    number_text,
    period_text,
    report_title,
    scope_text,
)

if TYPE_CHECKING:
    from regdesk.config import Clinic
    from regdesk.desk.reports import Chart, Report, Table

_EIGHTHS_UP = " ▁▂▃▄▅▆▇█"
_EIGHTHS_RIGHT = " ▏▎▍▌▋▊▉█"
_HISTOGRAM_ROWS = 8
_LABEL_MIN = 12
_GAP = 2
"""Spaces between two columns (one when the table is tight)."""
_WORDS_MIN = 20


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width``, broken at ASCII spaces only: the no-break space
    inside a figure (``1 234``, ``93,5 %``) holds."""
    return textwrap.wrap(text, max(1, width), break_on_hyphens=False) or [""]


def _longest_word(texts: list[str]) -> int:
    return max((len(w) for x in texts for w in x.split(" ")), default=0)


def _widths(
    heads: list[str], rows: list[list[str]], wraps: list[bool], width: int
) -> tuple[list[int], int, bool]:
    """Each column's width, the gap between columns, and whether words are squeezed.

    A column is as wide as its widest cell and its header. When the table is wider than
    ``width``, columns give up characters, widest first: a header wraps between its words, a
    column of words down to its longest word; a figure is never cut. When even that is too
    wide, the gap narrows to one space.
    """
    columns = [[r[i] for r in rows] for i in range(len(heads))]
    widest = [max(map(len, cells), default=0) for cells in columns]
    natural = [max(w, len(head)) for w, head in zip(widest, heads, strict=True)]
    least = [
        max(_longest_word([head, *cells]) if wrap else max(w, _longest_word([head])), 1)
        for head, cells, wrap, w in zip(heads, columns, wraps, widest, strict=True)
    ]

    def fit(gap: int) -> list[int]:
        widths = list(natural)
        excess = sum(widths) + gap * (len(heads) - 1) - width
        while excess > 0:
            shrinkable = [i for i, w in enumerate(widths) if w > least[i]]
            if not shrinkable:
                break  # figures are never cut: the table is wider than the screen
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
            excess -= 1
        return widths

    for gap in (_GAP, 1):
        widths = fit(gap)
        # Words squeezed into a narrow column read badly: one space between columns gives them
        # more, and when even that is not enough the caller shows the rows one at a time.
        squeezed = any(w < min(n, _WORDS_MIN) for w, n in zip(widths, natural, strict=True))
        if not squeezed:
            break
    return widths, gap, squeezed


def _records(heads: list[str], rows: list[list[str]], leads: list[bool], width: int) -> list[str]:
    """A table too wide for ``width`` (many figures under long headers), a row at a time: what
    names the row (its period, its words) on a line, then every other cell after its header."""
    lines: list[str] = []
    for cells in rows:
        lead = " · ".join(c for c, is_lead in zip(cells, leads, strict=True) if is_lead)
        lines += _wrap(lead, width) if lead else []
        pairs = [
            f"{h}: {c}" for h, c, is_lead in zip(heads, cells, leads, strict=True) if not is_lead
        ]
        line = ""
        for pair in pairs:
            if line and len(line) + 3 + len(pair) > width - 2:
                lines.append(f"  {line}")
                line = ""
            line = f"{line} · {pair}" if line else pair
        if line:
            lines.append(f"  {line}")
    return lines


def table_lines(table: Table, lang: str, width: int = 80) -> list[str]:
    """One table as text lines no wider than ``width`` (when its figures allow)."""
    heads = [label(c.key, lang) for c in table.columns]
    rows = [
        [cell_text(v, c.kind, lang) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    right = [c.kind in NUMERIC for c in table.columns]
    wraps = [c.kind in ("key", "text") for c in table.columns]
    widths, spaces, squeezed = _widths(heads, rows, wraps, width)
    if squeezed or sum(widths) + spaces * (len(widths) - 1) > width:
        # The row is named by its words (an action, a reason, a number) and by its period.
        leads = [
            c.kind in ("key", "text") or (i == 0 and c.kind == "date")
            for i, c in enumerate(table.columns)
        ]
        return [label(table.key, lang), *_records(heads, rows, leads, width)]
    gap = " " * spaces

    def lay(cells: list[str], bottom: bool) -> list[str]:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        height = max(map(len, wrapped), default=1)
        out = []
        for n in range(height):
            parts = []
            for lines, w, r in zip(wrapped, widths, right, strict=True):
                # Headers stand on the rule (bottom), cells hang from their row's top.
                k = n - (height - len(lines)) if bottom else n
                text = lines[k] if 0 <= k < len(lines) else ""
                parts.append(text.rjust(w) if r else text.ljust(w))
            out.append(gap.join(parts).rstrip())
        return out

    lines = [label(table.key, lang), *lay(heads, bottom=True)]
    lines.append("─" * (sum(widths) + spaces * (len(widths) - 1)))
    for cells in rows:
        lines += lay(cells, bottom=False)
    if not rows:
        lines.append(t("report.file.empty", lang))
    return lines


def _scaled(value: float, top: float, cells: int) -> int:
    """How many eighths of ``cells`` character cells ``value`` fills when ``top`` fills them all."""
    if top <= 0 or value <= 0:
        return 0
    return max(1, round(value / top * cells * 8))


def _bars(chart: Chart, lang: str, width: int) -> list[str]:
    """A bar lying down per label; a label longer than a third of the width wraps under it."""
    labels = chart_labels(chart, lang)
    values = [number_text(v, lang) for v in chart.values]
    label_w = min(max(map(len, labels), default=0), max(_LABEL_MIN, width // 3))
    value_w = max(map(len, values), default=0)
    bar_w = max(4, width - label_w - value_w - 2)
    top = max(chart.values, default=0.0)
    lines = []
    for name, value, shown in zip(labels, chart.values, values, strict=True):
        full, part = divmod(_scaled(value, top, bar_w), 8)
        bar = "█" * full + (_EIGHTHS_RIGHT[part] if part else "")
        first, *rest = _wrap(name, label_w)
        lines.append(f"{first:<{label_w}} {bar:<{bar_w}} {shown:>{value_w}}")
        lines += rest
    return lines


def _columns(chart: Chart, lang: str, width: int) -> list[str] | None:
    """A histogram as upright columns when every label fits under its column, else None."""
    labels = chart_labels(chart, lang)
    n = len(labels)
    if n == 0:
        return None
    column = min(4, width // n)
    if column < 2 or any(len(x) > column for x in labels):
        return None
    top = max(chart.values, default=0.0)
    heights = [_scaled(v, top, _HISTOGRAM_ROWS) for v in chart.values]
    lines = []
    for row in range(_HISTOGRAM_ROWS):
        level = (_HISTOGRAM_ROWS - row - 1) * 8
        line = "".join(_EIGHTHS_UP[min(8, max(0, h - level))] * (column - 1) + " " for h in heights)
        lines.append(line.rstrip())
    lines.append("".join(f"{x:<{column}}" for x in labels).rstrip())
    return lines


def chart_lines(chart: Chart, lang: str, width: int = 80) -> list[str]:
    """The chart's title and its bars (a histogram stands upright when its labels fit)."""
    title = chart_title(chart, lang)
    if not chart.values or max(chart.values) <= 0:
        return [title, t("report.file.empty", lang)]
    if chart.kind == "histogram":
        upright = _columns(chart, lang, width)
        if upright is not None:
            top = t("report.file.chart_top", lang, value=number_text(max(chart.values), lang))
            return [f"{title} ({top})", *upright]
    return [title, *_bars(chart, lang, width)]


def norms_lines(report: Report, lang: str) -> list[str]:
    """The regulation's norm of each action the report measures, as Annex 1 words it."""
    if not report.norms:
        return []
    lines = [t("report.file.norms", lang)]
    lines += [f"  {action}: {norm}" for action, norm in norms_text(report, lang)]
    return lines


def heading_lines(report: Report, clinic: Clinic, lang: str) -> list[str]:
    return [
        clinic_name(clinic, lang),
        report_title(report.name, lang),
        period_text(report.period, lang),
        scope_text(report.scope, lang),
        generated_text(report, lang),
    ]


def body_lines(report: Report, lang: str, width: int = 80) -> list[str]:
    """The tables, the norms and the charts, an empty line between two: what the screen shows
    under its choices and the ``table`` format under the report's heading."""
    blocks = [table_lines(table, lang, width) for table in report.tables]
    if report.norms:
        blocks.append(norms_lines(report, lang))
    blocks += [chart_lines(chart, lang, width) for chart in report.charts]
    lines: list[str] = []
    for block in blocks:
        lines += [*([""] if lines else []), *block]
    return lines


def render_text(report: Report, clinic: Clinic, lang: str, width: int = 80) -> str:
    """The whole report as plain text ``width`` columns wide, with no colour or styles."""
    lines = [*heading_lines(report, clinic, lang), "", *body_lines(report, lang, width)]
    return "\n".join(line.rstrip() for line in lines) + "\n"
