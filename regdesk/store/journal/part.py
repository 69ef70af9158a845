"""What every part of the journal shares: the database, reading rows into records, and the few
writes that several parts make (an event, the check of an application's state).

A new part (a query class for the portal or the reports) subclasses ``JournalPart`` and is added
as one attribute of ``Journal`` (see the package docstring).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

from sqlite_utils import Database

from regdesk.core.application import Channel, Role, State, TransitionError, check_transition
from regdesk.core.json_types import JsonObject
from regdesk.store import audit
from regdesk.store.db import from_utc_text, transaction, utc_text
from regdesk.store.journal.errors import IllegalTransitionError, NotEditableError, NotFoundError
from regdesk.store.journal.names import make_name_key
from regdesk.store.journal.records import (
    AnnulmentRecord,
    ApplicationRecord,
    AttachmentRecord,
    EventRecord,
    OutboxItem,
    PrintRecord,
    SignatureRecord,
    SurveyAnswer,
)

_R = TypeVar("_R")
_Params = Sequence[object] | Mapping[str, object]
"""Query parameters: positional (``?``) or named (``:name``)."""


@dataclass(frozen=True)
class Rows(Generic[_R]):
    """How rows of a table become ``record``s: one column per field, named as the field.

    A column is taken as stored unless ``convert`` names the function that reads it.
    """

    record: type[_R]
    convert: Mapping[str, Callable[[Any], object]]

    @cached_property
    def names(self) -> tuple[str, ...]:
        record: Any = self.record  # always a dataclass (its protocol type is only in _typeshed)
        return tuple(f.name for f in fields(record))

    @cached_property
    def columns(self) -> str:
        return ", ".join(self.names)

    def read(self, row: Sequence[object]) -> _R:
        return self.record(
            **{
                n: self.convert[n](v) if n in self.convert else v
                for n, v in zip(self.names, row, strict=True)
            }
        )


def _ts(value: object) -> datetime | None:
    return from_utc_text(value) if isinstance(value, str) else None


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else None


def _state_or_none(value: str | None) -> State | None:
    return State(value) if value else None


def dump_json(value: JsonObject | None) -> str | None:
    """A JSON column as stored: canonical JSON text, or NULL."""
    return audit.canonical_json(dict(value)) if value is not None else None


APPLICATIONS = Rows(
    ApplicationRecord,
    {
        "channel": Channel,
        "state": State,
        "birth_date": _day,
        "effective_date": _day,
        "registry_data": _json,
        "form": _json,
        "deadline": _ts,
        "created_at": from_utc_text,
        "updated_at": from_utc_text,
        "registered_at": _ts,
        "decided_at": _ts,
        "received_at": _ts,
        "portal_check": _json,
        "delivered_at": _ts,
    },
)
EVENTS = Rows(
    EventRecord, {"at": from_utc_text, "from_state": _state_or_none, "to_state": _state_or_none}
)
ATTACHMENTS = Rows(AttachmentRecord, {"added_at": from_utc_text})
SIGNATURES = Rows(SignatureRecord, {"signed_at": from_utc_text, "canonical": bytes, "cms": bytes})
PRINTS = Rows(PrintRecord, {"at": from_utc_text, "duplicate": bool})
ANNULMENTS = Rows(AnnulmentRecord, {"at": from_utc_text, "canonical": bytes, "cms": bytes})
SURVEYS = Rows(SurveyAnswer, {"at": from_utc_text})
OUTBOX = Rows(
    OutboxItem,
    {"payload": json.loads, "created_at": from_utc_text, "sent_at": _ts, "next_attempt_at": _ts},
)


class JournalPart:
    """One part of the journal of applications in ``db`` (opened with ``store.db.open_db``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading -------------------------------------------------------------------------------

    def _first(self, rows: Rows[_R], sql: str, params: _Params) -> _R | None:
        """The first record of ``SELECT <rows.columns> {sql}``, or None."""
        row = self.db.conn.execute(f"SELECT {rows.columns} {sql}", params).fetchone()
        return rows.read(row) if row else None

    def _all(self, rows: Rows[_R], sql: str, params: _Params) -> list[_R]:
        """The records of ``SELECT <rows.columns> {sql}``."""
        return [rows.read(r) for r in self.db.conn.execute(f"SELECT {rows.columns} {sql}", params)]

    def _application(self, app_id: int) -> ApplicationRecord:
        """The application ``app_id``; ``NotFoundError`` when there is none."""
        record = self._first(APPLICATIONS, "FROM applications WHERE id = ?", (app_id,))
        if record is None:
            raise NotFoundError(id=app_id)
        return record

    def _state(self, app_id: int) -> State:
        row = self.db.conn.execute(
            "SELECT state FROM applications WHERE id = ?", (app_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(id=app_id)
        return State(row[0])

    def _check_editable(self, app_id: int) -> None:
        state = self._state(app_id)
        if state not in (State.DRAFT, State.RECEIVED):
            raise NotEditableError(id=app_id, state=state.value)

    # --- writing (inside the caller's transaction) ---------------------------------------------

    def _event(
        self,
        app_id: int,
        at: str,
        actor_iin: str,
        role: Role | str,
        kind: str,
        step: str | None,
        from_state: State | None,
        to_state: State | None,
        reason_code: str | None,
        note: str | None,
    ) -> None:
        self.db.conn.execute(
            "INSERT INTO events (application_id, at, actor_iin, role, kind, step, from_state,"
            " to_state, reason_code, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                app_id,
                at,
                actor_iin,
                str(role),
                kind,
                step,
                from_state.value if from_state else None,
                to_state.value if to_state else None,
                reason_code,
                note,
            ),
        )

    def _transition_event(
        self,
        app_id: int,
        at: str,
        actor_iin: str,
        role: Role | str,
        from_state: State,
        to_state: State,
        reason_code: str | None = None,
        note: str | None = None,
    ) -> None:
        """The event of a state change (no step: it is the whole application that moves)."""
        self._event(
            app_id, at, actor_iin, role, "transition", None, from_state, to_state, reason_code, note
        )

    def _create(
        self,
        *,
        channel: Channel,
        state: State,
        applicant_iin: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        registry_data: JsonObject | None,
        surname: str,
        first_name: str,
        patronymic: str,
        birth_date: date | None,
        representative_iin: str | None,
        basis: str | None,
        portal_id: str | None,
        deadline: datetime | None,
        form: JsonObject | None,
    ) -> int:
        """Insert a new application in ``state`` with its creation event and audit record; its id.

        A front-desk draft (``Drafts.create_draft``) and a portal arrival (``Portal.receive``)
        are both made here, so both start their history the same way.
        """
        try:
            check_transition(None, state, role)
        except TransitionError as exc:
            raise IllegalTransitionError(0, exc) from exc
        at = utc_text(now)
        with transaction(self.db):
            cur = self.db.conn.execute(
                "INSERT INTO applications (channel, state, applicant_iin, surname, first_name,"
                " patronymic, name_key, birth_date, representative_iin, basis, registry_data,"
                " form, portal_id, deadline, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    channel.value,
                    state.value,
                    applicant_iin,
                    surname,
                    first_name,
                    patronymic,
                    make_name_key(surname, first_name, patronymic),
                    birth_date.isoformat() if birth_date else None,
                    representative_iin,
                    basis,
                    dump_json(registry_data),
                    dump_json(form),
                    portal_id,
                    utc_text(deadline) if deadline else None,
                    actor_iin,
                    at,
                    at,
                ),
            )
            app_id = int(cur.lastrowid or 0)
            self._event(app_id, at, actor_iin, role, "transition", None, None, state, None, None)
            self._audit_state_change(
                app_id,
                actor_iin,
                {"from": None, "to": state.value, "channel": channel.value},
                now,
            )
        return app_id

    def _audit_state_change(
        self, app_id: int, actor_iin: str, detail: Mapping[str, object], now: datetime
    ) -> None:
        audit.append(
            self.db,
            actor_iin=actor_iin,
            action="state_change",
            object=f"application:{app_id}",
            detail=detail,
            at=now,
        )


SIGNED_COLUMNS = "signer_iin, signer_name, cert_serial, cert_issuer, content_sha256, canonical, cms"
"""The columns a signature and an annulment both hold: the signer, the certificate, the signed
bytes (``signed_values`` gives them in this order)."""


def signed_values(signature: Mapping[str, object]) -> tuple[object, ...]:
    """The values of ``SIGNED_COLUMNS`` from a signature given as a mapping."""
    return (
        signature["signer_iin"],
        signature["signer_name"],
        str(signature["cert_serial"]),
        signature["cert_issuer"],
        signature["content_sha256"],
        _bytes(signature["canonical"]),
        _bytes(signature["cms"]),
    )


def _bytes(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"signed content is bytes, not {type(value).__name__}")
    return bytes(value)


def stored_value(name: str, value: object) -> object:
    """A field of ``applications`` as stored: dates as ISO text, JSON as text, times as UTC."""
    if value is None:
        return None
    if name == "registry_data":
        assert isinstance(value, Mapping)
        return dump_json(value)
    if name == "deadline":
        assert isinstance(value, datetime)
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
