"""The districts in the database (issue 15): imported from the config once and idempotently, a
config that differs said once and never read again, the streets' ranges, and the periods of a
district's doctor and nurse (nothing rewritten)."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regdesk.cli import main
from regdesk.config import District
from regdesk.core.districts import suggest_district
from regdesk.core.errors import UserError
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.districts import AddressRange, Districts
from regdesk.store.paths import DataPaths

NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)

CONFIG = (
    District(1, "Сәрсенбаева Гүлнар", "Ким Елена", ("Төле би 1-90", "Жамбыл көшесі")),
    District(2, "Иванов Сергей", "", ("Төле би 91-180", "мкр. 5")),
)


def dump(path: Path) -> list[Any]:
    conn = sqlite3.connect(path)
    try:
        tables = ("districts", "district_ranges", "district_staff", "district_import", "audit_log")
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]
    finally:
        conn.close()


def test_the_config_is_imported_once_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    db = open_db(path)
    districts = Districts(db)
    done = districts.import_config(CONFIG, NOW, source="config.toml")
    assert (done.imported, done.differs) == (2, False)
    one, two = districts.records(date(2026, 11, 25))
    assert (one.number, one.doctor, one.nurse, one.target, one.name) == (
        1, "Сәрсенбаева Гүлнар", "Ким Елена", None, "")  # fmt: skip
    # The config's entries, cut into street and houses, give the matcher the same lines.
    assert one.ranges == (AddressRange("Төле би", "", "1-90"), AddressRange("Жамбыл көшесі"))
    assert one.addresses == ("Төле би 1-90", "Жамбыл көшесі")
    assert two.addresses == ("Төле би 91-180", "мкр. 5") and two.nurse == ""
    # Imported people served "since before the database knew": any old talon names them.
    assert districts.staff_on(1, date(2001, 1, 1)) == ("Сәрсенбаева Гүлнар", "Ким Елена")
    assert districts.staff_on(7, date(2026, 11, 25)) is None
    assert [r.action for r in audit.recent(db)] == ["admin.district_import"] * 2

    first = dump(path)
    again = districts.import_config(CONFIG, datetime(2026, 11, 26, tzinfo=UTC), source="x.toml")
    assert (again.imported, again.differs, again.first_notice) == (0, False, False)
    assert dump(path) == first
    db.conn.close()


def test_a_config_that_differs_is_said_once_and_not_read(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    districts = Districts(open_db(path))
    districts.import_config(CONFIG, NOW, source="config.toml")
    districts.appoint(2, "nurse", "Омарова Әсем", date(2026, 12, 1), NOW, actor="head")
    changed = (dataclasses.replace(CONFIG[0], doctor="Басқа Дәрігер"), CONFIG[1])
    said = districts.import_config(changed, NOW, source="config.toml")
    assert (said.imported, said.differs, said.first_notice) == (0, True, True)
    assert said.imported_at == NOW
    before = dump(path)
    again = districts.import_config(changed, NOW, source="config.toml")
    assert (again.differs, again.first_notice) == (True, False)
    assert dump(path) == before
    assert districts.get(1).doctor == "Сәрсенбаева Гүлнар"
    # The very config imported is no difference.
    assert not districts.import_config(CONFIG, NOW, source="config.toml").differs


def test_a_config_with_no_districts_leaves_the_import_to_come(tmp_path: Path) -> None:
    districts = Districts(open_db(tmp_path / "regdesk.sqlite3"))
    assert districts.import_config((), NOW, source="config.toml").imported == 0
    assert districts.import_config(CONFIG, NOW, source="config.toml").imported == 2


def test_a_change_of_doctor_closes_the_period_and_opens_one(tmp_path: Path) -> None:
    districts = Districts(open_db(tmp_path / "regdesk.sqlite3"))
    districts.import_config(CONFIG, NOW, source="config.toml")
    assert districts.appoint(1, "doctor", "Жаңа Дәрігер", date(2026, 12, 1), NOW, actor="h")
    assert districts.appoint(1, "doctor", "Үшінші Дәрігер", date(2027, 1, 10), NOW, actor="h")
    periods = [
        (a.full_name, a.valid_from, a.valid_to) for a in districts.history(1) if a.post == "doctor"
    ]
    assert periods == [
        ("Сәрсенбаева Гүлнар", None, date(2026, 12, 1)),
        ("Жаңа Дәрігер", date(2026, 12, 1), date(2027, 1, 10)),
        ("Үшінші Дәрігер", date(2027, 1, 10), None),
    ]
    on = districts.staff_on
    assert on(1, date(2026, 11, 30))[0] == "Сәрсенбаева Гүлнар"
    assert on(1, date(2026, 12, 1))[0] == "Жаңа Дәрігер"
    assert on(1, date(2027, 1, 9))[0] == "Жаңа Дәрігер"
    assert on(1, date(2027, 1, 10))[0] == "Үшінші Дәрігер"
    # Before the serving doctor's start: refused, nothing written.
    with pytest.raises(UserError) as refused:
        districts.appoint(1, "doctor", "Қате", date(2027, 1, 9), NOW, actor="h")
    assert refused.value.key == "districts.before_current"
    assert len(districts.history(1)) == 4  # three doctors and the nurse


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Абай даңғылы 1-45, 47", AddressRange("Абай даңғылы", "", "1-45, 47")),
        ("Абай даңғылы | пр. Абая | 1-45", AddressRange("Абай даңғылы", "пр. Абая", "1-45")),
        ("Шевченко көшесі | ул. Шевченко", AddressRange("Шевченко көшесі", "ул. Шевченко", "")),
        (" | ул. Ленина | 2 - 8, 10А, 40/2", AddressRange("", "ул. Ленина", "2-8, 10А, 40/2")),
        ("мкр. 5", AddressRange("мкр. 5")),
    ],
)
def test_a_range_is_read_and_written_back(line: str, expected: AddressRange) -> None:
    got = AddressRange.parse(line)
    assert got == expected
    assert AddressRange.parse(got.text()) == got


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("a | b | c | d", "districts.range_cells"),
        (" |  | 1-4", "districts.range_street"),
        ("Абай | | 1-4; 5", "districts.range_houses"),
        ("Абай | | бес", "districts.range_houses"),
    ],
)
def test_a_range_that_cannot_be_read_is_refused(line: str, key: str) -> None:
    with pytest.raises(UserError) as refused:
        AddressRange.parse(line)
    assert refused.value.key == key


def test_both_street_names_of_a_range_are_matched() -> None:
    # Written from the rule: a range's kk and ru names both serve; the houses bind both.
    @dataclasses.dataclass(frozen=True)
    class D:
        number: int
        addresses: tuple[str, ...]

    r = AddressRange("Желтоқсан көшесі", "ул. Декабристов", "1-20")
    districts = [D(4, r.entries())]
    assert suggest_district(districts, actual="ул. Декабристов 12").district == 4
    assert suggest_district(districts, actual="Желтоқсан 3").district == 4
    assert suggest_district(districts, actual="ул. Декабристов 21").district is None


def test_init_imports_the_config_s_districts_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "clinic" / "config.toml"
    cfg.parent.mkdir()
    text = (
        '[clinic]\nbin = "120440001006"\ncode = "EMH"\n[storage]\ndata_dir = "data"\n'
        '[[districts]]\nnumber = 4\ndoctor = "Сейітов Марат"\naddresses = ["Әуезов 1-9"]\n'
    )
    cfg.write_text(text, encoding="utf-8")
    assert main(["--config", str(cfg), "--lang", "en", "init"]) == 0
    assert "districts imported into the database: 1" in capsys.readouterr().out
    database = DataPaths(tmp_path / "clinic" / "data").database
    first = dump(database)
    assert first[0][0][:3] == (4, "", None)
    assert main(["--config", str(cfg), "--lang", "ru", "init"]) == 0
    assert "Участков в базе: 1." in capsys.readouterr().out
    assert dump(database) == first
    cfg.write_text(text.replace("Сейітов", "Сейтов"), encoding="utf-8")
    assert main(["--config", str(cfg), "--lang", "kk", "init"]) == 0
    out = capsys.readouterr().out
    assert "көшірілгендерден өзгеше; дерекқордағысы қолданылады" in out
    assert [r[2] for r in dump(database)[2]] == ["doctor"]
    assert dump(database)[2][0][3] == "Сейітов Марат"
