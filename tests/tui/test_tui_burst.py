"""A scanner or a fast typist: the whole sign-in arrives before the app handles any of it."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input
from tui_support import (
    PINNED_AT,
    burst,
    finish,
    key_event,
    look_up,
    make_app,
    open_form,
    receptionist,
    settle,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff

SIZE = (80, 24)


async def test_sign_in_typed_as_one_burst_loses_no_key(workspace: demo.DemoWorkspace) -> None:
    _, iin, password, _ = workspace.staff[0]
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Every key is queued at once, as a scanner's IIN + Enter followed by typing would be;
        # without care, the password's letters reach the IIN field and are dropped there.
        burst(app, f"{iin}\r{password}\r")
        await wait_for_screen(pilot, "MenuScreen")
        assert app.desk.employee is not None and app.desk.employee.iin == iin
        await finish(app)


async def test_sign_in_with_tab_between_the_fields_as_one_burst(
    workspace: demo.DemoWorkspace,
) -> None:
    _, iin, password, _ = workspace.staff[0]
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, "SignInScreen")
        await pilot.pause()
        # Tab, not Enter: without the app moving the focus as it reads Tab, the password's
        # letters went to the IIN field, which drops them.
        burst(app, f"{iin}\t{password}\r")
        await wait_for_screen(pilot, "MenuScreen")
        assert app.desk.employee is not None and app.desk.employee.iin == iin
    await finish(app)


async def test_the_own_password_changed_in_one_burst(workspace: demo.DemoWorkspace) -> None:
    _, iin, password, _ = workspace.staff[0]
    new = "Jana-Qupiya-2026-desk"
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await pilot.press("8")
        await wait_for_screen(pilot, "PasswordScreen")
        await pilot.pause()
        # Old, Enter, new, Enter, new again, Enter: each Enter moves on as it is read.
        burst(app, f"{password}\r{new}\r{new}\r")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)
    staff = Staff(
        open_db(DataPaths(workspace.config.data_path()).database), workspace.config.security
    )
    assert staff.authenticate(iin, new, PINNED_AT + timedelta(minutes=5)).iin == iin


async def test_the_form_s_fields_typed_with_tab_in_one_burst(
    workspace: demo.DemoWorkspace,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        _, form = await open_form(pilot, workspace.samples["unattached"][0])
        await wait_until(pilot, lambda: form.view is not None, "the form loaded")  # type: ignore[attr-defined]
        await pilot.pause()
        form.query_one("#phone", Input).value = ""
        form.query_one("#actual_address", Input).value = ""
        form.query_one("#phone", Input).focus()
        await pilot.pause()
        burst(app, "7011234567\tАбай 10")
        await wait_until(
            pilot,
            lambda: form.query_one("#actual_address", Input).value == "Абай 10",
            "the address typed after Tab in the address field",
        )
        assert form.query_one("#phone", Input).value.replace(" ", "").endswith("7011234567")
    await finish(app)


async def test_a_scan_on_the_result_screen_is_the_next_iin_not_survey_answers(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    first = ws.samples["no_record"][0]
    # An IIN whose first digits are survey keys (a child born in the 2000s: "2…").
    after = next(i for case in ("child", "newborn") for i in ws.samples[case] if i[:2] <= "33")
    assert after[0] in "123" and after[1] in "123"
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        applicant = await look_up(pilot, first)
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        await pilot.press("f10")
        result = await wait_for_screen(pilot, "ResultScreen")
        # The next person's ID card goes under the scanner before anyone presses Enter: its
        # digits (often starting with 1-3) arrive in one burst, followed by the scanner's Enter.
        for char in f"{after}\r":
            app.post_message(key_event(char))
        screen = await wait_for_screen(pilot, "ApplicantScreen")
        await wait_until(
            pilot,
            lambda: getattr(screen, "lookup", None) is not None and screen.lookup.iin == after,
            "the scanned IIN looked up",
        )
        # No answers were made up from it: the scan took back the answers its first digits
        # gave, with the timer that would have stored them, and the result screen (whose
        # timers end with it) is gone; nothing that could store a survey is left running.
        assert result._survey_timer is None and result.answers == []  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: not result.is_attached, "the result screen closed")
        await settle(app)
        assert app.desk.context.journal.issuance.survey(app_id) is None
    await finish(app)
