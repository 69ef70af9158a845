"""The front-desk flow driven by keys only, against the demo's real registry simulator.

Each test signs in as the demo receptionist and goes through Table 2 the way a receptionist
would: only ``pilot.press``, never a click and never a call into a screen's methods.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from textual.widgets import Static
from tui_support import (
    choose_district,
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
from regdesk.registry.sim import Faults
from regdesk.tui.widgets import IinInput

SIZE = (80, 24)


async def test_registration_through_to_the_talon(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    iin = ws.samples["unattached"][0]
    keys_after_iin: list[str] = []

    async with app.run_test(size=SIZE) as pilot:

        async def press(*keys: str) -> None:
            keys_after_iin.extend(keys)
            await pilot.press(*keys)

        await sign_in(pilot, *receptionist(ws))
        assert top(app) == "MenuScreen"
        await pilot.press("1")
        applicant = await wait_for_screen(pilot, "ApplicantScreen")
        await pilot.press(*iin)
        await press("enter")
        await wait_until(pilot, lambda: getattr(applicant, "lookup", None), "the person card")
        text = screen_text(app)
        assert "The registry answered." in text
        assert "not attached" in text

        await press("f10")
        await wait_for_screen(pilot, "FormScreen")
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        await choose_district(pilot)
        await press("f4")
        await wait_for_screen(pilot, "ScanPickerScreen")
        await wait_for_text(pilot, "udostoverenie-lichnosti.pdf")
        # The oldest file is the identity card's PDF: End goes to it, Enter picks it.
        await press("end", "enter")
        await wait_for_text(pilot, "udostoverenie-lichnosti.pdf")
        await press("enter")  # the first kind offered: the identity document
        await wait_for_screen(pilot, "FormScreen")
        await wait_for_text(pilot, "udostoverenie-lichnosti.pdf  (Identity document")
        attached = app.desk.form.attachments(app_id)
        assert [(a.original_name, a.doc_kind) for a in attached] == [
            ("udostoverenie-lichnosti.pdf", "identity")
        ]

        await press("f10")
        await wait_for_screen(pilot, "SignScreen")
        # The demo key is offered by its file name, whole on one line however long the
        # workspace's folder is (the middle of a long path is elided, test_tui_paths.py).
        key_name = Path(ws.key_paths[receptionist(ws)[0]]).name
        await wait_for_text(pilot, key_name)
        await press(*demo.KEY_PASSWORD, "enter")
        result = await wait_for_screen(pilot, "ResultScreen")
        record = app.desk.form.get(app_id)
        assert record.state == State.REGISTERED
        assert record.number == f"DEMO-{record.registered_at.year}-000001"  # type: ignore[union-attr]
        await wait_for_text(pilot, f"Application number: {record.number}")

        await press("f6")
        await wait_until(pilot, lambda: getattr(result, "printed", None), "the talon printed")
        talon = ws.prints_dir / f"{record.number}-talon.pdf"
        status = result.query_one("#print-status", Static)
        assert str(status.content) == f"Sent to print: {talon}"
        assert talon.is_file()
        pages = "".join(page.extract_text() for page in PdfReader(talon).pages)
        assert record.number in pages  # type: ignore[operator]
        assert app.desk.form.get(app_id).state == State.ISSUED

        control = [k for k in keys_after_iin if len(k) > 1]
        typed = len(keys_after_iin) - len(control)
        print(
            f"keystrokes from the IIN entered to the talon printed: {len(control)} keys"
            f" + {typed} characters of the key password"
        )
        assert typed == len(demo.KEY_PASSWORD)
        assert len(control) <= 10

        await pilot.press("3", "3")
        await wait_until(
            pilot, lambda: app.desk.context.journal.issuance.survey(app_id), "the survey stored"
        )
        survey = app.desk.context.journal.issuance.survey(app_id)
        assert survey is not None and (survey.q1, survey.q2) == (3, 3)
        await wait_for_text(pilot, "Thank you!")

        await pilot.press("enter")
        applicant = await wait_for_screen(pilot, "ApplicantScreen")
        field = applicant.query_one("#iin", IinInput)
        assert field.value == ""
        assert app.focused is field
        assert "Enter the next applicant's IIN." in screen_text(app)
        # Ready for the next person: F9 and F10 wait for a new look-up.
        assert "f10 Form" not in screen_text(app)
    await finish(app)


async def test_refusal_when_the_registry_has_no_data(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        applicant = await look_up(pilot, ws.samples["no_record"][0])
        assert "The state database has no data for this IIN." in screen_text(app)
        assert "f10 Form" not in screen_text(app)  # nothing to fill for a person not found

        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        reasons = app.screen.query_one("#reasons")
        highlighted = reasons.get_option_at_index(reasons.highlighted)  # type: ignore[attr-defined]
        assert highlighted.id == "no_data"  # the registry's answer suggests the reason
        await pilot.press("f10")
        await wait_for_screen(pilot, "ResultScreen")
        await wait_for_text(pilot, "Motivated refusal formed")
        record = app.desk.form.get(app_id)
        assert (record.state, record.refusal_code) == (State.REFUSED, "no_data")
        # The refusal notice: previewed on screen, printed into the prints folder on F6; the
        # reason in words and a reference to quote, never the internal code (issue 11, item 10).
        assert "no_data" not in screen_text(app)
        assert app.desk.journal.reference(record) in screen_text(app)
        await pilot.press("f6")
        await wait_for_text(pilot, "Sent to print:")
        notices = [p for p in ws.prints_dir.iterdir() if p.suffix == ".pdf"]
        assert len(notices) == 1 and "refusal" in notices[0].name
        await pilot.press("s", "enter")
        await wait_for_screen(pilot, "ApplicantScreen")
        # The journal's row names the notice by the reference on its paper, as the detail does.
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        await pilot.press("2")
        await wait_for_screen(pilot, "JournalScreen")
        await wait_for_text(pilot, app.desk.journal.reference(record))
    await finish(app)


async def test_refusal_for_a_deceased_person(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        applicant = await look_up(pilot, ws.samples["deceased"][0])
        text = screen_text(app)
        assert "DECEASED" in text
        assert "The registry records the person as deceased" in text
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        # Enter takes the suggested reason and goes to the note; Enter on the note refuses.
        await pilot.press("enter", *"death record", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        record = app.desk.form.get(app_id)
        assert (record.state, record.refusal_code) == (State.REFUSED, "deceased")
        assert record.refusal_note == "death record"
        await wait_for_text(pilot, "Motivated refusal formed")
    await finish(app)


async def test_registry_down_then_retry(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    iin = ws.samples["unattached"][0]
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        ws.simulator.set_faults(Faults(fail_rate=1.0))
        applicant = await look_up(pilot, iin)
        assert applicant._last_error and applicant.lookup is None
        text = screen_text(app)
        assert "The registry is not answering right now." in text
        assert "f5 Retry" in text
        assert "f10 Form" not in text
        assert app.desk.journal.find(iin) == []  # nothing was written for a failed request

        ws.simulator.set_faults(Faults())
        await pilot.press("f5")
        await wait_until(pilot, lambda: applicant.lookup is not None, "the retried look-up")
        text = screen_text(app)
        assert "The registry answered." in text
        assert "f5 Retry" not in text
        assert "f10 Form" in text
    await finish(app)


async def test_wrong_key_password_then_the_right_one(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        applicant, _ = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        await choose_district(pilot)
        # The identity document seen in the original: ticked in the checklist instead of a scan.
        await pilot.press("tab", "tab", "tab", "tab", "space")
        await wait_until(
            pilot, lambda: not app.desk.form.missing_documents(app_id), "the tick saved"
        )
        await pilot.press("f10")
        sign = await wait_for_screen(pilot, "SignScreen")
        await pilot.press(*"not-the-password", "enter")
        await wait_for_text(pilot, "Wrong key password")
        assert sign.query_one("#key-password").value == ""  # type: ignore[attr-defined]
        assert app.desk.form.get(app_id).state == State.DRAFT
        assert top(app) == "SignScreen"

        await pilot.press(*demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert app.desk.form.get(app_id).state == State.REGISTERED
        await wait_for_text(pilot, "Application registered")
    await finish(app)


async def test_language_switch_mid_flow_keeps_what_was_typed(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        _, form = await open_form(pilot, ws.samples["unattached"][0])
        await pilot.press(*"+77011234567", "tab", *"Abay 12")
        assert "Application form (step 5)" in screen_text(app)

        await pilot.press("f2")
        await wait_for_text(pilot, "Өтініш формасы (5-қадам)")
        assert app.lang == "kk"
        assert form.query_one("#phone").value == "+7 701 123 45 67"  # type: ignore[attr-defined]
        assert form.query_one("#actual_address").value == "Abay 12"  # type: ignore[attr-defined]
        assert "Телефон" in screen_text(app) or "Байланыс" in screen_text(app)

        await pilot.press("f2")
        await wait_for_text(pilot, "Форма заявления (шаг 5)")
        assert app.lang == "ru"
        assert form.query_one("#phone").value == "+7 701 123 45 67"  # type: ignore[attr-defined]
        await pilot.press(*"-5")
        assert form.query_one("#actual_address").value == "Abay 12-5"  # type: ignore[attr-defined]
        # The employee's choice is remembered for the next sign-in.
        employee = app.desk.context.staff.get(receptionist(ws)[0])
        assert employee is not None and employee.lang == "ru"
    await finish(app)
