"""The words of a report and each of its cells as text, in one language, from the catalogues.

Cells as ``regdesk.desk.reports`` defines them: a ``key`` cell is a catalogue key (a step, a
basis, a reason), said in the language asked for; a ``text`` cell (an IIN, an application
number, a name) is shown as it is; a percent cell holds a share from 0 to 1 (``percent_points``
turns it into points for people and spreadsheets); a duration cell a ``timedelta``; a datetime
cell an aware datetime in clinic time. A chart's labels are keys when ``Chart.label_keys`` says
so; a report's norms are pairs of catalogue keys (the action, the norm as Annex 1 words it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from regdesk.i18n import catalogue, t

if TYPE_CHECKING:
    from regdesk.config import Clinic
    from regdesk.desk.reports import Cell, Chart, Period, Report, Scope, Table

NUMERIC = frozenset({"int", "percent", "duration"})
"""Kinds of column whose cells are figures, aligned to the right."""

EMPTY = "—"
"""A cell with no value (no case in the period, no end event): a dash, never a zero."""


def label(key: str, lang: str) -> str:
    """The catalogue text of ``key`` in ``lang``, or ``key`` itself when it is not a key."""
    return t(key, lang) if key in catalogue() else key


def report_title(name: str, lang: str) -> str:
    return label(f"report_data.report.{name}", lang)


def chart_title(chart: Chart, lang: str) -> str:
    """The chart's title (it names its unit itself: "Duration of sign-in, seconds")."""
    return label(chart.key, lang)


def chart_labels(chart: Chart, lang: str) -> list[str]:
    return [label(x, lang) for x in chart.labels] if chart.label_keys else list(chart.labels)


def norms_text(report: Report, lang: str) -> list[tuple[str, str]]:
    """Each action of the report's norms and its norm as the regulation words it, in ``lang``."""
    return [(label(action, lang), label(norm, lang)) for action, norm in report.norms]


def clinic_name(clinic: Clinic, lang: str) -> str:
    """The clinic's name as the config gives it: Kazakh for kk, Russian otherwise."""
    return clinic.name_kk if lang == "kk" else clinic.name_ru


def period_text(period: Period, lang: str) -> str:
    by = t(f"report.by.{period.by}", lang)
    return t(
        "report.file.period",
        lang,
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        by=by,
    )


def scope_text(scope: Scope, lang: str) -> str:
    parts = []
    if scope.employee_iin is not None:
        parts.append(t("report.scope.employee", lang, iin=scope.employee_iin))
    if scope.district is not None:
        parts.append(t("report.scope.district", lang, district=scope.district))
    return ", ".join(parts) if parts else t("report.scope.clinic", lang)


def moment_text(at: datetime) -> str:
    """A moment as people read it in the clinic: date, minutes and the zone's offset."""
    offset = at.strftime("%z")
    zone = f" UTC{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{at:%Y-%m-%d %H:%M}{zone}"


def generated_text(report: Report, lang: str) -> str:
    return t("report.file.generated", lang, at=moment_text(report.generated_at))


def percent_points(share: float) -> float:
    """A share (0 to 1) as percentage points (0 to 100)."""
    return share * 100.0


def number_text(value: float, lang: str = "en") -> str:
    """A figure: grouped by thousands with a no-break space; a fraction to 0.1, with the
    decimal comma in Kazakh and Russian."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    text = f"{value:,.1f}".replace(",", "\u00a0")
    return text.replace(".", ",") if lang in ("kk", "ru") else text


def duration_text(span: timedelta, lang: str, *, days: bool = True) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` under a day, then the days in front; with ``days``
    False, hours past 24 (``125:00:00``), the same in every language (the bilingual paper)."""
    seconds = round(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole_days, rest = divmod(seconds, 86400) if days else (0, seconds)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if whole_days:
        unit = t("report.unit.days", lang)
        return f"{sign}{whole_days} {unit} {hours}:{minutes:02d}:{secs:02d}"
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def cell_text(value: Cell, kind: str, lang: str, *, days: bool = True) -> str:
    """One cell as a person reads it in ``lang`` (``days``: see ``duration_text``)."""
    if value is None:
        return EMPTY
    if isinstance(value, timedelta):
        return duration_text(value, lang, days=days)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return label(value, lang) if kind == "key" else value
    if kind == "percent":
        return f"{number_text(round(percent_points(value), 1), lang)}\u00a0%"
    return number_text(value, lang)


def norms_beside(report: Report, table: Table, lang: str) -> list[str] | None:
    """The norm, in ``lang``, of each row of ``table`` whose first cell is an action with one;
    None when the table is not one row per action (its first column names none, or some twice)."""
    norms = dict(report.norms)
    if not norms or not table.columns or table.columns[0].kind != "key":
        return None
    firsts = [row[0] if row else None for row in table.rows]
    if not any(isinstance(first, str) and first in norms for first in firsts):
        return None
    if len(set(firsts)) < len(firsts):
        return None  # an action on several rows (the slowest cases): the list after says it
    return [
        label(norms[first], lang) if isinstance(first, str) and first in norms else ""
        for first in firsts
    ]
