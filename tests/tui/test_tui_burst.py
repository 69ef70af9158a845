"""A scanner or a fast typist: the whole sign-in arrives before the app handles any of it."""

from __future__ import annotations

from textual import events
from tui_support import finish, make_app, wait_for_screen

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
