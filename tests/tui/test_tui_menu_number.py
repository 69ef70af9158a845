"""An IIN typed at the menu goes to the look-up; its digits are never taken as service keys.

On the menu 1-9 choose services; a receptionist back at the menu who types (or scans) the next
person's IIN at once had its first digit open a service and the Enter after it act there (an IIN
starting with 6 printed a test page). The keys are given one by one (``pilot.press``: each is
handled, and any screen it opens shown, before the next) and as one burst (a scanner, or an SSH
or browser link bunching the keys: every key read before the first is handled).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_support import (
    PINNED_AT,
    admin,
    burst,
    finish,
    make_app,
    open_form,
    receptionist,
    sign_in,
    top,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.ids import KAZAKH_DIGIT_ROW, is_valid_iin, make_iin
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff
from regdesk.tui.app import DeskApp

SIZE = (80, 24)


def iin_starting_with(digit: int, serial: int = 1234) -> str:
    """A valid IIN whose first digit is ``digit`` (born in 20d1 for 1-2, in 19d1 for 3-9)."""
    year = (2000 if digit <= 2 else 1900) + digit * 10 + 1
    iin = make_iin(date(year, 3, 14), "female", serial)
    assert iin[0] == str(digit) and is_valid_iin(iin)
    return iin


def files_printed(ws: demo.DemoWorkspace) -> list[Path]:
    """Every file the demo's printers (all writing into the workspace) have made."""
    return sorted(p for p in Path(ws.prints_dir).rglob("*") if p.is_file())


def audit_actions(ws: demo.DemoWorkspace) -> list[tuple[int, str]]:
    """(id, action) of every audit record, the oldest first."""
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        return [(r.id, r.action) for r in reversed(audit.recent(db, limit=10000))]
    finally:
        db.conn.close()


def applications(ws: demo.DemoWorkspace) -> list[tuple[Any, ...]]:
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        return list(db.conn.execute("SELECT id, state FROM applications ORDER BY id"))
    finally:
        db.conn.close()


Typist = Callable[[Pilot[Any], str], Any]


async def one_by_one(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*("enter" if c == "\r" else c for c in text))


async def bunched(pilot: Pilot[Any], text: str) -> None:
    app = pilot.app
    assert isinstance(app, DeskApp)
    burst(app, text)


TYPISTS = {"one_by_one": one_by_one, "burst": bunched}


async def looked_up(pilot: Pilot[Any], iin: str) -> Any:
    """The look-up on top, ``iin`` in its field and asked of the registry (whatever it said)."""
    screen: Any = await wait_for_screen(pilot, "ApplicantScreen")
    await wait_until(
        pilot,
        lambda: (
            not screen.busy
            and (
                (screen.lookup is not None and screen.lookup.iin == iin)
                or (screen._last_error and screen.query_one("#iin", Input).value == iin)
            )
        ),
        f"{iin} looked up",
    )
    assert screen.query_one("#iin", Input).value == iin
    return screen


async def back_to_menu(pilot: Pilot[Any]) -> None:
    while top(pilot.app) != "MenuScreen":  # type: ignore[arg-type]
        await pilot.press("escape")
        await pilot.pause()
    await wait_for_screen(pilot, "MenuScreen")


@pytest.mark.parametrize(
    ("role", "typist"),
    [("admin", "one_by_one"), ("admin", "burst"), ("receptionist", "one_by_one")],
)
async def test_an_iin_typed_at_the_menu_is_looked_up_and_changes_nothing(
    workspace: demo.DemoWorkspace, role: str, typist: str
) -> None:
    # The admin has every service, 5, 7 and 9 included: the worst case for stray digits.
    ws = workspace
    type_ = TYPISTS[typist]
    who = admin(ws) if role == "admin" else receptionist(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *who)
        # From a form: Esc, Esc back to the services, and the next person's IIN at once.
        await open_form(pilot, ws.samples["unattached"][0])
        await back_to_menu(pilot)
        await wait_until(pilot, lambda: not [w for w in app.workers if w.group == "abandon"], "")
        before_prints, before_audit = files_printed(ws), audit_actions(ws)[-1][0]
        before_apps = applications(ws)
        for digit in range(1, 10):
            iin = iin_starting_with(digit)
            await type_(pilot, f"{iin}\r")
            await looked_up(pilot, iin)
            # Twice in a row: the next IIN typed over this one, straight away.
            again = iin_starting_with(digit, serial=4321)
            await type_(pilot, f"{again}\r")
            await looked_up(pilot, again)
            # Esc in the middle: back to the services, and the next IIN typed there.
            await back_to_menu(pilot)
        assert [type(s).__name__ for s in app.screen_stack][-1] == "MenuScreen"
    await finish(app)
    assert files_printed(ws) == before_prints
    new = [action for record_id, action in audit_actions(ws) if record_id > before_audit]
    assert new == ["registry_lookup"] * 18  # one look-up of each IIN, nothing else
    assert applications(ws) == before_apps
    # The password is what it was (8 opened nothing that took it).
    staff = Staff(open_db(DataPaths(ws.config.data_path()).database), ws.config.security)
    assert staff.authenticate(who[0], who[1], PINNED_AT + timedelta(minutes=5)).iin == who[0]


@pytest.mark.parametrize("typist", ["one_by_one", "burst"])
async def test_one_and_the_iin_typed_together(workspace: demo.DemoWorkspace, typist: str) -> None:
    ws = workspace
    type_ = TYPISTS[typist]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        before_prints = files_printed(ws)
        for digit in (1, 6, 8, 2):
            iin = iin_starting_with(digit)
            await type_(pilot, f"1{iin}\r")
            await looked_up(pilot, iin)
            await back_to_menu(pilot)
        # Twice in a row, with Esc in the middle of the second one.
        iin = iin_starting_with(6)
        await type_(pilot, f"1{iin}\r")
        await looked_up(pilot, iin)
        await back_to_menu(pilot)
        await type_(pilot, f"1{iin[:5]}")
        await pilot.press("escape")
        await back_to_menu(pilot)
        await type_(pilot, f"{iin}\r")
        await looked_up(pilot, iin)
    await finish(app)
    assert files_printed(ws) == before_prints


async def test_a_number_cut_by_esc_leaves_nothing_open(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        iin = iin_starting_with(6)
        await pilot.press(*iin[:4])
        screen = await wait_for_screen(pilot, "ApplicantScreen")
        assert screen.query_one("#iin", Input).value == iin[:4]
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        await pilot.press("enter")  # the highlighted service (attach), nothing typed
        screen = await wait_for_screen(pilot, "ApplicantScreen")
        assert screen.query_one("#iin", Input).value == ""
    await finish(app)
    assert files_printed(ws) == []


async def test_the_kazakh_digit_row_typed_at_the_menu_is_an_iin(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    kazakh = {digit: key for key, digit in reversed(KAZAKH_DIGIT_ROW.items())}
    iin = iin_starting_with(6)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        burst(app, "".join(kazakh[d] for d in iin) + "\r")
        await looked_up(pilot, iin)
    await finish(app)
    assert files_printed(ws) == []


@pytest.mark.parametrize("typist", ["one_by_one", "burst"])
async def test_the_services_keys_still_choose_them(
    workspace: demo.DemoWorkspace, typist: str
) -> None:
    ws = workspace
    type_ = TYPISTS[typist]
    _, password = receptionist(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        # 2 and the first digits of an IIN: a search in the journal, not a look-up.
        await type_(pilot, "2880101")
        journal = await wait_for_screen(pilot, "JournalScreen")
        query = journal.query_one("#query", Input)
        await wait_until(pilot, lambda: query.value == "880101", "the digits in the search")
        await pilot.press("escape")
        # 2 and a whole IIN: the journal searched for it.
        iin = iin_starting_with(8)
        await type_(pilot, f"2{iin}")
        journal = await wait_for_screen(pilot, "JournalScreen")
        query = journal.query_one("#query", Input)
        await wait_until(pilot, lambda: query.value == iin, "the IIN in the search")
        await pilot.press("escape")
        # 8 and a password that begins with digits: all of it in the password's field.
        await wait_for_screen(pilot, "MenuScreen")
        await type_(pilot, f"8123,{password}")
        screen = await wait_for_screen(pilot, "PasswordScreen")
        old = screen.query_one("#old-password", Input)
        await wait_until(pilot, lambda: old.value == f"123,{password}", "the password typed")
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        # 6 alone opens the printers, where Enter prints a test page, as the README says.
        await pilot.press("6")
        printers: Any = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: printers.listed is not None, "the printers listed")
        await pilot.press("enter")
        await wait_until(pilot, lambda: files_printed(ws), "the test page")
        assert "ApplicantScreen" not in [type(s).__name__ for s in app.screen_stack]
    await finish(app)
    assert len(files_printed(ws)) == 1


async def test_an_iin_typed_after_esc_from_the_form_replaces_the_last_one(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await open_form(pilot, ws.samples["unattached"][0])
        await pilot.press("escape")
        await wait_for_screen(pilot, "ApplicantScreen")
        iin = iin_starting_with(6)
        await pilot.press(*iin, "enter")
        await looked_up(pilot, iin)
    await finish(app)
    assert files_printed(ws) == []
