"""CSV: UTF-8, a header row, values a program reads back; one table per file."""

from __future__ import annotations

import csv
import io

from report_support import CLINIC, make_report

from regdesk.desk.reports import Report
from regdesk.reporting import render
from regdesk.reporting.csv_file import csv_tables, render_csv


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_each_table_is_its_own_file_with_a_header_row(report: Report) -> None:
    files = dict(csv_tables(report, "ru"))
    assert list(files) == ["norms", "portal_late"]
    norms = _rows(files["norms"])
    assert norms[0] == [
        "Действие",
        "Количество",
        "Медиана, с",
        "В пределах нормы, %",
        "Номер заявления",
    ]
    # 12 s in seconds, 3:02:05 = 10925 s, 0.935 as 93.5 points, no value as an empty field.
    assert norms[1] == ["Авторизация сотрудника", "1234", "12", "93.5", "DEMO-2026-000003"]
    assert norms[2] == ["Регистрация заявления", "3", "10925", "100", ""]
    assert len(norms) == 3


def test_dates_are_iso_and_datetimes_keep_their_offset(report: Report) -> None:
    portal = _rows(dict(csv_tables(report, "en"))["portal_late"])
    # One day 2 h 3 min 4 s = 93784 s.
    assert portal[1] == [
        "DEMO-2026-000007",
        "2026-03-09",
        "2026-03-09T17:45:00+05:00",
        "93784",
        "50",
    ]


def test_the_terminal_gets_the_tables_one_after_another(report: Report) -> None:
    text = render(report, "csv", CLINIC, "kk").decode("utf-8")
    assert text == render_csv(report, "kk")
    rows = _rows(text)
    blank = rows.index([])
    assert rows[0][0] == "Әрекет" and rows[blank + 1][0] == "Өтініш нөмірі"
    assert rows[1][0] == "Қызметкердің жүйеге кіруі"


def test_two_tables_of_one_key_get_two_names() -> None:
    report = make_report(*make_report().tables[:1] * 2)
    assert [name for name, _ in csv_tables(report, "en")] == ["norms", "norms-2"]
