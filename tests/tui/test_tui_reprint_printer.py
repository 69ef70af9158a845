"""F7 on the journal's detail chooses the printer of the reprint, as on the result screen
(issue 11, item 12)."""

from __future__ import annotations

from reprint_support import issued_talon
from textual.widgets import OptionList
from tui_support import (
    finish,
    make_app,
    receptionist,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo


async def test_f7_reprints_on_the_printer_chosen(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app_id = await issued_talon(ws)
    default = ws.config.printing.default
    other = next(p.name for p in ws.config.printing.printers if p.name != default)
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("2")
        journal = await wait_for_screen(pilot, "JournalScreen")
        table = journal.query_one("#results")
        await wait_until(pilot, lambda: getattr(table, "row_count", 0) == 1, "the talon's row")
        await pilot.press("enter", "enter")
        detail = await wait_for_screen(pilot, "DetailScreen")
        await wait_until(pilot, lambda: getattr(detail, "detail", None), "the detail")
        await pilot.press("f7")
        printers = await wait_for_screen(pilot, "PrinterScreen")
        options = printers.query_one("#printers", OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        await pilot.press(*["down"] * names.index(other), "enter")
        await wait_for_screen(pilot, "DetailScreen")

        def printed_on() -> list[str]:
            return [p.printer for p in app.desk.journal.detail(app_id).prints]

        await wait_until(pilot, lambda: len(printed_on()) == 2, "the reprint recorded")
        assert printed_on() == [default, other]
        assert [p.duplicate for p in app.desk.journal.detail(app_id).prints] == [False, True]
    await finish(app)
