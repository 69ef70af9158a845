"""The printers' screen (menu 6, issue 15) by keys only, at 80x24 in kk, ru and en: a
receptionist prints a test page and is not offered the default; an admin makes another printer
this workstation's default; Esc and 6 again bring the same list back."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable
from tui_support import (
    admin,
    finish,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.desk.terminal_name import ENV_VAR
from regdesk.i18n import t
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "window-1")


def pages_printed(ws: demo.DemoWorkspace) -> int:
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        return len(audit.recent(db, limit=100, action="printer.test_page"))
    finally:
        db.conn.close()


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_receptionist_prints_a_test_page_and_cannot_choose_the_default(
    workspace: demo.DemoWorkspace, lang: str
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        while app.lang != lang:
            await pilot.press("f2")
        await pilot.press("6")
        screen = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: screen.listed is not None, "the printers listed")
        text = screen_text(app)
        for key in ("printer_setup.title", "printer_setup.col_where", "keys.printer_test_page"):
            assert t(key, lang) in text, (key, text)
        assert "window-1" in text and "files *" in text
        # Not an admin: the key is neither shown nor answering.
        assert t("keys.printer_make_default", lang) not in text
        await pilot.press("f4")
        assert "files *" in screen_text(app)
        # Enter: one page, then the words of where it went.
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.busy, "the test page printed")
        await wait_for_text(pilot, t("printer_setup.printed", lang, name="files", where="")[:12])
        # Esc back to the services, and 6 again shows the same list.
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
        await pilot.press("6")
        again = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: again.listed is not None, "the printers listed again")
        assert again.query_one("#printers-table", DataTable).row_count == 2
    await finish(app)
    assert pages_printed(ws) == 1


async def test_an_admin_makes_the_receipt_printer_this_workstation_s_default(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("6")
        screen = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: screen.listed is not None, "the printers listed")
        assert t("keys.printer_make_default", app.lang) in screen_text(app)
        await pilot.press("down", "f4")
        await wait_for_text(pilot, "receipt-80mm *")
        assert "files *" not in screen_text(app)
        await wait_for_text(
            pilot, t("printer_setup.default_done", app.lang, name="receipt-80mm")[:20]
        )
    await finish(app)
