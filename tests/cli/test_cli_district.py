"""`regdesk district …` end to end: a real config file and database, signing in with --as and
the password on standard input; a receptionist is refused and changes nothing."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regdesk.cli import main
from regdesk.core.ids import make_iin
from regdesk.store.db import open_db
from regdesk.store.staff import Staff

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK = make_iin(date(1992, 11, 3), "male", 4567)
GOOD = "Kelbet-2026-qala"
CONFIG = """\
[clinic]
bin = "040340004129"

[storage]
data_dir = "data"

[[districts]]
number = 1
doctor = "Сәрсенбаева Гүлнар Асқарқызы"
nurse = "Ким Елена Викторовна"
addresses = ["Төле би 1-90", "Жамбыл көшесі"]

[[districts]]
number = 2
doctor = "Иванов Сергей Петрович"
addresses = ["Төле би 91-180"]
"""


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clinic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    code, out, err = run_cli(
        monkeypatch, capsys, "--config", str(config), "--lang", "en", "init",
        "--admin-iin", ADMIN, "--admin-name", "Сәрсенова Әйгерім", "--password-stdin",
        stdin=GOOD + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert "The config's districts imported into the database: 2" in out
    db = open_db(config.parent / "data" / "regdesk.sqlite3")
    try:
        moment = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
        Staff(db).add(CLERK, "Нұрланова Айгүл", "receptionist", GOOD, moment, actor="test")
    finally:
        db.conn.close()
    return config


def tables(config: Path) -> list[Any]:
    with closing(sqlite3.connect(config.parent / "data" / "regdesk.sqlite3")) as conn:
        return [
            conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("districts", "district_ranges", "district_staff")
        ]


def district(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    who: str = ADMIN,
    lang: str = "en",
) -> tuple[int, str, str]:
    return run_cli(
        monkeypatch, capsys, "--config", str(config), "--lang", lang, "district", *args,
        "--as", who, "--password-stdin", stdin=GOOD + "\n",
    )  # fmt: skip


def test_the_admin_lists_changes_and_shows_a_district(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = district(clinic, monkeypatch, capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["No.", "Name", "Doctor", "Nurse", "Attached/target"]
    assert lines[1].split() == ["1", "—", "Сәрсенбаева", "Гүлнар", "Асқарқызы", "Ким", "Елена",
                                "Викторовна", "0"]  # fmt: skip
    assert lines[2].split()[-2:] == ["—", "0"]  # no nurse in district 2

    code, out, _ = district(
        clinic, monkeypatch, capsys, "set-doctor", "1", "Әбілқасымов Нұрлан", "--from", "01.12.2026"
    )
    assert (code, out) == (0, "District 1's doctor from 01.12.2026: Әбілқасымов Нұрлан.\n")
    code, out, _ = district(clinic, monkeypatch, capsys, "set-target", "1", "1700", lang="ru")
    assert (code, out) == (0, "Участок 1 изменён.\n")
    streets = ("Төле би | ул. Толе би | 1-90", "Жамбыл көшесі | ул. Жамбыла")
    code, out, _ = district(clinic, monkeypatch, capsys, "set-streets", "1", *streets)
    assert code == 0
    code, out, _ = district(clinic, monkeypatch, capsys, "set-streets", "1", *streets)
    assert out == "District 1 unchanged: it already is so.\n"

    code, out, _ = district(clinic, monkeypatch, capsys, "show", "1")
    assert code == 0
    assert out.splitlines() == [
        "District 1: —",
        "Attached / target size: 0/1700",
        "Streets (Kazakh | Russian | houses):",
        "  Төле би | ул. Толе би | 1-90",
        "  Жамбыл көшесі | ул. Жамбыла",
        "Doctors and nurses (from – to):",
        "  doctor: Сәрсенбаева Гүлнар Асқарқызы  … – 30.11.2026",
        "  nurse: Ким Елена Викторовна  … – …",
        "  doctor: Әбілқасымов Нұрлан  01.12.2026 – …",
    ]
    with closing(sqlite3.connect(clinic.parent / "data" / "regdesk.sqlite3")) as conn:
        row = conn.execute(
            "SELECT actor_iin, object, detail FROM audit_log WHERE action = ?",
            ("admin.district_doctor",),
        ).fetchone()
    detail = json.loads(row[2])
    assert (row[0], row[1]) == (ADMIN, "district:1")
    assert (detail["before"]["doctor"], detail["after"]["doctor"]) == (
        "Сәрсенбаева Гүлнар Асқарқызы", "Әбілқасымов Нұрлан")  # fmt: skip
    assert detail["after"]["doctor_from"] == "2026-12-01"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("set-target", "1", "мыңжеті"), "Плановая численность — целое число"),
        (("set-doctor", "1", "X", "--from", "31.02.2026"), "Непонятная дата: «31.02.2026»"),
        (("set-streets", "1", "a | b | c | d"), "слишком много частей"),
        (("show", "7"), "Участка 7 нет в списке"),
        (("add", "2"), "Участок 2 уже есть"),
    ],
)
def test_bad_input_is_said_and_changes_nothing(
    clinic: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    said: str,
) -> None:
    before = tables(clinic)
    code, out, err = district(clinic, monkeypatch, capsys, *args, lang="ru")
    assert code == 1 and out == ""
    assert said in err and "Traceback" not in err
    assert tables(clinic) == before


@pytest.mark.parametrize(
    "args", [("list",), ("set-doctor", "1", "Басқа Дәрігер"), ("set-target", "2", "10")]
)
def test_a_receptionist_is_refused(
    clinic: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
) -> None:
    before = tables(clinic)
    code, out, err = district(clinic, monkeypatch, capsys, *args, who=CLERK, lang="kk")
    assert code == 1 and out == ""
    assert "Сіздің рөліңіз (тіркеуші)" in err and "тек меңгеруші мен әкімші" in err
    assert tables(clinic) == before
