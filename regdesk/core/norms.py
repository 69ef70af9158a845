"""The regulation's time norms per step (Annex 1, Tables 1 and 2 of the seed), as data.

A norm is either a span of seconds ("10-15 s", "1.5 min") or "within one working day". A step
is within its norm when it took no longer than the upper bound; the lower bound is what the
regulation states as the usual duration and is kept for reports, not enforced.

Reading of the original where it is ambiguous: in Table 2 the row of time norms for actions 5-8
holds five cells for four actions (10-15 s, 10-15 s, 1.5 min, one working day, one working day).
The last two certainly belong to actions 7 and 8 (as in Table 1), so action 5 (form, scans, EDS)
is 10-15 s and action 6 (registration) is 10-15 s or 1.5 min; regdesk takes the wider, 1.5 min,
so that the report never flags a step that one reading of the regulation allows, and notes it
in ``Norm.note``.

Step ids: front desk (Table 2) ``sign_in``, ``choose_service``, ``registry_request``,
``no_data_refusal``, ``form_and_eds``, ``register``, ``refusal``, ``issue``; portal (Table 1)
``portal_sign_in``, ``portal_sign_in_refusal``, ``portal_request``, ``portal_request_refusal``,
``portal_sign_and_send``, ``portal_register``, ``portal_refusal``, ``portal_issue``. The names of
the steps for screens and reports are the catalogue keys ``core.step.<id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

from regdesk.core.application import Channel

if TYPE_CHECKING:
    from regdesk.core.calendar import WorkCalendar


@dataclass(frozen=True)
class Norm:
    """The time norm of one step of the process."""

    step: str
    channel: Channel
    table: Literal[1, 2]
    """The table of Annex 1: 1 = through the portal, 2 = through the provider (front desk)."""
    action: int
    """The action's number in that table."""
    actor: Literal["applicant", "portal", "provider", "workstation", "state_db"]
    """Who performs the step, as the table's "unit" row says."""
    min_seconds: float | None = None
    max_seconds: float | None = None
    working_day: bool = False
    """True for "within one working day": the limit is a deadline from the working calendar."""
    note: str = ""

    @property
    def key(self) -> str:
        """The catalogue key of the step's name."""
        return f"core.step.{self.step}"

    @property
    def limit(self) -> timedelta | None:
        """The upper bound as a duration; None for a working-day norm (it needs a calendar)."""
        return None if self.max_seconds is None else timedelta(seconds=self.max_seconds)


_DESK, _PORTAL = Channel.DESK, Channel.PORTAL

_NORMS: Final = (
    # Table 2: through the provider (front desk).
    Norm("sign_in", _DESK, 2, 1, "provider", 10, 15),
    Norm("choose_service", _DESK, 2, 2, "provider", None, 10),
    Norm("registry_request", _DESK, 2, 3, "provider", None, 90),
    Norm("no_data_refusal", _DESK, 2, 4, "state_db", 10, 15),
    Norm("form_and_eds", _DESK, 2, 5, "provider", 10, 15),
    Norm(
        "register",
        _DESK,
        2,
        6,
        "workstation",
        10,
        90,
        note="The original's row is shifted: 10-15 s or 1.5 min; the wider is used.",
    ),
    Norm("refusal", _DESK, 2, 7, "workstation", working_day=True),
    Norm("issue", _DESK, 2, 8, "workstation", working_day=True),
    # Table 1: through the e-government portal.
    Norm("portal_sign_in", _PORTAL, 1, 1, "applicant", 30, 60),
    Norm("portal_sign_in_refusal", _PORTAL, 1, 2, "portal", None, 30),
    Norm("portal_request", _PORTAL, 1, 3, "applicant", None, 90),
    Norm("portal_request_refusal", _PORTAL, 1, 4, "portal", None, 90),
    Norm("portal_sign_and_send", _PORTAL, 1, 5, "applicant", 30, 60),
    Norm("portal_register", _PORTAL, 1, 6, "workstation", None, 60),
    Norm("portal_refusal", _PORTAL, 1, 7, "workstation", working_day=True),
    Norm("portal_issue", _PORTAL, 1, 8, "workstation", working_day=True),
)

NORMS: Final[dict[str, Norm]] = {n.step: n for n in _NORMS}
"""Every step's norm by step id, desk steps first, each table in the order of its actions."""


def norm(step: str) -> Norm:
    """The norm of ``step``; ``KeyError`` for an unknown step id."""
    return NORMS[step]


def for_channel(channel: Channel) -> list[Norm]:
    """The norms of one channel's steps, in the order of the table's actions."""
    return [n for n in _NORMS if n.channel is channel]


@dataclass(frozen=True)
class NormResult:
    """How one performance of a step did against its norm."""

    step: str
    within: bool
    elapsed: timedelta
    """Wall-clock time from ``started`` to ``ended``."""
    limit: timedelta
    """The allowed duration; for a working-day norm, from ``started`` to the deadline."""
    deadline: datetime | None = None
    """For a working-day norm, the moment by which the step had to end."""

    @property
    def over_by(self) -> timedelta:
        """How much longer than allowed the step took (zero when it was within)."""
        return max(self.elapsed - self.limit, timedelta())


def evaluate(
    step: str | Norm,
    started: datetime,
    ended: datetime,
    calendar: WorkCalendar | None = None,
) -> NormResult:
    """Compare one performance of ``step`` from ``started`` to ``ended`` with its norm.

    For a working-day norm ``started`` is when the application reached the provider (its
    registration or receipt) and the deadline is ``calendar.next_working_day_deadline``; the
    default calendar (09:00-18:00, Asia/Almaty) is used when ``calendar`` is None.
    ``started`` and ``ended`` must both be naive or both be aware.
    """
    spec = step if isinstance(step, Norm) else norm(step)
    if ended < started:
        raise ValueError("a step cannot end before it starts")
    elapsed = ended - started
    if spec.working_day:
        from regdesk.core.calendar import default_calendar

        cal = calendar or default_calendar()
        deadline = cal.next_working_day_deadline(started)
        limit = deadline - cal.local(started)
        return NormResult(spec.step, elapsed <= limit, elapsed, limit, deadline)
    assert spec.limit is not None  # every span norm has an upper bound (a test checks)
    return NormResult(spec.step, elapsed <= spec.limit, elapsed, spec.limit)
