"""The period a person asks a report for: dates as typed, today, this week, this month.

Clinic dates, both ends included. The command line and the Reports screen read dates the same
way: ISO (``2026-03-01``) or as they are written here (``01.03.2026``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regdesk.desk.reports import Grouping

DATE_PATTERNS = ("%Y-%m-%d", "%d.%m.%Y")


def parse_day(text: str) -> date | None:
    """The date in ``text``, or None when it is not one."""
    value = text.strip()
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def this_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week of ``today`` (the week the clinic works in)."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def this_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def default_grouping(first: date, last: date) -> Grouping:
    """Days up to a month, weeks up to a quarter, months beyond: some thirty rows at most."""
    days = (last - first).days + 1
    return "day" if days <= 31 else "week" if days <= 92 else "month"
