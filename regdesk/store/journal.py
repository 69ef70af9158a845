"""The journal of applications: every application, its history, scans, signature, prints, survey.

``Journal`` is the only code that writes the ``applications`` table and the tables hanging off it.
Each state change is one ``BEGIN IMMEDIATE`` transaction that also writes the event (for the
journal and the time-norm report) and the audit record, so the three never disagree.

Numbers ``{clinic code}-{year}-{000001}`` come from ``number_counters``, incremented by one
upsert inside the registration transaction: a registration that fails rolls its number back with
it (no gap), and the write lock taken by ``BEGIN IMMEDIATE`` makes two terminals registering at
the same moment take turns (no duplicate).

Timestamps are passed in as aware datetimes (``now``) and stored as UTC text; records give them
back as aware datetimes. Name search works on ``name_key`` (``make_name_key``): the names
casefolded, so Kazakh and Russian capitals match their small letters, with ё read as е.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from typing import Any, Generic, Literal, TypeVar

from sqlite_utils import Database

from regdesk.core.application import (
    Channel,
    Role,
    State,
    TransitionError,
    check_transition,
)
from regdesk.core.errors import UserError
from regdesk.store import audit
from regdesk.store.db import from_utc_text, transaction, utc_text

_PREFIX_END = "\U0010ffff"
"""Above every character: ``key >= p AND key < p || _PREFIX_END`` is a prefix range on an index."""


class NotFoundError(UserError):
    """No application with this id."""

    key = "store.application_not_found"


class NotEditableError(UserError):
    """The form of an application that left the draft stage can no longer change."""

    key = "store.application_not_editable"


class IllegalTransitionError(UserError, TransitionError):
    """A move the process does not allow from the application's current state.

    It is a ``TransitionError`` for code and a ``UserError`` for the screen: the usual cause is
    another terminal that moved the same application a moment earlier.
    """

    key = "store.illegal_transition"

    def __init__(self, app_id: int, error: TransitionError) -> None:
        # Neither base's __init__ fits the other's arguments: set what both expect here.
        self.params: dict[str, object] = {
            "id": app_id,
            "current": error.current.value if error.current else "-",
            "target": error.target.value,
        }
        Exception.__init__(self, self.key)
        self.current = error.current
        self.target = error.target
        self.role = error.role
        self.why = error.why


def make_name_key(surname: str, first_name: str = "", patronymic: str = "") -> str:
    """The search key of a name: NFC, casefolded, ё→е, single spaces; "surname first patronymic"."""
    return " ".join(_fold(" ".join((surname, first_name, patronymic))).split())


def normalise_name_query(text: str) -> str:
    """A typed name prefix made comparable with ``name_key``.

    Spaces are collapsed as in the key; one trailing space is kept, so "Ким " finds the surname
    Ким and not Кимов.
    """
    folded = _fold(text)
    words = " ".join(folded.split())
    return words + " " if words and folded[-1:].isspace() else words


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


def _ts(value: object) -> datetime | None:
    return from_utc_text(value) if isinstance(value, str) else None


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _json(value: object) -> Any:
    return json.loads(value) if isinstance(value, str) else None


def _dump(value: Mapping[str, Any] | None) -> str | None:
    return audit.canonical_json(dict(value)) if value is not None else None


@dataclass(frozen=True)
class ApplicationRecord:
    """One application as stored; JSON columns decoded, timestamps as aware datetimes."""

    id: int
    channel: Channel
    state: State
    number: str | None
    number_year: int | None
    number_seq: int | None
    applicant_iin: str
    surname: str
    first_name: str
    patronymic: str
    name_key: str
    birth_date: date | None
    representative_iin: str | None
    basis: str | None
    district: int | None
    effective_date: date | None
    refusal_code: str | None
    refusal_note: str | None
    registry_data: dict[str, Any] | None
    form: dict[str, Any] | None
    portal_id: str | None
    deadline: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    registered_at: datetime | None
    decided_at: datetime | None

    @property
    def full_name(self) -> str:
        """ "Surname First Patronymic", as written on documents."""
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def is_final(self) -> bool:
        return self.state in (State.REFUSED, State.ISSUED, State.ABANDONED)


EventKind = Literal["transition", "step_start", "step_end"]


@dataclass(frozen=True)
class EventRecord:
    """One event of an application's history: a state change or the start/end of a step."""

    id: int
    application_id: int
    at: datetime
    actor_iin: str
    role: str
    kind: str
    step: str | None
    from_state: State | None
    to_state: State | None
    reason_code: str | None
    note: str | None


@dataclass(frozen=True)
class AttachmentRecord:
    id: int
    application_id: int
    doc_kind: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    vault_name: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True)
class SignatureRecord:
    id: int
    application_id: int
    signer_iin: str
    signer_name: str
    cert_serial: str
    cert_issuer: str
    signed_at: datetime
    content_sha256: str
    canonical: bytes
    cms: bytes


@dataclass(frozen=True)
class PrintRecord:
    id: int
    application_id: int
    document: str
    printer: str
    format: str
    at: datetime
    by_iin: str
    status: str
    detail: str | None
    duplicate: bool


@dataclass(frozen=True)
class SurveyAnswer:
    application_id: int
    q1: int | None
    q2: int | None
    at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """A message to the registry waiting to be sent (e.g. recording a new attachment)."""

    id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    last_error: str | None
    sent_at: datetime | None


_R = TypeVar("_R")


@dataclass(frozen=True)
class _Reader(Generic[_R]):
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


def _state_or_none(value: str | None) -> State | None:
    return State(value) if value else None


_APPLICATIONS = _Reader(
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
    },
)
_EVENTS = _Reader(
    EventRecord, {"at": from_utc_text, "from_state": _state_or_none, "to_state": _state_or_none}
)
_ATTACHMENTS = _Reader(AttachmentRecord, {"added_at": from_utc_text})
_SIGNATURES = _Reader(
    SignatureRecord, {"signed_at": from_utc_text, "canonical": bytes, "cms": bytes}
)
_PRINTS = _Reader(PrintRecord, {"at": from_utc_text, "duplicate": bool})
_SURVEYS = _Reader(SurveyAnswer, {"at": from_utc_text})
_OUTBOX = _Reader(OutboxItem, {"payload": json.loads, "created_at": from_utc_text, "sent_at": _ts})

# Fields of a draft that ``update`` may set, with how each is stored.
_UPDATABLE = frozenset(
    {
        "surname",
        "first_name",
        "patronymic",
        "birth_date",
        "representative_iin",
        "basis",
        "district",
        "effective_date",
        "registry_data",
        "deadline",
    }
)


def _store_value(name: str, value: object) -> object:
    if value is None:
        return None
    if name in ("registry_data",):
        assert isinstance(value, Mapping)
        return _dump(value)
    if name == "deadline":
        assert isinstance(value, datetime)
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class Journal:
    """Applications in the database ``db`` (opened with ``regdesk.store.db.open_db``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading -------------------------------------------------------------------------------

    def _first(self, rows: _Reader[_R], sql: str, params: Sequence[object]) -> _R | None:
        """The first record of ``SELECT <rows.columns> {sql}``, or None."""
        row = self.db.conn.execute(f"SELECT {rows.columns} {sql}", params).fetchone()
        return rows.read(row) if row else None

    def _all(self, rows: _Reader[_R], sql: str, params: Sequence[object]) -> list[_R]:
        """The records of ``SELECT <rows.columns> {sql}``."""
        return [rows.read(r) for r in self.db.conn.execute(f"SELECT {rows.columns} {sql}", params)]

    def _many(self, sql: str, params: Sequence[object]) -> list[ApplicationRecord]:
        """The applications of ``sql``, a whole query (so a test can read its plan)."""
        return [_APPLICATIONS.read(r) for r in self.db.conn.execute(sql, params)]

    def get(self, app_id: int) -> ApplicationRecord:
        """The application ``app_id``; ``NotFoundError`` when there is none."""
        record = self._first(_APPLICATIONS, "FROM applications WHERE id = ?", (app_id,))
        if record is None:
            raise NotFoundError(id=app_id)
        return record

    def get_by_number(self, number: str) -> ApplicationRecord | None:
        """The application registered under ``number``, or None (e.g. a talon's QR code checked)."""
        return self._first(_APPLICATIONS, "FROM applications WHERE number = ?", (number.strip(),))

    def get_by_portal_id(self, portal_id: str) -> ApplicationRecord | None:
        """The application that arrived from the portal as ``portal_id``, or None."""
        return self._first(_APPLICATIONS, "FROM applications WHERE portal_id = ?", (portal_id,))

    def find(
        self,
        *,
        iin: str | None = None,
        number: str | None = None,
        name_prefix: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        state: State | str | None = None,
        limit: int = 50,
    ) -> list[ApplicationRecord]:
        """Applications matching every criterion given, at most ``limit``.

        ``name_prefix`` matches the start of "surname first patronymic", whatever the case;
        results are then in name order. Otherwise the newest come first. ``date_from`` is
        inclusive and ``date_to`` exclusive, on ``created_at``. Every criterion has an index.
        """
        where: list[str] = []
        params: list[object] = []
        if iin is not None:
            where.append("applicant_iin = ?")
            params.append(iin.strip())
        if number is not None:
            where.append("number = ?")
            params.append(number.strip())
        prefix = normalise_name_query(name_prefix) if name_prefix is not None else ""
        if prefix:
            where.append("name_key >= ? AND name_key < ?")
            params += [prefix, prefix + _PREFIX_END]
        if date_from is not None:
            where.append("created_at >= ?")
            params.append(utc_text(date_from))
        if date_to is not None:
            where.append("created_at < ?")
            params.append(utc_text(date_to))
        if state is not None:
            where.append("state = ?")
            params.append(State(state).value)
        sql = f"SELECT {_APPLICATIONS.columns} FROM applications"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY name_key, id" if prefix else " ORDER BY created_at DESC, id DESC"
        sql += " LIMIT ?"
        params.append(limit)
        return self._many(sql, params)

    def list_recent(
        self, limit: int = 50, state: State | str | None = None
    ) -> list[ApplicationRecord]:
        """The newest applications, optionally in one state."""
        return self.find(state=state, limit=limit)

    def open_drafts(self, actor_iin: str) -> list[ApplicationRecord]:
        """Drafts this employee started and has not finished, the most recently touched first."""
        return self._many(
            f"SELECT {_APPLICATIONS.columns} FROM applications WHERE created_by = ? AND state = ?"
            " ORDER BY updated_at DESC, id DESC",
            (actor_iin, State.DRAFT.value),
        )

    def count_by_state(self) -> dict[State, int]:
        """How many applications are in each state (for an overview)."""
        rows = self.db.conn.execute("SELECT state, count(*) FROM applications GROUP BY state")
        return {State(s): int(n) for s, n in rows}

    def events(self, app_id: int) -> list[EventRecord]:
        """The history of an application, oldest first."""
        return self._all(_EVENTS, "FROM events WHERE application_id = ? ORDER BY at, id", (app_id,))

    # --- creating and editing ------------------------------------------------------------------

    def create_draft(
        self,
        *,
        applicant_iin: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        registry_data: Mapping[str, Any] | None = None,
        surname: str = "",
        first_name: str = "",
        patronymic: str = "",
        birth_date: date | None = None,
        representative_iin: str | None = None,
        basis: str | None = None,
    ) -> int:
        """Start a front-desk application (Table 2, steps 3-5) and return its id."""
        return self._create(
            channel=Channel.DESK,
            state=State.DRAFT,
            applicant_iin=applicant_iin,
            actor_iin=actor_iin,
            role=role,
            now=now,
            registry_data=registry_data,
            surname=surname,
            first_name=first_name,
            patronymic=patronymic,
            birth_date=birth_date,
            representative_iin=representative_iin,
            basis=basis,
            portal_id=None,
            deadline=None,
            form=None,
        )

    def receive_portal(
        self,
        *,
        portal_id: str,
        applicant_iin: str,
        now: datetime,
        deadline: datetime | None = None,
        surname: str = "",
        first_name: str = "",
        patronymic: str = "",
        birth_date: date | None = None,
        representative_iin: str | None = None,
        basis: str | None = None,
        form: Mapping[str, Any] | None = None,
        actor_iin: str = "system",
    ) -> tuple[int, bool]:
        """Record an application that arrived from the portal (Table 1, action 5).

        Idempotent on ``portal_id``: returns (id, True) when it was new, (id, False) when the
        same portal application was already here.
        """
        with transaction(self.db):
            found = self.db.conn.execute(
                "SELECT id FROM applications WHERE portal_id = ?", (portal_id,)
            ).fetchone()
            if found:
                return int(found[0]), False
            app_id = self._create(
                channel=Channel.PORTAL,
                state=State.RECEIVED,
                applicant_iin=applicant_iin,
                actor_iin=actor_iin,
                role=Role.SYSTEM,
                now=now,
                registry_data=None,
                surname=surname,
                first_name=first_name,
                patronymic=patronymic,
                birth_date=birth_date,
                representative_iin=representative_iin,
                basis=basis,
                portal_id=portal_id,
                deadline=deadline,
                form=form,
            )
        return app_id, True

    def _create(
        self,
        *,
        channel: Channel,
        state: State,
        applicant_iin: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        registry_data: Mapping[str, Any] | None,
        surname: str,
        first_name: str,
        patronymic: str,
        birth_date: date | None,
        representative_iin: str | None,
        basis: str | None,
        portal_id: str | None,
        deadline: datetime | None,
        form: Mapping[str, Any] | None,
    ) -> int:
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
                    _dump(registry_data),
                    _dump(form),
                    portal_id,
                    utc_text(deadline) if deadline else None,
                    actor_iin,
                    at,
                    at,
                ),
            )
            app_id = int(cur.lastrowid or 0)
            self._event(app_id, at, actor_iin, role, "transition", None, None, state, None, None)
            audit.append(
                self.db,
                actor_iin=actor_iin,
                action="state_change",
                object=f"application:{app_id}",
                detail={"from": None, "to": state.value, "channel": channel.value},
                at=now,
            )
        return app_id

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

    def _state(self, app_id: int) -> State:
        row = self.db.conn.execute(
            "SELECT state FROM applications WHERE id = ?", (app_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(id=app_id)
        return State(row[0])

    def save_form(self, app_id: int, form: Mapping[str, Any], now: datetime) -> None:
        """Save the form as typed so far (called as the receptionist types; no audit record)."""
        with transaction(self.db):
            self._check_editable(app_id)
            self.db.conn.execute(
                "UPDATE applications SET form = ?, updated_at = ? WHERE id = ?",
                (_dump(form), utc_text(now), app_id),
            )

    def update(self, app_id: int, now: datetime, **fields: object) -> None:
        """Set fields of a draft or received application (names, basis, district, dates, …).

        Allowed fields: surname, first_name, patronymic, birth_date, representative_iin, basis,
        district, effective_date, registry_data, deadline. The name key follows the names.
        """
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not fields:
            return
        with transaction(self.db):
            self._check_editable(app_id)
            sets = [f"{name} = ?" for name in fields]
            params = [_store_value(name, value) for name, value in fields.items()]
            if {"surname", "first_name", "patronymic"} & set(fields):
                current = self.get(app_id)
                names = {
                    "surname": current.surname,
                    "first_name": current.first_name,
                    "patronymic": current.patronymic,
                }
                names.update({k: str(v or "") for k, v in fields.items() if k in names})
                sets.append("name_key = ?")
                params.append(make_name_key(**names))
            sets.append("updated_at = ?")
            params += [utc_text(now), app_id]
            self.db.conn.execute(f"UPDATE applications SET {', '.join(sets)} WHERE id = ?", params)

    def _check_editable(self, app_id: int) -> None:
        state = self._state(app_id)
        if state not in (State.DRAFT, State.RECEIVED):
            raise NotEditableError(id=app_id, state=state.value)

    def record_step(
        self,
        app_id: int,
        step: str,
        kind: Literal["step_start", "step_end"],
        actor_iin: str,
        role: Role,
        now: datetime,
    ) -> None:
        """Note the start or end of a time-norm step (e.g. 'registry_request')."""
        if kind not in ("step_start", "step_end"):
            raise ValueError(f"not a step event: {kind!r}")
        with transaction(self.db):
            self._state(app_id)
            self._event(app_id, utc_text(now), actor_iin, role, kind, step, None, None, None, None)

    # --- state changes -------------------------------------------------------------------------

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
            raise ValueError("registration allocates a number: use Journal.register")
        at = utc_text(now)
        with transaction(self.db):
            current = self._state(app_id)
            try:
                check_transition(current, to_state, role, reason_code)
            except TransitionError as exc:
                raise IllegalTransitionError(app_id, exc) from exc
            sets = ["state = ?", "updated_at = ?"]
            params: list[object] = [to_state.value, at]
            if to_state in (State.REFUSED, State.ISSUED):
                sets.append("decided_at = ?")
                params.append(at)
            if to_state is State.REFUSED:
                sets += ["refusal_code = ?", "refusal_note = ?"]
                params += [reason_code, note or None]
            params.append(app_id)
            self.db.conn.execute(f"UPDATE applications SET {', '.join(sets)} WHERE id = ?", params)
            self._event(
                app_id,
                at,
                actor_iin,
                role,
                "transition",
                None,
                current,
                to_state,
                reason_code,
                note or None,
            )
            detail: dict[str, Any] = {"from": current.value, "to": to_state.value}
            if reason_code:
                detail["reason"] = reason_code
            audit.append(
                self.db,
                actor_iin=actor_iin,
                action="state_change",
                object=f"application:{app_id}",
                detail=detail,
                at=now,
            )

    def register(
        self,
        app_id: int,
        *,
        clinic_code: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        signature: Mapping[str, Any] | None = None,
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
        """
        number_year = year if year is not None else now.year
        at = utc_text(now)
        with transaction(self.db):
            conn = self.db.conn
            current = self._state(app_id)
            try:
                check_transition(current, State.REGISTERED, role)
            except TransitionError as exc:
                raise IllegalTransitionError(app_id, exc) from exc
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
                    params.append(_store_value(name, value))
            params += [at, app_id]
            conn.execute(f"UPDATE applications SET {sets}, updated_at = ? WHERE id = ?", params)
            self._event(
                app_id,
                at,
                actor_iin,
                role,
                "transition",
                None,
                current,
                State.REGISTERED,
                None,
                None,
            )
            if signature is not None:
                self._add_signature(app_id, signature)
            audit.append(
                self.db,
                actor_iin=actor_iin,
                action="state_change",
                object=f"application:{app_id}",
                detail={"from": current.value, "to": State.REGISTERED.value, "number": number},
                at=now,
            )
        return number

    # --- what hangs off an application ---------------------------------------------------------

    def _add_signature(self, app_id: int, sig: Mapping[str, Any]) -> int:
        signed_at = sig["signed_at"]
        cur = self.db.conn.execute(
            "INSERT INTO signatures (application_id, signer_iin, signer_name, cert_serial,"
            " cert_issuer, signed_at, content_sha256, canonical, cms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                app_id,
                sig["signer_iin"],
                sig["signer_name"],
                str(sig["cert_serial"]),
                sig["cert_issuer"],
                utc_text(signed_at) if isinstance(signed_at, datetime) else str(signed_at),
                sig["content_sha256"],
                bytes(sig["canonical"]),
                bytes(sig["cms"]),
            ),
        )
        return int(cur.lastrowid or 0)

    def signature(self, app_id: int) -> SignatureRecord | None:
        """The latest signature of the application, or None."""
        return self._first(
            _SIGNATURES,
            "FROM signatures WHERE application_id = ? ORDER BY id DESC LIMIT 1",
            (app_id,),
        )

    def add_attachment(
        self,
        app_id: int,
        *,
        doc_kind: str,
        original_name: str,
        media_type: str,
        size: int,
        sha256: str,
        vault_name: str,
        actor_iin: str,
        now: datetime,
    ) -> int:
        """Record a scan already put into the vault (``Vault.put``); returns the attachment id."""
        with transaction(self.db):
            self._check_editable(app_id)
            cur = self.db.conn.execute(
                "INSERT INTO attachments (application_id, doc_kind, original_name, media_type,"
                " size, sha256, vault_name, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app_id,
                    doc_kind,
                    original_name,
                    media_type,
                    size,
                    sha256,
                    vault_name,
                    utc_text(now),
                    actor_iin,
                ),
            )
            self.db.conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ?", (utc_text(now), app_id)
            )
        return int(cur.lastrowid or 0)

    def remove_attachment(self, attachment_id: int, now: datetime) -> AttachmentRecord | None:
        """Detach a scan from a draft; returns what was removed (its vault file is the caller's)."""
        with transaction(self.db):
            found = self._attachments("id = ?", attachment_id)
            if not found:
                return None
            self._check_editable(found[0].application_id)
            self.db.conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
            self.db.conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ?",
                (utc_text(now), found[0].application_id),
            )
        return found[0]

    def attachments(self, app_id: int) -> list[AttachmentRecord]:
        """The scans of an application, in the order they were added."""
        return self._attachments("application_id = ?", app_id)

    def _attachments(self, where: str, value: int) -> list[AttachmentRecord]:
        return self._all(_ATTACHMENTS, f"FROM attachments WHERE {where} ORDER BY id", (value,))

    def record_print(
        self,
        app_id: int,
        *,
        document: str,
        printer: str,
        format: str,
        by_iin: str,
        now: datetime,
        status: str = "queued",
        detail: str | None = None,
        duplicate: bool | None = None,
    ) -> int:
        """Note a print of the talon or refusal notice (with an audit record); returns its id.

        ``duplicate`` defaults to ``printed_before(app_id, document)``.
        """
        with transaction(self.db):
            self._state(app_id)
            if duplicate is None:
                duplicate = self.printed_before(app_id, document)
            cur = self.db.conn.execute(
                "INSERT INTO prints (application_id, document, printer, format, at, by_iin,"
                " status, detail, duplicate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app_id,
                    document,
                    printer,
                    format,
                    utc_text(now),
                    by_iin,
                    status,
                    detail,
                    int(duplicate),
                ),
            )
            print_id = int(cur.lastrowid or 0)
            audit.append(
                self.db,
                actor_iin=by_iin,
                action="print",
                object=f"application:{app_id}",
                detail={
                    "document": document,
                    "printer": printer,
                    "duplicate": bool(duplicate),
                    "print_id": print_id,
                },
                at=now,
            )
        return print_id

    def printed_before(self, app_id: int, document: str) -> bool:
        """Whether ``document`` of the application was printed (not failed) before: a duplicate."""
        row = self.db.conn.execute(
            "SELECT 1 FROM prints WHERE application_id = ? AND document = ?"
            " AND status != 'failed' LIMIT 1",
            (app_id, document),
        ).fetchone()
        return row is not None

    def update_print(self, print_id: int, *, status: str, detail: str | None = None) -> None:
        """Record what became of a print job ('written' or 'failed', with a reason)."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE prints SET status = ?, detail = ? WHERE id = ?", (status, detail, print_id)
            )

    def prints(self, app_id: int) -> list[PrintRecord]:
        """The prints of an application, oldest first."""
        return self._all(_PRINTS, "FROM prints WHERE application_id = ? ORDER BY id", (app_id,))

    def save_survey(self, app_id: int, q1: int | None, q2: int | None, now: datetime) -> None:
        """Store the applicant's answers to the two survey questions (Annex 3: 1, 2 or 3)."""
        for q in (q1, q2):
            if q is not None and q not in (1, 2, 3):
                raise ValueError(f"a survey answer is 1, 2 or 3, not {q!r}")
        with transaction(self.db):
            self._state(app_id)
            self.db.conn.execute(
                "INSERT INTO survey_answers (application_id, q1, q2, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (application_id) DO UPDATE SET q1 = excluded.q1, q2 = excluded.q2,"
                " at = excluded.at",
                (app_id, q1, q2, utc_text(now)),
            )

    def survey(self, app_id: int) -> SurveyAnswer | None:
        return self._first(_SURVEYS, "FROM survey_answers WHERE application_id = ?", (app_id,))

    # --- outbox --------------------------------------------------------------------------------

    def enqueue(
        self, kind: str, idempotency_key: str, payload: Mapping[str, Any], now: datetime
    ) -> int:
        """Queue a message for the registry (idempotent on the key); returns the item id.

        Call it inside the transaction of the change that causes the message, so that the two
        commit together.
        """
        with transaction(self.db):
            self.db.conn.execute(
                "INSERT INTO outbox (kind, idempotency_key, payload, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
                (kind, idempotency_key, _dump(payload), utc_text(now)),
            )
            row = self.db.conn.execute(
                "SELECT id FROM outbox WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
        return int(row[0])

    def outbox_pending(self, limit: int = 50) -> list[OutboxItem]:
        """Messages not yet sent, oldest first."""
        return self._all(_OUTBOX, "FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,))

    def outbox_done(self, item_id: int, now: datetime) -> None:
        """Mark a message as sent."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL"
                " WHERE id = ?",
                (utc_text(now), item_id),
            )

    def outbox_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt and keep why (no personal data in ``error``)."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, item_id),
            )


def format_number(clinic_code: str, year: int, seq: int) -> str:
    """An application number: ``{clinic code}-{year}-{seq:06d}``."""
    return f"{clinic_code}-{year}-{seq:06d}"
