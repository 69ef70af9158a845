"""What the reports count, defined once (issue 13): durations, lateness, refusal steps, answers.

The README's "Reports" section and the F1 help (catalogue keys ``report_data.help.*``) say the
same in words; a change here changes both.

**A step's duration.** The desk records each step of the regulation as two events of the
application: ``step_start`` and ``step_end`` with the step's id (``core.norms``). A step's duration
is from its first ``step_start`` to the first ``step_end`` at or after it (a form reopened keeps
its start; a second end, e.g. a reprint, is not a second performance). It counts in the period of
its start, in clinic time, and for the employee who started it. The events of each step:

- ``registry_request`` (Table 2, 3): the registry was asked → its answer came back;
- ``form_and_eds`` (Table 2, 5): the form opened → the employee's EDS and the registration;
- ``no_data_refusal`` (Table 2, 4) and ``refusal`` (Table 2, 7): the refusal dialog opened →
  the refusal was formed (``no_data_refusal`` for the reason "no data", ``refusal`` otherwise);
- ``issue`` (Table 2, 8): the talon or the notice was sent to the printer → it was printed;
- ``sign_in``, ``choose_service``, ``register`` (Table 2, 1, 2, 6) and ``portal_register``
  (Table 1, 6): counted when a part of the program records them; the desk does not yet (sign-in
  belongs to no application; registration is inside step 5's EDS), so they show no cases.

Portal actions 7 and 8 (Table 1) are not timed by events but by the application's own times:
from its receipt to the decision (a refusal) or to the delivery of the talon confirmed by the
portal; "within the norm" is "not after the application's ``deadline``".

**A missing end.** A step started and never ended (the applicant walked away, the program was
closed) has no duration: it is counted as *unfinished* beside the step, never as within or over
the norm, and it is not in the median, the p90 or the slowest cases.

**Within the norm.** A span norm ("10–15 s", "1.5 min"): duration ≤ the upper bound. A norm of
"within one working day": ended no later than ``WorkCalendar.next_working_day_deadline`` of the
start (the configured work hours and the Kazakh calendar).

**Median and p90** are nearest-rank percentiles: of ``n`` durations sorted ascending, the one at
rank ⌈p·n⌉ (the median of 4 values is the 2nd).

**A portal decision** is the registration (``registered_at``) or, for an application refused
without one, the refusal (``decided_at``). It is *late* when made after the application's
``deadline`` (one working day, ``core.calendar``); by how long is given twice: in wall time
(decision − deadline) and in working time (the work hours of working days between the two).
*Pending* applications are those not decided now; *due today* are the pending ones whose
deadline falls on today's clinic date. These two are the clinic's whole queue whatever the
scope: a pending application is nobody's yet. With one employee's scope the other portal figures
are the applications that employee decided.

**Refusals by step.** Step 4 is a refusal before the application has a number, step 7 after it
(``core.refusals.step_of`` of the state the refusal was made from).

**Annex 3.** Each question is answered 1 (not satisfied), 2 (partly satisfied) or 3 (satisfied),
as the Annex numbers them; a question left out is stored as no answer. A *service* is an
application that reached its result (issued, or refused) in the period; it counts as without an
answer for a question when the applicant gave none.

**Periods** are clinic dates, both ends included, grouped by clinic day, week (Monday first) or
month; everything is counted in the clinic's zone, whatever UTC date a moment has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, Literal

from regdesk.core.application import State
from regdesk.core.calendar import WorkCalendar
from regdesk.core.norms import NORMS, Norm
from regdesk.core.refusals import RefusalStep, step_of

Grouping = Literal["day", "week", "month"]
GROUPINGS: Final[tuple[Grouping, ...]] = ("day", "week", "month")

REPORTED_STEPS: Final[tuple[str, ...]] = (
    "sign_in",
    "choose_service",
    "registry_request",
    "no_data_refusal",
    "form_and_eds",
    "register",
    "refusal",
    "issue",
    "portal_register",
    "portal_refusal",
    "portal_issue",
)
"""The steps of the time-norm report: Table 2, actions 1-8, and Table 1, actions 6-8."""

PORTAL_TIMED: Final[frozenset[str]] = frozenset({"portal_refusal", "portal_issue"})
"""Steps timed from the application's receipt to its decision or delivery, not by events."""

EVENT_TIMED: Final[tuple[str, ...]] = tuple(s for s in REPORTED_STEPS if s not in PORTAL_TIMED)
"""Steps timed by their ``step_start``/``step_end`` events."""

ANSWERS: Final[tuple[int, ...]] = (1, 2, 3)
"""Annex 3's answers: 1 not satisfied, 2 partly satisfied, 3 satisfied."""

QUESTIONS: Final[tuple[str, ...]] = ("q1", "q2")
"""Annex 3's two questions: the process and its result; the information about the procedure."""


def reported_norms() -> list[Norm]:
    """The norms of ``REPORTED_STEPS``, in their order."""
    return [NORMS[s] for s in REPORTED_STEPS]


# -- periods -----------------------------------------------------------------------------------


def bucket_of(day: date, by: Grouping) -> date:
    """The first day of the day, week (its Monday) or month ``day`` is counted in."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown grouping: {by!r}")


def buckets(first: date, last: date, by: Grouping) -> list[date]:
    """Every bucket from ``first`` to ``last`` (both included), by their first days."""
    if last < first:
        raise ValueError("a period cannot end before it starts")
    out: list[date] = []
    day = first
    while day <= last:
        b = bucket_of(day, by)
        if not out or out[-1] != b:
            out.append(b)
        day += timedelta(days=1)
    return out


# -- durations and percentiles -----------------------------------------------------------------


def percentile(histogram: Mapping[float, int], p: float) -> float | None:
    """The nearest-rank ``p`` percentile (0 < p ≤ 1) of values given as value → how many.

    None when there are no values.
    """
    if not 0 < p <= 1:
        raise ValueError("a percentile is in (0, 1]")
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = math.ceil(p * n - 1e-9)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to n")


def surely_within(norm: Norm, seconds: float, calendar: WorkCalendar) -> bool | None:
    """Whether a step of ``seconds`` was within ``norm``, when the duration alone says.

    A span norm always answers. A working-day norm never allows less than one day's work hours
    (the least is from just before work starts to its end), so a step no longer than that is
    within; a longer one needs its start (``within_working_day``): None.
    """
    if not norm.working_day:
        assert norm.max_seconds is not None
        return seconds <= norm.max_seconds
    return True if seconds <= calendar.day_length.total_seconds() else None


def within_working_day(started: datetime, ended: datetime, calendar: WorkCalendar) -> bool:
    """Whether something started at ``started`` ended within one working day."""
    return ended <= calendar.next_working_day_deadline(started)


# -- portal decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lateness:
    """How late a portal decision was: in wall time and in working time."""

    wall: timedelta
    working: timedelta


def lateness(deadline: datetime, decided: datetime, calendar: WorkCalendar) -> Lateness | None:
    """How much after ``deadline`` the decision came; None when it was in time."""
    if decided <= deadline:
        return None
    return Lateness(decided - deadline, calendar.working_time_between(deadline, decided))


# -- refusals ----------------------------------------------------------------------------------


def refusal_action(from_state: State) -> Literal[4, 7]:
    """The action of Table 2 a refusal made from ``from_state`` is: 4 before a number, 7 after."""
    return 4 if step_of(from_state) is RefusalStep.BEFORE_REGISTRATION else 7


__all__ = [
    "ANSWERS",
    "EVENT_TIMED",
    "GROUPINGS",
    "PORTAL_TIMED",
    "QUESTIONS",
    "REPORTED_STEPS",
    "Grouping",
    "Lateness",
    "bucket_of",
    "buckets",
    "lateness",
    "percentile",
    "refusal_action",
    "reported_norms",
    "surely_within",
    "within_working_day",
]
