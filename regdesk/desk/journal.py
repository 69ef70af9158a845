"""The journal of applications at the desk: search as typed, and one application in detail.

A search takes what the receptionist has at hand (``parse_query`` reads it):

- an IIN in full (12 digits) or its first 6 to 11 digits, also typed on the Kazakh layout's
  digit row (``core.ids.normalize_digits``, as the IIN field reads it);
- an application's number in full, in any case and with Cyrillic letters that look like the
  Latin ones of the clinic code (ЕМН for EMH), or its tail: "2026-000003", or the sequence
  alone "000003" / "3" (any year). Six digits are both a tail and an IIN prefix, so both are
  looked up (the numbers first);
- a refusal notice's reference (DEMO-2026-R000004), for an application refused before it had
  a number;
- otherwise the start of "surname first patronymic", with Kazakh and Russian letters folded
  together (``store.journal.names``).

The detail shows the history, the scans, the prints and the signature checked
again; opening it is a view of personal data and leaves an audit record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from regdesk.core.application import State
from regdesk.core.ids import normalize_digits
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import saving
from regdesk.printing.documents import parse_refusal_reference, refusal_reference
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.journal import (
    AnnulmentRecord,
    ApplicationRecord,
    AttachmentRecord,
    EventRecord,
    NotFoundError,
    PrintRecord,
    Search,
    format_number,
)

IIN_PREFIX_MIN = 6
"""The fewest digits searched as the start of an IIN (the birth date): fewer are a number's tail."""

_TAIL = re.compile(r"(\d{4})\s*-\s*(\d{1,6})")
_FULL_NUMBER = re.compile(r"([A-Z0-9][A-Z0-9-]*?)\s*-\s*(\d{4})\s*-\s*(\d{1,6})")

LOOKALIKES = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "С": "C",
        "Е": "E",
        "Н": "H",
        "І": "I",
        "Ј": "J",
        "К": "K",
        "М": "M",
        "О": "O",
        "Р": "P",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "Ү": "Y",
    }
)
"""Capital Cyrillic letters drawn like a Latin capital: a clinic code typed on a Cyrillic layout."""


@dataclass(frozen=True)
class Query:
    """What a journal search text asks for; None fields are not searched."""

    iin: str | None = None
    iin_prefix: str | None = None
    number: str | None = None
    number_seq: int | None = None
    number_year: int | None = None
    name_prefix: str | None = None
    refusal: str | None = None
    """A refusal notice's reference, upper case (``printing.documents.refusal_reference``)."""


def parse_query(text: str) -> Query:
    """Read a typed search text as an IIN or its prefix, a number or its tail, or a name prefix."""
    text = text.strip()
    if not text:
        return Query()
    mapped, via_layout = normalize_digits(text)
    if mapped.isascii() and mapped.isdigit():
        if len(mapped) == 12:
            return Query(iin=mapped)
        if IIN_PREFIX_MIN <= len(mapped) < 12:
            seq = int(mapped) if len(mapped) == IIN_PREFIX_MIN else None
            return Query(iin_prefix=mapped, number_seq=seq)
        if len(mapped) < IIN_PREFIX_MIN and not via_layout:
            return Query(number_seq=int(mapped))
    if tail := _TAIL.fullmatch(mapped):
        return Query(number_year=int(tail[1]), number_seq=int(tail[2]))
    folded = text.upper().translate(LOOKALIKES)
    if full := _FULL_NUMBER.fullmatch(folded):
        code, year, seq = full[1], int(full[2]), int(full[3])
        return Query(number=format_number(code, year, seq), number_year=year, number_seq=seq)
    if refusal := parse_refusal_reference(folded.replace("-P", "-R")):
        # A refusal notice's reference (CODE-2026-R000004); Р typed for R reads as P above.
        return Query(refusal=refusal_reference(*refusal))
    # A few Kazakh letters of the digit row ("ә", "ұқ") are the start of a name, not a number.
    return Query(name_prefix=text)


def search_journal(
    search: Search,
    text: str,
    *,
    state: str | None = None,
    limit: int = 50,
    reference: Callable[[ApplicationRecord], str] | None = None,
) -> list[ApplicationRecord]:
    """The applications ``text`` asks for (``parse_query``), at most ``limit``.

    ``reference`` gives a record's printed reference (``JournalView.reference``): a refusal
    reference typed must be the record's own, clinic and year included; without it the id alone
    decides.
    """
    q = parse_query(text)
    if q.number is not None:
        # By year and sequence on their index, the clinic code compared whatever its case.
        found = search.find(
            number_seq=q.number_seq, number_year=q.number_year, state=state, limit=limit
        )
        return [r for r in found if (r.number or "").upper() == q.number]
    if q.refusal is not None:
        parsed = parse_refusal_reference(q.refusal)
        assert parsed is not None  # parse_query made it
        try:
            record = search.get(parsed[2])
        except NotFoundError:
            return []
        own = reference(record) if reference is not None else q.refusal
        matches = record.state == State.REFUSED and own.upper() == q.refusal
        return [record] if matches and state in (None, record.state) else []
    if q.iin_prefix is not None and q.number_seq is not None:
        # Six digits: a number's tail and the start of an IIN; numbers come first.
        found = list(search.find(number_seq=q.number_seq, state=state, limit=limit))
        seen = {r.id for r in found}
        more = search.find(iin_prefix=q.iin_prefix, state=state, limit=limit)
        return (found + [r for r in more if r.id not in seen])[:limit]
    return list(
        search.find(
            iin=q.iin,
            iin_prefix=q.iin_prefix,
            number=q.number,
            number_seq=q.number_seq,
            number_year=q.number_year,
            name_prefix=q.name_prefix,
            state=state,
            limit=limit,
        )
    )


@dataclass(frozen=True)
class Detail:
    """One application as the journal shows it."""

    record: ApplicationRecord
    events: list[EventRecord]
    attachments: list[AttachmentRecord]
    signature_ok: bool | None
    """None when the application was never signed."""
    signature_text: str
    """The signer's name as the certificate gives it."""
    prints: list[PrintRecord] = field(default_factory=list)
    annulment: AnnulmentRecord | None = None
    """The annulment of an annulled application (ground, note, who), else None."""
    annulment_ok: bool | None = None
    """The annulment's EDS checked again now; None when there is none."""
    actor_names: dict[str, str] = field(default_factory=dict)
    """The employees named in the events, by IIN: the journal shows who, not a number."""


class JournalView:
    """Finding applications in the journal and showing one."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def find(
        self, query: str, *, state: str | None = None, limit: int = 50
    ) -> list[ApplicationRecord]:
        """Search as typed (``parse_query``): IIN or its prefix, number or its tail, or a name."""
        ctx = self._ctx
        with ctx.locked():
            return search_journal(
                ctx.journal.search, query, state=state, limit=limit, reference=self.reference
            )

    def get(self, app_id: int) -> ApplicationRecord:
        return self._ctx.record(app_id)

    def reference(self, record: ApplicationRecord) -> str:
        """The number, or for an application refused before it had one, its refusal reference
        (as printed on the notice)."""
        from regdesk.printing.records import reference_of

        return reference_of(record, self._ctx.config)

    def detail(self, app_id: int) -> Detail:
        """The application with its history, scans, prints, and its signature verified now."""
        ctx = self._ctx
        actor = ctx.actor()
        journal = ctx.journal
        # A view of a person's data is audited: one the disk cannot record is not shown.
        with saving("detail", ctx.paths.database.parent), ctx.locked():
            record = journal.search.get(app_id)
            events = list(journal.events.history(app_id))
            attachments = list(journal.drafts.attachments(app_id))
            signature = journal.registration.signature(app_id)
            prints = list(journal.issuance.prints(app_id))
            annulment = journal.corrections.annulment(app_id)
            names = {}
            for iin in {e.actor_iin for e in events}:
                account = ctx.staff.get(iin)
                if account is not None:
                    names[iin] = account.full_name
            with transaction(ctx.db):
                audit.append(
                    ctx.db,
                    actor_iin=actor.iin,
                    action="person_view",
                    object=f"application:{app_id}",
                )
        ok: bool | None = None
        text = ""
        if signature is not None:
            from regdesk.signing import verify

            result = verify(signature.cms, signature.canonical, policy=ctx.signing_policy())
            ok = result.valid
            text = result.signer.common_name
        annulment_ok: bool | None = None
        if annulment is not None:
            from regdesk.signing import verify

            checked = verify(annulment.cms, annulment.canonical, policy=ctx.signing_policy())
            annulment_ok = checked.valid
        return Detail(record, events, attachments, ok, text, prints, annulment, annulment_ok, names)


__all__ = ["Detail", "JournalView", "Query", "parse_query", "search_journal"]
