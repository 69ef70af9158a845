"""The journal of applications at the desk: search as typed, and one application in detail.

A search takes what the receptionist has at hand: an IIN, an application's number, or the start
of a surname. The detail shows the history, the scans, the prints and the signature checked
again; opening it is a view of personal data and leaves an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regdesk.core.ids import normalize_digits
from regdesk.desk.context import DeskContext
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.journal import ApplicationRecord, AttachmentRecord, EventRecord, PrintRecord


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


class JournalView:
    """Finding applications in the journal and showing one."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def find(
        self, query: str, *, state: str | None = None, limit: int = 50
    ) -> list[ApplicationRecord]:
        """Search by IIN (12 digits), application number, or name prefix, as typed."""
        ctx = self._ctx
        search = ctx.journal.search
        text = query.strip()
        digits, _ = normalize_digits(text)
        with ctx.locked():
            if not text:
                return list(search.find(state=state, limit=limit))
            if digits.isdigit() and len(digits) == 12:
                return list(search.find(iin=digits, state=state, limit=limit))
            if text.upper().startswith(ctx.config.clinic.code.upper() + "-"):
                return list(search.find(number=text.upper(), state=state, limit=limit))
            return list(search.find(name_prefix=text, state=state, limit=limit))

    def get(self, app_id: int) -> ApplicationRecord:
        return self._ctx.record(app_id)

    def reference(self, record: ApplicationRecord) -> str:
        """The number, or for an application refused before it had one, its internal reference."""
        from regdesk.printing.documents import internal_reference

        return record.number or internal_reference(self._ctx.config.clinic.code, record.id)

    def detail(self, app_id: int) -> Detail:
        """The application with its history, scans, prints, and its signature verified now."""
        ctx = self._ctx
        actor = ctx.actor()
        journal = ctx.journal
        with ctx.locked():
            record = journal.search.get(app_id)
            events = list(journal.events.history(app_id))
            attachments = list(journal.drafts.attachments(app_id))
            signature = journal.registration.signature(app_id)
            prints = list(journal.issuance.prints(app_id))
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
        return Detail(record, events, attachments, ok, text, prints)


__all__ = ["Detail", "JournalView"]
