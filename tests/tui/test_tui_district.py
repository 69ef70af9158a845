"""The form suggests the district from the address and says why (issue 11, item 3)."""

from __future__ import annotations

from textual.widgets import Select, Static
from tui_support import finish, make_app, open_form, receptionist, sign_in, wait_until

from regdesk import demo
from regdesk.i18n import t


def _why(form: object) -> str:
    return str(form.query_one("#district-why", Static).render())  # type: ignore[attr-defined]


async def test_the_address_typed_in_the_form_suggests_the_district_and_says_why(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        _, form = await open_form(pilot, ws.samples["unattached"][0])
        district = form.query_one("#district", Select)
        lang = app.lang
        # This applicant's registered address is outside the demo's ranges: no district, said so.
        await wait_until(pilot, lambda: "—" not in _why(form) and _why(form) != "", "the why")
        assert district.is_blank()
        none = t("form.district_why_none", lang, address="\x00").split("\x00")[0]
        assert _why(form).startswith(none)

        # Tab to the address field and type where the applicant lives (keyboard only).
        await pilot.press("tab")
        for char in "Төле би көшесі 120":
            await pilot.press("space" if char == " " else char)
        await wait_until(pilot, lambda: district.value == "2", "district 2 suggested")
        assert "Төле би 91-180" in _why(form)
        assert _why(form) == t("form.district_why_actual", lang, entry="Төле би 91-180", number=2)

        # A district chosen by hand stays when the address changes again.
        district.value = "3"
        await pilot.press("backspace", "backspace", "backspace", "5")
        await wait_until(pilot, lambda: "Төле би 1-90" in _why(form), "the new range named")
        assert district.value == "3"
    await finish(app)
