"""F2 (language) on a screen with a list and a message, at 80x24: the row the person picked stays
picked, so the next key acts on it (F4 after F2 once made the first printer the default, not the
one the admin had chosen), and a message on the screen is said again in the new language."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from disk_filler import fill_disk
from reprint_support import issued_talon
from textual.widgets import DataTable, OptionList, Static
from tui_support import (
    admin,
    finish,
    make_app,
    pinned_clock,
    receptionist,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.desk.terminal_name import ENV_VAR
from regdesk.i18n import t
from regdesk.store import printer_choice
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff

SIZE = (80, 24)
WORKSTATION = "window-1"
HEAD = make_iin(date(1975, 6, 6), "female", 22)
HEAD_PASSWORD = "Kelbet-2026-qala"


def said(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def chosen_printer(ws: demo.DemoWorkspace) -> str | None:
    """This workstation's default as stored, read as another terminal would."""
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        return printer_choice.chosen(db, WORKSTATION)
    finally:
        db.conn.close()


async def test_f2_then_f4_makes_the_picked_printer_the_default(
    workspace: demo.DemoWorkspace, monkeypatch: Any
) -> None:
    monkeypatch.setenv(ENV_VAR, WORKSTATION)
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("6")
        screen: Any = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: screen.listed is not None, "the printers listed")
        table = screen.query_one("#printers-table", DataTable)
        await pilot.press("down")
        assert screen.current() == "receipt-80mm"
        await pilot.press("f2", "f2")
        assert screen.current() == "receipt-80mm"
        assert screen.focused is table
        await pilot.press("f4")
        await wait_until(
            pilot,
            lambda: (
                said(screen, "#printers-message")
                == t("printer_setup.default_done", app.lang, name="receipt-80mm")
            ),
            "the default chosen",
        )
        # Said again in the next language, and the cursor still on the chosen printer.
        await pilot.press("f2")
        assert said(screen, "#printers-message") == t(
            "printer_setup.default_done", app.lang, name="receipt-80mm"
        )
        assert screen.current() == "receipt-80mm"
    await finish(app)
    assert chosen_printer(ws) == "receipt-80mm"


async def test_a_failed_test_page_is_said_again_in_each_language(
    workspace: demo.DemoWorkspace, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, WORKSTATION)
    ws = workspace
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the receipt printer's folder should be")
    folder = blocked / "prints"
    try:
        os.mkdir(folder)
        raise AssertionError("a folder inside a file was made")
    except OSError as exc:
        reason = exc.strerror
    printing = ws.config.printing
    printers = tuple(
        replace(p, folder=str(folder)) if p.name == "receipt-80mm" else p for p in printing.printers
    )
    config = replace(ws.config, printing=replace(printing, printers=printers))
    app = make_app(ws, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("6")
        screen: Any = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: screen.listed is not None, "the printers listed")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: not screen.busy, "the test page answered")

        def failed(lang: str) -> str:
            detail = t("printing.folder_failed", lang, folder=str(folder), detail=reason)
            return t("printer_setup.failed", lang, name="receipt-80mm", detail=detail)

        assert said(screen, "#printers-message") == failed(app.lang)
        for _ in range(3):
            await pilot.press("f2")
            assert said(screen, "#printers-message") == failed(app.lang), app.lang
        assert screen.current() == "receipt-80mm"
    await finish(app)


async def test_f2_then_f6_locks_the_picked_account(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("9")
        staff: Any = await wait_for_screen(pilot, "StaffScreen")
        await wait_until(pilot, lambda: staff.loaded, "the accounts listed")
        first = staff.current().iin
        await pilot.press("down", "down")
        picked = staff.current().iin
        assert picked != first
        await pilot.press("f2")
        await pilot.press("f6")
        await wait_for_screen(pilot, "ConfirmScreen")
        await pilot.press("f10")
        await wait_for_screen(pilot, "StaffScreen")
        await wait_until(
            pilot,
            lambda: staff.rows[picked].state in ("disabled", "locked"),
            "the picked account locked",
        )
        assert staff.current().iin == picked
        # Its words said again in the next language.
        name = staff.rows[picked].full_name
        for _ in range(3):
            done = t("staff_admin.lock_done", app.lang, name=name)
            await wait_until(pilot, lambda done=done: said(staff, "#staff-message") == done, "said")
            await pilot.press("f2")
            assert said(staff, "#staff-message") == t("staff_admin.lock_done", app.lang, name=name)
    await finish(app)
    accounts = Staff(open_db(DataPaths(ws.config.data_path()).database), ws.config.security)
    picked_account, first_account = accounts.get(picked), accounts.get(first)
    assert picked_account is not None and picked_account.disabled
    assert first_account is not None and not first_account.disabled


async def test_an_unlock_refused_on_a_full_disk_is_said_again_in_each_language(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await pilot.press("ctrl+l")
        lock: Any = await wait_for_screen(pilot, "LockScreen")
        desk = app.desk
        with desk.context.locked():
            desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill_disk(small_disk)

        def full(lang: str) -> str:
            reason = t("safety.reason_full", lang)
            return t("disk.not_saved.unlock", lang, reason=reason)

        await pilot.press(*password, "enter")
        await wait_until(pilot, lambda: said(lock, "#lock-message") == full(app.lang), "refused")
        seen = {app.lang}
        for _ in range(3):
            await pilot.press("f2")
            seen.add(app.lang)
            assert said(lock, "#lock-message") == full(app.lang), app.lang
        assert seen == {"kk", "ru", "en"}
        # A wrong password once there is room: the refusal, said again after F2 as well.
        filler.unlink()
        await pilot.press(*"not-the-password", "enter")
        refused = "signin_throttle.unlock_refused"
        await wait_until(
            pilot, lambda: said(lock, "#lock-message") == t(refused, app.lang), "wrong password"
        )
        await pilot.press("f2")
        assert said(lock, "#lock-message") == t(refused, app.lang)
        assert app.screen is lock and app.locked
    await finish(app)


async def test_f2_then_enter_opens_the_picked_district(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        Staff(db, ws.config.security).add(
            HEAD, "Меңгеруші Сәуле Ерікқызы", "head", HEAD_PASSWORD, pinned_clock().utc(), actor="t"
        )
    finally:
        db.conn.close()
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, HEAD, HEAD_PASSWORD)
        await pilot.press("5")
        listed: Any = await wait_for_screen(pilot, "DistrictsScreen")
        await wait_until(pilot, lambda: listed.loaded, "the districts listed")
        first = listed.district_row().number
        await pilot.press("down", "down")
        picked = listed.district_row().number
        assert picked != first
        await pilot.press("f2", "f2", "f2", "enter")
        opened: Any = await wait_for_screen(pilot, "DistrictDetailScreen")
        assert opened.number == picked
    await finish(app)


async def test_f2_then_enter_reprints_on_the_printer_picked(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app_id = await issued_talon(ws)
    default = ws.config.printing.default
    other = next(p.name for p in ws.config.printing.printers if p.name != default)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("2")
        journal = await wait_for_screen(pilot, "JournalScreen")
        table = journal.query_one("#results", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the talon's row")
        await pilot.press("enter", "enter")
        detail: Any = await wait_for_screen(pilot, "DetailScreen")
        await wait_until(pilot, lambda: getattr(detail, "detail", None), "the detail")
        await pilot.press("f7")
        printers: Any = await wait_for_screen(pilot, "PrinterScreen")
        await wait_until(pilot, lambda: printers.default is not None, "the default marked")
        options = printers.query_one("#printers", OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        await pilot.press(*["down"] * names.index(other))
        await pilot.press("f2", "f2")
        await pilot.press("enter")
        await wait_for_screen(pilot, "DetailScreen")

        def printed_on() -> list[str]:
            return [p.printer for p in app.desk.journal.detail(app_id).prints]

        await wait_until(pilot, lambda: len(printed_on()) == 2, "the reprint recorded")
        assert printed_on() == [default, other]
    await finish(app)
