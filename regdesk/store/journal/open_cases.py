"""Who has a person open at a desk now: the marks behind "a colleague is serving this person".

A draft says that a form was begun; it does not say that somebody is at it now, nor where. A
mark does: each running desk keeps at most one row (``desk_id``), naming the person on its card
or form, the employee, the workstation and since when. The desk writes it when it opens a
person, replaces it for the next person, deletes it when the case ends, and refreshes
``seen_at`` from a heartbeat while the person stays open (``desk.open_cases``).

A desk that dies (power cut, ``kill -9``) cannot delete its row: readers ignore a row not seen
since ``fresh_since``, and every write removes such rows, so the table stays as small as the
number of desks at work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from regdesk.store.db import from_utc_text, transaction, utc_text
from regdesk.store.journal.part import JournalPart


@dataclass(frozen=True)
class OpenCase:
    """A person open at a desk: who, where, since when, last seen when."""

    desk_id: str
    applicant_iin: str
    actor_iin: str
    actor_name: str
    """The employee's name from the staff list (their IIN when they are not in it)."""
    workstation: str
    application_id: int | None
    """The draft, once the form (or a refusal) was begun; None while only the card shows."""
    opened_at: datetime
    seen_at: datetime


class OpenCases(JournalPart):
    """The marks of the persons open at the desks (one row per desk)."""

    def hold(
        self,
        desk_id: str,
        *,
        iin: str,
        actor_iin: str,
        workstation: str,
        application_id: int | None,
        opened_at: datetime,
        now: datetime,
        stale_before: datetime,
    ) -> None:
        """Desk ``desk_id`` has ``iin`` open (since ``opened_at``), seen ``now``; the marks of
        desks not seen since ``stale_before`` go."""
        with transaction(self.db):
            conn = self.db.conn
            conn.execute("DELETE FROM open_cases WHERE seen_at < ?", (utc_text(stale_before),))
            conn.execute(
                "INSERT INTO open_cases (desk_id, applicant_iin, actor_iin, workstation,"
                " application_id, opened_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (desk_id) DO UPDATE SET applicant_iin = excluded.applicant_iin,"
                " actor_iin = excluded.actor_iin, workstation = excluded.workstation,"
                " application_id = excluded.application_id, opened_at = excluded.opened_at,"
                " seen_at = excluded.seen_at",
                (
                    desk_id,
                    iin,
                    actor_iin,
                    workstation,
                    application_id,
                    utc_text(opened_at),
                    utc_text(now),
                ),
            )

    def release(self, desk_id: str) -> None:
        """Desk ``desk_id`` has nobody open any more."""
        with transaction(self.db):
            self.db.conn.execute("DELETE FROM open_cases WHERE desk_id = ?", (desk_id,))

    def of_person(self, iin: str, *, fresh_since: datetime, besides_desk: str) -> list[OpenCase]:
        """The desks other than ``besides_desk`` that have ``iin`` open and were seen since
        ``fresh_since``, the earliest opened first."""
        rows = self.db.conn.execute(
            f"{_SELECT} WHERE o.applicant_iin = ? AND o.seen_at >= ? AND o.desk_id != ?"
            " ORDER BY o.opened_at, o.desk_id",
            (iin, utc_text(fresh_since), besides_desk),
        ).fetchall()
        return [_case(row) for row in rows]

    def of_desk(self, desk_id: str) -> OpenCase | None:
        """Desk ``desk_id``'s mark, however old."""
        row = self.db.conn.execute(f"{_SELECT} WHERE o.desk_id = ?", (desk_id,)).fetchone()
        return None if row is None else _case(row)


_SELECT = (
    "SELECT o.desk_id, o.applicant_iin, o.actor_iin, coalesce(s.full_name, o.actor_iin),"
    " o.workstation, o.application_id, o.opened_at, o.seen_at"
    " FROM open_cases o LEFT JOIN staff s ON s.iin = o.actor_iin"
)


def _case(row: tuple[object, ...]) -> OpenCase:
    desk, applicant, actor, name, workstation, app_id, opened, seen = row
    return OpenCase(
        desk_id=str(desk),
        applicant_iin=str(applicant),
        actor_iin=str(actor),
        actor_name=str(name),
        workstation=str(workstation),
        application_id=None if app_id is None else int(str(app_id)),
        opened_at=from_utc_text(str(opened)),
        seen_at=from_utc_text(str(seen)),
    )


__all__ = ["OpenCase", "OpenCases"]
