"""JSON: every value keeps its type, read back by a program."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from report_support import CLINIC

from regdesk.desk.reports import Report
from regdesk.reporting import render


def test_the_report_reads_back_with_its_types(report: Report) -> None:
    data = json.loads(render(report, "json", CLINIC, "kk"))
    assert data["report"] == "norms"
    assert data["title"] == "Уақыт нормалары"
    assert data["clinic"] == {"name": "Әуезов ауданының №5 қалалық емханасы", "bin": "040340004129"}
    assert data["period"] == {"first": "2026-03-01", "last": "2026-03-31", "by": "week"}
    assert data["scope"] == {"employee_iin": None, "district": 2}
    generated = datetime.fromisoformat(data["generated_at"])
    assert generated.utcoffset() == timedelta(hours=5)
    assert generated == datetime.fromisoformat("2026-04-01T04:30:00+00:00")

    norms, portal = data["tables"]
    assert [c["kind"] for c in norms["columns"]] == ["key", "int", "duration", "percent", "text"]
    assert norms["columns"][0] == {"key": "report_data.col.step", "title": "Әрекет", "kind": "key"}
    # Text cells keep the report's keys; counts are ints, durations seconds, percents shares.
    assert norms["rows"] == [
        ["core.step.sign_in", 1234, 12, 0.935, "DEMO-2026-000003"],
        ["core.step.register", 3, 10925, 1.0, None],
    ]
    assert isinstance(norms["rows"][0][1], int)
    (row,) = portal["rows"]
    assert date.fromisoformat(row[1]) == date(2026, 3, 9)
    at = datetime.fromisoformat(row[2])
    assert (at.hour, at.minute, at.utcoffset()) == (17, 45, timedelta(hours=5))
    assert row[3] == 93784 and row[4] == 0.5


def test_charts_and_norms_are_there_with_their_titles(report: Report) -> None:
    data = json.loads(render(report, "json", CLINIC, "ru"))
    hours, steps = data["charts"]
    assert hours["kind"] == "histogram" and hours["labels"][0] == "08"
    assert hours["values"][1] == 16.0
    assert steps["labels"] == ["core.step.sign_in", "core.step.register"]
    assert steps["label_titles"] == ["Авторизация сотрудника", "Регистрация заявления"]
    assert hours["label_titles"] == hours["labels"]  # hours are not catalogue keys
    assert data["norms"][1] == {
        "action": "core.step.register",
        "title": "Регистрация заявления",
        "norm": "report_data.norm.register",
        "text": "10–15 секунд или 1,5 минуты",
    }
