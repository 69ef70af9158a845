"""The Reports screen, by keys only: a report, its period and grouping, a typed period, F1.

The pinned "now" is Wednesday 25.11.2026 in Almaty: today is 25.11, this week 23.11-29.11,
this month 01.11-30.11.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_support import (
    admin,
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

from regdesk import demo

SIZE = (80, 24)


async def _shown(
    pilot: Pilot[Any], screen: Any, name: str, first: date, last: date, by: str
) -> Any:
    """Wait until the screen shows the report ``name`` over first..last grouped ``by``."""

    def there() -> bool:
        r = screen.report
        return (
            not screen.busy
            and r is not None
            and (r.name, r.period.first, r.period.last, r.period.by) == (name, first, last, by)
        )

    await wait_until(pilot, there, f"{name} {first}..{last} by {by}")
    return screen.report


async def test_period_keys_grouping_and_report_choice(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("3")
        screen = await wait_for_screen(pilot, "ReportsScreen")
        # It opens on this month, by day, the time norms, for the whole clinic (an admin).
        report = await _shown(pilot, screen, "norms", date(2026, 11, 1), date(2026, 11, 30), "day")
        assert report.scope.employee_iin is None
        await wait_for_text(pilot, "Duration of the actions against the norm")
        assert "The whole clinic" in screen_text(app)

        await pilot.press("f5")
        await _shown(pilot, screen, "norms", date(2026, 11, 25), date(2026, 11, 25), "day")
        assert screen.query_one("#reports-first", Input).value == "25.11.2026"
        await pilot.press("f6")
        await _shown(pilot, screen, "norms", date(2026, 11, 23), date(2026, 11, 29), "day")
        await pilot.press("f9")
        await _shown(pilot, screen, "norms", date(2026, 11, 23), date(2026, 11, 29), "week")
        await pilot.press("f7", "f9")  # twice in a hurry: the last answer is the one shown
        await _shown(pilot, screen, "norms", date(2026, 11, 1), date(2026, 11, 30), "month")

        # F4 and the list: the next report.
        await pilot.press("f4", "enter", "down", "enter")
        await _shown(pilot, screen, "portal", date(2026, 11, 1), date(2026, 11, 30), "month")
        await wait_for_text(pilot, "Portal: decisions within one working day")
    await finish(app)


async def test_a_typed_period_is_checked_and_kept(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *admin(ws))
        await pilot.press("3")
        screen = await wait_for_screen(pilot, "ReportsScreen")
        await _shown(pilot, screen, "norms", date(2026, 11, 1), date(2026, 11, 30), "day")
        first, last = (
            screen.query_one("#reports-first", Input),
            screen.query_one("#reports-last", Input),
        )

        # Not a date: said in words, the typing stays, the report on screen stays too.
        await pilot.press("f8", *"31.02.2026", "enter", "enter")
        await wait_for_text(pilot, '"31.02.2026" is not a date.')
        assert first.value == "31.02.2026"
        assert screen.report.period.first == date(2026, 11, 1)

        # The wrong way round.
        await pilot.press("f8", *"2026-10-31", "enter")
        last.value = ""
        await pilot.press(*"01.10.2026", "enter")
        await wait_for_text(pilot, "The period ends before it starts")
        assert (first.value, last.value) == ("2026-10-31", "01.10.2026")

        # Right: both ways of writing a date; Esc in the middle of typing leaves the screen.
        await pilot.press("f8", *"01.10.2026", "enter")
        last.value = ""
        await pilot.press(*"2026-10-31", "enter")
        await _shown(pilot, screen, "norms", date(2026, 10, 1), date(2026, 10, 31), "day")
        await pilot.press("f8", *"01.0", "escape")
        await wait_for_screen(pilot, "MenuScreen")
    await finish(app)


async def test_a_receptionist_sees_their_own_figures_and_f1_the_definitions(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    iin, password = receptionist(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        await pilot.press("3")
        screen = await wait_for_screen(pilot, "ReportsScreen")
        report = await _shown(pilot, screen, "norms", date(2026, 11, 1), date(2026, 11, 30), "day")
        assert report.scope.employee_iin == iin
        await wait_for_text(pilot, f"Employee: {iin}")

        await pilot.press("f2")  # kk
        await wait_for_text(pilot, "Әрекеттердің ұзақтығы мен нормасы")
        assert f"Қызметкер: {iin}" in screen_text(app)
        await pilot.press("f1")
        help_screen = await wait_for_screen(pilot, "HelpScreen")
        body = str(help_screen.query_one("#help-body").render())
        assert "Көрсеткіштер нені санайды:" in body
        assert "F5" in body and "Бүгін" in body  # the keys off the footer are listed here
        await pilot.press("escape")
        await wait_for_screen(pilot, "ReportsScreen")
    await finish(app)


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_no_english_and_no_cut_word_in_kk_and_ru(tmp_path: Path, lang: str) -> None:
    from words_support import cut_words, foreign_words

    ws = demo.build(tmp_path / "ws", lang=lang, clock=pinned_clock())
    try:
        app = make_app(ws)
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, *admin(ws))
            await pilot.press("3")
            screen = await wait_for_screen(pilot, "ReportsScreen")
            await _shown(pilot, screen, "norms", date(2026, 11, 1), date(2026, 11, 30), "day")
            seen = [screen_text(app)]
            await pilot.press("f4", "enter")  # the list of reports, open
            await pilot.pause()
            seen.append(screen_text(app))
            await pilot.press("escape", "f1")
            await wait_for_screen(pilot, "HelpScreen")
            seen.append(screen_text(app))
            await pilot.press("escape", "f8", *"x", "enter", "enter")
            await wait_until(pilot, lambda: "«x»" in screen_text(app), "the bad date said")
            seen.append(screen_text(app))
            for text in seen:
                assert foreign_words(text, lang) == [], text
                assert cut_words(text, lang) == [], text
        await finish(app)
    finally:
        ws.stop()
