"""`regdesk printer list|test|default` end to end: a real config with two folder printers, a real
database made by `regdesk init`, the admin signed in with the password on standard input."""

from __future__ import annotations

import io
import sqlite3
import sys
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from regdesk.cli import main
from regdesk.core.ids import make_iin
from regdesk.desk.terminal_name import ENV_VAR

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
GOOD = "Kelbet-2026-qala"
CONFIG = """\
[clinic]
bin = "040340004129"
code = "EMKH5"
name_ru = "Поликлиника № 5"

[storage]
data_dir = "data"

[printing]
default = "laser"

[[printing.printers]]
name = "laser"
kind = "folder"
folder = "laser-out"
format = "pdf-a5"

[[printing.printers]]
name = "receipt"
kind = "folder"
folder = "receipt-out"
format = "text-80"

[languages]
default = "en"
"""


def run_cli(
    config: Path, *args: str, stdin: str, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    mp.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clinic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv(ENV_VAR, "window-7")
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    code, _, err = run_cli(
        config,
        "init",
        "--admin-iin",
        ADMIN,
        "--admin-name",
        "Сәрсенова Әйгерім",
        "--password-stdin",
        stdin=GOOD + "\n",
        capsys=capsys,
        mp=monkeypatch,
    )
    assert code == 0, err
    return config


def as_admin(*args: str) -> tuple[str, ...]:
    return (*args, "--as", ADMIN, "--password-stdin")


def test_list_test_page_and_default(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str, password: str = GOOD) -> tuple[int, str, str]:
        return run_cli(
            clinic,
            *as_admin("printer", *args),
            stdin=password + "\n",
            capsys=capsys,
            mp=monkeypatch,
        )

    code, out, _ = cli("list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Workstation: window-7"
    assert lines[2].startswith("laser *") and lines[3].startswith("receipt ")
    assert lines[2].endswith(str(clinic.parent / "data" / "laser-out"))

    code, out, _ = cli("test", "laser")
    assert code == 0
    pdfs = list((clinic.parent / "data" / "laser-out").glob("*.pdf"))
    assert len(pdfs) == 1 and str(pdfs[0]) in out
    text = "\n".join(p.extract_text() or "" for p in PdfReader(str(pdfs[0])).pages)
    assert "TEST" in text and "EMKH5-TEST" in text

    code, out, _ = cli("default", "receipt")
    assert code == 0 and "receipt" in out
    code, out, _ = cli("list")
    assert out.splitlines()[3].startswith("receipt *")
    with closing(sqlite3.connect(clinic.parent / "data" / "regdesk.sqlite3")) as conn:
        rows = conn.execute(
            "SELECT actor_iin, action, object FROM audit_log"
            " WHERE action IN ('admin.printer_default', 'printer.test_page') ORDER BY id"
        ).fetchall()
    assert rows == [
        (ADMIN, "printer.test_page", "workstation:window-7"),
        (ADMIN, "admin.printer_default", "workstation:window-7"),
    ]

    # An unknown printer and a wrong password are said, and change nothing.
    code, _, err = cli("default", "laser-2")
    assert code == 1 and "laser-2" in err and "laser, receipt" in err
    code, _, err = cli("default", "laser", password="wrong-password")
    assert code == 1 and err
    code, out, _ = cli("list")
    assert out.splitlines()[3].startswith("receipt *")
