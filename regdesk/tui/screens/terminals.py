"""The terminals whose sign-ins wait out a delay (an admin's view, F3 on the staff screen): each
with its failures and the wait's end in clinic time; Enter (F6) lifts the highlighted one's delay
after a confirmation (``desk.staff_admin.lift_terminal``: admins only, audited)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.said import Said, Sayable


class TerminalsScreen(DeskScreen[None]):
    """The waiting terminals, the longest wait first; Enter or F6 lifts one, F5 reads them again."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        # Enter on a row does it too (the table's own Enter); the footer shows the F-key.
        Binding("f6", "lift", "Lift the delay", id="terminal_unlock"),
        Binding("f5", "reload", "Refresh", id="terminals_refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []
        """The terminals listed (``desk.TerminalRow``), in the table's order."""
        self.loaded = False
        self.busy = False
        """A lift asked for and not yet answered: Enter pressed again does nothing."""

    def compose(self) -> ComposeResult:
        yield Static(id="terminals-title", classes="title")
        yield DataTable(id="terminals-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="terminals-detail", classes="hint")
        yield Static(id="terminals-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#terminals-table", DataTable).focus()
        self.action_reload()

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#terminals-title", Static).update(self.tr("ops_gaps.terminals_title"))
        table = self.query_one("#terminals-table", DataTable)
        table.clear(columns=True)
        for key in ("terminal", "failures", "until"):
            table.add_column(self.tr(f"ops_gaps.col_{key}"), key=key)
        self._fill()

    def action_reload(self) -> None:
        self.desk_call(
            calls.waiting_terminals, then=self._loaded, failed=self._say_error, group="terminals"
        )

    def _loaded(self, rows: list[Any]) -> None:
        self.loaded = True
        self.rows = rows
        self._fill()

    def _terminal_name(self, row: Any) -> str:
        return (
            str(row.terminal) if row.terminal is not None else self.tr("ops_gaps.terminal_unnamed")
        )

    def _fill(self) -> None:
        table = self.query_one("#terminals-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for i, row in enumerate(self.rows):
            # A long browser or host name is cut to its column; the line below has it whole.
            name = self._terminal_name(row)
            shown = name if len(name) <= 44 else name[:43] + "…"
            table.add_row(
                shown, str(row.failures), row.until.strftime("%d.%m %H:%M:%S"), key=str(i)
            )
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self._detail()

    @on(DataTable.RowHighlighted, "#terminals-table")
    def _detail(self) -> None:
        detail = self.query_one("#terminals-detail", Static)
        row = self.current()
        if row is None:
            detail.update(self.tr("ops_gaps.terminals_none") if self.loaded else "")
            return
        until = row.until.strftime("%d.%m.%Y %H:%M:%S")
        detail.update(
            self.tr(
                "ops_gaps.terminal_detail",
                terminal=escape(self._terminal_name(row)),
                failures=row.failures,
                until=until,
            )
        )

    def current(self) -> Any | None:
        table = self.query_one("#terminals-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowSelected, "#terminals-table")
    def _selected(self) -> None:
        self.action_lift()

    def action_lift(self) -> None:
        from regdesk.tui.screens.staff import ConfirmScreen

        row = self.current()
        if row is None or self.busy:
            return
        self.busy = True
        question = self.tr(
            "ops_gaps.terminal_unlock_q",
            terminal=escape(self._terminal_name(row)),
            failures=row.failures,
            until=row.until.strftime("%H:%M:%S"),
        )

        def answer(yes: bool | None) -> None:
            if not yes:
                self.busy = False
                return
            self.desk_call(
                calls.lift_terminal,
                row.terminal,
                row.key,
                then=lambda forgotten: self._lifted(row, forgotten),
                failed=self._failed,
                group="terminal-lift",
                exclusive=True,
            )

        self.app.push_screen(ConfirmScreen(question), answer)

    def _lifted(self, row: Any, forgotten: int) -> None:
        self.busy = False
        name = escape(self._terminal_name(row))
        self._say(Said("ops_gaps.terminal_unlock_done", terminal=name, failures=forgotten))
        self.action_reload()

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say_error(text)

    def _say(self, said: Sayable) -> None:
        self.say_on("#terminals-message", said)

    def _say_error(self, text: str) -> None:
        self.say_on("#terminals-message", text, error=True, markup=False)

    def action_back(self) -> None:
        if not self.busy:
            self.app.pop_screen()
