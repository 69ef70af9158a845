"""PageDown scrolls the applicant's card while the IIN field keeps the focus (issue 11, item 12)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from tui_support import finish, look_up, make_app, receptionist, sign_in, wait_until

from regdesk import demo
from regdesk.tui.widgets import IinInput


async def test_page_down_scrolls_the_card_without_tab(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    # A short terminal: the card of an uninsured foreigner (two findings) does not fit.
    async with app.run_test(size=(80, 16)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        screen = await look_up(pilot, ws.samples["foreign_temporary_uninsured"][0])
        scroll = screen.query_one("#card-scroll", VerticalScroll)
        await wait_until(pilot, lambda: scroll.max_scroll_y > 0, "a card taller than its room")
        assert screen.query_one("#iin", IinInput).has_focus
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: scroll.scroll_y > 0, "the card scrolled down")
        assert screen.query_one("#iin", IinInput).has_focus  # no Tab was needed
        await pilot.press("pageup")
        await wait_until(pilot, lambda: scroll.scroll_y == 0, "the card back at its top")
    await finish(app)
