"""The waiting terminals on the staff screen (F3), by keys only, at 80x24 (issue 14): the admin
sees the terminal a stranger guessed at with its failures and the wait's end in clinic time, Esc
on the confirmation changes nothing, F10 lifts the delay and the list says none waits; the
words in kk, ru and en."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from textual.widgets import DataTable
from tui_support import (
    PINNED_AT,
    admin,
    finish,
    make_app,
    screen_text,
    sign_in,
    top,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.core.clock import ClinicClock
from regdesk.core.ids import make_iin
from regdesk.i18n import t
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.signin_throttle import terminal_schedule
from regdesk.store.staff import SignInError, Staff

SIZE = (80, 24)
KIOSK = "kiosk-hall-2"


def guessed_at_the_kiosk(ws: demo.DemoWorkspace) -> tuple[int, int]:
    """A stranger's wrong passwords at the kiosk, one an unknown IIN each, until it waits:
    (failures counted, seconds of the wait), from the clinic's ``[security]``."""
    security = ws.config.security
    schedule = terminal_schedule(security)
    counted = schedule.free + 1
    db = open_db(DataPaths.for_config(ws.config).database)
    try:
        staff = Staff(db, security)
        for n in range(counted):
            stranger = make_iin(date(1970, 1, 1) + timedelta(days=n), "male", 300 + n)
            with pytest.raises(SignInError):
                staff.authenticate(stranger, "guess-1234", PINNED_AT, terminal=KIOSK)
    finally:
        db.conn.close()
    return counted, schedule.delay(counted)


@pytest.mark.parametrize("lang", ["en", "kk", "ru"])
async def test_the_admin_lifts_a_terminals_delay_from_the_staff_screen(
    workspace: demo.DemoWorkspace, lang: str
) -> None:
    ws = workspace
    counted, seconds = guessed_at_the_kiosk(ws)
    until = ClinicClock(ws.config.work_hours.timezone).local(PINNED_AT + timedelta(seconds=seconds))
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        if lang != "en":
            app.set_lang(lang)
        await pilot.press("9")
        await wait_for_screen(pilot, "StaffScreen")
        # Out of order and twice: F3, Esc, F3 again.
        await pilot.press("f3")
        await wait_for_screen(pilot, "TerminalsScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "StaffScreen")
        await pilot.press("f3")
        screen = await wait_for_screen(pilot, "TerminalsScreen")
        await wait_until(pilot, lambda: screen.loaded, "the terminals listed")
        table = screen.query_one("#terminals-table", DataTable)
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)] == [
            KIOSK,
            str(counted),
            until.strftime("%d.%m %H:%M:%S"),
        ]
        text = screen_text(app)
        assert t("ops_gaps.terminals_title", lang) in text
        assert t("keys.terminal_unlock", lang) in text  # the footer names Enter's action

        await pilot.press("enter")
        await wait_for_screen(pilot, "ConfirmScreen")
        await pilot.press("escape")  # no: nothing changes
        await wait_for_screen(pilot, "TerminalsScreen")
        assert len(app.desk.staff_admin.waiting_terminals()) == 1

        await pilot.press("enter")
        await wait_for_screen(pilot, "ConfirmScreen")
        await pilot.press("f10", "f10")  # pressed twice in a hurry: lifted once
        await wait_for_screen(pilot, "TerminalsScreen")
        done = t("ops_gaps.terminal_unlock_done", lang, terminal=KIOSK, failures=counted)
        await wait_until(pilot, lambda: done in " ".join(screen_text(app).split()), "the lift said")
        await wait_for_text(pilot, t("ops_gaps.terminals_none", lang))
        assert app.desk.staff_admin.waiting_terminals() == []
        assert top(app) == "TerminalsScreen"
        await pilot.press("escape")
        await wait_for_screen(pilot, "StaffScreen")
    await finish(app)
