"""Table 2 step 8: the result handed over: the talon or the refusal notice, printed; the survey.

One rule for every print, at the desk and from ``regdesk talon print`` alike: a talon printed
for a registered application makes it issued (the applicant has the result); a document printed
before is marked as a duplicate; every print, failed ones too, is recorded.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from regdesk.config import BROWSER_PRINTER, Printer
from regdesk.core.application import State
from regdesk.core.errors import UserError
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError, saving
from regdesk.desk.training import paper_mark
from regdesk.store.db import transaction
from regdesk.store.journal import ApplicationRecord

if TYPE_CHECKING:  # the printing package (fpdf, segno) is loaded when a document is made
    from regdesk.printing.documents import Document
    from regdesk.printing.printers import PrintResult

# Prints are logged by kind, printer and outcome; the person stays in the journal, not the log.
log = logging.getLogger("regdesk.printing")


@dataclass(frozen=True)
class Issued:
    """The result of printing a talon or a refusal notice."""

    document: str
    """``talon`` or ``refusal``."""
    path: Path | None
    status: str
    """``queued``, ``sent``, ``written``, ``delivered`` or ``failed``
    (``regdesk.printing.printers``)."""
    detail: str = ""
    job: str | None = None
    """The CUPS job id, when the printer gave one."""
    duplicate: bool = False
    """Printed before: the document says "duplicate"."""
    error: UserError | None = None
    """Why the print failed, to be said in the user's language."""
    printer: str = ""
    data: bytes | None = None
    """The document for the browser, when the printer is a browser desk's (``file_name``)."""
    file_name: str = ""

    @classmethod
    def of(cls, document: str, result: PrintResult, *, duplicate: bool, printer: str) -> Issued:
        """What a print of ``document`` on ``printer`` came to."""
        return cls(
            document=document,
            path=result.path,
            status=result.status,
            detail=result.detail or "",
            job=result.job,
            duplicate=duplicate,
            error=result.error,
            printer=printer,
            data=result.data,
            file_name=result.file_name,
        )

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def message(self, lang: str) -> str:
        """The failure in ``lang``, or the detail when the print did not fail."""
        return self.error.message(lang) if self.error is not None else self.detail


def default_printer(ctx: DeskContext) -> str:
    """The printer the print key uses at this workstation: the admin's choice for it
    (``desk.printer_setup``) when the config still defines that printer and the desk is not in a
    browser, else the config's default."""
    from regdesk.store import printer_choice

    printing = ctx.config.printing
    if printing.default == BROWSER_PRINTER:
        return printing.default
    with ctx.locked():
        choice = printer_choice.chosen(ctx.db, ctx.workstation)
    if choice is not None and any(p.name == choice for p in printing.printers):
        return choice
    return printing.default


def _choose_output(
    ctx: DeskContext, printer: str | None, out: Path | None, fmt: str | None
) -> tuple[str, Printer | Path, str]:
    """Where a document goes and in which format: the file ``out`` (PDF unless ``fmt`` says
    otherwise), or ``printer`` (default: this workstation's) in its own format unless ``fmt``
    says otherwise; the name recorded for the print comes first."""
    if out is not None:
        return "file", out, fmt or "pdf-a5"
    config = ctx.config.printing
    name = printer or default_printer(ctx)
    found = next((p for p in config.printers if p.name == name), None)
    if found is None:
        known = ", ".join(p.name for p in config.printers)
        raise DeskError("printing.unknown_printer", name=name, known=known)
    return name, found, fmt or found.format


def output_document(chosen: Printer | Path, doc: Document, root: Path, fmt: str) -> PrintResult:
    """``doc`` written to the file or sent to the printer; a file that cannot be written is a
    failed print with its reason, like a printer that refuses."""
    from regdesk.printing.printers import PrintResult, print_document, render, write_atomic

    if isinstance(chosen, Path):
        try:
            write_atomic(chosen, render(doc, fmt).data)
            return PrintResult("written", detail=str(chosen), path=chosen)
        except UserError as exc:
            return PrintResult("failed", detail=exc.message("en"), error=exc)
    return print_document(chosen, doc, root, fmt)


def print_recorded(
    ctx: DeskContext,
    app_id: int,
    kind: str,
    make: Callable[[bool], Document],
    printer: str | None,
    *,
    out: Path | None = None,
    fmt: str | None = None,
    printed: Callable[[Issued], None] | None = None,
) -> Issued:
    """The one rule for every print of an application's ``kind`` of document: made by
    ``make(duplicate)``, marked as a duplicate when printed before, sent to ``printer`` (default:
    this workstation's) or written to ``out``, and recorded, failed prints too. ``printed`` runs in
    the recording's transaction when the print went through."""
    actor = ctx.actor()
    name, chosen, fmt = _choose_output(ctx, printer, out, fmt)
    with ctx.locked():
        duplicate = ctx.journal.issuance.printed_before(app_id, kind)
    doc = make(duplicate)
    result = output_document(chosen, doc, ctx.paths.root, fmt)
    issued = Issued.of(doc.kind, result, duplicate=duplicate, printer=name)
    # A print the journal cannot record (its disk full or read-only) is said as what it came
    # to: on paper or not, and the application not marked as handed over.
    step = "print_failed" if issued.failed else "print_done"
    with (
        saving(step, ctx.paths.database.parent, then=issued.error, printer=name),
        ctx.locked(),
        transaction(ctx.db),
    ):
        ctx.journal.issuance.record_print(
            app_id,
            document=issued.document,
            printer=issued.printer,
            format=fmt,
            by_iin=actor.iin,
            status=issued.status,
            detail=issued.detail or None,
            duplicate=issued.duplicate,
            now=ctx.now(),
        )
        if printed is not None and not issued.failed:
            printed(issued)
    log.info(
        "print of a %s%s to %s: %s%s",
        issued.document,
        " (duplicate)" if issued.duplicate else "",
        issued.printer,
        issued.status,
        f" ({issued.detail})" if issued.detail else "",
    )
    return issued


class Issuance:
    """The document of an application: built, previewed, printed and reprinted; the survey."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def document(self, app_id: int, *, duplicate: bool = False) -> Document:
        """The talon (registered, issued) or the refusal notice (refused) of an application.

        Built by the same recipe as ``regdesk talon verify`` checks, so a talon printed here
        verifies there.
        """
        from regdesk.desk.districts import DistrictAdmin
        from regdesk.printing.records import build_document

        ctx = self._ctx
        record = ctx.record(app_id)
        with ctx.locked():
            signature = ctx.journal.registration.signature(app_id)
        signer = signature.signer_name if signature is not None else ""
        doc = build_document(
            record,
            ctx.config,
            employee=self._decided_by(record) or signer or self._acting_name(),
            issued_at=ctx.now(),
            duplicate=duplicate,
            signature_sha256=signature.content_sha256 if signature is not None else "",
            district_staff=DistrictAdmin(ctx).staff_on,
        )
        # Under training, or signed by a training key: the paper says so (desk.training).
        mark = paper_mark(ctx.config, signature.cert_issuer if signature is not None else "")
        return dataclasses.replace(doc, mark=mark) if mark else doc

    def preview(self, app_id: int) -> str:
        """The document as the 48-column receipt text, for the screen before printing."""
        from regdesk.printing.text import render_text

        return render_text(self.document(app_id), width=48)

    def issue(self, app_id: int, printer: str | None = None) -> Issued:
        """Step 8 at the desk: print the result for the applicant in front of the desk.

        The step is timed (the time-norm report reads it) when the print went through.
        """
        return self._print(app_id, printer, step_started=self._ctx.now())

    def reprint(
        self,
        app_id: int,
        printer: str | None = None,
        *,
        out: Path | None = None,
        fmt: str | None = None,
    ) -> Issued:
        """Print the document on ``printer`` (default: the config's), or write it to ``out``.

        ``fmt`` overrides the printer's format (``pdf-a5``, ``text-80``…). A registered
        application whose talon was printed becomes issued.
        """
        return self._print(app_id, printer, out=out, fmt=fmt)

    def _print(
        self,
        app_id: int,
        printer: str | None,
        *,
        out: Path | None = None,
        fmt: str | None = None,
        step_started: datetime | None = None,
    ) -> Issued:
        from regdesk.printing.records import document_kind

        ctx = self._ctx
        actor = ctx.actor()
        kind = document_kind(ctx.record(app_id))

        def handed_over(issued: Issued) -> None:
            if step_started is not None:
                ctx.end_step(app_id, "issue", step_started)
            record = ctx.journal.search.get(app_id)
            if issued.document == "talon" and record.state == State.REGISTERED:
                ctx.journal.registration.transition(
                    app_id, State.ISSUED, actor_iin=actor.iin, role=actor.role, now=ctx.now()
                )

        return print_recorded(
            ctx,
            app_id,
            kind,
            lambda duplicate: self.document(app_id, duplicate=duplicate),
            printer,
            out=out,
            fmt=fmt,
            printed=handed_over,
        )

    def save_survey(self, app_id: int, q1: int | None, q2: int | None) -> None:
        """The applicant's two answers about the service (either may be left out)."""
        ctx = self._ctx
        with saving("survey", ctx.paths.database.parent), ctx.locked():
            ctx.journal.issuance.save_survey(app_id, q1, q2, ctx.now())

    def _decided_by(self, record: ApplicationRecord) -> str:
        """The name of the employee who registered or refused the application, if known."""
        ctx = self._ctx
        with ctx.locked():
            events = ctx.journal.events.history(record.id)
        actor = next(
            (
                e.actor_iin
                for e in reversed(events)
                if e.to_state in (State.REGISTERED, State.REFUSED)
            ),
            None,
        )
        if not actor:
            return ""
        with ctx.locked():
            account = ctx.staff.get(actor)
        return account.full_name if account is not None else ""

    def _acting_name(self) -> str:
        ctx = self._ctx
        if ctx.employee is not None:
            return ctx.employee.full_name
        return ctx.operator.name if ctx.operator is not None else ""


__all__ = ["Issuance", "Issued", "default_printer", "output_document", "print_recorded"]
