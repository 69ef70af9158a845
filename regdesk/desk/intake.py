"""Table 2 steps 3-4: the applicant's IIN, the registry's answer, the checks, a refusal before
a number.

The look-up asks the state databases about the person and their attachment and runs the rules of
attachment (``core.rules``) on the answer. A look-up alone is a view of a person (an audit
record), not an application: the draft holding what was seen (``core.person.RegistryFacts``) is
opened when the receptionist goes on, to the form or to a refusal (``open_draft``). When the
registry has no data, or the rules forbid the attachment, the receptionist forms the motivated
refusal here (step 4); a refusal found later, in the form (step 7), is made by the same
``refuse`` as long as the application has no number.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from regdesk.core.age import ApplicantAge, applicant_age
from regdesk.core.application import State
from regdesk.core.ids import normalize_digits, parse_iin
from regdesk.core.person import Attachment, Person, RegistryFacts
from regdesk.core.refusals import reason as refusal_reason
from regdesk.core.rules import AttachmentFacts, Finding, PersonFacts, check_applicant
from regdesk.desk import same_person
from regdesk.desk.context import Actor, DeskContext
from regdesk.desk.errors import DeskError, saving
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.journal import ApplicationRecord


@dataclass(frozen=True)
class Lookup:
    """What the registry said about an applicant and what the desk's rules found."""

    iin: str
    person: Person | None
    """None when the registry has no data (Table 2 step 4)."""
    attachment: Attachment | None
    findings: tuple[Finding, ...]
    mapped_layout: bool
    """The IIN was typed on the Kazakh layout's digit row and mapped back to digits."""
    age: ApplicantAge | None = None
    """The person's age today (at death for a dead person); None without registry data."""
    started: datetime | None = None
    ended: datetime | None = None
    """When the registry request started and ended (the time norm of step 3)."""
    application_id: int | None = None
    """The draft application, once the receptionist went on (``Intake.open_draft``)."""

    def with_journal(self, found: list[Finding]) -> Lookup:
        """This look-up with what the journal says of the person now (``same_person``, read
        again by the heartbeat: a colleague who opened the person since, a registration made
        meanwhile) in place of what it said at the look-up."""
        rules = tuple(f for f in self.findings if f.code not in same_person.CODES)
        return dataclasses.replace(self, findings=rules + tuple(found))

    @property
    def facts(self) -> RegistryFacts:
        return RegistryFacts(self.person, self.attachment)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocks)

    @property
    def suggested_refusal(self) -> str | None:
        if self.person is None:
            return "no_data"
        for f in self.findings:
            if f.blocks and f.refusal_code:
                return str(f.refusal_code)
        return None


def check(
    ctx: DeskContext, facts: RegistryFacts, basis: str, *, representative: bool | None
) -> list[Finding]:
    """The rules of attachment on what the registry said, for ``basis`` today.

    ``representative``: whether the application names a parent or guardian (None while the
    form does not say yet: a minor then gets a warning instead of a block).
    """
    if facts.person is None:
        return []
    attachment = facts.attachment
    return check_applicant(
        PersonFacts.from_registry(facts.person),
        AttachmentFacts.from_registry(attachment) if attachment is not None else None,
        ctx.config.clinic.bin,
        basis,
        ctx.today(),
        ctx.rules,
        has_representative=representative,
    )


def age_of(ctx: DeskContext, iin: str, person: Person | None) -> ApplicantAge:
    """The applicant's age today by the registry's facts (the IIN's when it has none)."""
    return applicant_age(
        iin,
        ctx.today(),
        ctx.rules,
        birth_date=person.birth_date if person is not None else None,
        sex=person.sex if person is not None else None,
        death_date=person.death_date if person is not None else None,
    )


class Intake:
    """Who is applying: the look-up, the checks, and the refusal before a number."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    async def look_up(self, iin_text: str, basis: str = "free_choice") -> Lookup:
        """Ask the registry about the applicant; the answer is audited, no application opened.

        An invalid IIN raises IinError before any request. Unavailable, refused and bad answers
        raise the registry's errors and leave nothing in the journal. "Not found" is an answer:
        its only way forward is the motivated refusal of step 4 (``open_draft`` then ``refuse``).
        """
        from regdesk.registry.errors import NotFound

        ctx = self._ctx
        actor = ctx.actor()
        digits, mapped = normalize_digits(iin_text.strip())
        iin = parse_iin(digits).value
        started = ctx.now()
        client = ctx.registry()
        try:
            person, attachment = await asyncio.gather(client.person(iin), client.attachment(iin))
        except NotFound:
            person, attachment = None, None
        ended = ctx.now()
        facts = RegistryFacts(person, attachment)
        findings: tuple[Finding, ...] = ()
        age = None
        if person is not None:
            representative = bool(person.representatives) or None
            findings = tuple(check(ctx, facts, basis, representative=representative))
            # The journal too: registered here this year, or open at another desk (read before
            # this look-up's own draft exists).
            findings += tuple(await asyncio.to_thread(same_person.findings, ctx, iin))
            age = age_of(ctx, iin, person)
        await asyncio.to_thread(self._audit_view, iin, person is not None, actor)
        return Lookup(iin, person, attachment, findings, mapped, age, started, ended)

    def _audit_view(self, iin: str, found: bool, actor: Actor) -> None:
        """A look-up is a view of a person's data: the audit keeps who looked, and whom."""
        ctx = self._ctx
        with saving("lookup", ctx.paths.database.parent), ctx.locked(), transaction(ctx.db):
            audit.append(
                ctx.db,
                actor_iin=actor.iin,
                action="registry_lookup",
                object=f"iin:{iin}",
                detail={"iin": iin, "found": found},
            )
            if found:
                audit.append(ctx.db, actor_iin=actor.iin, action="person_view", object=f"iin:{iin}")
            # The card is shown now: the colleagues' desks see that this person is open here
            # (in the same transaction: one wait for the write lock per look-up).
            ctx.cases.hold(iin)

    def open_draft(self, lookup: Lookup) -> Lookup:
        """The receptionist goes on with this applicant (the form, or a refusal): the draft
        application holding the registry's answer, with the registry request's time norm.

        Once per look-up: a look-up that already has its draft is returned as it is.
        """
        if lookup.application_id is not None:
            return lookup
        ctx, person = self._ctx, lookup.person
        actor = ctx.actor()
        journal = ctx.journal
        started = lookup.started or ctx.now()
        ended = lookup.ended or started
        iin = lookup.iin
        # One transaction: the draft, its step events and this desk's mark (one lock wait).
        with saving("draft", ctx.paths.database.parent), ctx.locked(), transaction(ctx.db):
            app_id = journal.drafts.create_draft(
                applicant_iin=iin,
                actor_iin=actor.iin,
                role=actor.role,
                registry_data=lookup.facts.to_json(),
                surname=person.surname if person else "",
                first_name=person.first_name if person else "",
                patronymic=(person.patronymic or "") if person else "",
                birth_date=person.birth_date if person else None,
                now=ctx.now(),
            )
            step = "registry_request"
            journal.events.record_step(app_id, step, "step_start", actor.iin, actor.role, started)
            journal.events.record_step(app_id, step, "step_end", actor.iin, actor.role, ended)
            ctx.cases.hold(iin, app_id)  # the colleagues read "filling in a form" now
        return dataclasses.replace(lookup, application_id=app_id)

    def begin_step(self, app_id: int, step: str) -> None:
        """Note that the refusal dialog (step 4 or 7) opened, for the time norms. A disk that
        refuses the note is ``NotSaved`` (nothing written; the same key notes it later)."""
        ctx = self._ctx
        with saving("refusal_start", ctx.paths.database.parent):
            ctx.begin_step(app_id, step)

    def refuse(self, app_id: int, reason_code: str, note: str = "") -> ApplicationRecord:
        """The motivated refusal (steps 4 and 7): the reason from the catalogue, and a note."""
        ctx = self._ctx
        actor = ctx.actor()
        # An unknown code is an error before anything is written.
        if refusal_reason(reason_code).needs_note and not note.strip():
            raise DeskError("desk.refusal_note_needed")
        with saving("refuse", ctx.paths.database.parent), ctx.locked(), transaction(ctx.db):
            ctx.journal.registration.transition(
                app_id,
                State.REFUSED,
                actor_iin=actor.iin,
                role=actor.role,
                reason_code=reason_code,
                note=note.strip(),
                now=ctx.now(),
            )
            ctx.end_step(app_id, "no_data_refusal" if reason_code == "no_data" else "refusal")
            record = ctx.journal.search.get(app_id)
        ctx.cases.release(app_id)
        return record

    def abandon(self, app_id: int) -> None:
        """The applicant walked away: a draft is kept in the journal as abandoned. A disk that
        refuses it is ``NotSaved``: the draft stays open, offered again at the next sign-in."""
        ctx = self._ctx
        actor = ctx.actor()
        with saving("abandon", ctx.paths.database.parent), ctx.locked():
            record = ctx.journal.search.get(app_id)
            if record.state == State.DRAFT:
                ctx.journal.registration.transition(
                    app_id, State.ABANDONED, actor_iin=actor.iin, role=actor.role, now=ctx.now()
                )
        ctx.cases.release(app_id)


__all__ = ["Intake", "Lookup", "age_of", "check"]
