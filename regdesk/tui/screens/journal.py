"""The journal: find applications by IIN, number or name, by date and status; open one."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Label, Select, Static

from regdesk.core.application import State
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.cards import journal_row
from regdesk.tui.widgets import TypeaheadInput


class JournalScreen(DeskScreen[None]):
    """Type to search (IIN, number or surname); Enter on a row opens it."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f3", "focus_search", "Search", id="search"),
        Binding("f4", "focus_state", "Status", id="status_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[int, Any] = {}
        """The applications listed, by id: Enter continues one's own draft, else shows it."""

    def compose(self) -> ComposeResult:
        yield Static(id="journal-title", classes="title")
        with Horizontal(id="search-row"):
            yield Label(id="search-label")
            yield TypeaheadInput(id="query", compact=True)
            yield Select[str]([], id="state", compact=True)
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static(id="journal-count", classes="hint")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        # The first search is retranslate's (Translated.on_mount), which lists the rows again
        # under the columns it names anew.
        self.query_one("#query", Input).focus()

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#journal-title", Static).update(self.tr("journal.title"))
        self.query_one("#search-label", Label).update(self.tr("journal.search"))
        self.query_one("#query", Input).placeholder = self.tr("journal.placeholder")
        state = self.query_one("#state", Select)
        keep = state.value
        # "Registered" is the state before the talon is issued (step 8): the filter says so,
        # so the talons still to hand over can be listed (issue 11, item 4).
        state.set_options(
            (
                self.tr("journal.state_registered" if s is State.REGISTERED else f"state.{s}"),
                s.value,
            )
            for s in State
        )
        state.prompt = self.tr("journal.any_state")
        if isinstance(keep, str):
            state.value = keep
        table = self.query_one("#results", DataTable)
        table.clear(columns=True)
        for key in ("number", "date", "name", "iin", "state"):
            table.add_column(self.tr(f"journal.col_{key}"), key=key)
        self._search_now()

    @on(Input.Changed, "#query")
    @on(Select.Changed, "#state")
    def _changed(self) -> None:
        self._search_now()

    @on(Input.Submitted, "#query")
    def _to_table(self) -> None:
        self.query_one("#results", DataTable).focus()

    def _search_now(self) -> None:
        query = self.query_one("#query", Input).value
        state = self.query_one("#state", Select).value
        chosen = state if isinstance(state, str) else None
        self.desk_call(
            calls.find,
            query,
            chosen,
            then=self._fill,
            failed=self._failed,
            group="search",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        count = self.query_one("#journal-count", Static)
        count.update(text)
        count.add_class("error")

    def _fill(self, rows: list[tuple[Any, str]]) -> None:
        table = self.query_one("#results", DataTable)
        table.clear()
        self._rows = {r.id: r for r, _ in rows}
        clock = self.desk_app.clock
        for r, reference in rows:
            table.add_row(*journal_row(r, self.tr, clock, reference), key=str(r.id))
        count = self.query_one("#journal-count", Static)
        count.update(self.tr("journal.count", count=len(rows)))
        count.remove_class("error")

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        from regdesk.tui.screens.detail import DetailScreen

        if event.row_key.value is None:
            return
        record = self._rows.get(int(event.row_key.value))
        employee = self.desk_app.employee
        mine = employee is not None and record is not None and record.created_by == employee.iin
        if mine and record is not None and record.state == State.DRAFT:
            # One's own unfinished application continues where it stopped (form or refusal).
            from regdesk.tui.screens.applicant import ApplicantScreen

            self.app.push_screen(ApplicantScreen(resume=record))
            return
        self.app.push_screen(DetailScreen(int(event.row_key.value)))

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def action_focus_state(self) -> None:
        self.query_one("#state", Select).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
