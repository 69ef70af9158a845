"""A scanner or a fast typist: the whole sign-in arrives before the app handles any of it."""

from __future__ import annotations

from textual import events
from tui_support import (
    finish,
    look_up,
    make_app,
    receptionist,
    settle,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo

SIZE = (80, 24)


def _key(char: str) -> events.Key:
    names = {"\r": "enter", "-": "minus"}
    return events.Key(names.get(char, char), char)


async def test_sign_in_typed_as_one_burst_loses_no_key(workspace: demo.DemoWorkspace) -> None:
    _, iin, password, _ = workspace.staff[0]
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Every key is queued at once, as a scanner's IIN + Enter followed by typing would be;
        # without care, the password's letters reach the IIN field and are dropped there.
        for char in f"{iin}\r{password}\r":
            app.post_message(_key(char))
        await wait_for_screen(pilot, "MenuScreen")
        assert app.desk.employee is not None and app.desk.employee.iin == iin
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
            app.post_message(_key(char))
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
