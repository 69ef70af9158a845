"""The application for attachment and its state machine (DESIGN.md "The process").

Every application, front-desk or portal, is one record moving through these states. A move is
an event with a time, an actor and a reason; the journal, the audit and the time-norm report all
read the same history.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from regdesk.core.roles import STAFF_ROLES, Permission, Role, holders


class State(StrEnum):
    DRAFT = "draft"
    """Front desk, Table 2 steps 3-5: the registry was asked, the form is being filled."""
    RECEIVED = "received"
    """Portal, Table 1 action 5: the applicant's signed request arrived at the workstation."""
    REGISTERED = "registered"
    """Table 2 step 6 / Table 1 action 6: the document is registered with a number."""
    REFUSED = "refused"
    """Table 2 steps 4 and 7: a motivated refusal was formed."""
    ISSUED = "issued"
    """Table 2 step 8: the applicant received the talon."""
    ABANDONED = "abandoned"
    """A front-desk draft the applicant walked away from; kept for the journal."""
    ANNULLED = "annulled"
    """A registration made in error, undone in the open (issue 11, "Corrections after the
    fact"): the number stays with it and is never given again; the register is told."""


class Channel(StrEnum):
    DESK = "desk"
    PORTAL = "portal"


FINAL_STATES = frozenset({State.REFUSED, State.ISSUED, State.ABANDONED, State.ANNULLED})

_STAFF = frozenset(STAFF_ROLES)

ANNULLERS = holders(Permission.ANNUL)
"""Who may annul a registration: the head and the admin (``core.roles``)."""

# (from, to) -> roles allowed to make the move. None as "from" is the creation of the record.
TRANSITIONS: dict[tuple[State | None, State], frozenset[Role]] = {
    (None, State.DRAFT): _STAFF,
    (None, State.RECEIVED): frozenset({Role.SYSTEM}),
    (State.DRAFT, State.REFUSED): _STAFF,  # step 4: no data / violation
    (State.DRAFT, State.REGISTERED): _STAFF,  # step 6, after EDS
    (State.DRAFT, State.ABANDONED): _STAFF,
    (State.RECEIVED, State.REGISTERED): _STAFF,  # portal action 6
    (State.RECEIVED, State.REFUSED): _STAFF,  # portal action 7 before registration
    (State.REGISTERED, State.REFUSED): _STAFF,  # step 7: violation found after registration
    (State.REGISTERED, State.ISSUED): _STAFF,  # step 8
    # A registration made in error, with or without its talon handed over (issue 11).
    (State.REGISTERED, State.ANNULLED): ANNULLERS,
    (State.ISSUED, State.ANNULLED): ANNULLERS,
}

ANNULLABLE = frozenset(src for src, dst in TRANSITIONS if dst is State.ANNULLED and src is not None)
"""The states a registration made in error can be annulled from (read off ``TRANSITIONS``)."""

# Moves that must carry a reason code (a refusal's, an annulment's).
NEEDS_REASON = frozenset({State.REFUSED, State.ANNULLED})


class TransitionError(ValueError):
    """A move the process does not allow, or that this actor may not make."""

    def __init__(self, current: State | None, target: State, role: Role, why: str) -> None:
        self.current = current
        self.target = target
        self.role = role
        self.why = why
        start = current.value if current else "(new)"
        super().__init__(f"{start} -> {target.value} by {role.value}: {why}")


def check_transition(
    current: State | None, target: State, role: Role, reason_code: str | None = None
) -> None:
    """Raise TransitionError unless ``role`` may move an application ``current`` -> ``target``."""
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise TransitionError(current, target, role, "not a step of the process")
    if role not in allowed:
        raise TransitionError(current, target, role, "this role may not make this step")
    if target in NEEDS_REASON and not reason_code:
        raise TransitionError(current, target, role, f"{target.value} needs a reason code")


def next_states(current: State | None, role: Role) -> list[State]:
    """The states ``role`` may move an application in ``current`` to."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == current and role in roles]


@dataclass(frozen=True)
class Transition:
    """One move, as recorded in the journal's events."""

    application_id: int
    from_state: State | None
    to_state: State
    actor_iin: str
    role: Role
    reason_code: str | None = None
    note: str = ""


__all__ = [
    "ANNULLABLE",
    "ANNULLERS",
    "FINAL_STATES",
    "NEEDS_REASON",
    "TRANSITIONS",
    "Channel",
    "Role",
    "State",
    "Transition",
    "TransitionError",
    "check_transition",
    "next_states",
]
