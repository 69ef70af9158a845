"""A card belongs to the IIN it was looked up for (issue 11, item 1).

Once the IIN field no longer holds that IIN, the card and the keys acting on it (F9 refusal,
F10 form) wait for the new look-up: F10 must never open the previous person's form while the
field shows another IIN.
"""

from __future__ import annotations

from tui_support import (
    finish,
    look_up,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.registry.sim import Faults
from regdesk.tui.widgets import IinInput

SIZE = (80, 24)


async def test_typing_another_iin_invalidates_the_card(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    first, second = ws.samples["unattached"][:2]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        applicant = await look_up(pilot, first)
        first_name = applicant.lookup.person.surname
        assert first_name in screen_text(app) and "f10 Form" in screen_text(app)

        # The next person's IIN typed over the first (no Enter), then F10 and F9 at once.
        await pilot.press(*second, "f10", "f9")
        await pilot.pause()
        assert top(app) == "ApplicantScreen"
        field = applicant.query_one("#iin", IinInput)
        assert field.value == second
        text = screen_text(app)
        assert first_name not in text  # the old card is not shown under the new IIN
        assert "f10 Form" not in text and "f9 Refuse" not in text
        assert applicant.check_action("form", ()) is False
        assert applicant.check_action("refuse", ()) is False

        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: applicant.lookup is not None and applicant.lookup.iin == second,
            "the second look-up",
        )
        await pilot.press("f10")
        form = await wait_for_screen(pilot, "FormScreen")
        assert app.desk.form.get(form.app_id).applicant_iin == second
    await finish(app)


async def test_esc_in_the_middle_of_a_look_up_then_f10(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    first, second = ws.samples["unattached"][:2]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        applicant = await look_up(pilot, first)
        # The registry stops answering: the second look-up hangs until Esc cancels it.
        ws.simulator.set_faults(Faults(hang_rate=1.0))
        await pilot.press(*second, "enter")
        await wait_until(pilot, lambda: applicant.busy, "the look-up under way")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not applicant.busy, "the look-up cancelled")
        await pilot.press("f10", "f9")
        await pilot.pause()
        assert top(app) == "ApplicantScreen"
        assert applicant.lookup is None
        text = screen_text(app)
        assert "f10 Form" not in text and "f9 Refuse" not in text
        ws.simulator.set_faults(Faults())
    await finish(app)
