"""The same person at two desks, on the screen (issue 14): the person card names the colleague
who has the person open (who, where, since when), before a form is typed; the registration that
comes second says why in the sign dialog and keeps what was typed.

The colleague's workstation is a second ``Desk`` on the same database file, driven through its
use cases (as ``tests/desk`` drives one); this desk is the real app under Pilot at 80x24.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual.widgets import Input, Static
from tui_support import (
    choose_district,
    finish,
    look_up,
    make_app,
    open_form,
    pinned_clock,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk
from regdesk.desk.terminal_name import ENV_VAR as WORKSTATION_ENV

SIZE = (80, 24)


def admin(ws: demo.DemoWorkspace) -> tuple[str, str, str, str]:
    return next(s for s in ws.staff if s[0] == "admin")


@asynccontextmanager
async def colleague(ws: demo.DemoWorkspace, clock: PinnedClock) -> AsyncIterator[Desk]:
    """The admin signed in at the second window (``Окно 2``), on the same data folder."""
    desk = Desk(ws.config, clock=clock)
    _, iin, password, _ = admin(ws)
    desk.session.sign_in(iin, password)
    try:
        yield desk
    finally:
        await desk.aclose()
        desk.close()


def card(screen: object) -> str:
    """The person card and the checks as the applicant screen holds them (all of it, also
    what is scrolled out of the 24 lines)."""
    parts = [str(screen.query_one(w, Static).render()) for w in ("#card", "#findings")]  # type: ignore[attr-defined]
    return "\n".join(parts)


async def test_the_card_names_the_colleague_who_has_the_person_open(
    workspace: demo.DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    clock = pinned_clock()
    first, second = ws.samples["unattached"][:2]
    monkeypatch.setenv(WORKSTATION_ENV, "Окно 1")
    app = make_app(ws, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        monkeypatch.setenv(WORKSTATION_ENV, "Окно 2")
        async with colleague(ws, clock) as other:
            # The colleague began the form at 10:30; this desk opens the person at 10:32.
            other.intake.open_draft(await other.intake.look_up(first))
            clock.advance(minutes=2)
            await pilot.press("1")
            applicant = await look_up(pilot, first)
            said = (
                "Жақсыбеков Ерлан Маратұлы is filling in an application for this person at"
                " “Окно 2” (open since 10:30)."
            )
            assert said in " ".join(card(applicant).split())
            # Seen at 80x24 under the card, with the page key if it is below the fold.
            await pilot.press("pagedown")
            await wait_for_text(pilot, "“Окно 2”")
            # A warning, not a block: the form is still offered.
            assert "f10 Form" in screen_text(app)

            # The other way round: this desk opens a person, the colleague's card names it...
            await pilot.press(*second, "enter")
            await wait_until(
                pilot,
                lambda: applicant.lookup is not None and applicant.lookup.iin == second,
                "the second look-up",
            )
            clock.advance(minutes=1)
            seen = await other.intake.look_up(second)
            (mark,) = [f for f in seen.findings if f.code == "open_at_desk"]
            assert dict(mark.params) == {
                "name": receptionist_name(ws),
                "workstation": "Окно 1",
                "time": "10:32",
            }
            # ...and this desk's card, at its next heartbeat, names the colleague who came second.
            assert "Окно 2" not in card(applicant)
            applicant.beat()
            await wait_until(pilot, lambda: "“Окно 2”" in card(applicant), "the colleague named")
            assert "since 10:33 (no application begun yet)" in " ".join(card(applicant).split())
    await finish(app)


def receptionist_name(ws: demo.DemoWorkspace) -> str:
    return next(s[3] for s in ws.staff if s[0] == "receptionist")


async def test_a_receptionist_in_a_hurry_sees_the_right_person_and_colleague(
    workspace: demo.DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Open one person, Esc, open another, open the first again: each card is its person's,
    with its own colleague (the lesson of a stale card that opened the previous person's form)."""
    ws = workspace
    clock = pinned_clock()
    first, second = ws.samples["unattached"][:2]
    app = make_app(ws, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        monkeypatch.setenv(WORKSTATION_ENV, "Окно 2")
        async with colleague(ws, clock) as other:
            await other.intake.look_up(first)  # the colleague has the first person open
            first_name = (await other.intake.look_up(first)).person.surname  # type: ignore[union-attr]
            await pilot.press("1")
            applicant = await look_up(pilot, first)
            assert first_name in card(applicant) and "“Окно 2”" in card(applicant)

            await pilot.press("escape")  # back to the menu: this desk has nobody open
            await wait_for_screen(pilot, "MenuScreen")
            await wait_until(pilot, lambda: not other.context.cases.others(first), "mark gone")

            await pilot.press("1")
            applicant = await look_up(pilot, second)
            second_name = applicant.lookup.person.surname
            assert second_name in card(applicant)
            assert first_name not in card(applicant) and "Окно 2" not in card(applicant)
            # The colleague moves on to the second person meanwhile.
            await other.intake.look_up(second)
            applicant.beat()
            await wait_until(pilot, lambda: "“Окно 2”" in card(applicant), "the colleague")

            await pilot.press("escape")
            await wait_for_screen(pilot, "MenuScreen")
            await pilot.press("1")
            applicant = await look_up(pilot, first)  # the first again: nobody has them now
            assert first_name in card(applicant)
            assert second_name not in card(applicant) and "Окно 2" not in card(applicant)
            await pilot.press("f10")
            form = await wait_for_screen(pilot, "FormScreen")
            assert app.desk.form.get(form.app_id).applicant_iin == first  # type: ignore[attr-defined]
            # The colleague sees this desk filling in the first person's form, not the second's.
            assert [c.application_id for c in other.context.cases.others(first)] == [
                form.app_id  # type: ignore[attr-defined]
            ]
            assert other.context.cases.others(second) == []
    await finish(app)


async def test_the_registration_that_comes_second_says_why_and_keeps_the_form(
    workspace: demo.DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    clock = pinned_clock()
    iin = ws.samples["unattached"][0]
    app = make_app(ws, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        async with colleague(ws, clock) as other:
            theirs = other.intake.open_draft(await other.intake.look_up(iin))
            other.form.save_form(
                theirs.application_id or 0,
                {"basis": "free_choice", "district": "1", "documents_seen": "identity"},
            )
            applicant, form = await open_form(pilot, iin)
            app_id = applicant.lookup.application_id
            await pilot.press(*"7012345678")
            await choose_district(pilot)
            form.query_one("#documents").select_all()  # type: ignore[attr-defined]
            await wait_until(
                pilot, lambda: not app.desk.form.missing_documents(app_id), "documents saved"
            )
            typed = form.query_one("#phone", Input).value
            assert typed.replace(" ", "").endswith("7012345678")
            await pilot.press("f10")
            await wait_for_screen(pilot, "SignScreen")
            # Both at the EDS dialog; the colleague signs first, at 10:34.
            clock.advance(minutes=4)
            key = other.registration.open_key(ws.key_paths[admin(ws)[1]], demo.KEY_PASSWORD)
            number = other.registration.register(theirs.application_id or 0, key)
            await pilot.press(*demo.KEY_PASSWORD, "enter")
            sign = app.screen
            message = sign.query_one("#sign-message", Static)
            await wait_until(pilot, lambda: number in str(message.render()), "the reason said")
            said = " ".join(str(message.render()).split())
            assert said.startswith("Жақсыбеков Ерлан Маратұлы registered this person on 25.11.2026")
            assert "at 10:34" in said and "what you typed is kept in your draft" in said
            # Nothing lost, nothing numbered here; the dialog stays for Esc.
            record = app.desk.form.get(app_id)
            assert record.state == State.DRAFT and record.number is None
            assert record.form["phone"] == typed  # type: ignore[index]
            await pilot.press("escape")
            form = await wait_for_screen(pilot, "FormScreen")
            assert form.query_one("#phone", Input).value == typed
    await finish(app)
