"""Table 1, actions 5-7 at the desk: the portal's applications waiting for a decision (the inbox).

A portal application is decided within one working day (``core.calendar``): received during the
work hours of a working day, it is due at the same time the next working day; received after
hours, on a weekend or on a holiday, it is due at the end of the next working day's work hours.
The inbox lists them by deadline with the *work time* left (only work hours on working days
count, so "due within the hour" on a Friday evening means before going home, not on Monday),
marks the overdue ones and those due within the hour, and counts them for the menu.

Opening one shows the form as the applicant signed it, the signature check made when it was
received, its files (type, size, pages and page size), and the person to attach and the applicant
looked up in the registry *again now*: a person who died, or attached elsewhere, since applying is
caught by the rules (``core.rules``) on today's answer, not passed on the answer of the day they
applied. Deciding (register with the employee's EDS, refuse with a reason) and delivering the
result are ``portal_decision``'s; receiving is ``portal_intake``'s.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from regdesk.core.application import State
from regdesk.core.calendar import WorkCalendar
from regdesk.core.errors import UserError
from regdesk.core.json_types import JsonObject
from regdesk.core.person import RELATIONS, Attachment, Person, RegistryFacts
from regdesk.core.representation import ChosenRepresentative, representative_problem
from regdesk.core.rules import Finding
from regdesk.desk import same_person
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import saving
from regdesk.desk.intake import check
from regdesk.desk.portal_intake import failure_text
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.journal import (
    ApplicationRecord,
    InboxCounts,
    InboxEntry,
    InboxStatus,
    PortalCheck,
    PortalPayload,
)

if TYPE_CHECKING:
    from regdesk.desk.portal_decision import Delivery
    from regdesk.store.file_preview import FilePreview

SOON = timedelta(hours=1)
"""Work time left under which an application is marked "due within the hour"."""

PAGE = 60
"""Rows the inbox reads at a time (a screen shows about 17): the screen asks for the next page
as the cursor nears the end of those it has."""


class Urgency(StrEnum):
    """How close an application waiting for a decision is to its deadline."""

    OVERDUE = "overdue"
    SOON = "soon"
    """Due within ``SOON`` of work time."""
    NONE = "none"


@dataclass(frozen=True)
class InboxRow:
    """One portal application as the inbox lists it; times in the clinic's zone."""

    app_id: int
    portal_id: str
    received_at: datetime | None
    deadline: datetime | None
    left: timedelta | None
    """Work time from now to the deadline; negative once overdue; None without a deadline."""
    urgency: Urgency
    name: str
    """The person to attach, as the registry named them at receipt ("" when it did not)."""
    iin: str
    """The person to attach."""
    state: State
    verified: bool
    """The checks on receipt (files' hashes, the applicant's signature, the signer) passed."""
    delivered_at: datetime | None
    """When the decision reached the portal; None while it waits in the outbox (or undecided)."""

    @property
    def pending(self) -> bool:
        return self.state == State.RECEIVED

    @property
    def undelivered(self) -> bool:
        """Decided, the result not yet at the portal."""
        return not self.pending and self.delivered_at is None


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox, with the total it is a part of and the counts at the same moment."""

    rows: tuple[InboxRow, ...]
    total: int
    """How many applications the filter lists in all."""
    offset: int
    counts: InboxCounts
    at: datetime
    """The clinic time the rows' time left is counted from."""


@dataclass(frozen=True)
class CaseFile:
    """A file the applicant attached on the portal, as the inbox shows it."""

    name: str
    media_type: str
    size: int
    sha256: str
    preview: FilePreview | None
    """Pages and page size; None when the file could not be read from the vault."""
    problem: UserError | None = None
    """Why the file could not be read from the vault (a missing or damaged file)."""


@dataclass(frozen=True)
class PortalCase:
    """One portal application opened at the desk: as signed, as checked, as the registry says
    today."""

    row: InboxRow
    record: ApplicationRecord
    signed_form: JsonObject
    """The payload the applicant signed, decoded (empty when it is not JSON)."""
    relation: str
    """``self``, or the applicant's relation to the person to attach (mother, guardian…)."""
    applicant_iin: str
    """Who applied and signed: the person to attach, or their representative."""
    check: PortalCheck
    """The check on receipt: files' hashes, the applicant's CMS, the signer (who signed)."""
    files: tuple[CaseFile, ...]
    subject: Person | None
    """The person to attach as the registry answers now; None: no data (or no answer)."""
    attachment: Attachment | None
    applicant: Person | None
    """The representative as the registry answers now (None for a person applying for self)."""
    findings: tuple[Finding, ...]
    representative_problem: str | None
    """Why the applicant cannot represent the person (a catalogue key), or None."""
    registry_error: UserError | None
    """The registry could not be asked now: nothing above is today's answer."""
    looked_up_at: datetime
    district: int | None = None
    """The district it would be registered to: the one the applicant asked for, else the one the
    registered address falls in; None: the employee chooses it before signing."""
    district_asked: bool = False
    """``district`` is the applicant's own choice (not suggested from the address)."""
    registration_problem: UserError | None = None
    """Why registering would be refused now by the decision itself (``portal_decision``), apart
    from a missing district; None when nothing is known against it."""
    delivery: Delivery | None = None
    """Where the result of a decided application stands (sent, waiting, held); None before."""

    @property
    def facts(self) -> RegistryFacts | None:
        """The registry's answer at opening, as the registration keeps it; None without one."""
        if self.registry_error is not None or self.subject is None:
            return None
        return RegistryFacts(self.subject, self.attachment)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocks)

    @property
    def suggested_refusal(self) -> str | None:
        """The refusal reason that fits what was found (None when nothing blocks)."""
        if self.registry_error is None and self.subject is None:
            return "no_data"
        for f in self.findings:
            if f.blocks and f.refusal_code:
                return str(f.refusal_code)
        if self.representative_problem is not None:
            return "representative_missing"
        if not self.check.ok:
            return "data_mismatch"
        return None

    def failure_texts(self, lang: str) -> list[str]:
        """What failed in the check on receipt, a sentence each, in ``lang``."""
        return [failure_text(f, lang) for f in self.check.failures]

    @property
    def may_register(self) -> bool:
        """Waiting, checked at receipt, and today's answer lets it be registered."""
        return (
            self.row.pending
            and self.check.ok
            and self.registry_error is None
            and self.subject is not None
            and not self.blocking
            and self.representative_problem is None
            and self.registration_problem is None
        )


class PortalInbox:
    """The portal applications of this clinic: listed by deadline, counted, opened one by one."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx
        self.calendar: WorkCalendar = ctx.calendar
        """The clinic's working days and hours: what the deadline and the time left count."""

    # -- the list -------------------------------------------------------------------------------

    def counts(self) -> InboxCounts:
        """Waiting, overdue, failing the check, and decided but not delivered, now."""
        ctx = self._ctx
        with ctx.locked():
            return ctx.journal.portal.counts(ctx.now())

    def page(
        self, which: InboxStatus | str = InboxStatus.PENDING, *, offset: int = 0, limit: int = PAGE
    ) -> InboxPage:
        """``limit`` applications of ``which`` from ``offset``, the earliest deadline first."""
        ctx = self._ctx
        now = ctx.now()
        status = InboxStatus(which)
        with ctx.locked():
            portal = ctx.journal.portal
            entries = portal.inbox(status=status, now=now, limit=limit, offset=offset)
            counts = portal.counts(now)
            total = _COUNTED[status](counts) if status in _COUNTED else None
            if total is None:
                total = portal.count(status, now=now)
        rows = tuple(self._row(e, now) for e in entries)
        return InboxPage(rows, total, offset, counts, now)

    def time_left(self, deadline: datetime, now: datetime) -> tuple[timedelta, Urgency]:
        """Work time from ``now`` to ``deadline`` and how urgent that makes it."""
        if now >= deadline:
            return -self.calendar.working_time_between(deadline, now), Urgency.OVERDUE
        left = self.calendar.working_time_between(now, deadline)
        return left, Urgency.SOON if left <= SOON else Urgency.NONE

    def _row(self, entry: InboxEntry, now: datetime) -> InboxRow:
        clock = self._ctx.clock
        left: timedelta | None = None
        urgency = Urgency.NONE
        if entry.deadline is not None and entry.pending:
            left, urgency = self.time_left(entry.deadline, now)

        def local(moment: datetime | None) -> datetime | None:
            return clock.local(moment) if moment is not None else None

        return InboxRow(
            app_id=entry.id,
            portal_id=entry.portal_id,
            received_at=local(entry.received_at),
            deadline=local(entry.deadline),
            left=left,
            urgency=urgency,
            name=entry.full_name,
            iin=entry.applicant_iin,
            state=entry.state,
            verified=entry.portal_check.ok,
            delivered_at=local(entry.delivered_at),
        )

    # -- one application ------------------------------------------------------------------------

    async def open(self, app_id: int) -> PortalCase:
        """The application ``app_id`` as signed and checked, and the registry's answer now.

        A registry that cannot be asked does not stop it opening: ``registry_error`` says why
        and the application cannot be registered until it answers (opening again asks again).
        """
        from regdesk.registry.errors import NotFound, RegistryError

        ctx = self._ctx
        actor = ctx.actor()
        entry, record, sent, files = await asyncio.to_thread(self._stored, app_id)
        signed = _decoded(sent.payload, record)
        subject_iin = record.applicant_iin
        applicant_iin = record.representative_iin or subject_iin
        relation = sent.relation or "self"
        client = ctx.registry()
        subject: Person | None = None
        attachment: Attachment | None = None
        applicant: Person | None = None
        error: UserError | None = None
        try:
            try:
                subject, attachment = await asyncio.gather(
                    client.person(subject_iin), client.attachment(subject_iin)
                )
            except NotFound:
                subject, attachment = None, None
            if applicant_iin != subject_iin:
                try:
                    applicant = await client.person(applicant_iin)
                except NotFound:
                    applicant = None
        except RegistryError as exc:
            error = exc
        looked_up_at = ctx.now()
        findings: tuple[Finding, ...] = ()
        problem: str | None = None
        facts = RegistryFacts(subject, attachment) if error is None and subject else None
        if facts is not None and subject is not None:
            basis = record.basis or str(signed.get("basis") or "free_choice")
            represented = applicant_iin != subject_iin
            findings = tuple(check(ctx, facts, basis, representative=represented))
            findings += tuple(
                await asyncio.to_thread(same_person.findings, ctx, subject_iin, besides=app_id)
            )
            if represented:
                problem = _representative_problem(
                    subject, applicant_iin, relation, applicant, ctx.today()
                )
        await asyncio.to_thread(self._audit_view, app_id, subject_iin, applicant_iin, actor.iin)
        district, asked, refused, delivery = await asyncio.to_thread(
            self._decision_view, record, sent, entry, facts
        )
        return PortalCase(
            row=self._row(entry, ctx.now()),
            record=record,
            signed_form=signed,
            relation=relation,
            applicant_iin=applicant_iin,
            check=sent.check,
            files=files,
            subject=subject,
            attachment=attachment,
            applicant=applicant,
            findings=findings,
            representative_problem=problem,
            registry_error=error,
            looked_up_at=looked_up_at,
            district=district,
            district_asked=asked,
            registration_problem=refused,
            delivery=delivery,
        )

    def _decision_view(
        self,
        record: ApplicationRecord,
        sent: PortalPayload,
        entry: InboxEntry,
        facts: RegistryFacts | None,
    ) -> tuple[int | None, bool, UserError | None, Delivery | None]:
        """What the decision (``portal_decision``) would say: the district, why registering
        would be refused, where a decided one's result stands."""
        from regdesk.desk.errors import DistrictMissing
        from regdesk.desk.form import ApplicationForm
        from regdesk.desk.portal_decision import PortalDecision

        decision = PortalDecision(self._ctx)
        if not entry.pending:
            return record.district, False, None, decision.delivery(record.id)
        district = sent.requested_district
        asked = district is not None
        if district is None and facts is not None:
            shown = dataclasses.replace(record, registry_data=dict(facts.to_json()))
            district = ApplicationForm(self._ctx).suggest_district(shown).district
        problem = None
        if facts is not None:
            problem = decision.registration_problem(record.id, district, facts)
            if isinstance(problem, DistrictMissing):
                problem = None  # the employee chooses the district before signing
        return district, asked, problem, None

    def _stored(
        self, app_id: int
    ) -> tuple[InboxEntry, ApplicationRecord, PortalPayload, tuple[CaseFile, ...]]:
        """What the journal keeps of it: its row, the record, what was sent, the files."""
        from regdesk.store.file_preview import describe

        ctx = self._ctx
        with ctx.locked():
            portal = ctx.journal.portal
            entry = portal.entry(app_id)
            record = ctx.journal.search.get(app_id)
            sent = portal.payload(app_id)
            attachments = list(ctx.journal.drafts.attachments(app_id))
        files = []
        for a in attachments:
            try:
                data = ctx.vault.get(a.vault_name, a.sha256)
            except UserError as exc:
                files.append(CaseFile(a.original_name, a.media_type, a.size, a.sha256, None, exc))
                continue
            preview = describe(data, a.media_type)
            files.append(CaseFile(a.original_name, a.media_type, a.size, a.sha256, preview))
        return entry, record, sent, tuple(files)

    def _audit_view(self, app_id: int, subject: str, applicant: str, actor_iin: str) -> None:
        """Opening it shows two people's data and asks the registry about them: audited."""
        ctx = self._ctx
        # Not audited, not shown: a disk that refuses the record says so as the journal's
        # detail does (the same words: a view of a person's data that could not be recorded).
        with (
            saving("detail", ctx.paths.database.parent),
            ctx.locked(),
            transaction(ctx.db),
        ):
            audit.append(
                ctx.db, actor_iin=actor_iin, action="person_view", object=f"application:{app_id}"
            )
            for iin in dict.fromkeys((subject, applicant)):
                audit.append(
                    ctx.db,
                    actor_iin=actor_iin,
                    action="registry_lookup",
                    object=f"iin:{iin}",
                    detail={"iin": iin, "portal_application": app_id},
                )


def _representative_problem(
    subject: Person, applicant_iin: str, relation: str, applicant: Person | None, today: date
) -> str | None:
    """Why the applicant cannot represent the person today (the registry's answer now)."""
    if applicant is None:
        return "representative.not_found"
    chosen = ChosenRepresentative(
        iin=applicant_iin,
        relation=next((r for r in RELATIONS if r == relation), "guardian"),
        name=applicant.full_name,
        birth_date=applicant.birth_date,
        alive=applicant.alive,
        known=True,
    )
    return representative_problem(subject, chosen, today)


_COUNTED = {
    InboxStatus.PENDING: lambda c: c.pending,
    InboxStatus.OVERDUE: lambda c: c.overdue,
    InboxStatus.FAILED: lambda c: c.failed,
    InboxStatus.UNDELIVERED: lambda c: c.undelivered,
}
"""The statuses whose total the counts already hold (one query fewer per page)."""


def _decoded(payload: bytes, record: ApplicationRecord) -> JsonObject:
    """The signed payload as JSON; the form kept on receipt when there are no bytes."""
    if payload:
        try:
            data = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
    return dict(record.form or {})


__all__ = [
    "PAGE",
    "SOON",
    "CaseFile",
    "InboxCounts",
    "InboxPage",
    "InboxRow",
    "InboxStatus",
    "PortalCase",
    "PortalInbox",
    "Urgency",
]
