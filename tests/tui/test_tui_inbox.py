"""The portal inbox by keys alone: the menu's counts, the list with its marks, one opened, Esc.

The demo workspace's journal holds portal applications received at set times; the clock stands
at Wednesday 25.11.2026 10:30 in Almaty, so which are overdue and which are due within the hour
follows from the regulation's rule (one working day, 09:00-18:00), worked out in each test.
The registry is the simulator on loopback.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from inbox_support import receive
from textual.widgets import DataTable
from tui_support import (
    demo_info,
    finish,
    make_app,
    pinned_clock,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)
from words_support import cut_words, foreign_words

from regdesk import demo
from regdesk.core.clock import zone
from regdesk.desk import Desk
from regdesk.i18n import t
from regdesk.tui.app import DeskApp

ALMATY = zone("Asia/Almaty")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ALMATY)


def three(ws: demo.DemoWorkspace) -> tuple[int, int, int]:
    """Overdue (due Tuesday 11:00), due within the hour (today 11:10), and due today 18:00."""
    adult = ws.samples["adult"][0]
    late = receive(
        ws,
        portal_id="P-2026-000001",
        subject_iin=ws.samples["deceased"][0],
        received=at(23, 11),
        names=("Ахметов", "Болат", ""),
    )
    soon = receive(
        ws,
        portal_id="P-2026-000002",
        subject_iin=adult,
        received=at(24, 11, 10),
        names=("Сапарова", "Гүлнар", ""),
    )
    later = receive(
        ws,
        portal_id="P-2026-000003",
        subject_iin=ws.samples["unattached"][0],
        received=at(25, 8),
        names=("Ким", "Олег", ""),
    )
    return late, soon, later


def table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Ахметов" in line or "Сапарова" in line]


async def test_the_menu_counts_and_the_list_marks_overdue_and_soon(
    workspace: demo.DemoWorkspace,
) -> None:
    three(workspace)
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        # Three waiting, one of them overdue: the menu says both, the overdue with its sign.
        await wait_for_text(pilot, "3 waiting, !! 1 overdue")
        await pilot.press("4")
        await wait_for_screen(pilot, "InboxScreen")
        await wait_for_text(pilot, "Ким")
        text = screen_text(app)
        late_line, soon_line = table_lines(text)
        # Sorted by deadline: the overdue first, marked "!!"; the next within the hour, "!".
        assert text.index("Ахметов") < text.index("Сапарова") < text.index("Ким")
        assert late_line.lstrip().startswith("!!")
        assert "24.11 11:00" in late_line
        assert soon_line.lstrip().startswith("! ") and "40 min" in soon_line
        assert "25.11 11:10" in soon_line
        # The signs are explained on the screen itself, in words.
        assert "!! overdue, ! due within an hour" in text
        assert "Waiting: 3   !! overdue: 1" in text
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)


async def test_enter_opens_an_application_with_the_registry_asked_again(
    workspace: demo.DemoWorkspace,
) -> None:
    three(workspace)
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await pilot.press("4")
        await wait_for_text(pilot, "Ким")
        await pilot.press("enter")  # the first row: the overdue one, of a person now dead
        await wait_for_screen(pilot, "PortalCaseScreen")
        await wait_for_text(pilot, "The registry's answer at 10:30")
        text = screen_text(app)
        assert "Portal application P-2026-000001" in text
        # Due Tuesday 11:00: 7 work hours that day and 1 h 30 min this morning have passed.
        assert "!! Overdue by 8 h 30 min of work time" in text
        await pilot.press("end")  # the rest of the card: the rules' verdict
        await wait_for_text(pilot, "It cannot be registered: F9 refuses")
        # Esc in the middle of reading: back to the list, which still lists it.
        await pilot.press("escape")
        await wait_for_screen(pilot, "InboxScreen")
        await wait_for_text(pilot, "Ахметов")
        table = app.screen.query_one("#inbox-table", DataTable)
        assert table.cursor_row == 0
        # Down, Enter: the next one opens, then Esc twice is the menu.
        await pilot.press("down", "enter")
        await wait_for_text(pilot, "P-2026-000002")
        await pilot.press("escape")
        await wait_for_screen(pilot, "InboxScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)


async def test_the_status_filter_lists_the_overdue_only(workspace: demo.DemoWorkspace) -> None:
    three(workspace)
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await pilot.press("4")
        await wait_for_text(pilot, "Ким")
        # F4 to the filter, open it, down to "overdue", Enter.
        await pilot.press("f4", "enter", "down", "enter")
        await wait_until(
            pilot, lambda: "Ким" not in screen_text(app), "the list without the one due today"
        )
        text = screen_text(app)
        assert "Ахметов" in text and "Сапарова" not in text
        assert "1 of 1" in text
    await finish(app)


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_inbox_screens_speak_the_language(workspace: demo.DemoWorkspace, lang: str) -> None:
    three(workspace)
    app = DeskApp(
        Desk(workspace.config, clock=pinned_clock()), demo=demo_info(workspace), lang=lang
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await wait_for_text(pilot, "!! ")
        shots = {"menu": screen_text(app)}
        await pilot.press("4")
        await wait_for_text(pilot, t("inbox.legend", lang))
        shots["list"] = screen_text(app)
        await pilot.press("enter")
        await wait_for_text(pilot, t("inbox.registry_now", lang, time="10:30"))
        shots["case"] = screen_text(app)
        await pilot.press("end")
        await wait_for_text(pilot, t("inbox.next_refuse", lang)[:20])
        shots["case end"] = screen_text(app)
        await pilot.press("f1")
        await wait_for_screen(pilot, "HelpScreen")
        shots["help"] = screen_text(app)
        # The one due today can be registered: its district dialog and the EDS dialog.
        await pilot.press("escape", "escape")
        await wait_for_screen(pilot, "InboxScreen")
        await pilot.press("down", "down", "enter")
        await wait_for_screen(pilot, "PortalCaseScreen")
        await wait_for_text(pilot, t("inbox.registry_now", lang, time="10:30"))
        await pilot.press("f10")
        await wait_for_screen(pilot, "DistrictScreen")
        shots["district"] = screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, "SignScreen")
        await wait_for_text(pilot, "P-2026-000003")
        shots["sign"] = screen_text(app)
        for name, text in shots.items():
            assert foreign_words(text, lang) == [], (name, text)
            assert cut_words(text, lang) == [], (name, text)
    await finish(app)
