"""A report as CSV: UTF-8, comma-separated, one table per file with its header row.

The header row names the columns in the language asked for, with the unit of a figure that has
one (``, s`` for durations in seconds, ``, %`` for percentages). The values are for programs and
spreadsheets: whole numbers, seconds, percentage points, ISO dates and ISO datetimes with their
offset; an empty field is a cell with no value. A ``key`` cell (an action, a refusal reason) is
written in the language asked for.

``csv_tables`` gives each table as its own file's text (``regdesk report --out`` writes them);
``render_csv`` puts them one after another, an empty line between, for the terminal.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from regdesk.i18n import t
from regdesk.reporting.cells import label, percent_points

if TYPE_CHECKING:
    from regdesk.desk.reports import Cell, Column, Report, Table


def header(column: Column, lang: str) -> str:
    title = label(column.key, lang)
    if column.kind == "duration":
        return f"{title}, {t('report.unit.seconds', lang)}"
    if column.kind == "percent":
        return f"{title}, %"
    return title


def seconds(span: timedelta) -> int | float:
    """A duration in seconds: whole when it is, else to the millisecond."""
    value = round(span.total_seconds(), 3)
    return int(value) if value.is_integer() else value


def field(value: Cell, kind: str, lang: str) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return seconds(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return label(value, lang) if kind == "key" else value
    if kind == "percent":
        points = round(percent_points(value), 2)
        return int(points) if points.is_integer() else points
    return value


def slug(table: Table) -> str:
    """A short name for a table's file: the last part of its key, letters, digits and dashes."""
    last = table.key.rsplit(".", 1)[-1].lower()
    return re.sub(r"[^a-z0-9_-]+", "-", last).strip("-") or "table"


def table_csv(table: Table, lang: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header(c, lang) for c in table.columns])
    for row in table.rows:
        writer.writerow([field(v, c.kind, lang) for v, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue()


def csv_tables(report: Report, lang: str) -> list[tuple[str, str]]:
    """Each table's short name and its CSV text; the names are unique within the report."""
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for table in report.tables:
        name = slug(table)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name}-{seen[name]}"
        out.append((name, table_csv(table, lang)))
    return out


def render_csv(report: Report, lang: str) -> str:
    """Every table, each with its header row, an empty line between two tables."""
    return "\r\n".join(text for _, text in csv_tables(report, lang))
