"""Corrections from the journal, by keys only (issue 11): a receptionist has no annul key; an
admin annuls with a ground, a note and the EDS dialog, prints the notice and enters a survey
answered on paper. The registry is the demo's simulator."""

from __future__ import annotations

from corrections_support import SIZE, open_in_journal, registered
from tui_support import (
    finish,
    make_app,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State


async def test_a_receptionist_has_no_annul_key(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app_id, number = await registered(ws)
    _, iin, password, _ = next(s for s in ws.staff if s[0] == "receptionist")
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await open_in_journal(pilot, number)
        assert app.screen.check_action("annul", ()) is False
        assert "Annul" not in screen_text(app)
        await pilot.press("f9")
        await pilot.pause()
        assert top(app) == "DetailScreen"
        assert app.desk.journal.get(app_id).state == State.REGISTERED
    await finish(app)


async def test_an_admin_annuls_prints_the_notice_and_enters_the_survey(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app_id, number = await registered(ws)
    _, iin, password, name = next(s for s in ws.staff if s[0] == "admin")
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await open_in_journal(pilot, number)
        assert "Annul" in screen_text(app)
        await pilot.press("f1")
        await wait_for_text(pilot, "annuls a registration made in error")
        await pilot.press("escape")

        await pilot.press("f9")
        await wait_for_screen(pilot, "AnnulScreen")
        await wait_for_text(pilot, "The same person's application was registered twice")
        # "Another reason" without a note is refused in words, before any key is asked for.
        await pilot.press("end", "enter", "enter")
        await wait_for_text(pilot, "This ground needs a note")
        assert top(app) == "AnnulScreen"
        await pilot.press("shift+tab", "home", "down", "enter")  # duplicate
        await pilot.press(*"twice", "enter")
        await wait_for_screen(pilot, "SignScreen")
        await wait_for_text(pilot, "Confirm the annulment with your EDS")
        assert f"Registration {number} will be annulled" in screen_text(app)
        await pilot.press(*demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "DetailScreen")
        await wait_for_text(pilot, f"Registration {number} annulled")
        record = app.desk.journal.get(app_id)
        assert record.state == State.ANNULLED and record.number == number
        # The register is told without waiting for the next registration.
        await wait_until(
            pilot,
            lambda: not app.desk.context.journal.outbox.pending(),
            "the annulment sent to the registry",
        )
        await wait_for_text(pilot, "The same person's application was registered twice")
        assert "The annulment's EDS is valid" in screen_text(app)
        assert name in screen_text(app)  # who annulled it, by name
        assert app.screen.check_action("annul", ()) is False  # annulled: nothing to annul

        await pilot.press("f6")
        await wait_until(
            pilot,
            lambda: any(p.document == "annulment" for p in app.desk.journal.detail(app_id).prints),
            "the annulment notice printed",
        )
        assert any(ws.prints_dir.glob("*-annulment.pdf"))

        await pilot.press("f10")
        await wait_for_screen(pilot, "SurveyLaterScreen")
        await pilot.press("2", "enter", "3", "enter")
        await wait_for_screen(pilot, "DetailScreen")
        await wait_for_text(pilot, "survey entered later from paper")
        survey = app.desk.context.journal.issuance.survey(app_id)
        assert survey is not None and (survey.q1, survey.q2) == (2, 3)
    await finish(app)
