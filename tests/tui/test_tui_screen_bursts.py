"""Keys typed in one burst right after a key that changes the screen act on the screen it opens.

Textual queued every key read in a burst on the widget focused when it was read; a key that opens
a screen or a dialog (F10, F9, F4, F1), or closes one (Esc), was handled after the keys behind it
were already queued on the old screen: they edited the card being left (the phone typed after F10
replaced the card's IIN, and the form never opened) or were lost on the screen under a new dialog.
The desk now hands its keys on one at a time, each once the screen it acts on shows (key_gate).

Every key here is queued at once (``burst_keys``), as one read of a terminal, a scanner or an SSH
or browser link brings it: nothing is handled before the last key is in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input, OptionList
from tui_support import (
    admin,
    audit_actions,
    burst_keys,
    choose_district,
    files_printed,
    finish,
    look_up,
    make_app,
    open_form,
    receptionist,
    screen_text,
    settle,
    sign_in,
    top,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.i18n import Translator
from regdesk.tui.widgets import TypeaheadInput

SIZE = (80, 24)
PHONE = "7011234567"
OTHER_PHONE = "7770001122"


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def field(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Input).value)


async def card(pilot: Any, ws: demo.DemoWorkspace, iin: str) -> Any:
    """The receptionist signed in, ``1``, and ``iin`` looked up: its card on the look-up."""
    await sign_in(pilot, *receptionist(ws))
    await pilot.press("1")
    return await look_up(pilot, iin)


async def test_f10_then_the_phone_reaches_the_form_twice_with_esc_between(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    iin = ws.samples["unattached"][0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        applicant = await card(pilot, ws, iin)
        # F10 opens the draft (a call into the desk), then the form: the phone is the form's.
        burst_keys(app, "f10", *PHONE)
        form = await wait_for_screen(pilot, "FormScreen")
        await wait_until(pilot, lambda: digits(field(app, "#phone")) == PHONE, "the phone typed")
        assert applicant.query_one("#iin", Input).value == iin  # the card still shows them
        # Back to the card and into the form again at once; the address after a Tab.
        burst_keys(app, "escape", "f10", "tab", *"Abai 10")
        await wait_until(
            pilot,
            lambda: top(app) == "FormScreen" and app.screen is not form,
            "the form opened again",
        )
        await wait_until(pilot, lambda: field(app, "#actual_address") == "Abai 10", "address")
        assert digits(field(app, "#phone")).endswith(PHONE)  # the draft kept it
        assert applicant.query_one("#iin", Input).value == iin
        await settle(app)
    await finish(app)


async def test_the_dialogs_get_the_keys_typed_after_the_key_that_opens_them(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    iin = ws.samples["unattached"][0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        applicant = await card(pilot, ws, iin)
        before = audit_actions(ws)[-1][0]
        # F9, the next reason, Enter (to the note) and the note: all the refusal dialog's.
        burst_keys(app, "f9", "down", "enter", *"abc")
        dialog = await wait_for_screen(pilot, "RefuseScreen")
        await wait_until(pilot, lambda: field(app, "#note") == "abc", "the note typed")
        codes = [r.code for r in dialog._reasons()]  # type: ignore[attr-defined]
        suggested = dialog.suggested  # type: ignore[attr-defined]
        start = codes.index(suggested) if suggested in codes else 0
        assert dialog.query_one("#reasons", OptionList).highlighted == start + 1
        assert applicant.query_one("#iin", Input).value == iin
        # Esc closes it; F1 opens help over the card and Esc closes it; F10 and the phone.
        burst_keys(app, "escape", "f1", "escape", "f10", *PHONE)
        await wait_for_screen(pilot, "FormScreen")
        await wait_until(pilot, lambda: digits(field(app, "#phone")) == PHONE, "the phone typed")
        assert [type(s).__name__ for s in app.screen_stack][-3:] == [
            "MenuScreen",
            "ApplicantScreen",
            "FormScreen",
        ]
        await settle(app)
    await finish(app)
    new = {action for record_id, action in audit_actions(ws) if record_id > before}
    assert not {a for a in new if "refus" in a or "regist" in a}, new  # nothing was decided


async def test_the_key_password_typed_after_f10_is_the_eds_dialog_s_never_the_form_s(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        applicant, form = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id
        await wait_until(pilot, lambda: form.view is not None, "the form loaded")  # type: ignore[attr-defined]
        # No document seen yet: F10's check keeps the dialog closed. The password typed after
        # it was the dialog's: it must not land in the focused phone (and be saved with it).
        burst_keys(app, "f10", *demo.KEY_PASSWORD)
        dropped = Translator("en")("typeahead.dropped", count=len(demo.KEY_PASSWORD))
        await wait_until(
            pilot,
            lambda: dropped in [n.message for n in app._notifications],
            "the keys typed ahead said to be unused",
        )
        assert field(app, "#phone") == ""
        assert top(app) == "FormScreen"
        await settle(app)
        assert not (app.desk.form.get(app_id).form or {}).get("phone")  # nothing saved
        # With the district and the document: F10 and the password at once, in the dialog.
        await choose_district(pilot)
        await pilot.press("tab", "tab", "tab", "tab", "space")
        await wait_until(
            pilot, lambda: not app.desk.form.missing_documents(app_id), "the tick saved"
        )
        burst_keys(app, "f10", *demo.KEY_PASSWORD)
        await wait_for_screen(pilot, "SignScreen")
        await wait_until(
            pilot, lambda: field(app, "#key-password") == demo.KEY_PASSWORD, "the password"
        )
        await settle(app)
    await finish(app)


async def test_an_admin_s_bursts_through_dialogs_and_screens(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    new_iin = "880101300123"
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        # 9 opens the staff, F4 its "add" dialog, and the IIN is the dialog's.
        burst_keys(app, "9", "f4", *new_iin)
        await wait_for_screen(pilot, "AddEmployeeScreen")
        await wait_until(pilot, lambda: field(app, "#add-iin") == new_iin, "the IIN typed")
        # Esc, Esc back to the services, help opened and closed, the journal and a search.
        burst_keys(app, "escape", "escape", "f1", "escape", "2", *"abc")
        await wait_for_screen(pilot, "JournalScreen")
        await wait_until(pilot, lambda: field(app, "#query") == "abc", "the search typed")
        # Twice: back and the same again.
        burst_keys(app, "escape", "9", "f4", *new_iin)
        await wait_for_screen(pilot, "AddEmployeeScreen")
        await wait_until(pilot, lambda: field(app, "#add-iin") == new_iin, "the IIN again")
        await settle(app)
    await finish(app)


@pytest.mark.parametrize("role", ["receptionist", "admin"])
async def test_an_iin_pasted_at_the_menu_is_looked_up(
    workspace: demo.DemoWorkspace, role: str
) -> None:
    # A scanner in keyboard mode over SSH, or the clipboard, arrives as one bracketed paste.
    ws = workspace
    who = admin(ws) if role == "admin" else receptionist(ws)
    first = ws.samples["no_record"][0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *who)
        before = audit_actions(ws)[-1][0]
        # With the scanner's line break: looked up, as typing the IIN and Enter is.
        app.post_message(events.Paste(f"{first}\r"))
        applicant = await wait_for_screen(pilot, "ApplicantScreen")
        await wait_until(
            pilot,
            lambda: applicant.lookup is not None or applicant._last_error,  # type: ignore[attr-defined]
            "the pasted IIN looked up",
        )
        assert applicant.query_one("#iin", Input).value == first
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        # Without one (an IIN starting with 6: the printers' service): in the field, unasked.
        second = make_iin(date(1961, 3, 14), "female", 1234)
        app.post_message(events.Paste(second))
        applicant = await wait_for_screen(pilot, "ApplicantScreen")
        await wait_until(
            pilot, lambda: applicant.query_one("#iin", Input).value == second, "in the field"
        )
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        # A paste that is no number does nothing at the menu.
        app.post_message(events.Paste("Абай 10\r"))
        await pilot.pause()
        assert top(app) == "MenuScreen"
        await settle(app)
    await finish(app)
    assert files_printed(ws) == []
    new = [action for record_id, action in audit_actions(ws) if record_id > before]
    assert new == ["registry_lookup"]


async def test_the_admin_s_menu_help_reads_on_with_page_down(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    t = Translator("en")
    more = f"pgdn {t('keys.help_more')}"
    last_line = t("menu_number.help").split()[-3:]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("f1")
        await wait_for_screen(pilot, "HelpScreen")
        await wait_until(pilot, lambda: more in screen_text(app), "the footer saying there is more")
        assert " ".join(last_line) not in screen_text(app)  # below the fold at 80x24
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: " ".join(last_line) in screen_text(app), "the last line")
        assert more not in screen_text(app)  # nothing more below
        await pilot.press("pageup")
        await wait_until(pilot, lambda: more in screen_text(app), "the top again")
    await finish(app)


class TwoFields(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []
        self.submitted: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield TypeaheadInput(id="first")
        yield TypeaheadInput(id="second")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.read.append(event.key)
        await super().on_event(event)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.submitted.append(message.input.id)


async def test_an_enter_passed_on_to_the_field_with_the_focus_is_not_read_again() -> None:
    # An Enter queued on the first field while the focus moved to the second goes to the
    # second. It was posted there as a key just read: back at the app, it was routed again as
    # a second key (behind every key read since, once the desk hands keys on in turn).
    app = TwoFields()
    async with app.run_test() as pilot:
        app.query_one("#second").focus()
        await pilot.pause()
        app.query_one("#first")._forward_event(events.Key("enter", "\r"))
        await wait_until(pilot, lambda: app.submitted, "the Enter handled")
        await pilot.pause()
        assert app.submitted == ["second"]
        assert app.read == []  # never taken for a key read from the terminal
