"""Districts and their people in the database (issue 15): the talon names who served on its
day, the attached counts and the suggestion's preference for a district under its target, and
the head's use cases refused to a receptionist. The demo clinic, real SQLite, signing, simulator.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date
from typing import Any

import pytest
from desk_support import READY_FORM, assert_explained, draft, signed_in

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.core.ids import make_iin
from regdesk.core.roles import STAFF_ROLES, Permission, Role, may
from regdesk.desk import AddressRange, Desk, KeyCheck
from regdesk.desk.errors import NotAllowed
from regdesk.i18n import t
from regdesk.printing.text import render_text
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff

# The demo config's district 1 (regdesk/demo.py), as a clinic would read it off its config.
OLD_DOCTOR = "Сәрсенбаева Гүлнар Асқарқызы"
NURSE_1 = "Ким Елена Викторовна"
NEW_DOCTOR = "Әбілқасымов Нұрлан Бекұлы"

PASSWORD = "Kelbet-2026-qala"
HEAD = make_iin(date(1975, 6, 6), "female", 22)


def add_head(ws: demo.DemoWorkspace, clock: PinnedClock) -> None:
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        Staff(db, ws.config.security).add(
            HEAD, "Меңгеруші Сәуле", "head", PASSWORD, clock.utc(), actor="test"
        )
    finally:
        db.conn.close()


def district_tables(ws: demo.DemoWorkspace) -> list[Any]:
    """The district tables as another terminal reads them."""
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("districts", "district_ranges", "district_staff", "district_import")
        ]
    finally:
        conn.close()


async def register(desk: Desk, key: KeyCheck, iin: str, district: int) -> int:
    app_id = await draft(desk, iin, READY_FORM | {"district": str(district)})
    desk.registration.register(app_id, key)
    return app_id


async def test_a_talon_reprinted_names_the_doctor_of_its_day(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock
) -> None:
    # Wednesday 25.11.2026: registered in district 1 under its doctor from the config.
    old = await register(desk, key, ws.samples["unattached"][0], 1)
    first = desk.issuance.document(old)
    assert first.district is not None
    assert (first.district.number, first.district.doctor, first.district.nurse) == (
        1, OLD_DOCTOR, NURSE_1)  # fmt: skip

    # The head: district 1 has a new doctor from Thursday 26.11.2026 (typed with extra spaces).
    add_head(ws, clock)
    async with signed_in(ws.config, clock, HEAD, PASSWORD) as head:
        assert head.districts.set_doctor(1, "  Әбілқасымов  Нұрлан Бекұлы ", date(2026, 11, 26))
        # The same again changes nothing and writes nothing.
        assert not head.districts.set_doctor(1, NEW_DOCTOR, date(2026, 11, 26))
        history = head.districts.show(1).history
    doctors = [(a.full_name, a.valid_from, a.valid_to) for a in history if a.post == "doctor"]
    assert doctors == [
        (OLD_DOCTOR, None, date(2026, 11, 26)),
        (NEW_DOCTOR, date(2026, 11, 26), None),
    ]
    # Still Wednesday: today's talons keep the old doctor.
    assert desk.issuance.document(old).district.doctor == OLD_DOCTOR  # type: ignore[union-attr]

    clock.advance(days=1)  # Thursday 26.11.2026, 10:30 in Almaty
    new = await register(desk, key, ws.samples["unattached"][1], 1)
    reprint = desk.issuance.document(old, duplicate=True)
    fresh = desk.issuance.document(new)
    assert reprint.district is not None and fresh.district is not None
    assert (reprint.district.doctor, reprint.district.nurse) == (OLD_DOCTOR, NURSE_1)
    assert (fresh.district.doctor, fresh.district.nurse) == (NEW_DOCTOR, NURSE_1)
    # On the paper itself, as the receipt printer gets it.
    assert OLD_DOCTOR in render_text(reprint, width=80)
    assert NEW_DOCTOR in render_text(fresh, width=80)
    assert OLD_DOCTOR not in render_text(fresh, width=80)
    # The form offers the district with today's doctor.
    assert next(d for d in desk.form.districts() if d.number == 1).doctor == NEW_DOCTOR


async def test_a_change_dated_before_the_serving_doctor_is_refused(
    ws: demo.DemoWorkspace, clock: PinnedClock, admin: tuple[str, str, str, str]
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as acting:
        acting.districts.set_nurse(2, "Сейітова Айжан", date(2026, 12, 1))
        before = district_tables(ws)
        with pytest.raises(Exception) as refused:
            acting.districts.set_nurse(2, "Басқа Адам", date(2026, 11, 30))
        assert_explained(refused.value)
        assert "01.12.2026" in refused.value.message("ru")
        assert district_tables(ws) == before
        # Vacant from a day: the post is empty on the talon from then on.
        acting.districts.set_nurse(2, "", date(2026, 12, 5))
        assert acting.districts.staff_on(2, date(2026, 12, 4)) == (
            "Иванов Сергей Петрович", "Сейітова Айжан")  # fmt: skip
        assert acting.districts.staff_on(2, date(2026, 12, 5)) == ("Иванов Сергей Петрович", "")
        assert acting.districts.staff_on(2, date(2026, 11, 30)) == (
            "Иванов Сергей Петрович", "Омарова Әсем Болатқызы")  # fmt: skip


async def test_counts_and_the_suggestion_under_target(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock
) -> None:
    add_head(ws, clock)
    async with signed_in(ws.config, clock, HEAD, PASSWORD) as head:
        # District 2 serves Шевченко too, as district 3 does (the demo's whole street): overlap.
        two = head.districts.show(2).row.district
        head.districts.edit(
            2, ranges=[*two.ranges, AddressRange("Шевченко көшесі", "ул. Шевченко")], target=1
        )
        head.districts.edit(3, target=2000, name="Шевченко")
        rows = {r.number: r for r in head.districts.overview()}
        assert [(rows[n].attached, rows[n].full) for n in (1, 2, 3)] == [
            (0, False), (0, False), (0, False)]  # fmt: skip

    record = desk.form.get(await draft(desk, ws.samples["adult"][0]))
    # Both under their targets: the first by number.
    first = desk.form.suggest_district(record, "ул. Шевченко, 12")
    assert (first.district, first.others) == (2, (3,))

    # One registered in district 2 fills it (target 1): the suggestion goes to district 3 once
    # its counts are read again (they may be two minutes old).
    await register(desk, key, ws.samples["unattached"][0], 2)
    stale = desk.form.suggest_district(record, "Шевченко көшесі 12")
    assert stale.district == 2
    clock.advance(minutes=2)
    second = desk.form.suggest_district(record, "Шевченко көшесі 12")
    assert (second.district, second.entry, second.others) == (3, "Шевченко көшесі", (2,))
    # An address only one district holds is suggested whatever its count.
    assert desk.form.suggest_district(record, "Төле би 100").district == 2

    # Counted: the registration; a look-up whose registry answer attaches the person here (no
    # registration in the journal), in the answer's district; not one attached elsewhere.
    here = desk.intake.open_draft(await desk.intake.look_up(ws.samples["attached_here"][0]))
    assert here.application_id is not None
    answer = desk.form.get(here.application_id).registry_data["attachment"]
    assert answer["clinic_bin"] == ws.config.clinic.bin
    desk.intake.open_draft(await desk.intake.look_up(ws.samples["attached_elsewhere_long_ago"][0]))
    expected = {2: 1}
    expected[answer["district"]] = expected.get(answer["district"], 0) + 1
    async with signed_in(ws.config, clock, HEAD, PASSWORD) as head:
        counted = {r.number: r.attached for r in head.districts.overview()}
    assert answer["district"] in counted  # the demo's answer names a district it has
    assert {n: c for n, c in counted.items() if c} == expected


DISTRICT_CALLS: list[tuple[str, Any]] = [
    ("district_list", lambda d: d.districts.overview()),
    ("district_list", lambda d: d.districts.show(1)),
    ("district_change", lambda d: d.districts.edit(1, name="Орталық", target=1800)),
    ("district_change", lambda d: d.districts.set_doctor(1, NEW_DOCTOR, date(2026, 12, 1))),
    ("district_change", lambda d: d.districts.set_nurse(1, "Жаңа Мейірбике", date(2026, 12, 1))),
    ("district_change", lambda d: d.districts.add(9, "Жаңа", 1500, [AddressRange("Әуезов")])),
]


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_only_a_head_or_an_admin_changes_the_districts(
    role: Role, ws: demo.DemoWorkspace, clock: PinnedClock
) -> None:
    iin = make_iin(date(1980, 1, 1), "female", 41)
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        Staff(db, ws.config.security).add(
            iin, f"Тест {role}", role, PASSWORD, clock.utc(), actor="t"
        )
    finally:
        db.conn.close()
    async with signed_in(ws.config, clock, iin, PASSWORD) as acting:
        assert acting.districts.may_administer() is may(role, Permission.DISTRICTS)
        # Every desk reads the districts (the form, the talon): no role is refused that.
        assert [d.number for d in acting.form.districts()] == [1, 2, 3]
        for what, call in DISTRICT_CALLS:
            before = district_tables(ws)
            if may(role, Permission.DISTRICTS):
                call(acting)
                continue
            with pytest.raises(NotAllowed) as refused:
                call(acting)
            assert_explained(refused.value)
            for lang in ("kk", "ru", "en"):
                assert t(f"admin.what.{what}", lang) in refused.value.message(lang)
            assert district_tables(ws) == before
    if may(role, Permission.DISTRICTS):
        async with signed_in(ws.config, clock, iin, PASSWORD) as acting:
            rows = {r.number: r.district for r in acting.districts.overview()}
        assert (rows[1].name, rows[1].target) == ("Орталық", 1800)
        assert rows[9].addresses == ("Әуезов",)


async def test_every_change_is_in_the_admin_journal_with_before_and_after(
    ws: demo.DemoWorkspace, clock: PinnedClock, admin: tuple[str, str, str, str]
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as acting:
        acting.districts.edit(
            3, target=1700, ranges=[AddressRange("Шевченко көшесі", "ул. Шевченко")]
        )
        acting.districts.set_doctor(3, NEW_DOCTOR, date(2026, 12, 1))
        journal = acting.staff_admin.journal()
    from regdesk.desk import describe_action, describe_changes

    doctor, edit = journal[0], journal[1]
    assert (doctor.action, doctor.object_name) == ("admin.district_doctor", "№3")
    assert describe_action(doctor.action, "ru") == "смена врача участка"
    assert describe_changes(doctor.changes, "en") == (
        "doctor: Мұхамеджанов Қайрат Серікұлы → Әбілқасымов Нұрлан Бекұлы; "
        "doctor since: — → 2026-12-01"
    )
    assert describe_changes(edit.changes, "en") == (
        "target size: — → 1700; streets: Шевченко көшесі; Абай даңғылы 1-45 → "
        "Шевченко көшесі | ул. Шевченко"
    )
    # The import at the demo's set-up is in the journal too, one record a district.
    imports = [c for c in journal if c.action == "admin.district_import"]
    assert sorted(c.object_name for c in imports) == ["№1", "№2", "№3"]


async def test_a_data_folder_without_districts_imports_them_at_first_open(
    ws: demo.DemoWorkspace, clock: PinnedClock, caplog: pytest.LogCaptureFixture
) -> None:
    # An upgraded clinic's database that never had districts (no `regdesk init` run since).
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    for table in ("district_staff", "district_ranges", "districts", "district_import"):
        conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.close()
    desk = Desk(ws.config, clock=clock)
    try:
        assert [(d.number, d.doctor) for d in desk.context.districts.records(None)][:1] == [
            (1, OLD_DOCTOR)]  # fmt: skip
    finally:
        desk.close()
    imported = district_tables(ws)

    # The config changed afterwards: the database's districts stay, the desk logs it once.
    changed = dataclasses.replace(
        ws.config,
        districts=(dataclasses.replace(ws.config.districts[0], doctor=NEW_DOCTOR),),
    )
    for _ in range(2):
        desk = Desk(changed, clock=clock)
        try:
            assert next(d for d in desk.context.districts.records(None)).doctor == OLD_DOCTOR
        finally:
            desk.close()
    notices = [r for r in caplog.records if "differ from those imported" in r.getMessage()]
    assert len(notices) == 1
    tables = district_tables(ws)
    assert tables[:3] == imported[:3]
