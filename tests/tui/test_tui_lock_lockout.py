"""The lock screen says a lock-out as the sign-in screen does (issue 11, item 5).

After ``security.lockout_attempts`` wrong passwords at the lock, the account is locked for
``security.lockout_minutes``: even the right password is refused then, and "wrong password"
would send the receptionist typing it again and again. The lock screen says until when.
"""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input
from tui_support import (
    PINNED_AT,
    finish,
    make_app,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.clock import ClinicClock

SIZE = (80, 24)


async def test_lock_screen_says_locked_until(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    _, iin, password, _ = ws.staff[0]
    security = ws.config.security
    # Written from the rule: the lock ends lockout_minutes after the last failure, read on the
    # clinic's clock (the pinned one stands still, so every failure happens at PINNED_AT).
    until = ClinicClock("Asia/Almaty").local(
        PINNED_AT + timedelta(minutes=security.lockout_minutes)
    )
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await pilot.press("ctrl+l")
        lock = await wait_for_screen(pilot, "LockScreen")
        field = lock.query_one("#unlock-password", Input)
        for attempt in range(security.lockout_attempts - 1):
            await pilot.press(*"not-the-password", "enter")
            # Each answer empties the field.
            await wait_until(
                pilot, lambda: not lock.busy and field.value == "", f"answer {attempt + 1}"
            )
            assert "Wrong password." in screen_text(app)
        await pilot.press(*"not-the-password", "enter")
        expected = f"locked until {until:%H:%M}"
        await wait_until(pilot, lambda: expected in screen_text(app), expected)

        # The right password now: still locked, and said so, not "wrong password".
        await pilot.press(*password, "enter")
        await wait_until(
            pilot, lambda: not lock.busy and field.value == "", "the answer to the right password"
        )
        await pilot.pause()
        assert app.screen is lock and app.locked
        text = screen_text(app)
        assert expected in text and "Wrong password." not in text
    await finish(app)
