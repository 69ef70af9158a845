"""The table format and the screen's charts: 80 columns, no colour, bars in proportion."""

from __future__ import annotations

from report_support import CLINIC, HOURS, STEPS

from regdesk.desk.reports import Chart, Report
from regdesk.reporting import render
from regdesk.reporting.text import chart_lines


def test_the_table_fits_eighty_columns_without_colour(report: Report) -> None:
    for lang in ("kk", "ru", "en"):
        text = render(report, "table", CLINIC, lang).decode()
        assert "\x1b" not in text
        assert max(len(line) for line in text.splitlines()) <= 80
    text = render(report, "table", CLINIC, "ru").decode()
    assert text.splitlines()[0] == "Городская поликлиника № 5 Ауэзовского района"
    assert "DEMO-2026-000003" in text  # an application number is never broken
    assert "93,5\u00a0%" in text and "3:02:05" in text
    assert "1 сут. 2:03:04" in text


def test_a_histogram_stands_up_in_eighths_of_a_block() -> None:
    title, *rows, labels = chart_lines(HOURS, "en", 80)
    assert title == "Load by hour of day (top 16)"
    assert labels.split() == [f"{h:02d}" for h in range(8, 20)]
    assert len(rows) == 8
    columns = [labels.index(f"{h:02d}") for h in range(8, 20)]
    heights = [
        sum(" ▁▂▃▄▅▆▇█".index(row[c]) if c < len(row) else 0 for row in rows) for c in columns
    ]
    # 8 rows of 8 eighths for the top (16); each other column in proportion, 0 for 0.
    assert heights == [16, 64, 32, 0, 8, 24, 40, 48, 56, 4, 12, 20]


def test_bars_lie_down_in_proportion() -> None:
    title, first, second = chart_lines(STEPS, "en", 80)
    assert title == "Duration of sign-in, seconds"
    assert first.startswith("Employee signs in") and first.rstrip().endswith("12")
    assert second.rstrip().endswith("96")
    full = second.count("█")
    assert len(second) <= 80
    # 12 is an eighth of 96: the first bar is an eighth as long (in eighths of a block).
    eighths = first.count("█") * 8 + sum(" ▏▎▍▌▋▊▉".index(c) for c in first if c in "▏▎▍▌▋▊▉")
    assert eighths == full  # full*8/8


def test_a_histogram_too_wide_for_the_screen_lies_down() -> None:
    wide = Chart(
        "x.wide", "histogram", tuple(f"{i}–{i + 10} s" for i in range(0, 200, 10)), (1.0,) * 20
    )
    lines = chart_lines(wide, "en", 80)
    assert len(lines) == 21 and lines[1].startswith("0–10 s")


def test_an_empty_chart_says_so() -> None:
    assert chart_lines(Chart("x.none", "bars", (), ()), "kk", 80) == [
        "x.none",
        "Бұл кезеңде деректер жоқ.",
    ]


def test_a_table_too_wide_for_the_width_is_shown_a_row_at_a_time(report: Report) -> None:
    from regdesk.reporting.text import table_lines

    norms = report.tables[0]
    # 80 columns hold it as a table; 40 do not: each row, then each figure after its header.
    assert table_lines(norms, "en", 80)[1].split()[:2] == ["Action", "Count"]
    narrow = table_lines(norms, "en", 40)
    assert narrow[:4] == [
        "Duration of the actions against the norm",
        "Employee signs in · DEMO-2026-000003",
        "  Count: 1\u00a0234 · Median: 0:12",
        "  Within the norm: 93.5\u00a0%",
    ]
    assert all(len(line) <= 40 for line in narrow)
