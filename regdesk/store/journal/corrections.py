"""Corrections after the fact (issue 11): a registration annulled, a survey recorded later.

An annulment is one transaction: the state change with its event (reason and note), the
annulment's signed bytes, the audit record, and (from the caller, inside it) the message to the
register. The number stays with the application; ``number_counters`` is not touched, so the next
registration takes the next number, never this one again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from regdesk.core.application import Role, State, TransitionError, check_transition
from regdesk.store import audit
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.errors import IllegalTransitionError
from regdesk.store.journal.part import ANNULMENTS, SIGNED_COLUMNS, JournalPart, signed_values
from regdesk.store.journal.records import AnnulmentRecord

SURVEY_RECORDED = "survey_recorded"
"""The event kind of a survey entered from the journal, after the applicant answered on paper."""


class Corrections(JournalPart):
    """Annulments and surveys recorded afterwards."""

    def annul(
        self,
        app_id: int,
        *,
        reason_code: str,
        note: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        signature: Mapping[str, object],
    ) -> str:
        """Move a registered or issued application to ANNULLED; returns its number.

        ``signature``: signer_iin, signer_name, cert_serial, cert_issuer, content_sha256,
        canonical, cms (the employee's CMS over ``canonical``).
        """
        at = utc_text(now)
        with transaction(self.db):
            record = self._application(app_id)
            current = record.state
            try:
                check_transition(current, State.ANNULLED, role, reason_code)
            except TransitionError as exc:
                raise IllegalTransitionError(app_id, exc) from exc
            assert record.number is not None  # registered and issued applications have one
            conn = self.db.conn
            conn.execute(
                "UPDATE applications SET state = ?, updated_at = ? WHERE id = ?",
                (State.ANNULLED.value, at, app_id),
            )
            conn.execute(
                "INSERT INTO annulments (application_id, number, reason_code, note, at, by_iin,"
                f" {SIGNED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app_id,
                    record.number,
                    reason_code,
                    note or None,
                    at,
                    actor_iin,
                    *signed_values(signature),
                ),
            )
            self._transition_event(
                app_id, at, actor_iin, role, current, State.ANNULLED, reason_code, note or None
            )
            self._audit_state_change(
                app_id,
                actor_iin,
                {
                    "from": current.value,
                    "to": State.ANNULLED.value,
                    "number": record.number,
                    "reason": reason_code,
                    "content_sha256": str(signature["content_sha256"]),
                },
                now,
            )
        return record.number

    def annulment(self, app_id: int) -> AnnulmentRecord | None:
        """The annulment of the application, or None when it was not annulled."""
        return self._first(ANNULMENTS, "FROM annulments WHERE application_id = ?", (app_id,))

    def record_survey_later(
        self,
        app_id: int,
        q1: int | None,
        q2: int | None,
        *,
        actor_iin: str,
        role: Role,
        now: datetime,
    ) -> None:
        """Store the survey answered on paper, with an event and an audit record naming who
        entered it and when (the answers' own time is this moment: the paper has none)."""
        for q in (q1, q2):
            if q is not None and q not in (1, 2, 3):
                raise ValueError(f"a survey answer is 1, 2 or 3, not {q!r}")
        at = utc_text(now)
        with transaction(self.db):
            self._state(app_id)
            self.db.conn.execute(
                "INSERT INTO survey_answers (application_id, q1, q2, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (application_id) DO UPDATE SET q1 = excluded.q1, q2 = excluded.q2,"
                " at = excluded.at",
                (app_id, q1, q2, at),
            )
            self._event(
                app_id, at, actor_iin, role, SURVEY_RECORDED, None, None, None, None, "paper"
            )
            audit.append(
                self.db,
                actor_iin=actor_iin,
                action="survey_recorded",
                object=f"application:{app_id}",
                detail={"q1": q1, "q2": q2, "source": "paper"},
                at=now,
            )
