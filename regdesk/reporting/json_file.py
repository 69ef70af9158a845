"""A report as typed JSON, for programs.

Each value keeps its type: whole numbers and shares as numbers (a percent column holds the
share from 0 to 1), durations in seconds, dates as ISO dates, datetimes as ISO datetimes with
their offset (clinic time), an absent value as ``null``. Cells stay as the report has them, so a
``key`` cell (an action, a refusal reason) is the same catalogue key in every language; the
titles of the report, its tables, columns, charts, chart labels and norms are given in the
language asked for.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from regdesk.core.json_types import JsonObject, JsonValue
from regdesk.reporting.cells import chart_labels, chart_title, clinic_name, label, report_title
from regdesk.reporting.csv_file import seconds

if TYPE_CHECKING:
    from regdesk.config import Clinic
    from regdesk.desk.reports import Cell, Report


def value(cell: Cell) -> JsonValue:
    if isinstance(cell, timedelta):
        return seconds(cell)
    if isinstance(cell, datetime):
        return cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


def report_json(report: Report, clinic: Clinic, lang: str) -> JsonObject:
    """The report as JSON values, ready for ``json.dumps``."""
    return {
        "report": report.name,
        "title": report_title(report.name, lang),
        "lang": lang,
        "clinic": {"name": clinic_name(clinic, lang), "bin": clinic.bin},
        "period": {
            "first": report.period.first.isoformat(),
            "last": report.period.last.isoformat(),
            "by": report.period.by,
        },
        "scope": {
            "employee_iin": report.scope.employee_iin,
            "district": report.scope.district,
        },
        "generated_at": report.generated_at.isoformat(),
        "tables": [
            {
                "key": table.key,
                "title": label(table.key, lang),
                "columns": [
                    {"key": c.key, "title": label(c.key, lang), "kind": c.kind}
                    for c in table.columns
                ],
                "rows": [[value(cell) for cell in row] for row in table.rows],
            }
            for table in report.tables
        ],
        "charts": [
            {
                "key": chart.key,
                "title": chart_title(chart, lang),
                "kind": chart.kind,
                "labels": list(chart.labels),
                "label_titles": chart_labels(chart, lang),
                "values": list(chart.values),
            }
            for chart in report.charts
        ],
        "norms": [
            {
                "action": action,
                "title": label(action, lang),
                "norm": norm,
                "text": label(norm, lang),
            }
            for action, norm in report.norms
        ],
    }


def render_json(report: Report, clinic: Clinic, lang: str) -> str:
    return json.dumps(report_json(report, clinic, lang), ensure_ascii=False, indent=2) + "\n"
