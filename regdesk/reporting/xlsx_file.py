"""A report as an Excel workbook (XlsxWriter): a sheet about the report, one per table, one per
chart with its figures and a native chart.

Cells are typed: counts are numbers, percentages are shares shown as ``0.0%``, durations are
Excel durations (fractions of a day) shown as ``[h]:mm:ss``, dates and datetimes are Excel dates
in clinic time (Excel has no time zones: the wall-clock time is written, the offset is on the
first sheet). A ``key`` cell (an action, a reason) is written in the language asked for.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import xlsxwriter

from regdesk.i18n import t
from regdesk.reporting.cells import (
    chart_labels,
    chart_title,
    clinic_name,
    generated_text,
    label,
    norms_text,
    period_text,
    report_title,
    scope_text,
)

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from regdesk.config import Clinic
    from regdesk.desk.reports import Cell, Chart, Report, Table

_SHEET_NAME_MAX = 31
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_WIDTH_MAX = 48
_NUMBER_FORMATS = {
    "int": "#,##0",
    "percent": "0.0%",
    "duration": "[h]:mm:ss",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
_SECONDS_PER_DAY = 86400.0


class _Names:
    """Sheet names as Excel takes them: 31 characters at most, none of []:*?/\\, unique."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, title: str) -> str:
        base = " ".join(_NOT_IN_SHEET_NAMES.sub(" ", title).split()).strip("'") or "-"
        name = base[:_SHEET_NAME_MAX]
        n = 1
        while name.lower() in self._taken:
            n += 1
            suffix = f" ({n})"
            name = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
        self._taken.add(name.lower())
        return name


def _write_cell(
    sheet: Worksheet, row: int, col: int, cell: Cell, kind: str, lang: str, fmt: Format | None
) -> int:
    """Write one typed cell; the width of its text as a person sees it."""
    if cell is None:
        sheet.write_blank(row, col, None, fmt)
        return 1
    if isinstance(cell, timedelta):
        sheet.write_number(row, col, cell.total_seconds() / _SECONDS_PER_DAY, fmt)
        return 9
    if isinstance(cell, datetime):
        sheet.write_datetime(row, col, cell, fmt)
        return 16
    if isinstance(cell, date):
        sheet.write_datetime(row, col, cell, fmt)
        return 10
    if isinstance(cell, str):
        text = label(cell, lang) if kind == "key" else cell
        sheet.write_string(row, col, text)
        return len(text)
    sheet.write_number(row, col, cell, fmt)
    return 8


def _table_sheet(
    book: Workbook, name: str, table: Table, lang: str, formats: dict[str, Format]
) -> None:
    sheet = book.add_worksheet(name)
    bold = formats["bold"]
    widths = []
    for col, column in enumerate(table.columns):
        title = label(column.key, lang)
        sheet.write_string(0, col, title, bold)
        widths.append(len(title))
    for r, row in enumerate(table.rows, start=1):
        for col, (cell, column) in enumerate(zip(row, table.columns, strict=True)):
            width = _write_cell(sheet, r, col, cell, column.kind, lang, formats.get(column.kind))
            widths[col] = max(widths[col], width)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(_WIDTH_MAX, width + 2))
    sheet.freeze_panes(1, 0)
    if table.columns:
        sheet.autofilter(0, 0, max(1, len(table.rows)), len(table.columns) - 1)


def _chart_sheet(book: Workbook, name: str, chart: Chart, lang: str, bold: Format) -> None:
    sheet = book.add_worksheet(name)
    title = chart_title(chart, lang)
    # The labels' column is headed by what they count (seconds) when the chart says.
    sheet.write_string(0, 0, label(chart.unit, lang) if chart.unit else title, bold)
    sheet.write_string(0, 1, t("report.file.value", lang), bold)
    labels = chart_labels(chart, lang)
    for r, (text, value) in enumerate(zip(labels, chart.values, strict=True), start=1):
        sheet.write_string(r, 0, text)
        sheet.write_number(r, 1, value)
    sheet.set_column(0, 0, min(_WIDTH_MAX, max(map(len, labels), default=8) + 2))
    if not chart.values:
        return
    # Bars lie down (long labels read across), a histogram stands up, as on the screen.
    drawn = book.add_chart({"type": "bar" if chart.kind == "bars" else "column"})
    last = len(chart.values)
    drawn.add_series(
        {
            "name": title,
            "categories": [name, 1, 0, last, 0],
            "values": [name, 1, 1, last, 1],
            "gap": 40 if chart.kind == "bars" else 5,
        }
    )
    drawn.set_title({"name": title})
    drawn.set_legend({"none": True})
    if chart.kind == "bars":
        drawn.set_y_axis({"reverse": True})  # the first label on top, as in the table
    sheet.insert_chart(1, 3, drawn, {"x_scale": 1.5, "y_scale": 1.5})


def _about_sheet(
    book: Workbook, name: str, report: Report, clinic: Clinic, lang: str, bold: Format
) -> None:
    sheet = book.add_worksheet(name)
    rows = [
        (t("report.file.clinic", lang), clinic_name(clinic, lang)),
        (t("report.file.report", lang), report_title(report.name, lang)),
        ("", period_text(report.period, lang)),
        (t("report.file.scope", lang), scope_text(report.scope, lang)),
        ("", generated_text(report, lang)),
    ]
    for r, (key, text) in enumerate(rows):
        sheet.write_string(r, 0, key, bold)
        sheet.write_string(r, 1, text)
    if report.norms:
        start = len(rows) + 1
        sheet.write_string(start, 0, t("report.file.norms", lang), bold)
        for r, (action, norm) in enumerate(norms_text(report, lang), start=start + 1):
            sheet.write_string(r, 0, action)
            sheet.write_string(r, 1, norm)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 60)


def render_xlsx(report: Report, clinic: Clinic, lang: str) -> bytes:
    """The workbook's bytes."""
    buffer = io.BytesIO()
    # Excel has no time zones: an aware datetime is written as its wall-clock time.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    book.set_properties(
        {
            "title": f"{report_title(report.name, lang)} — {clinic_name(clinic, lang)}",
            "subject": period_text(report.period, lang),
            "comments": generated_text(report, lang),
            "author": "regdesk",
            "created": report.generated_at.replace(tzinfo=None),
        }
    )
    formats = {
        kind: book.add_format({"num_format": spec}) for kind, spec in _NUMBER_FORMATS.items()
    }
    formats["bold"] = book.add_format({"bold": True})
    names = _Names()
    _about_sheet(book, names(t("report.file.about", lang)), report, clinic, lang, formats["bold"])
    for table in report.tables:
        _table_sheet(book, names(label(table.key, lang)), table, lang, formats)
    for chart in report.charts:
        _chart_sheet(book, names(label(chart.key, lang)), chart, lang, formats["bold"])
    book.close()
    return buffer.getvalue()
