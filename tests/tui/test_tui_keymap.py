"""The clinic's [keymap] moves a desk key, and the footer and help follow it."""

from __future__ import annotations

import dataclasses

from textual.widgets import SelectionList
from tui_support import (
    finish,
    make_app,
    open_form,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo


async def test_keymap_from_config_remaps_a_binding(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    config = dataclasses.replace(ws.config, keymap={"documents_seen": "f8"})
    app = make_app(ws, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        _, form = await open_form(pilot, ws.samples["unattached"][0])
        docs = form.query_one("#documents", SelectionList)
        # The default key no longer does it. F1 goes the same way as F3 (to the bindings of
        # the focused widget, the form, the app) and after it: once help is open, F3 is done.
        await pilot.press("f3", "f1")
        await wait_for_screen(pilot, "HelpScreen")
        assert docs.selected == []
        await pilot.press("escape")
        await wait_for_screen(pilot, "FormScreen")
        await pilot.press("f8")
        await wait_until(pilot, lambda: bool(docs.selected), "the originals ticked")
        assert "f8" in screen_text(app) and "f3 Originals" not in screen_text(app)
    await finish(app)
