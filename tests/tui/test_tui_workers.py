"""The screens call the desk only from workers, and its errors are handled in one place."""

from __future__ import annotations

import sqlite3
from typing import Any

from textual.widgets import Input
from tui_support import (
    finish,
    make_app,
    open_form,
    receptionist,
    screen_text,
    settle,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.i18n import t
from regdesk.store.paths import DataPaths

SIZE = (80, 24)


async def test_the_terminal_answers_while_another_terminal_holds_the_database(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        applicant, form = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        await wait_until(pilot, lambda: getattr(form, "view", None), "the form loaded")

        # Another terminal's write transaction, held until this test lets it go: a screen that
        # waited for the database on the UI thread would never change below, and this test
        # (on the same event loop) would stop with it.
        other = sqlite3.connect(DataPaths.for_config(ws.config).database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press(*"7012")
            # The autosave is waiting for the lock (holding the desk's own) in a worker ...
            await wait_until(
                pilot,
                lambda: any(w.group == "save" and w.is_running for w in app.workers),
                "the autosave waiting for the database",
            )
            # ... while the receptionist types on and moves between screens.
            await pilot.press(*"345")
            assert form.query_one("#phone", Input).value == "7012345"
            await pilot.press("f4")
            await wait_for_screen(pilot, "ScanPickerScreen")
            await wait_for_text(pilot, "udostoverenie-lichnosti.pdf")  # the folder, no SQLite
            await pilot.press("escape")
            await wait_for_screen(pilot, "FormScreen")
            await pilot.press("f1")
            await wait_for_screen(pilot, "HelpScreen")
            await pilot.press("escape")
            await wait_for_screen(pilot, "FormScreen")
        finally:
            other.execute("ROLLBACK")
            other.close()
        # Once the other terminal is done, the last typing is what the draft keeps.
        await wait_until(
            pilot,
            lambda: (app.desk.form.get(app_id).form or {}).get("phone") == "7012345",
            "the form saved after the other terminal's transaction",
        )
    await finish(app)


async def test_an_unexpected_error_in_a_desk_call_is_kept_and_explained(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))

        def broken_find(*args: object, **kwargs: object) -> list[object]:
            raise TypeError("a bug in the journal search")

        # A bug, not a user's mistake: the screen that asked does not swallow it.
        app.desk.journal.find = broken_find  # type: ignore[method-assign]
        await pilot.press("2")
        await wait_for_screen(pilot, "JournalScreen")
        await wait_until(pilot, lambda: app.unexpected, "the error kept")
        assert {type(e) for e in app.unexpected} == {TypeError}
        await wait_for_text(pilot, t("error.unexpected", "en").split(".")[0])
        assert "Traceback" not in screen_text(app) and "a bug" not in screen_text(app)
        app.unexpected.clear()  # seen: the rest of the run must stay clean
    await finish(app)


async def test_the_journal_searches_once_as_it_opens_and_once_on_a_language_change(
    workspace: demo.DemoWorkspace,
) -> None:
    # Textual calls every on_mount of a screen's classes itself: a screen that also called
    # super().on_mount() set its texts twice, and the journal (whose texts include its rows)
    # searched the database three times for one opening.
    ws = workspace
    _, iin, password, _ = ws.staff[0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, iin, password)
        searches: list[str] = []
        find = app.desk.journal.find

        def counted_find(query: str, **kwargs: Any) -> Any:
            searches.append(query)
            return find(query, **kwargs)

        app.desk.journal.find = counted_find  # type: ignore[method-assign]
        await pilot.press("2")
        await wait_for_screen(pilot, "JournalScreen")
        await wait_for_text(pilot, t("journal.count", "en", count=0))
        await settle(app)
        assert searches == [""]
        await pilot.press("f2")  # kk: the columns are named anew and the rows listed again
        await wait_for_text(pilot, t("journal.count", "kk", count=0))
        await settle(app)
        assert searches == ["", ""]
    await finish(app)
