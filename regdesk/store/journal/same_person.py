"""The other applications of the same person at this clinic: one registration a year, and who
else is filling in a form for them now.

A person is attached to one clinic at a time, so this clinic registers a person at most once in a
numbering year: a second registered (or issued) application of the same IIN would send a second
attachment to the register. The registry cannot be the only guard, because the first
registration may still be waiting in the outbox. The journal is: ``registered`` answers from
inside the registration's ``BEGIN IMMEDIATE`` transaction (``Registration.register``), so two
terminals registering the same person take turns and the second sees the first.

``open_drafts`` finds forms that another employee opened for the same person since a moment
(the desk asks for today's): the desk warns, it does not block, because a draft the applicant
walked away from without a word stays a draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from regdesk.core.application import State
from regdesk.store.db import from_utc_text, utc_text
from regdesk.store.journal.part import JournalPart

COUNTED = (State.REGISTERED, State.ISSUED)
"""The states in which an application holds the person's registration for the year (a refused
one does not, nor, once there is one, an annulled one)."""

_REGISTERED_BY = (
    "(SELECT e.actor_iin FROM events e WHERE e.application_id = a.id"
    " AND e.kind = 'transition' AND e.to_state = 'registered' ORDER BY e.id DESC LIMIT 1)"
)
"""The employee who registered application ``a``: the actor of its latest move to registered."""


@dataclass(frozen=True)
class OtherApplication:
    """Another application of the same person, and the employee who last moved it."""

    id: int
    state: State
    number: str | None
    at: datetime | None
    """When it was registered (a draft: when it was last saved)."""
    by_iin: str
    by_name: str
    """The employee's name from the staff list (their IIN when they are not in it)."""


class SamePerson(JournalPart):
    """The applications of one IIN besides the one at hand (no writes)."""

    def registered(
        self, iin: str, year: int, *, besides: int | None = None
    ) -> OtherApplication | None:
        """The application of ``iin`` registered here in numbering year ``year``, or None."""
        row = self.db.conn.execute(
            f"SELECT a.id, a.state, a.number, a.registered_at, {_REGISTERED_BY}"
            " FROM applications a WHERE a.applicant_iin = ? AND a.number_year = ?"
            f" AND a.state IN ({', '.join('?' for _ in COUNTED)}) AND a.id IS NOT ?"
            " ORDER BY a.number_seq LIMIT 1",
            (iin, year, *(s.value for s in COUNTED), besides),
        ).fetchone()
        if row is None:
            return None
        app_id, state, number, at, by_iin = row
        return self._other(app_id, State(state), number, at, by_iin or "")

    def registration_of(self, app_id: int) -> OtherApplication | None:
        """Application ``app_id`` itself, when it is registered (or issued): number and who."""
        row = self.db.conn.execute(
            f"SELECT a.state, a.number, a.registered_at, {_REGISTERED_BY}"
            " FROM applications a WHERE a.id = ? AND a.number IS NOT NULL",
            (app_id,),
        ).fetchone()
        if row is None:
            return None
        state, number, at, by_iin = row
        return self._other(app_id, State(state), number, at, by_iin or "")

    def open_drafts(
        self, iin: str, *, since: datetime, besides_actor: str, besides: int | None = None
    ) -> list[OtherApplication]:
        """Drafts of ``iin`` saved since ``since`` by employees other than ``besides_actor``."""
        rows = self.db.conn.execute(
            "SELECT id, updated_at, created_by FROM applications"
            " WHERE applicant_iin = ? AND state = ? AND updated_at >= ? AND created_by != ?"
            " AND id IS NOT ? ORDER BY updated_at DESC",
            (iin, State.DRAFT.value, utc_text(since), besides_actor, besides),
        ).fetchall()
        return [self._other(i, State.DRAFT, None, at, by) for i, at, by in rows]

    def _other(
        self, app_id: int, state: State, number: str | None, at: str | None, by_iin: str
    ) -> OtherApplication:
        row = self.db.conn.execute(
            "SELECT full_name FROM staff WHERE iin = ?", (by_iin,)
        ).fetchone()
        return OtherApplication(
            id=app_id,
            state=state,
            number=number,
            at=from_utc_text(at) if at else None,
            by_iin=by_iin,
            by_name=str(row[0]) if row else by_iin,
        )


__all__ = ["COUNTED", "OtherApplication", "SamePerson"]
