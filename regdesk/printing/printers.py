"""Sending a document to the printers of ``[printing]``: CUPS, a raw network printer, a folder,
and the browser of a desk opened with ``regdesk serve`` (the PDF is handed back to the desk's
screen, which gives it to the browser).

``print_document`` never raises for a printer problem: it returns a ``PrintResult`` whose status
is ``failed`` with the reason, so the caller records every attempt in the journal and the talon
can be printed again from there. Recording is the caller's job (``Journal.issuance.record_print``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from regdesk.core.errors import UserError
from regdesk.printing.documents import Document

if TYPE_CHECKING:
    from regdesk.config import Printer

Status = Literal["queued", "written", "delivered", "failed"]
Format = Literal["pdf-a5", "pdf-a4", "text-80", "text-58", "escpos-80", "escpos-58"]

_JOB_RE = re.compile(r"request id is (\S+)")


class PrintError(UserError):
    """A printer did not take the document."""

    key = "printing.cups_failed"


@dataclass(frozen=True)
class Rendered:
    """A document turned into what a printer is sent."""

    data: bytes
    extension: str
    """File extension without the dot: pdf, txt, escpos."""
    raw: bool
    """True when CUPS must pass the bytes through untouched (ESC/POS)."""


@dataclass(frozen=True)
class PrintResult:
    """What became of one print: queued (CUPS, raw printer), written (folder), delivered (to
    the browser: ``data`` is the file for the screen to hand over, named ``file_name``), failed."""

    status: Status
    detail: str = ""
    """lp's job id, the file written, or why it failed (English, for the journal and logs)."""
    path: Path | None = None
    """The file written by a folder printer."""
    job: str | None = None
    """The CUPS job id, e.g. PDF-12."""
    error: UserError | None = None
    """The failure, to be shown in the user's language with ``error.message(lang)``."""
    data: bytes | None = None
    """A browser printer's document, for the browser."""
    file_name: str = ""

    def message(self, lang: str) -> str:
        """The failure in ``lang``, or the detail when the print did not fail."""
        return self.error.message(lang) if self.error is not None else self.detail


def render(doc: Document, fmt: str, kz1048: bool = True) -> Rendered:
    """``doc`` in printer format ``fmt`` (``pdf-a5``, ``text-58``, ``escpos-80``...)."""
    kind, _, size = fmt.partition("-")
    if kind == "pdf":
        from regdesk.printing.pdf import render_pdf

        return Rendered(render_pdf(doc, "A4" if size == "a4" else "A5"), "pdf", raw=False)
    width = 32 if size == "58" else 48
    if kind == "text":
        from regdesk.printing.text import render_text

        return Rendered(render_text(doc, width).encode("utf-8"), "txt", raw=False)
    if kind == "escpos":
        from regdesk.printing.escpos import render_escpos

        return Rendered(render_escpos(doc, width, kz1048=kz1048), "escpos", raw=True)
    raise ValueError(f"unknown print format {fmt!r}")


def job_title(doc: Document) -> str:
    """The CUPS job title: the kind and number only, as queues are visible to every user."""
    return f"regdesk {doc.kind} {doc.reference}"


class CupsPrinter:
    """A CUPS queue, through ``lp -d QUEUE -t TITLE`` with the document on standard input."""

    def __init__(
        self, queue: str, options: tuple[str, ...] = (), timeout: float = 15.0, lp: str = "lp"
    ) -> None:
        self.queue = queue
        self.options = options
        self.timeout = timeout
        self.lp = lp

    def command(self, title: str, raw: bool) -> list[str]:
        args = [self.lp, "-d", self.queue, "-t", title]
        for option in (*self.options, *(("raw",) if raw else ())):
            args += ["-o", option]
        return args

    def send(self, data: bytes, title: str, raw: bool = False) -> str:
        """Queue ``data``; returns the job id (e.g. ``PDF-12``), raises PrintError on failure."""
        exe = shutil.which(self.lp)
        if exe is None:
            raise PrintError("printing.cups_missing")
        try:
            done = subprocess.run(
                [exe, *self.command(title, raw)[1:]],
                input=data,
                capture_output=True,
                timeout=self.timeout,
                env=c_locale(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PrintError(
                "printing.cups_timeout", queue=self.queue, seconds=f"{self.timeout:g}"
            ) from None
        except OSError as exc:
            raise PrintError("printing.cups_failed", queue=self.queue, detail=str(exc)) from None
        out = done.stdout.decode("utf-8", "replace")
        err = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0:
            detail = err or out.strip() or f"lp exited with status {done.returncode}"
            raise PrintError("printing.cups_failed", queue=self.queue, detail=detail)
        found = _JOB_RE.search(out)
        job = found.group(1) if found else out.strip()
        self.confirm(job)
        return job

    def confirm(self, job: str) -> None:
        """Read ``job`` back from CUPS; PrintError when it waits at a stopped queue.

        ``lp`` takes a job for a disabled queue without a word, and the job would sit there
        (with the applicant's data) until someone enables the queue, perhaps after the talon was
        printed elsewhere. Such a job is withdrawn and the print fails with the queue's reason.
        A job that is printing, waiting its turn at a working queue, or already done was sent.
        Without ``lpstat`` (or when it fails) lp's word is all there is.
        """
        lpstat = shutil.which("lpstat")
        if lpstat is None or not job:
            return
        waiting = self._ask([lpstat, "-W", "not-completed", "-o", self.queue])
        if waiting is None or job not in waiting.split():
            return  # done already (or unknown to lpstat): nothing waits at the queue
        state = self._ask([lpstat, "-p", self.queue])
        reason = stopped_reason(self.queue, state) if state is not None else None
        if reason is None:
            return
        cancel = shutil.which("cancel")
        if cancel is not None:
            self._ask([cancel, job])
        raise PrintError(
            "printing.cups_stopped", queue=self.queue, job=job, reason=reason or "disabled"
        )

    def _ask(self, command: list[str]) -> str | None:
        """The standard output of a CUPS client command, or None when it fails."""
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=self.timeout, env=c_locale(), check=False
            )
        except (subprocess.TimeoutExpired, OSError):
            return None
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def c_locale() -> dict[str, str]:
    """The environment for CUPS' commands: their messages are parsed, so not translated."""
    return {**os.environ, "LC_ALL": "C", "LANG": "C"}


def stopped_reason(queue: str, status: str) -> str | None:
    """Why ``queue`` is stopped, from ``status`` (what ``lpstat -p QUEUE`` said); None when it
    is not stopped, "" when it is and says no reason."""
    if not re.match(rf"printer {re.escape(queue)} disabled", status):
        return None
    # The lines after the first say why (e.g. "Paused", or the backend's last error).
    return " ".join(line.strip() for line in status.splitlines()[1:] if line.strip())


class RawPrinter:
    """A network receipt printer taking raw bytes on a TCP port (usually 9100)."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 15.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    def send(self, data: bytes) -> None:
        """Deliver ``data``; raises PrintError when the printer cannot be reached or hangs up."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise PrintError(
                "printing.raw_failed", host=self.host, port=self.port, detail="timed out"
            ) from None
        except OSError as exc:
            detail = exc.strerror or str(exc)
            raise PrintError(
                "printing.raw_failed", host=self.host, port=self.port, detail=detail
            ) from None


class FolderPrinter:
    """A folder receiving each document as a file (the demo's printer, or a hot folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def target(self, doc: Document, extension: str) -> Path:
        """``<number>-<document>.<ext>``, and ``<number>-<document>-dup-N.<ext>`` for reprints."""
        stem = file_stem(doc)
        if not doc.duplicate:
            return self.folder / f"{stem}.{extension}"
        n = 1
        while (self.folder / f"{stem}-dup-{n}.{extension}").exists():
            n += 1
        return self.folder / f"{stem}-dup-{n}.{extension}"

    def write(self, doc: Document, rendered: Rendered) -> Path:
        """Write the file whole or not at all; returns its path."""
        path = self.target(doc, rendered.extension)
        write_atomic(path, rendered.data)
        return path


def file_stem(doc: Document) -> str:
    """``<number>-<document>``: the name of a document's file, in a folder or a download."""
    return re.sub(r"[^A-Za-z0-9-]", "_", doc.reference) + f"-{doc.kind}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (PrintError when the folder refuses)."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PrintError(
            "printing.folder_failed", folder=str(folder), detail=exc.strerror or str(exc)
        ) from None


_PRINTED = re.compile(r"^(?:[A-Za-z0-9_-]+\.(?:pdf|txt|escpos)|\..+\.part)$")
"""Names ``FolderPrinter`` writes (and its ``.part`` files): only these are ever removed, so a hot
folder shared with another program keeps that program's files."""


def old_prints(folder: Path, older_than: datetime) -> list[Path]:
    """The printed files in ``folder`` last written before ``older_than`` (aware)."""
    limit = older_than.timestamp()
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        try:
            if (
                _PRINTED.match(entry.name)
                and entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < limit
            ):
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


STALE_PART_AGE = timedelta(minutes=15)
"""A folder printer's ``.part`` file older than this was left by a desk that died while writing
(killed, power cut): writing one document takes far less, and another desk may be writing one
now."""

_PART = re.compile(r"^\..+\.part$")


def left_parts(folder: Path, older_than: datetime) -> list[Path]:
    """The ``.part`` files ``write_atomic`` left in ``folder`` before ``older_than`` (aware)."""
    return [p for p in old_prints(folder, older_than) if _PART.match(p.name)]


def doctor_prints(printers: Iterable[Printer], data_dir: Path, now: datetime) -> list[Path]:
    """What ``regdesk doctor`` removes of the folder printers' files at ``now``: printed files
    past their printer's ``keep_hours``, and in every folder (its files kept or not) the
    ``.part`` files of a write that never finished."""
    found: set[Path] = set()
    for folder, hours in printed_folders(printers, data_dir):
        if hours > 0:
            found.update(old_prints(folder, now - timedelta(hours=hours)))
        found.update(left_parts(folder, now - STALE_PART_AGE))
    return sorted(found)


def printed_folders(printers: Iterable[Printer], data_dir: Path) -> list[tuple[Path, float]]:
    """Each folder printer's folder with how many hours its files are kept (0: kept), once."""
    seen: dict[Path, float] = {}
    for printer in printers:
        if printer.kind == "folder":
            folder = folder_of(printer, data_dir)
            # Two printers sharing a folder: the longer keeping wins (0, "keep", wins outright).
            hours = printer.keep_hours
            if folder in seen and (seen[folder] == 0 or hours == 0):
                hours = 0
            elif folder in seen:
                hours = max(hours, seen[folder])
            seen[folder] = hours
    return sorted(seen.items())


def remove_old_prints(
    printers: Iterable[Printer], data_dir: Path, now: datetime
) -> tuple[int, list[str]]:
    """Remove printed files older than their printer's ``keep_hours``; (removed, failures)."""
    removed, failed = 0, []
    for folder, hours in printed_folders(printers, data_dir):
        if hours <= 0:
            continue
        for path in old_prints(folder, now - timedelta(hours=hours)):
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                continue
            except OSError as exc:
                failed.append(f"{path}: {exc.strerror or exc}")
    return removed, failed


def folder_of(printer: Printer, data_dir: Path) -> Path:
    """The folder of a folder printer: its setting, relative to the data folder, or prints/."""
    if not printer.folder:
        return data_dir / "prints"
    folder = Path(printer.folder).expanduser()
    return folder if folder.is_absolute() else data_dir / folder


def check_printer(printer: Printer) -> None:
    """Raise PrintError when a setting the printer's kind needs is empty."""
    needed = {"cups": ("queue",), "raw": ("host",), "folder": (), "browser": ()}[printer.kind]
    for setting in needed:
        if not getattr(printer, setting):
            raise PrintError("printing.printer_incomplete", name=printer.name, setting=setting)


def send(printer: Printer, doc: Document, rendered: Rendered, data_dir: Path) -> PrintResult:
    """Send an already rendered document; failures become a ``failed`` result."""
    try:
        check_printer(printer)
        if printer.kind == "cups":
            job = CupsPrinter(printer.queue, printer.options, printer.timeout).send(
                rendered.data, job_title(doc), raw=rendered.raw
            )
            return PrintResult("queued", detail=job, job=job)
        if printer.kind == "raw":
            RawPrinter(printer.host, printer.port, printer.timeout).send(rendered.data)
            return PrintResult("queued", detail=f"{printer.host}:{printer.port}")
        if printer.kind == "browser":
            name = file_stem(doc) + ("-dup" if doc.duplicate else "") + f".{rendered.extension}"
            return PrintResult("delivered", detail=name, data=rendered.data, file_name=name)
        path = FolderPrinter(folder_of(printer, data_dir)).write(doc, rendered)
        return PrintResult("written", detail=str(path), path=path)
    except UserError as exc:
        return PrintResult("failed", detail=exc.message("en"), error=exc)


def print_document(
    printer: Printer, doc: Document, data_dir: Path, fmt: str | None = None
) -> PrintResult:
    """Render ``doc`` in the printer's format (or ``fmt``) and send it to ``printer``."""
    try:
        rendered = render(doc, fmt or printer.format, printer.kz1048)
    except UserError as exc:
        return PrintResult("failed", detail=exc.message("en"), error=exc)
    return send(printer, doc, rendered, data_dir)
