"""``regdesk report``: exit codes, the words of a bad call in kk/ru/en, the files it writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from staff_cli import ADMIN, PASSWORD, init_with_admin, main_with_stdin

from regdesk.core.clock import PinnedClock

CONFIG = """\
[clinic]
bin = "040340004129"
name_kk = "Сынақ емханасы"
name_ru = "Тестовая поликлиника"

[storage]
data_dir = "data"
scan_dir = "scans"

[languages]
default = "en"
"""

PERIOD = ["--from", "2026-03-01", "--to", "2026-03-31"]


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    (config.parent / "scans").mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    init_with_admin(config)
    return config


def _run(
    config: Path, *args: str, lang: str = "en", iin: str = ADMIN, password: str = PASSWORD
) -> int:
    """``regdesk report`` signed in as ``iin`` (the clinic's first admin by default)."""
    from datetime import datetime

    from regdesk.core.clock import zone

    clock = PinnedClock(datetime(2026, 4, 1, 9, 0, tzinfo=zone("Asia/Almaty")), "Asia/Almaty")
    argv = ["--lang", lang, "--config", str(config), "report", *args, "--as", iin]
    return main_with_stdin([*argv, "--password-stdin"], password + "\n", clock=clock)


def test_a_report_prints_as_a_table(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert _run(clinic, "norms", *PERIOD, lang="ru") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "Тестовая поликлиника",
        "Нормы времени",
        "Период: 2026-03-01 – 2026-03-31, по дням",
        "Вся поликлиника",
    ]


def test_the_grouping_follows_the_period_unless_given(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert _run(clinic, "norms", "--from", "01.01.2026", "--to", "31.12.2026") == 0
    assert "Period: 2026-01-01 – 2026-12-31, by month" in capsys.readouterr().out
    assert _run(clinic, "norms", "--from", "2026-01-01", "--to", "2026-02-28") == 0
    assert "by week" in capsys.readouterr().out
    assert _run(clinic, "norms", *PERIOD, "--by", "month", "--district", "3") == 0
    out = capsys.readouterr().out
    assert "by month" in out and "District 3" in out


BAD = {
    "name": (["nope", *PERIOD], {"kk": "«nope» деген есеп жоқ", "ru": "Отчёта «nope» нет"}),
    "date": (
        ["norms", "--from", "2026-02-30", "--to", "2026-03-31"],
        {"kk": "«2026-02-30» — күн емес", "ru": "«2026-02-30» — не дата"},
    ),
    "period": (
        ["norms", "--from", "2026-04-01", "--to", "2026-03-31"],
        {"kk": "Кезең басталмай тұрып аяқталады", "ru": "Период кончается раньше"},
    ),
    "iin": (["norms", *PERIOD, "--employee", "12345"], {"kk": "--employee", "ru": "--employee"}),
    "district": (
        ["norms", *PERIOD, "--district", "0"],
        {"kk": "учаске нөмірі емес", "ru": "не номер участка"},
    ),
    "binary_to_terminal": (
        ["norms", *PERIOD, "--format", "xlsx"],
        {"kk": "файлға ғана жазылады", "ru": "только в файл"},
    ),
}
EN = {
    "name": 'There is no report "nope". The reports are: norms, portal, outcomes, survey,',
    "date": '"2026-02-30" is not a date. Write the date as 2026-03-01 or 01.03.2026.',
    "period": "The period ends before it starts: --to 2026-03-31 is before --from 2026-04-01.",
    "iin": "--employee: ",
    "district": '--district: "0" is not a district number.',
    "binary_to_terminal": "The xlsx format is written to a file only: add --out FILE.",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_wrong_usage_is_said_in_each_language_and_exits_2(
    clinic: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    args, words = BAD[case]
    capsys.readouterr()
    for lang in ("kk", "ru", "en"):
        assert _run(clinic, *args, lang=lang) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        expected = EN[case] if lang == "en" else words[lang]
        assert expected in captured.err, (lang, captured.err)
        assert "Traceback" not in captured.err


def test_no_database_exits_74_and_makes_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    assert _run(config, "norms", *PERIOD) == 74
    assert "regdesk.sqlite3" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_a_file_that_cannot_be_written_exits_1(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "march.pdf"
    assert _run(clinic, "norms", *PERIOD, "--format", "pdf", "--out", str(target)) == 1
    assert f"Cannot write the report to {target}" in capsys.readouterr().err
    assert not target.parent.exists()


def test_the_pdf_is_written_with_the_clinic_and_the_period(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "march.pdf"
    assert _run(clinic, "survey", *PERIOD, "--format", "pdf", "--out", str(target)) == 0
    assert capsys.readouterr().out.strip() == f"Report written: {target}"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    assert "Сынақ емханасы" in text and "Тестовая поликлиника" in text
    assert "Сауалнама (3-қосымша)" in text
    assert "Период: 2026-03-01 – 2026-03-31, по дням" in text
    assert not list(tmp_path.glob("*.part"))


def test_a_csv_of_several_tables_is_a_file_per_table(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    target = tmp_path / "march.csv"
    assert _run(clinic, "norms", *PERIOD, "--format", "csv", "--out", str(target)) == 0
    names = ["march-norms.csv", "march-norms_by_period.csv", "march-slowest.csv"]
    written = [tmp_path / name for name in names]
    assert capsys.readouterr().out.splitlines() == [f"Report written: {p}" for p in written]
    assert not target.exists()
    with written[0].open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    # The time norms of every action, even with no case in the period: a count of 0.
    assert rows[0][:3] == ["Action", "Count", "Unfinished"]
    assert rows[1][:3] == ["Employee signs in", "0", "0"]


def test_an_xlsx_has_a_sheet_per_table(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    target = tmp_path / "survey.xlsx"
    assert _run(clinic, "survey", *PERIOD, "--format", "xlsx", "--out", str(target), lang="kk") == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "Есеп туралы"
    assert len(book.sheetnames) == 1 + 2 + 2  # about, two tables, two charts


def test_a_report_signs_in_and_shows_what_the_role_may_see(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, date, datetime

    from regdesk.core.ids import make_iin
    from regdesk.store import audit
    from regdesk.store.db import open_db
    from regdesk.store.staff import Staff

    clerk = make_iin(date(1992, 11, 3), "male", 4567)
    new_password = "Zhana-Qupia-2026"
    db = open_db(clinic.parent / "data" / "regdesk.sqlite3")
    at = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    Staff(db).add(clerk, "Иванов Пётр", "receptionist", new_password, at, actor=ADMIN)
    db.conn.close()
    # A wrong password: nothing printed, the failure audited in that employee's name.
    assert _run(clinic, "norms", *PERIOD, password="not-the-Password-1") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Signed in" not in captured.err
    # A receptionist asking for the admin's figures is refused by the desk's rule.
    refused = _run(clinic, "norms", *PERIOD, "--employee", ADMIN, iin=clerk, password=new_password)
    assert refused == 1
    assert "own figures" in capsys.readouterr().err
    # Their own: the report says whose figures it shows; the admin's covers the whole clinic.
    assert _run(clinic, "norms", *PERIOD, iin=clerk, password=new_password) == 0
    assert f"Employee: {clerk}" in capsys.readouterr().out
    assert _run(clinic, "norms", *PERIOD) == 0
    assert "The whole clinic" in capsys.readouterr().out
    db = open_db(clinic.parent / "data" / "regdesk.sqlite3")
    assert [r.actor_iin for r in audit.recent(db, action="sign_in_failed")] == [ADMIN]
    db.conn.close()
