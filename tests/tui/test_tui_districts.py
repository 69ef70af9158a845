"""The Districts screen (menu 5, issue 15) by keys only at 80x24: a head lists the districts,
opens one, changes its doctor from a date and its target (a bad value said, what was typed kept),
in kk, ru and en; a receptionist neither sees nor reaches it, and the use cases refuse them."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, Input
from tui_support import (
    finish,
    pinned_clock,
    receptionist,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)
from words_support import cut_words, foreign_words

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.desk import Desk
from regdesk.desk.errors import NotAllowed
from regdesk.i18n import t
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff
from regdesk.tui.app import DeskApp

SIZE = (80, 24)
HEAD = make_iin(date(1975, 6, 6), "female", 22)
PASSWORD = "Kelbet-2026-qala"
NEW_DOCTOR = "Әбілқасымов Нұрлан Бекұлы"


def add_head(ws: demo.DemoWorkspace) -> None:
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        Staff(db, ws.config.security).add(
            HEAD, "Меңгеруші Сәуле Ерікқызы", "head", PASSWORD, pinned_clock().utc(), actor="t"
        )
    finally:
        db.conn.close()


def app_in(ws: demo.DemoWorkspace, lang: str) -> DeskApp:
    return DeskApp(Desk(ws.config, clock=pinned_clock()), demo=ws.info(), lang=lang)


async def test_a_receptionist_neither_sees_nor_reaches_the_districts(
    workspace: demo.DemoWorkspace,
) -> None:
    app = app_in(workspace, "en")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await wait_for_screen(pilot, "MenuScreen")
        assert t("menu.districts", "en") not in screen_text(app)
        await pilot.press("5")
        await pilot.pause()
        assert top(app) == "MenuScreen"
        assert app.screen.check_action("service", ("districts",)) is False
        with pytest.raises(NotAllowed) as refused:
            app.desk.districts.overview()
        assert t("admin.what.district_list", "en") in refused.value.message("en")
        with pytest.raises(NotAllowed):
            app.desk.districts.set_doctor(1, NEW_DOCTOR, date(2026, 12, 1))
    await finish(app)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_head_changes_a_doctor_and_a_target(
    workspace: demo.DemoWorkspace, lang: str
) -> None:
    ws = workspace
    add_head(ws)
    app = app_in(ws, lang)
    shots: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, HEAD, PASSWORD)
        await wait_for_text(pilot, t("menu.districts", lang))
        await pilot.press("5")
        listed = await wait_for_screen(pilot, "DistrictsScreen")
        await wait_until(pilot, lambda: listed.loaded, "the districts listed")
        assert listed.query_one("#districts-table", DataTable).row_count == 3
        await wait_for_text(pilot, "Сәрсенбаева Г. А.")
        shots["list"] = screen_text(app)

        # F5 on the list: district 1's doctor from 01.12.2026; a bad date first, then Esc
        # in the middle and again.
        await pilot.press("f5")
        dialog = await wait_for_screen(pilot, "AppointScreen")
        await wait_for_text(pilot, "25.11.2026")  # today, clinic date, offered
        shots["appoint"] = screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, "DistrictsScreen")
        await pilot.press("f5")
        dialog = await wait_for_screen(pilot, "AppointScreen")
        await pilot.press(*NEW_DOCTOR, "enter")
        day = dialog.query_one("#appoint-day", Input)
        day.value = ""
        await pilot.press(*"31.11.2026", "enter")
        await wait_for_text(pilot, t("districts.bad_date", lang, text="31.11.2026")[:25])
        shots["appoint error"] = screen_text(app)
        assert dialog.query_one("#appoint-name", Input).value == NEW_DOCTOR  # kept
        day.value = "01.12.2026"
        await pilot.press("f10")
        await wait_for_screen(pilot, "DistrictsScreen")
        said = t("districts.done.doctor_set", lang, number=1, name=NEW_DOCTOR, day="01.12.2026")
        await wait_for_text(pilot, said[:30])
        # Today (25.11) the old doctor still serves; from 01.12 the new one.
        assert app.desk.districts.staff_on(1, date(2026, 11, 30))[0] == (  # type: ignore[index]
            "Сәрсенбаева Гүлнар Асқарқызы"
        )
        assert app.desk.districts.staff_on(1, date(2026, 12, 1))[0] == NEW_DOCTOR  # type: ignore[index]

        # Enter opens district 1: its periods, F4 edits; a bad target is said and kept.
        await pilot.press("enter")
        await wait_for_screen(pilot, "DistrictDetailScreen")
        await wait_for_text(pilot, f"{NEW_DOCTOR}  01.12.2026 – …")
        await wait_for_text(pilot, "Сәрсенбаева Гүлнар Асқарқызы  … – 30.11.2026")
        shots["detail"] = screen_text(app)
        await pilot.press("f4")
        edit = await wait_for_screen(pilot, "EditDistrictScreen")
        await pilot.press(*"Орталық", "enter", *"мың", "f10")
        await wait_for_text(pilot, t("districts.target_not_number", lang, text="мың")[:25])
        shots["edit error"] = screen_text(app)
        target = edit.query_one("#district-target", Input)
        assert target.value == "мың" and edit.query_one("#district-name", Input).value == "Орталық"
        target.value = "1700"
        await pilot.press("f10")
        await wait_for_screen(pilot, "DistrictDetailScreen")
        await wait_for_text(pilot, t("districts.attached_line", lang, attached="0/1700"))
        shots["detail after"] = screen_text(app)
        await pilot.press("f1")
        await wait_for_screen(pilot, "HelpScreen")
        shots["help"] = screen_text(app)
        for key in ("district_edit", "district_doctor", "district_nurse"):
            assert t(f"keys.{key}", lang) in shots["help"], key
        await pilot.press("escape")
        await wait_for_screen(pilot, "DistrictDetailScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "DistrictsScreen")
        await wait_until(pilot, lambda: listed.rows[1].district.target == 1700, "reloaded")
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)
    if lang != "en":
        for name, text in shots.items():
            assert foreign_words(text, lang) == [], (name, text)
            assert cut_words(text, lang) == [], (name, text)
    for name in ("list", "detail", "detail after"):
        # Every action's key is on the footer of the list and of one district.
        assert t("keys.district_doctor", lang) in shots[name].splitlines()[-1], name
