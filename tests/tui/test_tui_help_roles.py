"""F1 help and the command palette offer each role only the keys it may use.

The menu's services 5 (districts: head, admin), 7 (the policy: admin) and 9 (staff: admin) and
the printers' F4 (this workstation's default: admin) are neither in the footer nor answering for
the others; their F1 help and their palette (Ctrl+P) left them listed all the same.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_support import (
    PINNED_AT,
    admin,
    finish,
    pinned_clock,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.desk import Desk
from regdesk.i18n import catalogue, t
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff
from regdesk.tui.app import DeskApp
from regdesk.tui.base import DeskModal, DeskScreen
from regdesk.tui.screens.menu import MenuScreen

SIZE = (80, 24)

EVERYONE = {"1": "attach", "2": "journal", "3": "reports", "4": "inbox", "6": "printers"}
EVERYONE |= {"8": "password"}
ROLE_SERVICES = {
    "receptionist": EVERYONE,
    "head": EVERYONE | {"5": "districts"},
    "admin": EVERYONE | {"5": "districts", "7": "policy", "9": "staff"},
}
"""The menu's keys by role (README, "Using the desk": 5 head and admin, 7 and 9 admin)."""

ALL_SERVICES = ROLE_SERVICES["admin"]


def help_line(key: str, binding_id: str, lang: str) -> str:
    """A key's line in F1 help: the key right-aligned in ten columns, then what it does."""
    return f"  {key:>10}  {t(f'keys.{binding_id}', lang)}"


async def help_text(pilot: Pilot[Any]) -> str:
    await pilot.press("f1")
    await wait_for_screen(pilot, "HelpScreen")
    await pilot.pause()
    text = str(pilot.app.screen.query_one("#help-body").render())
    await pilot.press("escape")
    return text


HEAD = make_iin(date(1972, 2, 9), "female", 31)
HEAD_PASSWORD = "Mengerushi-2026-kilt"


def signed_in_as(ws: demo.DemoWorkspace, role: str) -> tuple[str, str]:
    """The IIN and password of a ``role`` of the demo (a head added: the demo has none)."""
    if role == "head":
        db = open_db(DataPaths(ws.config.data_path()).database)
        try:
            Staff(db, ws.config.security).add(
                HEAD, "Меңгеруші Гүлнар Асқарқызы", "head", HEAD_PASSWORD, PINNED_AT, actor="t"
            )
        finally:
            db.conn.close()
        return HEAD, HEAD_PASSWORD
    return admin(ws) if role == "admin" else receptionist(ws)


@pytest.mark.parametrize(
    ("role", "lang"), [("receptionist", "kk"), ("head", "ru"), ("admin", "en")]
)
async def test_the_menu_s_help_and_palette_list_only_the_role_s_services(
    workspace: demo.DemoWorkspace, role: str, lang: str
) -> None:
    ws = workspace
    who = signed_in_as(ws, role)
    app = DeskApp(Desk(ws.config, clock=pinned_clock()), demo=ws.info(), lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *who)
        menu = await wait_for_screen(pilot, "MenuScreen")
        assert isinstance(menu, MenuScreen)
        text = await help_text(pilot)
        for key, service in ALL_SERVICES.items():
            line = help_line(key, f"service_{service}", lang)
            assert (line in text) == (key in ROLE_SERVICES[role]), (role, key, text)
        assert t("menu_number.help", lang) in text
        # The palette offers the same services, by name.
        offered = {c.title for c in app.get_system_commands(menu)}
        for key, service in ALL_SERVICES.items():
            name = t(f"keys.service_{service}", lang)
            assert (name in offered) == (key in ROLE_SERVICES[role]), (role, key, offered)
        # The printers' F4 (the default) is the admin's, in its help as in its footer.
        await pilot.press("6")
        printers: Any = await wait_for_screen(pilot, "PrinterSetupScreen")
        await wait_until(pilot, lambda: printers.listed is not None, "the printers listed")
        text = await help_text(pilot)
        default = help_line("f4", "printer_make_default", lang)
        assert (default in text) == (role == "admin"), (role, text)
        assert help_line("f5", "printer_test_page", lang) in text
        assert t("help.PrinterSetupScreen", lang) in text  # the screen explained, not its key
        footer = screen_text(app).splitlines()[-1]
        assert (t("keys.printer_make_default", lang) in footer) == (role == "admin"), footer
    await finish(app)


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


def test_every_screen_has_its_help_text() -> None:
    # F1 on a screen without one showed the catalogue's key (help.PrinterSetupScreen) instead.
    import regdesk.tui.screens as screens_package

    for module in pkgutil.iter_modules(screens_package.__path__):
        importlib.import_module(f"{screens_package.__name__}.{module.name}")
    names = {c.__name__ for c in _subclasses(DeskScreen) | _subclasses(DeskModal)}
    assert {"PrinterSetupScreen", "DistrictScreen", "MenuScreen", "HelpScreen"} <= names
    texts = catalogue()
    assert sorted(n for n in names if f"help.{n}" not in texts) == []
