"""The policy screen and the TRAINING mark at the desk, by keys only (issue 15): a receptionist
neither sees nor reaches the policy; an admin opens it with 7, the registry is asked only on F5
(the simulator counts the requests), in kk, ru and en at 80x24; under ``training = true`` every
screen shows the mark; the EDS dialog says what to do without a key or with another's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.widgets import Input, Static
from tui_support import (
    choose_district,
    finish,
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
from regdesk.desk.errors import NotAllowed
from regdesk.i18n import t
from regdesk.registry.contract import HEALTH

SIZE = (80, 24)


def admin(ws: demo.DemoWorkspace) -> tuple[str, str]:
    _, iin, password, _ = next(s for s in ws.staff if s[0] == "admin")
    return iin, password


def health_calls(ws: demo.DemoWorkspace) -> int:
    return sum(1 for r in ws.simulator.requests() if r.path == HEALTH)


async def test_a_receptionist_cannot_reach_the_policy(workspace: demo.DemoWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await wait_for_screen(pilot, "MenuScreen")
        assert t("menu.policy", "en") not in screen_text(app)
        await pilot.press("7")
        await pilot.pause()
        assert top(app) == "MenuScreen"
        assert app.screen.check_action("service", ("policy",)) is False
        with pytest.raises(NotAllowed):
            app.desk.policy_view.overview()
    await finish(app)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_an_admin_reads_the_policy_and_checks_the_registry_on_f5(
    workspace: demo.DemoWorkspace, lang: str
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await wait_for_screen(pilot, "MenuScreen")
        if lang != "en":
            app.set_lang(lang)
            await pilot.pause()
        assert t("menu.policy", lang) in screen_text(app)
        before = health_calls(ws)
        await pilot.press("7")
        screen = await wait_for_screen(pilot, "PolicyScreen")
        await wait_until(pilot, lambda: screen.overview is not None, "the policy read")  # type: ignore[attr-defined]
        await wait_for_text(pilot, t("policy.signing_heading", lang))
        text = screen_text(app)
        assert t("policy.title", lang) in text
        assert t("policy.training_off", lang).strip() in text
        # Opening the screen asks the registry nothing.
        assert health_calls(ws) == before
        # The registry's lines are further down: scroll to them, then F5.
        await pilot.press("end")
        await wait_for_text(pilot, t("policy.registry_unchecked", lang).strip())
        await pilot.press("f5")
        await wait_until(pilot, lambda: screen.check is not None, "the registry checked")  # type: ignore[attr-defined]
        assert screen.check.ok  # type: ignore[attr-defined]
        assert health_calls(ws) == before + 1
        await pilot.press("end")
        await wait_for_text(pilot, ws.config.registry.base_url)
        await pilot.press("f5", "f5")  # twice in a hurry: one check at a time
        await wait_until(pilot, lambda: not screen.checking, "the second check")  # type: ignore[attr-defined]
        assert health_calls(ws) <= before + 3
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)


async def test_under_training_every_screen_is_marked(
    workspace: demo.DemoWorkspace, tmp_path: Path
) -> None:
    ws = workspace
    signing = dataclasses.replace(ws.config.signing, training=True)
    config = dataclasses.replace(ws.config, signing=signing)
    app = make_app(ws, config=config)
    mark = t("signing_admin.screen_mark", "en").strip()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, "SignInScreen")
        await wait_for_text(pilot, mark)
        await sign_in(pilot, *receptionist(ws))
        await wait_for_screen(pilot, "MenuScreen")
        await wait_for_text(pilot, mark)
        assert screen_text(app).splitlines()[0].rstrip().endswith(mark)
        app.set_lang("kk")
        await wait_for_text(pilot, t("signing_admin.screen_mark", "kk").strip())
        assert mark not in screen_text(app)
    await finish(app)

    # Without training: no mark anywhere.
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await wait_for_screen(pilot, "MenuScreen")
        assert mark not in screen_text(app)
    await finish(app)


async def test_the_eds_dialog_says_what_to_do_without_a_key_or_with_someone_elses(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    app = make_app(ws)
    assert app.demo is not None
    colleague = ws.key_paths[admin(ws)[0]]
    app.demo = dataclasses.replace(app.demo, key_paths={})  # no key set up for anybody
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await open_form(pilot, ws.samples["unattached"][0])
        await choose_district(pilot)
        await pilot.press("f3", "f10")
        sign = await wait_for_screen(pilot, "SignScreen")
        message = sign.query_one("#sign-message", Static)
        no_key = t("signing_admin.help.no_key", "en")
        await wait_until(pilot, lambda: str(message.render()) == no_key, "the no-key advice")
        assert "pki.gov.kz" in screen_text(app)  # on the screen, not cut off at 80x24
        # Someone else's key: the policy's words, then what to do.
        field = sign.query_one("#key-path", Input)
        field.value = colleague
        await pilot.press("enter", *demo.KEY_PASSWORD, "enter")
        other = t("signing_admin.help.other_person", "en")
        await wait_until(pilot, lambda: other in str(message.render()), "the advice")
        assert t("signing.problem.other_person", "en", owner="")[:20] in str(message.render())
        # F3 at any time: the way to a key of one's own.
        await pilot.press("f3")
        await wait_until(pilot, lambda: str(message.render()) == no_key, "F3's advice")
        await pilot.press("escape")
        await wait_until(pilot, lambda: top(app) != "SignScreen", "the dialog closed")
    await finish(app)
