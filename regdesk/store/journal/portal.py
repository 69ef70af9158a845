"""The portal's applications in the journal (Table 1, actions 5-8): receiving one, the inbox.

``Journal(db).portal`` is what the desk's portal use cases read and write:

- ``receive(arrival, now=…, deadline=…)``: record a portal application with its signed payload,
  its check and its files (already in the vault), once. Idempotent on the portal's id.
- ``is_here(portal_id)`` / ``known(portal_ids)``: which of the portal's ids are already here (so a
  sync skips them without downloading them again).
- ``inbox(status=…, now=…, limit=…, offset=…)``: the inbox's page of applications, deadline first.
- ``counts(now)``: pending, overdue, failing the check, decided but not delivered.
- ``payload(app_id)``: what the applicant signed, the signature, the check.

The portal's application lives in ``applications`` like any other (``channel = 'portal'``,
created in ``received``, moved to registered or refused by the desk's decisions with
``registration``), with three columns of its own: ``received_at``, ``portal_check`` and
``delivered_at`` (written by the delivery of the result). The exact bytes the applicant signed
and their CMS are in ``portal_payloads``; the files are attachments (``doc_kind = 'portal'``).

Receiving is one ``BEGIN IMMEDIATE`` transaction that first looks the portal id up, so two desks
fetching at once, or a desk restarted in the middle, record each application once (the UNIQUE
``portal_id`` would refuse a second row anyway). The vault files of a losing receive are the
caller's to remove (``receive`` says whether it recorded anything).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from regdesk.core.application import Channel, Role, State
from regdesk.core.json_types import JsonObject, JsonValue
from regdesk.store.db import from_utc_text, transaction, utc_text
from regdesk.store.journal.errors import NotFoundError
from regdesk.store.journal.part import JournalPart, Rows, dump_json

ATTACHMENT_KIND = "portal"
"""``attachments.doc_kind`` of a file the applicant attached on the portal."""

DECIDED_STATES = (State.REGISTERED, State.REFUSED, State.ISSUED, State.ANNULLED)
"""The states of a portal application that has a decision (a result to deliver)."""


class InboxStatus(StrEnum):
    """The inbox's status filter."""

    PENDING = "pending"
    """Waiting for a decision (``received``), overdue ones included."""
    OVERDUE = "overdue"
    """Waiting for a decision past its deadline."""
    FAILED = "failed"
    """Waiting, and failed the check on receipt: it can only be refused."""
    DECIDED = "decided"
    """Registered or refused (and what followed: issued, annulled)."""
    UNDELIVERED = "undelivered"
    """Decided, and the portal has not yet confirmed the result."""
    ALL = "all"


@dataclass(frozen=True)
class CheckFailure:
    """One thing that failed when a portal application was checked on receipt.

    ``code`` is one of the intake's codes (its words: ``portal.check.<code>`` in the catalogue);
    ``params`` fill that text (e.g. a file's name); ``problem`` is the signing policy's own
    catalogue key when the failure came from it (e.g. ``signing.problem.revoked``), with the same
    ``params``.
    """

    code: str
    params: Mapping[str, str] = field(default_factory=dict)
    problem: str | None = None

    def to_json(self) -> JsonObject:
        out: dict[str, JsonValue] = {"code": self.code, "params": dict(self.params)}
        if self.problem:
            out["problem"] = self.problem
        return out

    @classmethod
    def from_json(cls, data: object) -> CheckFailure:
        if not isinstance(data, Mapping):
            return cls(code=str(data))
        params = data.get("params")
        problem = data.get("problem")
        return cls(
            code=str(data.get("code", "")),
            params={str(k): str(v) for k, v in params.items()}
            if isinstance(params, Mapping)
            else {},
            problem=str(problem) if problem else None,
        )


@dataclass(frozen=True)
class PortalCheck:
    """The check of a portal application on receipt (``applications.portal_check``).

    ``ok`` is True only when nothing failed; ``signer`` is who signed by their certificate
    (``iin``, ``name``, ``serial``, ``issuer``, ``signed_at`` in ISO UTC) when the CMS could be
    read, else empty.
    """

    ok: bool
    failures: tuple[CheckFailure, ...] = ()
    signer: Mapping[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.failures)

    def to_json(self) -> JsonObject:
        return {
            "ok": self.ok,
            "failures": [f.to_json() for f in self.failures],
            "signer": dict(self.signer),
        }

    @classmethod
    def from_json(cls, data: object) -> PortalCheck:
        """The check as stored; a missing one reads as failed (it was never checked)."""
        if not isinstance(data, Mapping):
            return cls(ok=False, failures=(CheckFailure("not_checked"),))
        failures = data.get("failures")
        signer = data.get("signer")
        return cls(
            ok=data.get("ok") is True,
            failures=tuple(CheckFailure.from_json(f) for f in failures)
            if isinstance(failures, list)
            else (),
            signer={str(k): str(v) for k, v in signer.items()}
            if isinstance(signer, Mapping)
            else {},
        )

    @classmethod
    def passed(cls, signer: Mapping[str, str]) -> PortalCheck:
        return cls(ok=True, failures=(), signer=signer)

    @classmethod
    def failed(
        cls, failures: Iterable[CheckFailure], signer: Mapping[str, str] | None = None
    ) -> PortalCheck:
        found = tuple(failures)
        return cls(ok=not found, failures=found, signer=signer or {})


@dataclass(frozen=True)
class PortalFileRecord:
    """A file of a portal application as received: stored in the vault (``vault_name``), or not
    stored (``vault_name`` empty: too large, not a scan type) with its failure in the check."""

    name: str
    media_type: str
    size: int
    sha256: str
    vault_name: str = ""


@dataclass(frozen=True)
class PortalArrival:
    """A portal application as the intake hands it to ``Portal.receive``.

    ``applicant_iin`` is the person to be attached (the portal's *subject*), as in every
    application of the journal; ``representative_iin`` is the portal's applicant when they act
    for a minor (``relation`` not ``self``), else None. ``form`` is the signed payload decoded
    (None when it is not JSON); ``payload``/``signature`` are the exact bytes.
    """

    portal_id: str
    submitted_at: datetime
    applicant_iin: str
    representative_iin: str | None
    relation: str
    basis: str | None
    requested_district: int | None
    phone: str
    payload: bytes
    signature: bytes
    check: PortalCheck
    files: Sequence[PortalFileRecord] = ()
    form: JsonObject | None = None
    surname: str = ""
    first_name: str = ""
    patronymic: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class InboxEntry:
    """One row of the inbox (``Portal.inbox``): enough to list, sort and mark it."""

    id: int
    portal_id: str
    state: State
    applicant_iin: str
    representative_iin: str | None
    surname: str
    first_name: str
    patronymic: str
    number: str | None
    refusal_code: str | None
    received_at: datetime | None
    deadline: datetime | None
    decided_at: datetime | None
    delivered_at: datetime | None
    portal_check: PortalCheck

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def pending(self) -> bool:
        """Waiting for a decision."""
        return self.state is State.RECEIVED

    def overdue(self, now: datetime) -> bool:
        """Waiting past its deadline at ``now``."""
        return self.pending and self.deadline is not None and self.deadline < now

    @property
    def undelivered(self) -> bool:
        """Decided, and the portal has not confirmed the result yet."""
        return self.state in DECIDED_STATES and self.delivered_at is None


@dataclass(frozen=True)
class InboxCounts:
    """The inbox's counts at one moment (the menu shows pending and overdue)."""

    pending: int
    overdue: int
    failed: int
    undelivered: int


@dataclass(frozen=True)
class PortalPayload:
    """What the applicant sent for one portal application, as kept."""

    application_id: int
    portal_id: str
    submitted_at: datetime
    relation: str
    phone: str
    requested_district: int | None
    payload: bytes
    """The exact bytes the applicant signed (empty when it could not be fetched whole)."""
    signature: bytes
    """The applicant's detached CMS over ``payload``, DER (empty likewise)."""
    check: PortalCheck


def _check(value: object) -> PortalCheck:
    import json

    return PortalCheck.from_json(json.loads(value) if isinstance(value, str) else None)


def _ts(value: object) -> datetime | None:
    return from_utc_text(value) if isinstance(value, str) else None


INBOX = Rows(
    InboxEntry,
    {
        "state": State,
        "received_at": _ts,
        "deadline": _ts,
        "decided_at": _ts,
        "delivered_at": _ts,
        "portal_check": _check,
    },
)

_DECIDED = ", ".join(f"'{s.value}'" for s in DECIDED_STATES)
# One WHERE per status; each starts with channel and state so that the index
# applications_channel_state_deadline serves it (the tests read the plans).
_WHERE: dict[InboxStatus, str] = {
    InboxStatus.PENDING: "channel = 'portal' AND state = 'received'",
    InboxStatus.OVERDUE: "channel = 'portal' AND state = 'received' AND deadline < :now",
    InboxStatus.FAILED: "channel = 'portal' AND state = 'received'"
    " AND json_extract(portal_check, '$.ok') IS NOT 1",
    InboxStatus.DECIDED: f"channel = 'portal' AND state IN ({_DECIDED})",
    InboxStatus.UNDELIVERED: f"channel = 'portal' AND state IN ({_DECIDED})"
    " AND delivered_at IS NULL",
    InboxStatus.ALL: "channel = 'portal'",
}


class Portal(JournalPart):
    """The portal's applications: receiving them, the inbox, what the applicant signed."""

    def receive(
        self, arrival: PortalArrival, *, now: datetime, deadline: datetime
    ) -> tuple[int, bool]:
        """Record a portal application that arrived (Table 1, action 5), once.

        In one transaction: the application (``received``, channel ``portal``, created by the
        system; ``received_at`` = ``now``, ``deadline`` as given, ``portal_check`` from
        ``arrival.check``), its creation event and audit record, the payload and signature, and
        one attachment per file that was put in the vault. Returns ``(id, True)`` when it was
        recorded now, ``(id, False)`` when this portal id was already here (nothing written: the
        caller removes the vault files it put for this copy).
        """
        at = utc_text(now)
        with transaction(self.db):
            found = self.db.conn.execute(
                "SELECT id FROM applications WHERE portal_id = ?", (arrival.portal_id,)
            ).fetchone()
            if found:
                return int(found[0]), False
            app_id = self._create(
                channel=Channel.PORTAL,
                state=State.RECEIVED,
                applicant_iin=arrival.applicant_iin,
                actor_iin=Role.SYSTEM.value,
                role=Role.SYSTEM,
                now=now,
                registry_data=None,
                surname=arrival.surname,
                first_name=arrival.first_name,
                patronymic=arrival.patronymic,
                birth_date=arrival.birth_date,
                representative_iin=arrival.representative_iin,
                basis=arrival.basis,
                portal_id=arrival.portal_id,
                deadline=deadline,
                form=arrival.form,
            )
            self.db.conn.execute(
                "UPDATE applications SET received_at = ?, portal_check = ? WHERE id = ?",
                (at, dump_json(arrival.check.to_json()), app_id),
            )
            self.db.conn.execute(
                "INSERT INTO portal_payloads (application_id, submitted_at, relation, phone,"
                " requested_district, payload, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    app_id,
                    utc_text(arrival.submitted_at),
                    arrival.relation,
                    arrival.phone,
                    arrival.requested_district,
                    arrival.payload,
                    arrival.signature,
                ),
            )
            for f in arrival.files:
                if not f.vault_name:
                    continue
                self.db.conn.execute(
                    "INSERT INTO attachments (application_id, doc_kind, original_name,"
                    " media_type, size, sha256, vault_name, added_at, added_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        app_id,
                        ATTACHMENT_KIND,
                        f.name,
                        f.media_type,
                        f.size,
                        f.sha256,
                        f.vault_name,
                        at,
                        Role.SYSTEM.value,
                    ),
                )
        return app_id, True

    def is_here(self, portal_id: str) -> bool:
        """True when the portal application ``portal_id`` was already received."""
        row = self.db.conn.execute(
            "SELECT 1 FROM applications WHERE portal_id = ?", (portal_id,)
        ).fetchone()
        return row is not None

    def known(self, portal_ids: Iterable[str]) -> set[str]:
        """Which of ``portal_ids`` were already received (one query per 500 ids)."""
        ids = list(dict.fromkeys(portal_ids))
        out: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            out.update(
                str(r[0])
                for r in self.db.conn.execute(
                    f"SELECT portal_id FROM applications WHERE portal_id IN ({marks})", chunk
                )
            )
        return out

    def inbox(
        self,
        *,
        status: InboxStatus | str = InboxStatus.PENDING,
        now: datetime,
        limit: int = 50,
        offset: int = 0,
    ) -> list[InboxEntry]:
        """A page of the portal's applications in ``status``, the nearest deadline first.

        ``now`` is the moment that decides what is overdue (used by ``OVERDUE``). Ties (and
        applications without a deadline, last) are in the order they arrived. Every status is
        served by the index on (channel, state, deadline), so a page stays fast with 10,000
        pending ones.
        """
        where = _WHERE[InboxStatus(status)]
        sql = (
            f"FROM applications WHERE {where}"
            " ORDER BY deadline IS NULL, deadline, id LIMIT :limit OFFSET :offset"
        )
        params = {"now": utc_text(now), "limit": max(0, limit), "offset": max(0, offset)}
        return self._all(INBOX, sql, params)

    def inbox_plan(self, status: InboxStatus | str, now: datetime) -> str:
        """SQLite's plan for ``inbox(status)`` (for the tests that keep it on the index)."""
        where = _WHERE[InboxStatus(status)]
        sql = (
            f"EXPLAIN QUERY PLAN SELECT {INBOX.columns} FROM applications WHERE {where}"
            " ORDER BY deadline IS NULL, deadline, id LIMIT 50"
        )
        rows = self.db.conn.execute(sql, {"now": utc_text(now)}).fetchall()
        return "\n".join(str(r[-1]) for r in rows)

    def count(self, status: InboxStatus | str, *, now: datetime) -> int:
        """How many portal applications are in ``status`` at ``now`` (for paging)."""
        where = _WHERE[InboxStatus(status)]
        row = self.db.conn.execute(
            f"SELECT count(*) FROM applications WHERE {where}", {"now": utc_text(now)}
        ).fetchone()
        return int(row[0])

    def counts(self, now: datetime) -> InboxCounts:
        """Pending, overdue at ``now``, failing their check, and decided but not delivered."""
        row = self.db.conn.execute(
            "SELECT count(*), coalesce(sum(deadline < :now), 0),"
            " coalesce(sum(json_extract(portal_check, '$.ok') IS NOT 1), 0)"
            " FROM applications WHERE channel = 'portal' AND state = 'received'",
            {"now": utc_text(now)},
        ).fetchone()
        undelivered = self.count(InboxStatus.UNDELIVERED, now=now)
        return InboxCounts(
            pending=int(row[0]), overdue=int(row[1]), failed=int(row[2]), undelivered=undelivered
        )

    def entry(self, app_id: int) -> InboxEntry:
        """The inbox row of one portal application; ``NotFoundError`` when there is none."""
        found = self._first(
            INBOX, "FROM applications WHERE id = ? AND channel = 'portal'", (app_id,)
        )
        if found is None:
            raise NotFoundError(id=app_id)
        return found

    def payload(self, app_id: int) -> PortalPayload:
        """What the applicant sent for ``app_id``; ``NotFoundError`` for no such portal
        application."""
        row = self.db.conn.execute(
            "SELECT a.id, a.portal_id, p.submitted_at, p.relation, p.phone,"
            " p.requested_district, p.payload, p.signature, a.portal_check"
            " FROM applications a JOIN portal_payloads p ON p.application_id = a.id"
            " WHERE a.id = ?",
            (app_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(id=app_id)
        return PortalPayload(
            application_id=int(row[0]),
            portal_id=str(row[1]),
            submitted_at=from_utc_text(row[2]),
            relation=str(row[3]),
            phone=str(row[4]),
            requested_district=row[5],
            payload=bytes(row[6]),
            signature=bytes(row[7]),
            check=_check(row[8]),
        )

    def check(self, app_id: int) -> PortalCheck:
        """The check of ``app_id`` on receipt (``NotFoundError`` for no such application)."""
        row = self.db.conn.execute(
            "SELECT portal_check FROM applications WHERE id = ?", (app_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(id=app_id)
        return _check(row[0])
