"""Numbering and the state changes of an application: registration (Table 2, step 6) with its
number and signature, and refusal, abandonment and issue.

Numbers ``{clinic code}-{year}-{000001}`` come from ``number_counters``, incremented by one
upsert inside the registration transaction: a registration that fails rolls its number back with
it (no gap), and the write lock taken by ``BEGIN IMMEDIATE`` makes two terminals registering at
the same moment take turns (no duplicate).

The same lock serialises registrations of one person: inside the transaction, before a number is
taken, no other application of the same IIN may be registered or issued in the numbering year
(``same_person``). Of two terminals registering one person at once, the second is told who
registered the person and under which number, and takes no number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from regdesk.core.application import Role, State, TransitionError, check_transition
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.errors import (
    AlreadyRegisteredError,
    IllegalTransitionError,
    RegisteredByColleagueError,
)
from regdesk.store.journal.part import (
    SIGNATURES,
    SIGNED_COLUMNS,
    JournalPart,
    signed_values,
    stored_value,
)
from regdesk.store.journal.records import SignatureRecord
from regdesk.store.journal.same_person import OtherApplication, SamePerson


def format_number(clinic_code: str, year: int, seq: int) -> str:
    """An application number: ``{clinic code}-{year}-{seq:06d}``."""
    return f"{clinic_code}-{year}-{seq:06d}"


class Registration(JournalPart):
    """Moving applications between states, numbering them on registration."""

    def transition(
        self,
        app_id: int,
        to_state: State,
        *,
        actor_iin: str,
        role: Role,
        reason_code: str | None = None,
        note: str = "",
        now: datetime,
    ) -> None:
        """Move the application to ``to_state`` (refuse, abandon, issue), with event and audit.

        Registration gives a number and goes through ``register`` instead.
        """
        to_state = State(to_state)
        if to_state is State.REGISTERED:
            raise ValueError("registration allocates a number: use Registration.register")
        at = utc_text(now)
        with transaction(self.db):
            current = self._state(app_id)
            try:
                check_transition(current, to_state, role, reason_code)
            except TransitionError as exc:
                raise IllegalTransitionError(app_id, exc) from exc
            sets = ["state = ?", "updated_at = ?"]
            params: list[object] = [to_state.value, at]
            if to_state is State.REFUSED:
                sets.append("decided_at = ?")
                params.append(at)
            elif to_state is State.ISSUED:
                # A portal registration was decided when it was registered (``portal_results``);
                # a paper talon printed for it later does not move the decision.
                sets.append("decided_at = COALESCE(decided_at, ?)")
                params.append(at)
            if to_state is State.REFUSED:
                sets += ["refusal_code = ?", "refusal_note = ?"]
                params += [reason_code, note or None]
            params.append(app_id)
            self.db.conn.execute(f"UPDATE applications SET {', '.join(sets)} WHERE id = ?", params)
            self._transition_event(
                app_id, at, actor_iin, role, current, to_state, reason_code, note or None
            )
            detail: dict[str, str] = {"from": current.value, "to": to_state.value}
            if reason_code:
                detail["reason"] = reason_code
            self._audit_state_change(app_id, actor_iin, detail, now)

    def register(
        self,
        app_id: int,
        *,
        clinic_code: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        signature: Mapping[str, object] | None = None,
        year: int | None = None,
        basis: str | None = None,
        district: int | None = None,
        effective_date: date | None = None,
    ) -> str:
        """Register the application (Table 2 step 6) and return its new number.

        The number, the state change, the event, the audit record and the optional signature row
        (keys: signer_iin, signer_name, cert_serial, cert_issuer, signed_at, content_sha256,
        canonical, cms) are one transaction; ``basis``, ``district`` and ``effective_date``, when
        given, are set in it too. ``year`` defaults to ``now.year``: pass ``now`` in
        the clinic's time zone so that numbering turns over at the clinic's midnight.

        ``RegisteredByColleagueError`` when the application already has its number (another
        terminal signed the same draft first); ``AlreadyRegisteredError`` when another
        application of the same person is registered or issued in the numbering year.
        """
        number_year = year if year is not None else now.year
        at = utc_text(now)
        with transaction(self.db):
            conn = self.db.conn
            record = self._application(app_id)
            current = record.state
            same_person = SamePerson(self.db)
            if current in (State.REGISTERED, State.ISSUED):
                done = same_person.registration_of(app_id)
                if done is not None:
                    raise RegisteredByColleagueError(**_said(done))
            try:
                check_transition(current, State.REGISTERED, role)
            except TransitionError as exc:
                raise IllegalTransitionError(app_id, exc) from exc
            other = same_person.registered(record.applicant_iin, number_year, besides=app_id)
            if other is not None:
                raise AlreadyRegisteredError(**_said(other))
            seq = int(
                conn.execute(
                    "INSERT INTO number_counters (clinic_code, year, last_seq) VALUES (?, ?, 1)"
                    " ON CONFLICT (clinic_code, year) DO UPDATE SET last_seq = last_seq + 1"
                    " RETURNING last_seq",
                    (clinic_code, number_year),
                ).fetchone()[0]
            )
            number = format_number(clinic_code, number_year, seq)
            sets = "state = ?, number = ?, number_year = ?, number_seq = ?, registered_at = ?"
            params: list[object] = [State.REGISTERED.value, number, number_year, seq, at]
            for name, value in (
                ("basis", basis),
                ("district", district),
                ("effective_date", effective_date),
            ):
                if value is not None:
                    sets += f", {name} = ?"
                    params.append(stored_value(name, value))
            params += [at, app_id]
            conn.execute(f"UPDATE applications SET {sets}, updated_at = ? WHERE id = ?", params)
            self._transition_event(app_id, at, actor_iin, role, current, State.REGISTERED)
            if signature is not None:
                self._add_signature(app_id, signature)
            self._audit_state_change(
                app_id,
                actor_iin,
                {"from": current.value, "to": State.REGISTERED.value, "number": number},
                now,
            )
        return number

    def _add_signature(self, app_id: int, sig: Mapping[str, object]) -> int:
        signed_at = sig["signed_at"]
        cur = self.db.conn.execute(
            f"INSERT INTO signatures (application_id, signed_at, {SIGNED_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                app_id,
                utc_text(signed_at) if isinstance(signed_at, datetime) else str(signed_at),
                *signed_values(sig),
            ),
        )
        return int(cur.lastrowid or 0)

    def signature(self, app_id: int) -> SignatureRecord | None:
        """The latest signature of the application, or None."""
        return self._first(
            SIGNATURES,
            "FROM signatures WHERE application_id = ? ORDER BY id DESC LIMIT 1",
            (app_id,),
        )


def _said(other: OtherApplication) -> dict[str, object]:
    """The parameters of the messages that name another registration."""
    return {"number": other.number or "", "name": other.by_name, "id": other.id}
