"""What the clinic's own journal says about the applicant, beside the registry's answer.

The registry learns of a registration only when the outbox reaches it, so the rules on its answer
alone let a person be registered twice (two terminals, or the same person coming back the same
day). These findings read the journal:

- ``registered_here`` (block, refusal "already attached here"): an application of this IIN is
  registered or issued at this clinic in this numbering year. Registration itself checks the
  same again inside its transaction (``store.journal.registration``), which settles a race.
- ``open_elsewhere`` (warning): another employee saved a draft for this IIN today. A draft is not
  a decision: the applicant may have walked away from the other desk without a word, and such a
  draft must not stop them being served here, so it warns (who, since when) and does not block.
  The employee's own drafts are not mentioned (a second look-up at the same desk).
"""

from __future__ import annotations

from regdesk.core.rules import Finding, Severity
from regdesk.desk.context import DeskContext


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
    out: list[Finding] = []
    if registered is not None:
        when = ctx.clock.local(registered.at).strftime("%d.%m.%Y") if registered.at else "—"
        out.append(
            Finding(
                "registered_here",
                Severity.BLOCK,
                "already_attached_here",
                {"number": registered.number or "", "date": when, "name": registered.by_name},
            )
        )
    for draft in drafts[:1]:  # the latest one says enough
        when = ctx.clock.local(draft.at).strftime("%H:%M") if draft.at else "—"
        out.append(
            Finding("open_elsewhere", Severity.WARN, params={"name": draft.by_name, "time": when})
        )
    return out


__all__ = ["findings"]
