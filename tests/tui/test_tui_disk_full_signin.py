"""Signing in, unlocking, signing out, one's own password and an admin's printer choice while the
data folder's disk is full (issue 14), at 80x24: the screens say it in the catalogue's words
instead of "Unexpected error", keep what was typed (never a password), and the same key works
once there is room. A sign-in or unlock that cannot be recorded is refused (fail closed); a
sign-out ends the session all the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from disk_filler import fill_disk
from textual.widgets import DataTable, Input, Static
from tui_support import (
    admin,
    finish,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.desk.terminal_name import ENV_VAR
from regdesk.i18n import t
from regdesk.tui.app import DeskApp

SIZE = (80, 24)


def said(screen: Any, widget: str) -> str:
    return str(screen.query_one(widget, Static).render())


def full(key: str, lang: str, **params: object) -> str:
    """The catalogue's whole sentence for a step refused on a full disk."""
    return t(f"disk.not_saved.{key}", lang, reason=t("safety.reason_full", lang), **params)


def fill(app: DeskApp, folder: Path) -> Path:
    """Fill the data disk; the write-ahead log emptied first so the next commit needs room."""
    desk = app.desk
    with desk.context.locked():
        desk.context.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return fill_disk(folder)


def delivery(app: DeskApp, app_id: int) -> str:
    """Where the portal result of ``app_id`` stands (``pending``, ``delivered``…)."""
    found = app.desk.portal_decision.delivery(app_id)
    assert found is not None
    return found.state


async def received(pilot: Any, ws: demo.DemoWorkspace) -> Any:
    """The receptionist signed in, at the inbox (4), its F5 having received the simulator's
    portal applications while there is room: the inbox screen."""
    app = pilot.app
    await sign_in(pilot, *receptionist(ws))
    await pilot.press("4")
    inbox = await wait_for_screen(pilot, "InboxScreen")
    await pilot.press("f5")
    table = inbox.query_one("#inbox-table", DataTable)
    await wait_until(pilot, lambda: table.row_count > 0, "the applications listed")
    await wait_until(pilot, lambda: not app.portal_poll.running, "the round over")
    return inbox


def shown(app: DeskApp, text: str) -> bool:
    """Whether the end of ``text`` is on the screen (wrapped in a box: its last word)."""
    return text.split()[-1] in screen_text(app).split()


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_sign_in_that_cannot_be_recorded_is_refused_in_words_and_the_iin_stays(
    workspace: demo.DemoWorkspace, small_disk: Path, lang: str
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(pilot, "SignInScreen")
        while app.lang != lang:
            await pilot.press("f2")
        await wait_until(pilot, lambda: app._desk is not None, "the desk open")
        filler = fill(app, small_disk)
        await pilot.press(*iin, "enter", *password, "enter")
        words = full("sign_in", lang)
        await wait_until(pilot, lambda: said(screen, "#signin-message") == words, "the words")
        assert shown(app, words), screen_text(app)  # all of it fits at 80x24
        assert screen.query_one("#iin", Input).value.replace(" ", "") == iin
        assert screen.query_one("#password", Input).value == ""
        assert app.employee is None and app.unexpected == []
        # A second Enter with the field empty asks for the password; typed again, refused again.
        await pilot.press(*password, "enter")
        await wait_until(pilot, lambda: not screen.busy, "the second try answered")
        assert said(screen, "#signin-message") == words and app.employee is None

        filler.unlink()
        await pilot.press(*password, "enter")  # the same key once there is room
        await wait_for_screen(pilot, "MenuScreen")
        assert app.employee is not None and app.employee.iin == iin
    await finish(app)


async def test_unlock_sign_out_and_password_on_a_full_disk(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, iin, password)
        lang = app.lang

        # The lock: the password cannot be recorded, so the terminal stays locked, in words.
        await pilot.press("ctrl+l")
        lock = await wait_for_screen(pilot, "LockScreen")
        filler = fill(app, small_disk)
        await pilot.press(*password, "enter")
        words = full("unlock", lang)
        await wait_until(pilot, lambda: said(lock, "#lock-message") == words, "the unlock's words")
        assert app.screen is lock and app.locked
        assert lock.query_one("#unlock-password", Input).value == ""
        filler.unlink()
        await pilot.press(*password, "enter")
        await wait_for_screen(pilot, "MenuScreen")
        assert not app.locked

        # One's own password: the words, the password fields emptied, the old one still works.
        await pilot.press("8")
        change = await wait_for_screen(pilot, "PasswordScreen")
        new = "Kokterek-Almaty-2026"
        filler = fill(app, small_disk)
        await pilot.press(*password, "enter", *new, "enter", *new, "enter")
        words = full("password", lang)
        await wait_until(pilot, lambda: said(change, "#password-message") == words, "its words")
        for field in ("#old-password", "#new-password", "#again-password"):
            assert change.query_one(field, Input).value == ""
        filler.unlink()
        await pilot.press(*password, "enter", *new, "enter", *new, "enter")
        await wait_for_screen(pilot, "MenuScreen")

        # Sign-out: the session ends at once; a short note says it was not recorded.
        filler = fill(app, small_disk)
        await pilot.press("f12")
        await wait_for_screen(pilot, "SignInScreen")
        note = full("sign_out", lang)
        await wait_until(
            pilot, lambda: any(n.message == note for n in app._notifications), "the note"
        )
        assert app.employee is None and app.desk.employee is None
        filler.unlink()
        await sign_in(pilot, iin, new)  # the new password, changed once there was room
    await finish(app)


async def test_an_admin_s_default_printer_on_a_full_disk_says_so_and_f4_works_with_room(
    workspace: demo.DemoWorkspace, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "window-1")
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("6")
        screen = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: screen.listed is not None, "the printers listed")
        filler = fill(app, small_disk)
        await pilot.press("down", "f4")
        words = full("printer_default", app.lang, printer="receipt-80mm")
        await wait_until(pilot, lambda: said(screen, "#printers-message") == words, "the words")
        assert "files *" in screen_text(app) and "receipt-80mm *" not in screen_text(app)
        table = screen.query_one("#printers-table", DataTable)
        assert table.cursor_row == 1  # the row chosen stays chosen
        assert app.unexpected == []
        filler.unlink()
        await pilot.press("f4")
        await wait_until(pilot, lambda: "receipt-80mm *" in screen_text(app), "the default")
    await finish(app)


async def test_an_account_added_on_a_full_disk_keeps_what_was_typed_and_f10_adds_it_later(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    newcomer, name = "880315400010", "Сейітова Дана Ерланқызы"
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("9")
        staff = await wait_for_screen(pilot, "StaffScreen")
        await wait_until(pilot, lambda: staff.loaded, "the accounts listed")
        await pilot.press("f4")
        dialog = await wait_for_screen(pilot, "AddEmployeeScreen")
        filler = fill(app, small_disk)
        await pilot.press(*newcomer, "enter", *name, "enter", "enter")
        words = full("staff", app.lang)
        await wait_until(pilot, lambda: said(dialog, "#add-message") == words, "the words")
        assert shown(app, words), screen_text(app)
        # No one-time password was shown; the dialog keeps what the admin typed.
        assert app.screen is dialog
        assert dialog.query_one("#add-iin", Input).value.replace(" ", "") == newcomer
        assert dialog.query_one("#add-name", Input).value == name
        assert app.unexpected == []
        filler.unlink()
        await pilot.press("f10")  # the same key once there is room
        await wait_for_screen(pilot, "OneTimeScreen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: newcomer in staff.rows, "the newcomer listed")
    await finish(app)


async def test_a_portal_application_opened_on_a_full_disk_is_not_shown_and_f5_shows_it_later(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await received(pilot, ws)
        filler = fill(app, small_disk)
        await pilot.press("enter")
        case = await wait_for_screen(pilot, "PortalCaseScreen")
        words = full("detail", app.lang)  # a view of a person that could not be recorded
        await wait_until(pilot, lambda: said(case, "#case-status") == words, "the words")
        assert case.case is None and app.unexpected == []
        filler.unlink()
        await pilot.press("f5")  # ask again, once there is room
        await wait_until(pilot, lambda: case.case is not None, "the application shown")
    await finish(app)


async def test_the_portal_s_round_on_a_full_disk_says_the_results_wait_in_words(
    workspace: demo.DemoWorkspace, small_disk: Path
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await received(pilot, ws)
        # A refusal decided (as the case's F9 does): its result is due to the portal.
        app_id = app.desk.portal_inbox.page().rows[0].app_id
        app.desk.portal_decision.refuse(app_id, "other", "applied twice")
        filler = fill(app, small_disk)
        await pilot.press("f5")
        words = full("portal_delivery", app.lang)
        await wait_until(
            pilot,
            lambda: not app.portal_poll.running and words in said(inbox, "#inbox-sync"),
            "the round's words",
        )
        assert app.portal_poll.failed == "" and app.unexpected == []
        assert delivery(app, app_id) == "pending"
        filler.unlink()
        await pilot.press("f5")  # the next round, once there is room, sends it
        await wait_until(
            pilot,
            lambda: delivery(app, app_id) == "delivered",
            "the result delivered",
        )
    await finish(app)
