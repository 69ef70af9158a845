"""The workbook, opened with openpyxl: a sheet per table, typed cells, formats, charts."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
from report_support import CLINIC, make_report

from regdesk.desk.reports import Chart, Report, Table
from regdesk.reporting import render


def _book(report: Report, lang: str = "ru") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CLINIC, lang)))


def test_one_sheet_per_table_and_per_chart_after_the_one_about_the_report(report: Report) -> None:
    book = _book(report)
    # Titles: the catalogue's names of the tables and charts (":" is not allowed in a name).
    assert book.sheetnames == [
        "Об отчёте",
        "Длительность действий и норма",
        "Решения после срока",
        "Нагрузка по часам суток",
        "Длительность вход, секунды",
    ]
    about = book["Об отчёте"]
    values = [c.value for row in about.iter_rows() for c in row if c.value]
    assert "Городская поликлиника № 5 Ауэзовского района" in values
    assert "Период: 2026-03-01 – 2026-03-31, по неделям" in values
    assert "Авторизация сотрудника" in values and "10–15 секунд" in values
    assert "10–15 секунд или 1,5 минуты" in values


def test_cells_are_typed_and_formatted(report: Report) -> None:
    sheet = _book(report)["Длительность действий и норма"]
    assert [c.value for c in sheet[1]] == [
        "Действие",
        "Количество",
        "Медиана",
        "В пределах нормы",
        "Номер заявления",
    ]
    action, count, median, share, number = sheet[2]
    assert (action.value, action.data_type) == ("Авторизация сотрудника", "s")
    assert (count.value, count.data_type) == (1234, "n")
    # A duration is an Excel duration: 12 s is 12/86400 of a day, shown as [h]:mm:ss.
    assert median.number_format == "[h]:mm:ss"
    assert median.value == timedelta(seconds=12)
    assert (share.value, share.number_format) == (0.935, "0.0%")
    assert number.value == "DEMO-2026-000003"
    assert sheet["C3"].value == timedelta(hours=3, minutes=2, seconds=5)
    assert sheet["E3"].value is None  # no slowest case: an empty cell, not a dash
    assert sheet.freeze_panes == "A2"


def test_dates_are_dates_in_clinic_time(report: Report) -> None:
    sheet = _book(report)["Решения после срока"]
    day, at, late = sheet["B2"], sheet["C2"], sheet["D2"]
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert day.value == datetime(2026, 3, 9)
    # Excel has no zones: the clinic's wall-clock time is kept (17:45 in Almaty, not 12:45 UTC).
    assert at.is_date and at.value == datetime(2026, 3, 9, 17, 45)
    assert late.value == timedelta(days=1, hours=2, minutes=3, seconds=4)


def test_a_chart_sheet_has_its_figures_and_a_drawn_chart(report: Report) -> None:
    data = render(report, "xlsx", CLINIC, "en")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Load by hour of day"]
    assert [c.value for c in sheet["A"]][:3] == ["Load by hour of day", "08", "09"]
    assert [c.value for c in sheet["B"]][1:3] == [4, 16]
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        charts = [n for n in parts.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2


def test_long_titles_become_valid_unique_sheet_names() -> None:
    long = Table("x" * 40 + ":/?", (), ())
    late = Chart("report_data.chart.portal_late", "bars", ("a",), (1.0,))
    data = render(make_report(long, long, charts=(late, late)), "xlsx", CLINIC, "en")
    book = openpyxl.load_workbook(io.BytesIO(data))
    # 31 characters at most, none of []:*?/\, each name once (Excel compares them in any case).
    assert book.sheetnames[1:] == [
        "x" * 31,
        "x" * 27 + " (2)",
        "Decisions after the deadline",
        "Decisions after the deadlin (2)",
    ]
