"""Table 1 actions 6-8: a portal application decided at the workstation, the result sent back.

Registering (action 6) is the desk's registration for an application that came signed from the
portal: the employee's key checked by the same policy (``Registration.open_key``), the EDS over
the application, the next number, one registration per person and year, the attachment queued
for the register. The electronic talon (action 8) is the paper talon's A5 PDF, made from the
same record (``Issuance.document``) and signed by the employee with a detached CMS. Refusing
(action 7) takes a reason from the refusal catalogue and a note. An application that failed its
verification on arrival can only be refused.

The decision and its result for the portal (outbox kind ``portal_result``, its idempotency key
drawn once per decision and kept in the row) are one transaction: a crash keeps both or
neither. ``deliver_pending`` sends what is due, with a backoff kept in the outbox row, so a
registry down for hours and a restart in between are the same case; an answer that the portal
already holds a result (``409 already_decided``) is settled by reading the portal's status,
never retried in a loop.

The API the inbox screen calls (all blocking calls from a worker; ``deliver_pending`` is async)::

    decision = desk.portal_decision
    decision.key_store_hint()                    # the key store to offer in the EDS dialog
    check = decision.open_key(path, password)    # KeyCheck: owner, policy problems
    facts = RegistryFacts(case.subject, case.attachment)   # the registry's answer at opening
    decision.registration_problem(app_id, facts=facts)     # why F10 cannot register, or None
    number = decision.register(app_id, check, facts=facts) # action 6 + the signed talon queued
    decision.reasons()                           # the refusal reasons a portal refusal offers
    decision.refuse(app_id, code, note)          # action 7, the reason queued
    decision.delivery(app_id)                    # Delivery of one decided application, or None
    decision.undelivered()                       # decided, not yet taken by the portal (+ held)
    await decision.deliver_pending()             # the timer's and ``regdesk portal sync``'s call
    decision.retry(app_id)                       # send a held or backed-off result again now
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Literal

from regdesk.core.application import Channel, Role, State
from regdesk.core.errors import UserError
from regdesk.core.json_types import JsonValue
from regdesk.core.person import RegistryFacts
from regdesk.core.refusals import RefusalReason, RefusalStep, UnknownRefusalReason, for_step
from regdesk.core.refusals import reason as refusal_reason
from regdesk.desk import outbox_rounds
from regdesk.desk.context import DeskContext
from regdesk.desk.corrections import StateRefused
from regdesk.desk.errors import DeskError, DistrictMissing, RulesBlock, saving
from regdesk.desk.form import ApplicationForm
from regdesk.desk.issuance import Issuance
from regdesk.desk.outbox_rounds import (
    FIRST_RETRY,
    LEASE,
    LONGEST_RETRY,
    RegistryDown,
    retry_delay,
    send_round,
)
from regdesk.desk.registration import (
    KeyCheck,
    Registration,
    register_numbered,
    require_signer,
    sign_document,
)
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.journal import (
    ApplicationRecord,
    CheckFailure,
    OutboxItem,
    PortalCheck,
    ResultRow,
)
from regdesk.store.journal.portal_results import PORTAL_RESULT, result_key

if TYPE_CHECKING:  # httpx is loaded with the registry client, on first use
    from regdesk.registry.errors import RegistryError

SYSTEM = "system"
"""Who the journal names for a delivery: the program, whoever (or no one) is signed in."""


class Unverified(DeskError):
    """The application failed its check on arrival (``PortalCheck``): it can only be refused.
    The message names what failed, in the intake's words."""

    key = "portal_decision.unverified"

    def __init__(self, failures: Sequence[CheckFailure]) -> None:
        super().__init__(what=", ".join(f.code for f in failures) or "not_checked")
        self.failures = tuple(failures)

    def message(self, lang: str) -> str:
        from regdesk.desk.portal_intake import failure_text
        from regdesk.i18n import t

        what = " ".join(failure_text(f, lang) for f in self.failures) or self.params["what"]
        return t(self.key, lang, what=what)


Outcome = Literal["registered", "refused"]
DeliveryState = Literal["delivered", "pending", "conflict", "rejected"]


@dataclass(frozen=True)
class Delivery:
    """Where the result of one decided portal application stands; times in clinic time."""

    application_id: int
    portal_id: str
    outcome: Outcome
    number: str | None
    decided_at: datetime | None
    delivered_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    """When the next attempt is due (None: at the next round)."""
    held: str | None
    """``conflict:<the portal's status>`` or ``rejected:<the portal's error code>``."""
    last_error: str | None
    """What the last failed attempt met, in English, for the log."""

    @property
    def state(self) -> DeliveryState:
        """``delivered``; ``pending`` (waiting to be sent or for its next attempt); ``conflict``
        (the portal holds another result: a person must see it); ``rejected`` (the portal will
        not take it as it is)."""
        if self.delivered_at is not None:
            return "delivered"
        if self.held is not None and self.held.startswith("conflict:"):
            return "conflict"
        if self.held is not None:
            return "rejected"
        return "pending"

    def message(self, lang: str) -> str:
        """One line saying where the result stands, for the inbox and ``regdesk portal show``."""
        from regdesk.i18n import t

        outcome = t(f"portal_decision.outcome.{self.outcome}", lang)
        held = (self.held or "").partition(":")[2]
        state = self.state
        if state == "delivered":
            return t(
                "portal_decision.delivered", lang, outcome=outcome, at=_when(self.delivered_at)
            )
        if state == "conflict":
            portal = t(f"portal_decision.outcome.{held}", lang)
            return t("portal_decision.conflict", lang, outcome=outcome, portal=portal)
        if state == "rejected":
            return t("portal_decision.rejected", lang, outcome=outcome, code=held)
        if self.attempts == 0:
            return t("portal_decision.queued", lang, outcome=outcome)
        at = _when(self.next_attempt_at)
        return t("portal_decision.retrying", lang, outcome=outcome, attempts=self.attempts, at=at)


def _when(moment: datetime | None) -> str:
    """A moment already in clinic time, as the screens write one."""
    return moment.strftime("%d.%m.%Y %H:%M") if moment is not None else "—"


@dataclass(frozen=True)
class DeliveryRound:
    """What one ``deliver_pending`` did."""

    delivered: int = 0
    """Taken by the portal (a replayed answer included)."""
    reconciled: int = 0
    """Found already recorded by the portal with the same outcome: counted as delivered too."""
    held: int = 0
    """Stopped for a person: the portal holds another outcome, or refuses the message."""
    failed: int = 0
    """Not taken this time (registry down, busy…): tried again after the backoff."""


class PortalDecision:
    """Registering or refusing a portal application, and sending the result to the portal."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx
        self._form = ApplicationForm(ctx)
        self._registration = Registration(ctx, self._form)

    # -- the employee's key (the desk's, unchanged) ---------------------------------------------

    def key_store_hint(self) -> str:
        """The key store to offer in the EDS dialog (``Registration.key_store_hint``)."""
        return self._registration.key_store_hint()

    def open_key(self, path_text: str, password: str) -> KeyCheck:
        """Open the employee's key store and check it by the clinic's signing policy; raises
        the key store's ``UserError`` (wrong password, GOST key…), problems are in the check."""
        return self._registration.open_key(path_text, password)

    def begin_step(self, app_id: int) -> None:
        """Note that the EDS dialog of action 6 opened (the 60-second norm counts from here)."""
        ctx = self._ctx
        with saving("portal_register", ctx.paths.database.parent):
            ctx.begin_step(app_id, "portal_register")

    # -- action 6: registration and the electronic talon ----------------------------------------

    def registration_problem(
        self, app_id: int, district: int | None = None, facts: RegistryFacts | None = None
    ) -> UserError | None:
        """Why ``register`` with these arguments would refuse now (not a received portal
        application, failed its check, no registry answer, no district, a rule that blocks), or
        None; for the screen before it offers F10."""
        try:
            self._ready(self._with_facts(self._received(app_id), facts), district)
        except UserError as exc:
            return exc
        return None

    def register(
        self,
        app_id: int,
        check: KeyCheck,
        district: int | None = None,
        facts: RegistryFacts | None = None,
    ) -> str:
        """Action 6 and 8: sign the application with the employee's key, give it the next
        number, and queue the electronic talon signed by the same key for the portal; returns
        the number.

        ``facts``: the registry's answer about the person to attach as the screen showed it
        (asked again when the application was opened); it is kept with the application (the
        talon prints the address from it) and the rules are checked on it once more. Without
        it, the answer kept before is used; with none at all the application cannot be
        registered. ``district`` overrides the one the application asks for.
        """
        ctx = self._ctx
        actor = ctx.actor()
        require_signer(ctx, check, actor.iin)
        record = self._with_facts(self._received(app_id), facts)
        basis, district = self._ready(record, district)
        folder = ctx.paths.database.parent
        with saving("portal_register", folder):
            ctx.begin_step(app_id, "portal_register")
        now = ctx.now()
        signature = sign_document(check, self.document_for_signing(record, basis, district), now)
        journal, clinic_bin = ctx.journal, ctx.config.clinic.bin
        # A write the disk refuses rolls all of it back and is said in words (``saving``); the
        # step's end is in the transaction, so a disk filling just after cannot make a decision
        # that went through look as if it failed.
        with saving("portal_register", folder), ctx.locked(), transaction(ctx.db):
            if facts is not None:
                journal.drafts.update(app_id, now, registry_data=record.registry_data)
            # The number, and the attachment queued for the register, as at the desk.
            number = register_numbered(
                ctx, record, signature, basis=basis, district=district, now=now
            )
            journal.portal_results.decided(app_id, now)
            # The talon is made inside the transaction: it carries the number just taken, and a
            # registration never commits without the result that tells the applicant.
            talon, talon_cms = self._signed_talon(app_id, check, now)
            journal.outbox.enqueue(
                PORTAL_RESULT,
                result_key(clinic_bin, str(record.portal_id)),
                {
                    "application_id": app_id,
                    "portal_id": str(record.portal_id),
                    "outcome": "registered",
                    "application_number": number,
                    "talon": base64.b64encode(talon).decode("ascii"),
                    "talon_signature": base64.b64encode(talon_cms).decode("ascii"),
                },
                now,
            )
            ctx.end_step(app_id, "portal_register")
        return number

    def document_for_signing(
        self, record: ApplicationRecord, basis: str, district: int
    ) -> dict[str, JsonValue]:
        """What the employee's EDS over a portal registration covers: the application as it
        arrived (its form, the hash of every file) and what the employee decided."""
        return {
            "kind": "regdesk.portal-registration",
            "version": 1,
            "clinic_bin": self._ctx.config.clinic.bin,
            "application_id": record.id,
            "portal_id": str(record.portal_id),
            "applicant_iin": record.applicant_iin,
            "representative_iin": record.representative_iin or "",
            "surname": record.surname,
            "first_name": record.first_name,
            "patronymic": record.patronymic,
            "birth_date": str(record.birth_date or ""),
            "basis": basis,
            "district": district,
            "form": {k: str(v) for k, v in sorted((record.form or {}).items())},
            "attachments": [
                {"name": a.original_name, "kind": a.doc_kind, "sha256": a.sha256}
                for a in self._form.attachments(record.id)
            ],
        }

    def talon_pdf(self, app_id: int) -> bytes:
        """The electronic talon of a registered application: the paper talon's A5 PDF."""
        from regdesk.printing.printers import render

        return render(Issuance(self._ctx).document(app_id), "pdf-a5").data

    def _signed_talon(self, app_id: int, check: KeyCheck, now: datetime) -> tuple[bytes, bytes]:
        from regdesk.signing import sign

        pdf = self.talon_pdf(app_id)
        return pdf, sign(check.key_store, pdf, signing_time=now)

    def _received(self, app_id: int) -> ApplicationRecord:
        """The application, when it is a portal application still to be decided."""
        record = self._ctx.record(app_id)
        if record.channel is not Channel.PORTAL or not record.portal_id:
            raise DeskError("portal_decision.not_portal", number=record.number or f"#{record.id}")
        if record.state is not State.RECEIVED:
            raise StateRefused("portal_decision.decided_already", record)
        return record

    @staticmethod
    def _with_facts(record: ApplicationRecord, facts: RegistryFacts | None) -> ApplicationRecord:
        if facts is None:
            return record
        return dataclasses.replace(record, registry_data=dict(facts.to_json()))

    def _ready(self, record: ApplicationRecord, district: int | None) -> tuple[str, int]:
        """The basis and the district of the registration, when nothing stops it."""
        check = PortalCheck.from_json(record.portal_check)
        if not check.ok:
            raise Unverified(check.failures)
        if RegistryFacts.from_json(record.registry_data).person is None:
            # Not asked, or no data: the rules cannot be checked, and "no data" is a refusal.
            raise DeskError("portal_decision.no_registry_answer")
        basis = str(record.basis or (record.form or {}).get("basis") or "free_choice")
        chosen = district or record.district or self._form.chosen_district(record.id)
        if chosen is None:
            chosen = self._form.suggest_district(record).district
        if chosen is None:
            raise DistrictMissing()
        blocking = [f for f in self._form.findings_for(record, basis) if f.blocks]
        if blocking:
            raise RulesBlock(blocking)
        return basis, chosen

    # -- action 7: refusal ----------------------------------------------------------------------

    def reasons(self) -> list[RefusalReason]:
        """The refusal reasons for a portal application (refused before it has a number)."""
        return for_step(RefusalStep.BEFORE_REGISTRATION)

    def refuse(self, app_id: int, reason_code: str, note: str = "") -> None:
        """Action 7: refuse a received portal application with a reason from the catalogue (and
        a note, which ``other`` needs); the reason's code and text are queued for the portal."""
        ctx = self._ctx
        actor = ctx.actor()
        record = self._received(app_id)
        try:
            reason = refusal_reason(reason_code)
        except UnknownRefusalReason:
            raise DeskError("portal_decision.unknown_reason", code=reason_code) from None
        if not reason.applies(before_registration=True):
            raise DeskError("portal_decision.unknown_reason", code=reason_code)
        note = note.strip()
        if reason.needs_note and not note:
            raise DeskError("desk.refusal_note_needed")
        # The portal shows the applicant the text as the paper notice prints it: kk, then ru.
        text = "\n".join(p for p in (reason.kk, reason.ru, note) if p)
        now = ctx.now()
        with (
            saving("portal_refuse", ctx.paths.database.parent),
            ctx.locked(),
            transaction(ctx.db),
        ):
            ctx.journal.registration.transition(
                app_id,
                State.REFUSED,
                actor_iin=actor.iin,
                role=actor.role,
                reason_code=reason_code,
                note=note,
                now=now,
            )
            ctx.journal.outbox.enqueue(
                PORTAL_RESULT,
                result_key(ctx.config.clinic.bin, str(record.portal_id)),
                {
                    "application_id": app_id,
                    "portal_id": str(record.portal_id),
                    "outcome": "refused",
                    "reason_code": reason_code,
                    "reason_text": text,
                },
                now,
            )
            # Action 7's norm is one working day from the application's arrival.
            arrived = record.received_at or record.created_at
            ctx.end_step(app_id, "portal_refusal", started=arrived)

    # -- the result back to the portal ----------------------------------------------------------

    def delivery(self, app_id: int) -> Delivery | None:
        """Where the result of a decided portal application stands; None before a decision."""
        ctx = self._ctx
        record = ctx.record(app_id)
        if not record.portal_id:
            return None
        with ctx.locked():
            row = ctx.journal.portal_results.of(record.portal_id)
        return None if row is None else self._delivery(row)

    def undelivered(self) -> list[Delivery]:
        """Decided portal applications whose result the portal has not taken yet, oldest
        first: waiting, backing off, and those held for a person (conflict, rejected)."""
        ctx = self._ctx
        with ctx.locked():
            rows = ctx.journal.portal_results.undelivered()
        return [self._delivery(r) for r in rows]

    def retry(self, app_id: int) -> None:
        """Send the result again at the next round: after a person settled why it was held,
        or to skip the rest of a backoff. A disk that refuses it is ``NotSaved``: the result
        waits as it did."""
        ctx = self._ctx
        record = ctx.record(app_id)
        with saving("portal_retry", ctx.paths.database.parent), ctx.locked():
            row = ctx.journal.portal_results.of(str(record.portal_id))
            if row is not None:
                ctx.journal.outbox.release(row.item_id)

    async def deliver_pending(self) -> DeliveryRound:
        """Send every result that is due (``deliver_pending``)."""
        return await deliver_pending(self._ctx)

    def _delivery(self, row: ResultRow) -> Delivery:
        local = self._ctx.clock.local
        return Delivery(
            application_id=row.application_id,
            portal_id=row.portal_id,
            outcome="registered" if row.outcome == "registered" else "refused",
            number=row.number,
            decided_at=local(row.decided_at) if row.decided_at else None,
            delivered_at=local(row.delivered_at) if row.delivered_at else None,
            attempts=row.attempts,
            next_attempt_at=local(row.next_attempt_at) if row.next_attempt_at else None,
            held=row.held,
            last_error=row.last_error,
        )


# -- delivery -------------------------------------------------------------------------------------


async def deliver_pending(ctx: DeskContext) -> DeliveryRound:
    """Send the portal every result that is due; returns what became of them.

    Called by the inbox's timer and by ``regdesk portal sync``; needs no one signed in. Each
    result is claimed first (``Outbox.claim``), so two desks never post the same one at once.
    A failure waits ``retry_delay`` (kept in the row); ``409 already_decided`` is settled by the
    portal's status: the same outcome counts as delivered, another holds the result for a
    person; a result the portal rejects as malformed is held too. When the registry cannot be
    reached, the rest of the round is not sent (each would wait for its own timeout) and backs
    off with the same reason.
    """
    # A disk that refuses the outbox's writes (full, read-only) ends the round in words; a
    # result sent whose sending could not be recorded goes again later, settled as ``409``.
    with saving("portal_delivery", ctx.paths.database.parent):
        outcomes = await send_round(ctx, [PORTAL_RESULT], partial(_deliver, ctx), "failed")
    return DeliveryRound(
        delivered=outcomes.count("delivered"),
        reconciled=outcomes.count("reconciled"),
        held=outcomes.count("held"),
        failed=outcomes.count("failed"),
    )


async def _deliver(ctx: DeskContext, item: OutboxItem) -> str:
    from regdesk.registry import contract as c
    from regdesk.registry.errors import NotFound, Refused, RegistryError, Unavailable

    p = item.payload
    portal_id = str(p["portal_id"])
    outcome: Outcome = "registered" if p["outcome"] == "registered" else "refused"
    try:
        await ctx.registry().portal_result(
            portal_id,
            outcome,
            idempotency_key=item.idempotency_key,
            application_number=_text(p.get("application_number")),
            reason_code=_text(p.get("reason_code")),
            reason_text=_text(p.get("reason_text")),
            talon=_bytes(p.get("talon")),
            talon_signature=_bytes(p.get("talon_signature")),
        )
    except Refused as exc:
        if exc.status == 409 and exc.code == c.E_ALREADY_DECIDED:
            return await _reconcile(ctx, item, outcome)
        if exc.status in (400, 422):
            await asyncio.to_thread(_hold, ctx, item, f"rejected:{exc.code}", exc)
            return "held"
        # Credentials or permissions: an administrator's fix; tried again after the backoff.
        await asyncio.to_thread(_failed, ctx, item, exc)
        return "failed"
    except NotFound as exc:
        await asyncio.to_thread(_hold, ctx, item, "rejected:not_found", exc)
        return "held"
    except Unavailable as exc:
        await asyncio.to_thread(_failed, ctx, item, exc, exc.retry_after)
        raise RegistryDown(exc) from None
    except RegistryError as exc:
        await asyncio.to_thread(_failed, ctx, item, exc)
        return "failed"
    await asyncio.to_thread(_delivered, ctx, item, outcome, False)
    return "delivered"


async def _reconcile(ctx: DeskContext, item: OutboxItem, outcome: Outcome) -> str:
    """The portal says the application has a result already: see which."""
    from regdesk.registry.errors import RegistryError

    portal_id = str(item.payload["portal_id"])
    try:
        found = await ctx.registry().portal_get(portal_id)
    except RegistryError as exc:
        await asyncio.to_thread(_failed, ctx, item, exc)
        return "failed"
    if found.status == outcome:
        await asyncio.to_thread(_delivered, ctx, item, outcome, True)
        return "reconciled"
    if found.status == "new":  # said decided, reads undecided: ask again after the backoff
        await asyncio.to_thread(_failed, ctx, item, None)
        return "failed"
    await asyncio.to_thread(_hold, ctx, item, f"conflict:{found.status}", None)
    return "held"


def _delivered(ctx: DeskContext, item: OutboxItem, outcome: Outcome, reconciled: bool) -> None:
    app_id = int(str(item.payload["application_id"]))
    now = ctx.now()
    journal = ctx.journal
    with ctx.locked(), transaction(ctx.db):
        journal.outbox.done(item.id, now)
        journal.portal_results.delivered(app_id, now)
        if outcome == "registered":
            # Action 8: the applicant has the electronic talon; its norm counts from arrival.
            record = journal.search.get(app_id)
            events = journal.events
            arrived = record.received_at or record.created_at
            events.record_step(app_id, "portal_issue", "step_start", SYSTEM, Role.SYSTEM, arrived)
            events.record_step(app_id, "portal_issue", "step_end", SYSTEM, Role.SYSTEM, now)
        audit.append(
            ctx.db,
            actor_iin=SYSTEM,
            action="portal_result_delivered",
            object=f"application:{app_id}",
            detail={"outcome": outcome, "reconciled": reconciled},
            at=now,
        )


def _failed(
    ctx: DeskContext, item: OutboxItem, exc: RegistryError | None, asked: float | None = None
) -> None:
    error = exc.message("en") if exc is not None else "the portal reports no result yet"
    outbox_rounds.failed(ctx, item, error, asked)


def _hold(ctx: DeskContext, item: OutboxItem, why: str, exc: RegistryError | None) -> None:
    app_id = int(str(item.payload["application_id"]))
    with ctx.locked(), transaction(ctx.db):
        ctx.journal.outbox.hold(item.id, why, exc.message("en") if exc is not None else "")
        audit.append(
            ctx.db,
            actor_iin=SYSTEM,
            action="portal_result_held",
            object=f"application:{app_id}",
            detail={"why": why},
            at=ctx.now(),
        )


def _text(value: JsonValue | None) -> str | None:
    return value if isinstance(value, str) else None


def _bytes(value: JsonValue | None) -> bytes | None:
    return base64.b64decode(value) if isinstance(value, str) else None


__all__ = [
    "FIRST_RETRY",
    "LEASE",
    "LONGEST_RETRY",
    "Delivery",
    "DeliveryRound",
    "PortalDecision",
    "Unverified",
    "deliver_pending",
    "retry_delay",
]
