"""The inspector's PDF read back with pypdf: the clinic, the period, the figures, kk and ru."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from report_support import CLINIC, NORMS, make_report

from regdesk.desk.reports import Chart, Report, Table
from regdesk.reporting import render


def _text(report: Report) -> list[str]:
    reader = PdfReader(io.BytesIO(render(report, "pdf", CLINIC, "en")))
    return [page.extract_text() for page in reader.pages]


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_clinic_period_and_figures_in_kazakh_and_russian(report: Report) -> None:
    (page,) = _text(report)
    text = _flat(page)
    assert "Әуезов ауданының №5 қалалық емханасы" in text
    assert "Городская поликлиника № 5 Ауэзовского района" in text
    assert "Кезең: 2026-03-01 – 2026-03-31, апталар бойынша" in text
    assert "Период: 2026-03-01 – 2026-03-31, по неделям" in text
    assert "Учаске № 2" in text and "Участок № 2" in text
    # The figures: 1 234 cases, a median of 0:12, 93,5 % within, 3:02:05; on the bilingual
    # paper a day and 2:03:04 is 26:03:04, the same in both languages.
    for figure in ("1 234", "0:12", "93,5 %", "3:02:05", "DEMO-2026-000003", "2026-03-09 17:45"):
        assert figure in text, figure
    assert "26:03:04" in text and "тәул." not in text
    # Headers and actions in both languages; a Kazakh word with its own letters.
    assert "Қызметкердің жүйеге кіруі" in text and "Авторизация сотрудника" in text


def test_the_norms_are_quoted_beside_the_actions_and_listed(report: Report) -> None:
    text = _flat(_text(report)[0])
    assert "Нормы времени по регламенту" in text
    assert "Регламенттің уақыт нормалары" in text
    # Each norm in Kazakh and Russian, once when the two say the same.
    assert "Авторизация сотрудника: «10–15 секунд» Өтінішті" in text
    assert "«10–15 секунд немесе 1,5 минут» / «10–15 секунд или 1,5 минуты»" in text
    # Beside the figures: the norm's column in the table of actions.
    table = text[text.index("DEMO-2026-000003") : text.index("Нормы времени по регламенту")]
    assert "10–15 секунд" in table


def test_a_long_table_goes_on_over_pages_with_its_header_again() -> None:
    rows = tuple(
        ("core.step.sign_in", i, timedelta(seconds=i), 0.5, f"DEMO-2026-{i:06d}")
        for i in range(300)
    )
    long = Table(NORMS.key, NORMS.columns, rows)
    pages = _text(make_report(long, charts=()))
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert "Әрекет" in page and "Действие" in page  # the header on every page
        assert f"{number}-бет / Стр. {number}" in _flat(page)
    every = _flat(" ".join(pages))
    assert "DEMO-2026-000000" in every and "DEMO-2026-000299" in every


def test_a_character_the_font_lacks_is_written_plainly() -> None:
    durations = Chart(
        "report_data.chart.durations.sign_in",
        "histogram",
        ("0–3", "3–6", "≥30"),
        (1.0, 4.0, 2.0),
        unit="report_data.unit.seconds",
    )
    text = _flat(_text(make_report(charts=(durations,)))[0])
    assert "Ұзақтығы: кіру, секунд" in text and "Длительность: вход, секунды" in text
    assert "0–3" in text and ">=30" in text


def test_a_table_too_wide_for_the_page_is_written_a_row_at_a_time() -> None:
    from regdesk.desk.reports import Column

    # Twelve answer counts under long headers cannot stand side by side on A4.
    columns = (
        Column("report_data.col.question", "key"),
        *(Column(f"report_data.col.answer_{a}", "int") for a in (1, 2, 3) for _ in range(4)),
    )
    wide = Table("report_data.table.survey", columns, (("report_data.survey.q1", *range(12)),))
    text = _flat(_text(make_report(wide, charts=()))[0])
    # The question names the row; each count follows its header, in both languages.
    assert "1. Мемлекеттік қызмет" in text
    assert "1 — қанағаттанбаймын / 1 — не удовлетворён: 0 ·" in text
    assert "3 — қанағаттанамын / 3 — удовлетворён: 11" in text
