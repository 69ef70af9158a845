"""Printers: a folder, a raw receipt printer on a real loopback socket, and CUPS through `lp`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from random import randrange
from typing import TypeVar

import pytest
from pypdf import PdfReader

from regdesk.config import Printer
from regdesk.printing.escpos import render_escpos
from regdesk.printing.printers import CupsPrinter, job_title, print_document
from regdesk.printing.samples import make_refusal, make_talon


def test_folder_printer_writes_the_file_and_numbers_duplicates(tmp_path: Path) -> None:
    printer = Printer(name="files", kind="folder", folder="out", format="pdf-a5")
    first = print_document(printer, make_talon(), tmp_path)
    assert first.status == "written" and first.path is not None
    assert first.path == tmp_path / "out" / "CLINIC-2026-000123-talon.pdf"
    assert first.path.read_bytes().startswith(b"%PDF")
    dups = [print_document(printer, make_talon(duplicate=True), tmp_path) for _ in range(2)]
    assert [d.path.name for d in dups if d.path] == [
        "CLINIC-2026-000123-talon-dup-1.pdf",
        "CLINIC-2026-000123-talon-dup-2.pdf",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["CLINIC-2026-000123-talon.pdf", *(d.path.name for d in dups if d.path)]
    )  # no temporary files left behind


def test_folder_printer_text_and_default_folder(tmp_path: Path) -> None:
    printer = Printer(name="files", kind="folder", format="text-58")
    result = print_document(printer, make_refusal(), tmp_path)
    assert result.path == tmp_path / "prints" / "CLINIC-2026-000124-refusal.txt"
    text = result.path.read_text(encoding="utf-8")
    assert "Әбілқасымова" in text and max(len(line) for line in text.splitlines()) <= 32


def test_folder_printer_failure_is_a_result_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the folder should be", encoding="utf-8")
    printer = Printer(name="files", kind="folder", folder="blocked")
    result = print_document(printer, make_talon(), tmp_path)
    assert result.status == "failed" and result.error is not None
    assert result.error.key == "printing.folder_failed"
    assert "blocked" in result.detail
    assert "«" in result.message("kk")


class _Sink:
    """A receipt printer stand-in: a TCP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        self.received.append(b"".join(chunks))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def sink() -> Iterator[_Sink]:
    s = _Sink()
    yield s
    s.close()


def test_raw_printer_delivers_the_escpos_bytes(tmp_path: Path, sink: _Sink) -> None:
    printer = Printer(name="receipt", kind="raw", host="127.0.0.1", port=sink.port)
    printer = Printer(**{**printer.__dict__, "format": "escpos-58"})
    doc = make_talon()
    result = print_document(printer, doc, tmp_path)
    assert result.status == "queued", result.detail
    sink.thread.join(timeout=10)
    assert sink.received == [render_escpos(doc, 32)]


def test_raw_printer_that_refuses_the_connection_fails_with_the_reason(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    printer = Printer(name="receipt", kind="raw", host="127.0.0.1", port=port, timeout=3)
    result = print_document(printer, make_talon(), tmp_path)
    assert result.status == "failed" and result.error is not None
    assert result.error.key == "printing.raw_failed"
    assert f"127.0.0.1:{port}" in result.message("ru")


def test_printer_without_its_setting_fails_clearly(tmp_path: Path) -> None:
    result = print_document(Printer(name="laser", kind="cups"), make_talon(), tmp_path)
    assert result.status == "failed" and result.error is not None
    assert result.error.key == "printing.printer_incomplete"
    assert "queue" in result.detail


def test_cups_without_lp_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = print_document(Printer(name="laser", kind="cups", queue="PDF"), make_talon(), tmp_path)
    assert result.status == "failed" and result.error is not None
    assert result.error.key == "printing.cups_missing"


def test_cups_command_line() -> None:
    lp = CupsPrinter("PDF", options=("media=A5",))
    assert lp.command("regdesk talon X-1", raw=True) == [
        "lp", "-d", "PDF", "-t", "regdesk talon X-1", "-o", "media=A5", "-o", "raw"
    ]  # fmt: skip
    assert job_title(make_talon()) == "regdesk talon CLINIC-2026-000123"
    assert make_talon().person.iin not in job_title(make_talon())


@pytest.mark.skipif(shutil.which("lp") is None, reason="CUPS client (lp) is not installed")
def test_lp_error_is_passed_on(tmp_path: Path) -> None:
    printer = Printer(name="laser", kind="cups", queue="regdesk-no-such-queue", timeout=20)
    result = print_document(printer, make_talon(), tmp_path)
    assert result.status == "failed" and result.error is not None
    assert result.error.key == "printing.cups_failed"
    assert "regdesk-no-such-queue" in result.detail
    assert result.detail.count(":") >= 2  # "...: lp: <what lp said>"


T = TypeVar("T")
CUPS_QUEUE = os.environ.get("REGDESK_TEST_CUPS_QUEUE", "")
CUPS_OUT = os.environ.get("REGDESK_TEST_CUPS_OUT", "")


def _cups_ready() -> str:
    """Why the real CUPS test cannot run here, or empty when it can."""
    if not CUPS_QUEUE or not CUPS_OUT:
        return "REGDESK_TEST_CUPS_QUEUE/REGDESK_TEST_CUPS_OUT not set (.ci/run sets them)"
    if shutil.which("lp") is None or shutil.which("lpstat") is None:
        return "CUPS client (lp, lpstat) is not installed"
    state = subprocess.run(
        ["lpstat", "-r"], capture_output=True, text=True, check=False, env={"LC_ALL": "C"}
    )
    if "is running" not in state.stdout:
        return "cupsd is not running"
    queue = subprocess.run(["lpstat", "-p", CUPS_QUEUE], capture_output=True, check=False)
    if queue.returncode != 0:
        return f"CUPS queue {CUPS_QUEUE} does not exist"
    return ""


def _wait_for(condition: Callable[[], T], what: str, seconds: float = 90) -> T:
    """``condition()`` once it is true, failing the test after ``seconds``.

    Polled: cupsd is another process and lpstat offers no event to wait on; the interval is only
    how often it is asked, never a wait before an assertion.
    """
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:g} s")
        time.sleep(0.2)
    return result


def _lpstat(*args: str) -> str:
    return subprocess.run(
        ["lpstat", *args], capture_output=True, text=True, check=False, env={"LC_ALL": "C"}
    ).stdout


def _jobs(queue: str, which: str) -> list[str]:
    """The ids of the queue's jobs, ``which`` being "completed" or "not-completed"."""
    return [line.split()[0] for line in _lpstat("-W", which, "-o", queue).splitlines() if line]


def _cups_printer(queue: str) -> Printer:
    return Printer(
        name="laser",
        kind="cups",
        queue=queue,
        # cups-pdf rebuilds the PDF from PostScript; the cairo renderer keeps its text searchable.
        options=("media=A5", "pdftops-renderer=pdftocairo"),
        timeout=30,
    )


@pytest.mark.cups
@pytest.mark.skipif(bool(_cups_ready()), reason=_cups_ready() or "ready")
def test_real_cups_prints_the_talon_to_the_pdf_queue(tmp_path: Path) -> None:
    number = f"CUPS-2026-{randrange(10**6):06d}"
    doc = make_talon(number=number)
    result = print_document(_cups_printer(CUPS_QUEUE), doc, tmp_path)
    assert result.status == "queued", result.detail
    assert result.job and result.job.startswith(CUPS_QUEUE + "-")

    # Once CUPS counts the job completed, cups-pdf has written and closed the file.
    job = result.job
    _wait_for(lambda: job in _jobs(CUPS_QUEUE, "completed"), f"CUPS completing {job}")
    out = Path(CUPS_OUT)
    found = [p for p in out.glob("*.pdf") if number in p.name and p.stat().st_size > 0]
    assert found, f"cups-pdf wrote no PDF for {number} into {out}"
    data = found[0].read_bytes()
    found[0].unlink()
    reader = PdfReader(BytesIO(data))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    text = " ".join(text.split())
    assert number in text
    assert "Әбілқасымова Гүлнұр Өмірқызы" in text
    assert "Талон прикрепления" in text and "тіркеу талоны" in text
    box = reader.pages[0].mediabox  # A5, as CUPS rounds it (421 x 595 pt)
    assert abs(float(box.width) * 25.4 / 72 - 148) < 1.5
    assert abs(float(box.height) * 25.4 / 72 - 210) < 1.5


@pytest.fixture
def stopped_queue(cups_queue: str) -> str:
    """A cups-pdf queue of its own that accepts jobs but is stopped (``cupsdisable``)."""
    subprocess.run(["cupsdisable", "-r", "paper jam", cups_queue], check=True)
    return cups_queue


@pytest.mark.cups
@pytest.mark.skipif(bool(_cups_ready()), reason=_cups_ready() or "ready")
def test_real_cups_a_stopped_queue_is_a_failed_print_and_the_job_is_withdrawn(
    tmp_path: Path, stopped_queue: str
) -> None:
    number = f"CUPS-2026-{randrange(10**6):06d}"
    result = print_document(_cups_printer(stopped_queue), make_talon(number=number), tmp_path)
    assert result.status == "failed" and result.error is not None
    assert result.error.key == "printing.cups_stopped"
    job = result.error.params["job"]
    assert str(job).startswith(stopped_queue + "-")
    assert "paper jam" in result.detail and f"cupsenable {stopped_queue}" in result.detail
    for lang in ("kk", "ru", "en"):
        assert stopped_queue in result.message(lang)
    # Withdrawn: it will not come out with the applicant's data when the queue is started again.
    assert job not in _jobs(stopped_queue, "not-completed")
    assert job in _jobs(stopped_queue, "completed")  # where CUPS keeps cancelled jobs too
