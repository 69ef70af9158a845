"""Staff administration and the own password at the desk, by keys only (issue 15): a
receptionist neither sees nor reaches the admin's screens (and the use case refuses them when
called directly); an admin adds an employee, whose one-time password is shown once and must be
replaced at the first sign-in; an own password change with a wrong current password and with a
password the policy refuses; the screens in kk, ru and en at 80x24."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, Input
from tui_support import (
    PINNED_AT,
    admin,
    finish,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.desk.errors import NotAllowed
from regdesk.i18n import t
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff

SIZE = (80, 24)
NEWCOMER = make_iin(date(1999, 7, 1), "male", 58)
OWN = "Meniki-Parol-2026"


async def test_a_receptionist_cannot_reach_the_admin_screens(
    workspace: demo.DemoWorkspace,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await wait_for_screen(pilot, "MenuScreen")
        text = screen_text(app)
        assert t("menu.staff", "en") not in text and t("menu.password", "en") in text
        await pilot.press("9")
        await pilot.pause()
        assert top(app) == "MenuScreen"
        assert app.screen.check_action("service", ("staff",)) is False
        # Reached around the menu, the use case itself refuses, in the receptionist's words.
        with pytest.raises(NotAllowed) as refused:
            app.desk.staff_admin.accounts()
        assert t("role.receptionist", "en") in refused.value.message("en")
        with pytest.raises(NotAllowed):
            app.desk.staff_admin.reset_password(admin(workspace)[0])
    await finish(app)


async def test_an_admin_adds_an_employee_who_must_change_the_one_time_password(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("9")
        staff = await wait_for_screen(pilot, "StaffScreen")
        await wait_until(pilot, lambda: staff.loaded, "the accounts listed")
        assert staff.query_one("#staff-table", DataTable).row_count == len(ws.staff)
        await pilot.press("f4")
        await wait_for_screen(pilot, "AddEmployeeScreen")
        await pilot.press(*NEWCOMER, "enter", *"Тестов Тест", "enter", "enter")
        dialog = await wait_for_screen(pilot, "OneTimeScreen")
        once = dialog.password
        assert once in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: NEWCOMER in staff.rows, "the newcomer listed")
        assert staff.rows[NEWCOMER].must_change_password
        assert once not in screen_text(app)  # shown once, in its dialog only

        # F9: the journal of changes names the admin and the newcomer.
        await pilot.press("f9")
        journal = await wait_for_screen(pilot, "AdminJournalScreen")
        await wait_until(pilot, lambda: journal.loaded, "the journal loaded")
        assert journal.changes[0].action == "admin.user_add"
        assert journal.changes[0].object_iin == NEWCOMER
        await wait_for_text(pilot, t("admin.action.admin_user_add", "en"))
        await pilot.press("escape", "escape")
        await wait_for_screen(pilot, "MenuScreen")
        await pilot.press("f12")
        await wait_for_screen(pilot, "SignInScreen")

        # The newcomer's first sign-in shows the change first; Esc would sign out.
        await pilot.press(*NEWCOMER, "enter", *once, "enter")
        screen = await wait_for_screen(pilot, "PasswordScreen")
        assert screen.forced and not screen.query_one("#old-password", Input).display
        await pilot.press(*OWN, "enter", *OWN, "x", "enter")
        await wait_for_text(pilot, t("admin.password_mismatch", "en")[:30])  # it wraps
        assert top(app) == "PasswordScreen"
        await pilot.press(*OWN, "enter", *OWN, "enter")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)
    account = staff_of(ws).get(NEWCOMER)
    assert account is not None and not account.must_change_password


async def test_an_own_password_change_refused_then_made(workspace: demo.DemoWorkspace) -> None:
    iin, password = receptionist(workspace)
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await pilot.press("8")
        screen = await wait_for_screen(pilot, "PasswordScreen")
        await wait_for_text(pilot, t("staff.policy.sequence", "en").split(" (")[0])
        # A wrong current password: refused, and counted as a failed sign-in.
        await pilot.press(*"not-my-password", "enter", *OWN, "enter", *OWN, "enter")
        await wait_for_text(pilot, t("signin_throttle.old_password_refused", "en")[:30])
        assert screen.query_one("#old-password", Input).value == ""
        # A new password the policy refuses: the broken rules are said.
        await pilot.press(*password, "enter", *"qwertyuiop", "enter", *"qwertyuiop", "enter")
        await wait_for_text(pilot, t("staff.policy_refused", "en"))
        assert top(app) == "PasswordScreen"
        await pilot.press(*password, "enter", *OWN, "enter", *OWN, "enter")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)
    staff = staff_of(workspace)
    failed = audit.recent(staff.db, action="sign_in_failed", actor_iin=iin)
    assert [r.detail["via"] for r in failed if r.detail] == ["password_change"]
    assert staff.authenticate(iin, OWN, PINNED_AT).iin == iin


def staff_of(ws: demo.DemoWorkspace) -> Staff:
    """The accounts, read as another terminal (the app's desk is closed by then)."""
    return Staff(open_db(DataPaths(ws.config.data_path()).database), ws.config.security)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_the_admin_screens_in_each_language_at_80x24(
    workspace: demo.DemoWorkspace, lang: str
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(workspace))
        while app.lang != lang:
            await pilot.press("f2")
        await pilot.press("9")
        staff = await wait_for_screen(pilot, "StaffScreen")
        await wait_until(pilot, lambda: staff.loaded, "the accounts listed")
        text = screen_text(app)
        for key in ("staff_admin.title", "staff_admin.col_role", "keys.staff_add"):
            assert t(key, lang) in text, (key, text)
        assert t("role.receptionist", lang) in text
        await pilot.press("down", "enter")
        await wait_for_screen(pilot, "ActionsScreen")
        for key in ("staff_admin.do.role", "staff_admin.do.reset", "staff_admin.do.deactivate"):
            assert t(key, lang) in screen_text(app)
        await pilot.press("escape", "f9")
        await wait_for_screen(pilot, "AdminJournalScreen")
        await wait_for_text(pilot, t("admin.action.admin_user_add", lang))
        await pilot.press("escape", "escape", "8")
        await wait_for_screen(pilot, "PasswordScreen")
        await wait_for_text(pilot, t("password.rules", lang))
        # The policy shown before typing says that common passwords are refused.
        rules = app.screen.query_one("#password-rules").render()
        assert t("staff.policy.common", lang)[:40] in " ".join(str(rules).split())
        text = screen_text(app)
        assert t("password.old", lang) in text and t("password.again", lang) in text
    await finish(app)


async def test_a_head_annuls_but_does_not_administer_staff(workspace: demo.DemoWorkspace) -> None:
    head = make_iin(date(1975, 6, 6), "female", 22)
    staff = staff_of(workspace)
    staff.add(head, "Бас Мейірбике", "head", "Kelbet-2026-qala", PINNED_AT, actor="test")
    staff.db.conn.close()
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, head, "Kelbet-2026-qala")
        await wait_for_screen(pilot, "MenuScreen")
        text = screen_text(app)
        assert t("role.head", "en") in text
        assert t("menu.staff", "en") not in text
        await pilot.press("9")
        await pilot.pause()
        assert top(app) == "MenuScreen"
        assert app.desk.corrections.may_annul()
        assert not app.desk.staff_admin.may_administer()
        with pytest.raises(NotAllowed):
            app.desk.staff_admin.journal()
    await finish(app)
