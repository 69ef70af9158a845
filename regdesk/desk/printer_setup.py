"""This workstation's printers, as the desk shows them: the list, a test page, the default.

The printers are defined in the workstation's config (a queue, a host, a folder: they belong to a
machine); which of them the print key uses is chosen here, by an admin (``Permission.SETTINGS``),
and kept per workstation name (``ctx.workstation``) in the clinic's database. A stored choice
naming a printer this config does not define is passed over for the config's default, so a
renamed printer never stops printing. A browser desk prints to the browser first, whatever was
chosen: its paper is the receptionist's own printer, reached through the browser.

The test page is the sample talon (every field filled, Kazakh letters everywhere: the code page
and the font are what a new printer most often gets wrong) under the clinic's own header, marked
TEST across the page so it is never taken for a real talon. Any employee may print one; it is
recorded in the audit (who, which printer, the outcome), never in the journal of applications.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from regdesk.config import BROWSER_PRINTER, Printer
from regdesk.core.errors import UserError
from regdesk.core.roles import Permission
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError, saving
from regdesk.desk.issuance import Issued, default_printer, output_document
from regdesk.store import audit, printer_choice

log = logging.getLogger("regdesk.printing")

TEST_MARK = "TEST"
"""The word across the test page; the same in every language, as on the talon's own marks."""


@dataclass(frozen=True)
class PrinterRow:
    """One printer of this workstation as the printers' screen lists it."""

    name: str
    kind: str
    """``cups``, ``raw``, ``folder`` or ``browser``."""
    format: str
    where: str
    """The CUPS queue, ``host:port``, the folder, or "" for the browser."""
    is_default: bool
    """The print key uses it at this workstation now."""


def where(printer: Printer, data_dir: Path) -> str:
    """What a printer points at, as an admin recognises it: the queue, the host and port, or the
    folder as the desk resolves it (relative to the data folder)."""
    if printer.kind == "cups":
        return printer.queue
    if printer.kind == "raw":
        return f"{printer.host}:{printer.port}"
    if printer.kind == "folder":
        from regdesk.printing.printers import folder_of

        return str(folder_of(printer, data_dir))
    return ""


class PrinterSetup:
    """The printers' screen and ``regdesk printer``: list, test page, this workstation's default."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    @property
    def workstation(self) -> str:
        return self._ctx.workstation

    def may_choose(self) -> bool:
        """Whether the employee acting now may choose the default (the screen shows the key)."""
        return self._ctx.may(Permission.SETTINGS)

    def printers(self) -> list[PrinterRow]:
        """Every printer of this workstation's config, the default marked."""
        self._ctx.actor()
        default = default_printer(self._ctx)
        return [
            PrinterRow(
                name=p.name,
                kind=p.kind,
                format=p.format,
                where=where(p, self._ctx.paths.root),
                is_default=p.name == default,
            )
            for p in self._ctx.config.printing.printers
        ]

    def _printer(self, name: str) -> Printer:
        printers = self._ctx.config.printing.printers
        found = next((p for p in printers if p.name == name), None)
        if found is None:
            known = ", ".join(p.name for p in printers)
            raise DeskError("printing.unknown_printer", name=name, known=known)
        return found

    def choose_default(self, name: str) -> None:
        """Make ``name`` this workstation's default printer (admin; audited before and after)."""
        actor = self._ctx.require(Permission.SETTINGS, "printer_default")
        printer = self._printer(name)
        if printer.kind == "browser" or self._ctx.config.printing.default == BROWSER_PRINTER:
            # A browser desk prints through the browser whatever is chosen, and its workstation
            # name is the server's: a choice made there would move the server's own desk.
            raise DeskError("printer_setup.browser_not_default")
        ctx = self._ctx
        with (
            saving("printer_default", ctx.paths.database.parent, printer=printer.name),
            ctx.locked(),
        ):
            printer_choice.choose(
                ctx.db, ctx.workstation, printer.name, actor=actor.iin, at=ctx.clock.utc()
            )
        log.info("default printer of this workstation set to %s", printer.name)

    def test_page(self, name: str) -> Issued:
        """Print the test page on ``name``; a failed print comes back with its reason."""
        from regdesk.printing.documents import ClinicInfo
        from regdesk.printing.samples import make_talon

        ctx = self._ctx
        actor = ctx.actor()
        printer = self._printer(name)
        now = ctx.now()
        doc = make_talon(
            clinic=ClinicInfo.from_config(ctx.config.clinic),
            number=f"{ctx.config.clinic.code}-{TEST_MARK}",
            date=now.date(),
            employee=actor.name,
            issued_at=now,
            signature_sha256="",
        )
        doc = replace(doc, mark=TEST_MARK)
        try:
            result = output_document(printer, doc, ctx.paths.root, printer.format)
        except UserError as exc:  # a config that cannot be used is a failed print, said
            from regdesk.printing.printers import PrintResult

            result = PrintResult("failed", detail=exc.message("en"), error=exc)
        issued = Issued.of(doc.kind, result, duplicate=False, printer=printer.name)
        # A test the admin journal cannot record is said as what it came to: on paper or not.
        step = "test_page_failed" if issued.failed else "test_page"
        folder = ctx.paths.database.parent
        with (
            saving(step, folder, then=issued.error, printer=printer.name),
            ctx.locked(),
        ):
            audit.append(
                ctx.db,
                actor_iin=actor.iin,
                action="printer.test_page",
                object=f"workstation:{ctx.workstation}",
                detail={"printer": printer.name, "status": issued.status},
                at=ctx.clock.utc(),
            )
        log.info("test page to %s: %s", printer.name, issued.status)
        return issued


__all__ = ["TEST_MARK", "PrinterRow", "PrinterSetup", "where"]
