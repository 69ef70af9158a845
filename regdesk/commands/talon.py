"""``regdesk talon print|verify``: print a talon or refusal notice from the journal, check one.

``print`` builds the document of an application in the journal (the talon of a registered or
issued one, the refusal notice of a refused one, the annulment notice of an annulled one),
sends it to a configured printer or writes it to a file, and records the print; a document
printed before is marked as a duplicate, and a registered application whose talon is printed
becomes issued, as at the desk (the desk's issuance use case does it). Exit status 0 when the
printer took it, 1 otherwise (the failure is recorded too).

``print`` acts for an employee: they sign in first (``--as IIN`` and the password, or
``--password-stdin``; ``commands/signed_in.py``), and the print is recorded and audited in their
name, as at the desk. Exit status 1 also when the sign-in is refused, 74 without a database.

``verify`` reads the QR payload from a talon's PDF (its metadata, or its text) or from the text
given, and checks it against the journal: kind, number, clinic BIN, date and the digest over
what the QR does not show, then the application's EDS signature (an annulment notice's: the
annulment's). A talon of an annulled application no longer matches. Exit status 0 when everything
matches, 1 when something does not (it says what).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.config import Config
    from regdesk.core.clock import ClinicClock
    from regdesk.desk import DeskContext
    from regdesk.printing.documents import Document
    from regdesk.store.journal import (
        AnnulmentRecord,
        ApplicationRecord,
        Journal,
        SignatureRecord,
    )

EXIT_OK = 0
EXIT_FAILED = 1

FORMATS = ("pdf", "pdf-a4", "text", "escpos")
_BY_SUFFIX = {".pdf": "pdf-a5", ".txt": "text-80", ".escpos": "escpos-80", ".bin": "escpos-80"}


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("talon", help=t("printing.cli.help"), description=t("printing.cli.help"))
    p.set_defaults(handler=run)
    actions = p.add_subparsers(dest="talon_command", metavar="ACTION", required=True)

    pr = actions.add_parser(
        "print", help=t("printing.cli.print_help"), description=t("printing.cli.print_help")
    )
    pr.add_argument("number", metavar="NUMBER", help=t("printing.cli.opt_number"))
    where = pr.add_mutually_exclusive_group()
    where.add_argument("--printer", metavar="NAME", help=t("printing.cli.opt_printer"))
    where.add_argument("--out", metavar="FILE", help=t("printing.cli.opt_out"))
    pr.add_argument("--format", choices=FORMATS, help=t("printing.cli.opt_format"))
    from regdesk.commands.signed_in import add_options

    add_options(pr, ctx)

    ve = actions.add_parser(
        "verify", help=t("printing.cli.verify_help"), description=t("printing.cli.verify_help")
    )
    ve.add_argument("source", metavar="FILE.pdf|PAYLOAD", help=t("printing.cli.opt_source"))


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.common import open_existing_db
    from regdesk.core.errors import UserError
    from regdesk.store.journal import Journal
    from regdesk.store.paths import DataPaths

    if ns.talon_command == "print":  # as the employee who signs in
        from regdesk.commands.signed_in import act_signed_in

        return act_signed_in(ns, ctx, lambda desk: _print(ns, ctx, desk))
    config = ctx.config()
    paths = DataPaths.for_config(config)
    db = open_existing_db(ctx, paths.database)
    if db is None:
        return EXIT_FAILED
    try:
        journal = Journal(db)
        return _verify(ns, ctx, config, journal)
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_FAILED
    finally:
        db.conn.close()


def find_record(journal: Journal, reference: str, config: Config) -> ApplicationRecord | None:
    """The application with this number, or with this refusal reference (a refusal notice
    before registration); a refusal reference whose clinic or year is not the record's finds
    nothing."""
    from regdesk.printing.documents import parse_refusal_reference
    from regdesk.printing.records import reference_of
    from regdesk.store.journal import NotFoundError

    parsed = parse_refusal_reference(reference)
    if parsed is None:
        return journal.search.get_by_number(reference.strip())
    try:
        record = journal.search.get(parsed[2])
    except NotFoundError:
        return None
    return record if reference_of(record, config).upper() == reference.strip().upper() else None


def _desk(config: Config, journal: Journal, clock: ClinicClock) -> DeskContext:
    """The desk's context over the CLI's database, acting as ``cli:<os user>``."""
    from regdesk.commands.common import cli_actor
    from regdesk.core.application import Role
    from regdesk.desk import Actor, DeskContext

    desk = DeskContext(config, clock=clock, db=journal.db)
    desk.operator = Actor(cli_actor(), Role.ADMIN)
    return desk


def _format(choice: str | None, default: str) -> str:
    """The printer format for ``--format``: a receipt keeps the printer's paper width."""
    if choice is None:
        return default
    if choice == "pdf":
        return "pdf-a5"
    if choice == "pdf-a4":
        return choice
    width = "58" if default.endswith("-58") else "80"
    return f"{choice}-{width}"


def _print(ns: argparse.Namespace, ctx: Context, desk: DeskContext) -> int:
    """Print through the desk's issuance, so the rule is the desk's: a registered talon printed
    makes the application issued, a second print is a duplicate, every print is recorded."""
    config = desk.config
    record = find_record(desk.journal, ns.number, config)
    if record is None:
        ctx.warn("printing.cli.not_found", number=ns.number)
        return EXIT_FAILED
    from regdesk.core.application import State

    if record.state == State.ANNULLED:  # its paper now is the notice of the annulment
        from regdesk.desk import Corrections

        reprint = Corrections(desk).print_notice
    else:
        from regdesk.desk import Issuance

        reprint = Issuance(desk).reprint
    if ns.out:
        out = Path(ns.out)
        fmt = _format(ns.format, _BY_SUFFIX.get(out.suffix.lower(), "pdf-a5"))
        issued = reprint(record.id, out=out, fmt=fmt)
    else:
        printers = {p.name: p for p in config.printing.printers}
        from regdesk.desk.issuance import default_printer

        printer_name = ns.printer or default_printer(desk)
        printer = printers.get(printer_name)
        if printer is None:
            ctx.warn(
                "printing.unknown_printer", name=printer_name, known=", ".join(sorted(printers))
            )
            return EXIT_FAILED
        issued = reprint(record.id, printer_name, fmt=_format(ns.format, printer.format))
    if issued.duplicate:
        ctx.say("printing.cli.duplicate")
    if issued.failed:
        ctx.warn("printing.cli.failed", detail=issued.message(ctx.lang))
        return EXIT_FAILED
    if issued.status == "written":
        ctx.say("printing.cli.written", path=str(issued.path))
    elif issued.job:
        ctx.say("printing.cli.queued", printer=issued.printer, job=issued.job)
    else:
        ctx.say("printing.cli.sent", printer=issued.printer)
    return EXIT_OK


def payload_text(source: str) -> str | None:
    """The text to look for a payload in: a PDF's metadata and text, a text file, or ``source``."""
    from regdesk.printing.qr import PAYLOAD_RE

    path = Path(source)
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        return source
    data = path.read_bytes()
    if not data.startswith(b"%PDF"):
        return data.decode("utf-8", "replace")
    # regdesk's PDFs carry the payload in their Subject and Keywords as plain ASCII.
    found = PAYLOAD_RE.search(data.decode("latin-1"))
    if found:
        return found.group(0)
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    # A PDF that went through another program (a print-to-PDF, a scan with text) may keep the
    # payload only in the page text, which pypdf (when installed) can extract.
    from io import BytesIO

    reader = PdfReader(BytesIO(data))
    parts = [str(v) for v in (reader.metadata or {}).values()]
    parts += [page.extract_text() or "" for page in reader.pages]
    return "\n".join(parts)


def _verify(ns: argparse.Namespace, ctx: Context, config: Config, journal: Journal) -> int:
    from regdesk.desk import Corrections, DeskError, Issuance
    from regdesk.printing.documents import digest_fields
    from regdesk.printing.qr import PayloadError, mismatches, parse_payload
    from regdesk.printing.records import NotPrintable

    text = payload_text(ns.source)
    try:
        if text is None:
            raise PayloadError()
        payload = parse_payload(text)
    except PayloadError:
        if text is not ns.source:
            ctx.warn("printing.cli.no_payload_in_file", path=ns.source)
        else:
            ctx.warn("printing.payload_invalid")
        return EXIT_FAILED

    record = find_record(journal, payload.reference, config)
    if record is None:
        ctx.warn("printing.cli.unknown_document", number=payload.reference)
        return EXIT_FAILED
    desk = _desk(config, journal, ctx.clock())
    signature: SignatureRecord | AnnulmentRecord | None
    try:
        if payload.kind == "annulment":
            # The notice of an annulment: checked against the annulment and its own EDS.
            signature = journal.corrections.annulment(record.id)
            doc: Document = Corrections(desk).notice(record.id)
        else:
            # A talon of an annulled application no longer verifies: its kind is now "annulment".
            signature = journal.registration.signature(record.id)
            doc = Issuance(desk).document(record.id)
        bad = mismatches(payload, digest_fields(doc))
    except (NotPrintable, DeskError):
        bad = ("kind",)
    ok = not bad
    if ok:
        ctx.say("printing.cli.verify_ok", number=payload.reference)
    else:
        fields = ", ".join(ctx.t(f"printing.field.{name}") for name in bad)
        ctx.warn("printing.cli.verify_mismatch", number=payload.reference, fields=fields)
    return EXIT_OK if _check_signature(ctx, config, signature) and ok else EXIT_FAILED


def _check_signature(
    ctx: Context, config: Config, signature: SignatureRecord | AnnulmentRecord | None
) -> bool:
    """Verify the application's (or its annulment's) EDS over its stored canonical bytes; says
    the outcome."""
    import hashlib

    from regdesk.core.errors import UserError

    if signature is None:
        ctx.say("printing.cli.signature_none")
        return True
    if hashlib.sha256(signature.canonical).hexdigest() != signature.content_sha256.lower():
        ctx.warn("printing.cli.signature_bad", detail="content_sha256 != sha256(canonical)")
        return False
    try:
        from regdesk.signing import verify
        from regdesk.signing.policy import SigningPolicy
    except ImportError:
        ctx.say("printing.cli.signature_unchecked")
        return True
    try:
        policy = SigningPolicy.from_config(config.signing, config.resolve)
        result = verify(signature.cms, signature.canonical, policy=policy, use_ocsp=False)
    except UserError as exc:
        ctx.warn("printing.cli.signature_bad", detail=exc.message(ctx.lang))
        return False
    if not result.valid:
        detail = "; ".join(p.message(ctx.lang) for p in result.problems if p.blocking)
        ctx.warn("printing.cli.signature_bad", detail=detail)
        return False
    ctx.say("printing.cli.signature_ok", signer=result.signer.common_name)
    return True
