"""A report as text: a Rich table per table and bars drawn with block characters per chart.

Readable at 80 columns and without colour: the bars are made of the characters themselves
(eighths of a block), never of a background colour. The Reports screen shows the same tables
and charts (``rich_table``, ``chart_lines``); the ``table`` format prints them one after another.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from regdesk.i18n import t
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
    from rich.console import JustifyMethod

    from regdesk.config import Clinic
    from regdesk.desk.reports import Chart, Report, Table

_EIGHTHS_UP = " ▁▂▃▄▅▆▇█"
_EIGHTHS_RIGHT = " ▏▎▍▌▋▊▉█"
_HISTOGRAM_ROWS = 8
_LABEL_MAX = 24
_UNBROKEN_MAX = 18


def rich_table(report: Report, table: Table, lang: str) -> RichTable:
    """One table of the report, with the regulation's norm beside each action it has one for."""
    out = RichTable(
        title=label(table.key, lang),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=False,
    )
    rows = [
        [cell_text(v, c.kind, lang) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    for i, column in enumerate(table.columns):
        justify: JustifyMethod = "right" if column.kind in NUMERIC else "left"
        # A number, a date or an application number stays on one line; only the first column
        # (the action, the reason, the employee) wraps at its words.
        longest = max((len(r[i]) for r in rows), default=0)
        least = None if i == 0 else min(_UNBROKEN_MAX, longest)
        out.add_column(label(column.key, lang), justify=justify, min_width=least)
    norms = norms_beside(report, table, lang)
    if norms is not None:
        out.add_column(t("report.file.norm_column", lang))
    for i, cells in enumerate(rows):
        out.add_row(*cells, *([norms[i]] if norms is not None else []))
    if not table.rows:
        out.caption = t("report.file.empty", lang)
        out.caption_justify = "left"
    return out


def _scaled(value: float, top: float, cells: int) -> int:
    """How many eighths of ``cells`` character cells ``value`` fills when ``top`` fills them all."""
    if top <= 0 or value <= 0:
        return 0
    return max(1, round(value / top * cells * 8))


def _bars(chart: Chart, lang: str, width: int) -> list[str]:
    labels = [x[:_LABEL_MAX] for x in chart_labels(chart, lang)]
    values = [number_text(v, lang) for v in chart.values]
    label_w = max(map(len, labels), default=0)
    value_w = max(map(len, values), default=0)
    bar_w = max(4, width - label_w - value_w - 3)
    top = max(chart.values, default=0.0)
    lines = []
    for name, value, shown in zip(labels, chart.values, values, strict=True):
        full, part = divmod(_scaled(value, top, bar_w), 8)
        bar = "█" * full + (_EIGHTHS_RIGHT[part] if part else "")
        lines.append(f"{name:<{label_w}} {bar:<{bar_w}} {shown:>{value_w}}")
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


def heading_lines(report: Report, clinic: Clinic, lang: str) -> list[str]:
    return [
        clinic_name(clinic, lang),
        report_title(report.name, lang),
        period_text(report.period, lang),
        scope_text(report.scope, lang),
        generated_text(report, lang),
    ]


def render_text(report: Report, clinic: Clinic, lang: str, width: int = 80) -> str:
    """The whole report as plain text ``width`` columns wide, with no colour or styles."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    for line in heading_lines(report, clinic, lang):
        console.print(line, soft_wrap=False)
    for table in report.tables:
        console.print()
        console.print(rich_table(report, table, lang))
    for chart in report.charts:
        console.print()
        for line in chart_lines(chart, lang, width):
            console.print(line, soft_wrap=True)
    if report.norms:
        console.print()
        console.print(t("report.file.norms", lang))
        for action, norm in norms_text(report, lang):
            console.print(f"  {action}: {norm}")
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
