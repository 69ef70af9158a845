"""What the clinic's own journal says about the applicant, beside the registry's answer.

The registry learns of a registration only when the outbox reaches it, so the rules on its answer
alone let a person be registered twice (two terminals, or the same person coming back the same
day). These findings read the journal:

- ``registered_here`` (block, refusal "already attached here"): an application of this IIN is
  registered or issued at this clinic in this numbering year. Registration itself checks the
  same again inside its transaction (``store.journal.registration``), which settles a race.
- ``form_at_desk`` / ``open_at_desk`` (warnings): another desk has the person open now, with a
  form begun or only the card (``desk.open_cases``): who, at which workstation, since when.
- ``open_elsewhere`` (warning): another employee saved a draft for this IIN today and no desk of
  theirs has the person open now (a draft left by a lock, a hang-up, a desk that died). A draft
  is not a decision: the applicant may have walked away from the other desk without a word, and
  such a draft must not stop them being served here, so it warns (who, since when) and does not
  block. The employee's own drafts are not mentioned (a second look-up at the same desk).

Only ``registered_here`` blocks; the warnings are said on the person card before a form is typed
and again on the form.
"""

from __future__ import annotations

from regdesk.core.rules import Finding, Severity
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError
from regdesk.store.journal import ApplicationRecord

CODES = frozenset({"registered_here", "form_at_desk", "open_at_desk", "open_elsewhere"})
"""The findings made here (the rest of a look-up's are the registry's rules)."""


def findings(ctx: DeskContext, iin: str, *, besides: int | None = None) -> list[Finding]:
    """The journal's findings on ``iin`` now, leaving out application ``besides`` (the one at
    hand)."""
    actor = ctx.actor()
    now = ctx.now()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with ctx.locked():
        same = ctx.journal.same_person
        registered = same.registered(iin, now.year, besides=besides)
        drafts = same.open_drafts(iin, since=start_of_day, besides_actor=actor.iin, besides=besides)
        desks = ctx.cases.others(iin)
    out: list[Finding] = []
    if registered is not None:
        # The day and the time: "a moment ago at the next window" reads differently from March.
        when = ctx.clock.local(registered.at).strftime("%d.%m.%Y %H:%M") if registered.at else "—"
        out.append(
            Finding(
                "registered_here",
                Severity.BLOCK,
                "already_attached_here",
                {"number": registered.number or "", "date": when, "name": registered.by_name},
            )
        )
    for case in desks[:2]:  # two colleagues at once is already a crowd
        code = "open_at_desk" if case.application_id is None else "form_at_desk"
        params = {
            "name": case.actor_name,
            "workstation": case.workstation,
            "time": ctx.clock.local(case.opened_at).strftime("%H:%M"),
        }
        out.append(Finding(code, Severity.WARN, params=params))
    # A draft whose employee has the person open at a desk is said by that desk's line.
    open_apps = {c.application_id for c in desks}
    open_by = {c.actor_iin for c in desks}
    drafts = [d for d in drafts if d.id not in open_apps and d.by_iin not in open_by]
    for draft in drafts[:1]:  # the latest one says enough
        when = ctx.clock.local(draft.at).strftime("%H:%M") if draft.at else "—"
        out.append(
            Finding("open_elsewhere", Severity.WARN, params={"name": draft.by_name, "time": when})
        )
    return out


class RegisteredMeanwhile(DeskError):
    """The registration came second: a colleague registered the person (another application,
    ``two_desks.registered_meanwhile``) or this very application (``two_desks.registered_same``)
    first. Said with who, the number, the clinic's date and time, and what to do now; nothing
    was signed or numbered here, and the draft keeps what was typed."""

    key = "two_desks.registered_meanwhile"
    other_id: int | None = None
    """The application that was registered (to open it from the journal)."""


def registered_meanwhile(ctx: DeskContext, record: ApplicationRecord) -> RegisteredMeanwhile | None:
    """Why the registration of ``record`` came second, read from the journal now: the
    registration that came first (this application's own, or another of the same person in the
    numbering year), or None when there is none."""
    with ctx.locked():
        same = ctx.journal.same_person
        other = same.registration_of(record.id)
        if other is None:
            other = same.registered(record.applicant_iin, ctx.now().year, besides=record.id)
    if other is None:
        return None
    at = ctx.clock.local(other.at) if other.at is not None else None
    error = RegisteredMeanwhile(
        name=other.by_name,
        number=other.number or "",
        date=at.strftime("%d.%m.%Y") if at else "—",
        time=at.strftime("%H:%M") if at else "—",
    )
    if other.id == record.id:
        error.key = "two_desks.registered_same"
    error.other_id = other.id
    return error


__all__ = ["CODES", "RegisteredMeanwhile", "findings", "registered_meanwhile"]
