"""Corrections after the fact (issue 11): a registration made in error annulled in the open, and
a survey the applicant answered on paper entered later from the journal.

An annulment is the head's and the admin's (``core.roles``, ``Permission.ANNUL``), checked here
and not only in a menu; a refusal is audited. It needs a ground from the catalogue
(``core.annulments``; ``other`` with a note) and the employee's EDS over the annulment's
canonical bytes, under the same signing policy as a registration. The state change, the
signature, the event, the audit record and the message to the attachment register (outbox kind
``annulment``) are one transaction; the application keeps its number and the numbering is not
touched, so the number is never given again. The notice of the annulment is printed on request,
bilingual like every paper of the desk.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from regdesk.core.annulments import annulment_reason
from regdesk.core.application import ANNULLABLE, State
from regdesk.core.json_types import JsonValue
from regdesk.core.roles import Permission
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError, saving
from regdesk.desk.issuance import Issued, print_recorded
from regdesk.desk.registration import KeyCheck, require_signer, sign_document
from regdesk.desk.training import paper_mark
from regdesk.store.db import transaction
from regdesk.store.journal import AnnulmentRecord, ApplicationRecord, fresh_key

if TYPE_CHECKING:  # the printing package (fpdf, segno) is loaded when a notice is made
    from regdesk.printing.documents import AnnulmentData

SURVEY_STATES = frozenset({State.REGISTERED, State.ISSUED, State.REFUSED, State.ANNULLED})
"""The states in which the applicant has had a result to answer the survey about."""


class StateRefused(DeskError):
    """A correction the application's state does not allow; the state said in the user's words."""

    def __init__(self, key: str, record: ApplicationRecord) -> None:
        super().__init__(key, number=record.number or f"#{record.id}", state=record.state.value)

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        params = dict(self.params)
        params["state"] = t(f"state.{params['state']}", lang)
        return t(self.key, lang, **params)


class Corrections:
    """Annulling a registration made in error; the survey entered afterwards."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    # -- annulment ----------------------------------------------------------------------------

    def may_annul(self) -> bool:
        """Whether the employee acting now may annul (menus offer the key only then)."""
        return self._ctx.may(Permission.ANNUL)

    def check_request(self, app_id: int, reason_code: str, note: str) -> ApplicationRecord:
        """Everything an annulment needs before the EDS dialog: the role, the application's
        state, the ground and its note. Raises a ``DeskError`` saying what is wrong."""
        ctx = self._ctx
        ctx.require(Permission.ANNUL, "annul")
        record = ctx.record(app_id)
        if record.state not in ANNULLABLE:
            raise StateRefused("desk.annul.not_annullable", record)
        reason = annulment_reason(reason_code)
        if reason is None:
            raise DeskError("desk.annul.unknown_reason", code=reason_code)
        if reason.needs_note and not note.strip():
            raise DeskError("desk.annul.note_required")
        return record

    def document_for_signing(
        self, app_id: int, reason_code: str, note: str
    ) -> dict[str, JsonValue]:
        """What the employee's signature of an annulment covers: the application (bound by its
        registration's signed hash), the ground and the note, who and when."""
        ctx = self._ctx
        actor = ctx.actor()
        record = ctx.record(app_id)
        with ctx.locked():
            registered = ctx.journal.registration.signature(app_id)
        return {
            "kind": "regdesk.attachment-annulment",
            "version": 1,
            "clinic_bin": ctx.config.clinic.bin,
            "application_id": record.id,
            "number": record.number or "",
            "applicant_iin": record.applicant_iin,
            "registration_sha256": registered.content_sha256 if registered is not None else "",
            "reason_code": reason_code,
            "note": note.strip(),
            "annulled_by": actor.iin,
            "annulled_at": ctx.now().isoformat(),
        }

    def annul(self, app_id: int, reason_code: str, note: str, check: KeyCheck) -> str:
        """Annul a registration made in error, signed with the employee's key; returns its
        number (kept by the application, never given again)."""
        ctx = self._ctx
        actor = ctx.actor()
        record = self.check_request(app_id, reason_code, note)
        require_signer(ctx, check, actor.iin)
        now = ctx.now()
        # The annulment row keeps its own time; the signing time in the row is not read.
        signature = sign_document(check, self.document_for_signing(app_id, reason_code, note), now)
        journal = ctx.journal
        # A write the disk refuses rolls it all back and is said in words (``saving``).
        folder = ctx.paths.database.parent
        with saving("annul", folder, number=record.number or ""), ctx.locked(), transaction(ctx.db):
            number = journal.corrections.annul(
                app_id,
                reason_code=reason_code,
                note=note.strip(),
                actor_iin=actor.iin,
                role=actor.role,
                now=now,
                signature=signature,
            )
            # The register learns of it through the outbox, in the same transaction; sent after
            # the attachment's own message (the outbox goes oldest first). Its key is the
            # attachment's with ``:annul``: this annulment made again after a power cut lost it
            # repeats the key the register knows (its first receipt comes back), while a number
            # given again after a lost registration has another attachment key, so another one.
            attachment_key = journal.outbox.attachment_key(ctx.config.clinic.bin, number)
            journal.outbox.enqueue(
                "annulment",
                f"{attachment_key}:annul"
                if attachment_key
                else fresh_key(ctx.config.clinic.bin, number, "annul"),
                {"iin": record.applicant_iin, "application": number, "reason_code": reason_code},
                now,
            )
        return number

    def annulment(self, app_id: int) -> AnnulmentRecord | None:
        ctx = self._ctx
        with ctx.locked():
            return ctx.journal.corrections.annulment(app_id)

    # -- the notice -----------------------------------------------------------------------------

    def notice(self, app_id: int, *, duplicate: bool = False) -> AnnulmentData:
        """The notice of the annulment: number, ground in words, the day in clinic time, who."""
        from regdesk.i18n import t
        from regdesk.printing.documents import AnnulmentData, ClinicInfo, PersonInfo
        from regdesk.printing.records import address_text

        ctx = self._ctx
        record = ctx.record(app_id)
        found = self.annulment(app_id)
        if found is None:
            raise DeskError("desk.annul.no_notice", number=record.number or f"#{record.id}")
        with ctx.locked():
            account = ctx.staff.get(found.by_iin)
        employee = account.full_name if account is not None else found.signer_name
        key = f"core.annul_reason.{found.reason_code}"
        return AnnulmentData(
            clinic=ClinicInfo.from_config(ctx.config.clinic),
            number=found.number,
            date=ctx.clock.local_date(found.at),
            person=PersonInfo(
                full_name=record.full_name,
                iin=record.applicant_iin,
                birth_date=record.birth_date,
                address=address_text(record.registry_data),
            ),
            reason_code=found.reason_code,
            reason_kk=t(key, "kk"),
            reason_ru=t(key, "ru"),
            employee=employee,
            issued_at=ctx.clock.local(ctx.now()),
            note=found.note or "",
            duplicate=duplicate,
            signature_sha256=found.content_sha256,
            mark=paper_mark(ctx.config, found.cert_issuer),
        )

    def preview_notice(self, app_id: int) -> str:
        """The notice as the 48-column receipt text, for the screen."""
        from regdesk.printing.text import render_text

        return render_text(self.notice(app_id), width=48)

    def print_notice(
        self,
        app_id: int,
        printer: str | None = None,
        *,
        out: Path | None = None,
        fmt: str | None = None,
    ) -> Issued:
        """Print the annulment notice on ``printer`` (default: the config's) or into ``out``;
        a second print is marked as a duplicate; every print is recorded."""
        return print_recorded(
            self._ctx,
            app_id,
            "annulment",
            lambda duplicate: self.notice(app_id, duplicate=duplicate),
            printer,
            out=out,
            fmt=fmt,
        )

    # -- the survey afterwards ------------------------------------------------------------------

    def record_survey(self, app_id: int, q1: int | None, q2: int | None) -> None:
        """Enter the survey the applicant answered on paper; the journal notes that it was
        entered later, and by whom."""
        ctx = self._ctx
        actor = ctx.actor()
        for answer in (q1, q2):
            if answer is not None and answer not in (1, 2, 3):
                raise DeskError("desk.survey.bad_answer", value=answer)
        record = ctx.record(app_id)
        if record.state not in SURVEY_STATES:
            raise StateRefused("desk.survey.not_now", record)
        with saving("survey", ctx.paths.database.parent), ctx.locked():
            ctx.journal.corrections.record_survey_later(
                app_id, q1, q2, actor_iin=actor.iin, role=actor.role, now=ctx.now()
            )


__all__ = ["ANNULLABLE", "SURVEY_STATES", "Corrections", "StateRefused"]
