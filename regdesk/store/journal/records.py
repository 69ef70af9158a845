"""What the journal gives back: one frozen record per row, JSON decoded, timestamps aware.

Each record has one field per column of its table, named as the column (``part.Rows`` relies on
it to read a row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from regdesk.core.application import FINAL_STATES, Channel, State


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
    # Decoded JSON read as it is by the desk, the screens and the printing layer; these become
    # typed records with the desk's typed registry facts (issue 10), not JsonValue unions here.
    registry_data: dict[str, Any] | None
    form: dict[str, Any] | None
    portal_id: str | None
    deadline: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    registered_at: datetime | None
    decided_at: datetime | None
    received_at: datetime | None
    """When the desk received a portal application (None for the front desk's)."""
    portal_check: dict[str, Any] | None
    """A portal application's check on receipt, as stored (``portal.PortalCheck`` reads it)."""
    delivered_at: datetime | None
    """When the portal confirmed the result sent back (None until then, and for the desk's)."""

    @property
    def full_name(self) -> str:
        """ "Surname First Patronymic", as written on documents."""
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


EventKind = Literal["transition", "step_start", "step_end", "survey_recorded"]


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
class AnnulmentRecord:
    """A registration annulled after the fact, with the employee's EDS over ``canonical``."""

    application_id: int
    number: str
    reason_code: str
    note: str | None
    at: datetime
    by_iin: str
    signer_iin: str
    signer_name: str
    cert_serial: str
    cert_issuer: str
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
    next_attempt_at: datetime | None
    """When the item is due again (after a failure's backoff, or a sender's lease); None: now."""
    held: str | None
    """Why sending stopped until a person acts (``Outbox.hold``); None while it is sent."""
