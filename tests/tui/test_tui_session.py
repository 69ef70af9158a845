"""The work in progress outlives an idle lock and a crash, and stays with its owner."""

from __future__ import annotations

import time

from textual.widgets import Input
from tui_support import (
    finish,
    look_up,
    make_app,
    open_form,
    receptionist,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State

SIZE = (80, 24)
PHONE = "+7 701 123 45 67"
"""As the form shows a number typed as +77011234567: grouped (core.phone)."""
ADDRESS = "Abay 12, flat 5"


async def test_idle_lock_then_unlock_keeps_the_form(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    _, iin, password, _ = ws.staff[0]
    _, admin_iin, admin_password, _ = ws.staff[1]
    # The idle check runs every 0.1 s here; the limit stays the config's 10 minutes, and the
    # test makes the terminal look idle for longer than that.
    app = make_app(ws, idle_check_seconds=0.1)
    assert ws.config.security.idle_lock_minutes == 10
    checks = 0
    check_idle = app._check_idle

    def counted_check() -> None:
        nonlocal checks
        checks += 1
        check_idle()

    app._check_idle = counted_check  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        applicant, form = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id  # opened by F10
        surname = app.desk.form.get(app_id).surname
        await pilot.press(*PHONE)
        typed = checks
        await wait_until(pilot, lambda: checks >= typed + 3, "three idle checks after typing")
        assert top(app) == "FormScreen"  # typing keeps the terminal awake

        app._last_input = time.monotonic() - 10 * 60 - 1
        await wait_for_screen(pilot, "LockScreen")
        assert app.locked
        text = screen_text(app)
        assert "Terminal locked" in text
        assert surname not in text and PHONE not in text  # nothing of the work shows

        await pilot.press(*"Wrong-password-1", "enter")
        await wait_for_text(pilot, "Password refused: it is wrong")
        assert top(app) == "LockScreen"
        await pilot.press(*password, "enter")
        await wait_for_screen(pilot, "FormScreen")
        assert app.screen is form and not app.locked
        assert form.query_one("#phone", Input).value == PHONE
        await pilot.press("backspace")  # and the form takes typing again where it was left
        assert form.query_one("#phone", Input).value == PHONE[:-1]
        await wait_until(
            pilot,
            lambda: (app.desk.form.get(app_id).form or {}).get("phone") == PHONE[:-1],
            "the draft saved",
        )

        # Another employee at the same terminal: F12 on the lock screen, then their sign-in.
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "LockScreen")
        await pilot.press("f12")
        await wait_for_screen(pilot, "SignInScreen")
        await wait_until(pilot, lambda: app.desk.employee is None, "the sign-out written")
        await sign_in(pilot, admin_iin, admin_password)
        assert top(app) == "MenuScreen"  # no offer of someone else's draft
        assert app.desk.session.open_drafts() == []
        text = screen_text(app)
        assert surname not in text and PHONE not in text
        # The owner's draft is untouched, waiting for them.
        record = app.desk.form.get(app_id)
        assert record.state == State.DRAFT and record.created_by == iin
        assert (record.form or {}).get("phone") == PHONE[:-1]
    await finish(app)


async def test_a_draft_survives_a_crash_and_is_offered_after_sign_in(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    applicant_iin = ws.samples["unattached"][0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        applicant, _ = await open_form(pilot, applicant_iin)
        app_id = applicant.lookup.application_id  # opened by F10
        await pilot.press(*PHONE, "tab", *ADDRESS)
        # The autosave (0.3 s after the last key) reaches the database on its own.
        await wait_until(
            pilot,
            lambda: (app.desk.form.get(app_id).form or {}).get("actual_address") == ADDRESS,
            "the autosave",
        )
    # The app is gone without Esc, sign-out or quit: as after a crash or a power cut. Only the
    # database connection is released, as the dying process would release it.
    assert app.unexpected == []
    app.desk.close()

    again = make_app(ws)
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await wait_for_screen(pilot, "ResumeScreen")
        text = screen_text(again)
        assert "You have unfinished applications." in text
        assert applicant_iin in text
        await pilot.press("enter")
        form = await wait_for_screen(pilot, "FormScreen")
        assert getattr(form, "app_id", None) == app_id
        assert form.query_one("#phone", Input).value == PHONE
        assert form.query_one("#actual_address", Input).value == ADDRESS
        assert again.desk.form.get(app_id).state == State.DRAFT
        # Esc from the resumed form goes back to the applicant screen, as in the normal flow.
        await pilot.press("escape")
        await wait_for_screen(pilot, "ApplicantScreen")
    await finish(again)


async def test_a_not_found_draft_resumes_at_its_refusal(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        await look_up(pilot, ws.samples["no_record"][0])
        # F9 opens the application (a look-up alone leaves none); the terminal dies in the dialog.
        await pilot.press("f9")
        app_id = (await wait_for_screen(pilot, "RefuseScreen")).app_id
    assert app.unexpected == []
    app.desk.close()

    again = make_app(ws)
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await wait_for_screen(pilot, "ResumeScreen")
        await pilot.press("enter")
        # No registry data: the only step left is the motivated refusal, with no_data offered.
        refusal = await wait_for_screen(pilot, "RefuseScreen")
        assert getattr(refusal, "app_id", None) == app_id
        await pilot.press("f10")
        await wait_until(
            pilot, lambda: again.desk.form.get(app_id).state == State.REFUSED, "refused"
        )
        assert again.desk.form.get(app_id).refusal_code == "no_data"
    await finish(again)
