"""The sign-in screen's message follows the language switch: a refused sign-in said in Kazakh is
said in Russian after F2 and in English after F2 again, as every other text of the screen."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input, Static
from tui_support import finish, make_app, receptionist, sign_in, wait_for_screen, wait_until

from regdesk import demo
from regdesk.config import Languages
from regdesk.i18n import t


def said(screen: object) -> str:
    text = str(screen.query_one("#signin-message", Static).render())  # type: ignore[attr-defined]
    return " ".join(text.split())  # the line as words, whatever the box's wrapping


def words(key: str, lang: str) -> str:
    return " ".join(t(key, lang).split())


async def test_a_wrong_passwords_message_changes_language_with_f2(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    config = dataclasses.replace(ws.config, languages=Languages(default="kk"))
    app = make_app(ws, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_screen(pilot, "SignInScreen")
        await pilot.press(*iin, "enter", *"not-the-password", "enter")
        await wait_until(
            pilot,
            lambda: said(screen) == words("signin_throttle.refused", "kk"),
            "the refusal in Kazakh",
        )
        # The three catalogue texts differ, so each check below can only pass in its language.
        assert len({words("signin_throttle.refused", lang) for lang in ("kk", "ru", "en")}) == 3

        await pilot.press("f2")
        assert app.lang == "ru"
        assert said(screen) == words("signin_throttle.refused", "ru")
        await pilot.press("f2")
        assert app.lang == "en"
        assert said(screen) == words("signin_throttle.refused", "en")

        # An empty field is said in the language of the moment as well, and follows F2.
        screen.query_one("#password", Input).focus()
        await pilot.press("enter")
        assert said(screen) == words("signin.fill_both", "en")
        await pilot.press("f2")
        assert said(screen) == words("signin.fill_both", "kk")

        # The right password still signs in, and the message is gone for whoever comes next.
        await pilot.press("f2", "f2")  # back to English, where sign_in waits for the menu
        field = screen.query_one("#iin", Input)
        field.value = ""
        field.focus()
        await sign_in(pilot, iin, password)
        assert said(screen) == ""
    await finish(app)


async def test_the_lock_screens_refusal_changes_language_with_f2(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    config = dataclasses.replace(ws.config, languages=Languages(default="kk"))
    app = make_app(ws, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, iin, password)
        assert app.lang == "kk"
        await pilot.press("ctrl+l")
        lock = await wait_for_screen(pilot, "LockScreen")

        def refusal() -> str:
            text = str(lock.query_one("#lock-message", Static).render())
            return " ".join(text.split())

        await pilot.press(*"not-the-password", "enter")
        key = "signin_throttle.unlock_refused"
        await wait_until(pilot, lambda: refusal() == words(key, "kk"), "the refusal in Kazakh")
        await pilot.press("f2")
        assert refusal() == words(key, "ru")
        await pilot.press("f2")
        assert refusal() == words(key, "en")
        await pilot.press(*password, "enter")
        await wait_until(pilot, lambda: not app.locked, "unlocked")
    await finish(app)
