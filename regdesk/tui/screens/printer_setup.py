"""This workstation's printers (menu 6, issue 15): the list, a test page, the default.

Every employee sees the list and may print a test page (Enter or F5): a new receipt printer's code
page, a full CUPS queue or a folder that cannot be written shows on a page nobody needs. Only an
admin may make another printer this workstation's default (F4; ``desk.printer_setup`` refuses
anybody else whatever called it). The printers themselves are set in the workstation's config;
the screen says so, since that is where an admin adds one.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from regdesk.core.roles import Permission
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen, back_to_row, held_row
from regdesk.tui.browser import hand_over
from regdesk.tui.said import Said, Sayable


class PrinterSetupScreen(DeskScreen[None]):
    """The printers of this workstation; Enter or F5 prints a test page, F4 makes the default."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        # Enter on a row prints too (the table's own Enter, which the footer does not show).
        Binding("f5", "test_page", "Test page", id="printer_test_page"),
        Binding("f4", "make_default", "Default", id="printer_make_default"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.listed: Any | None = None
        """The printers as last read (``calls.Printers``)."""
        self.busy = False
        """A test page is on its way: Enter pressed again in a hurry prints one page."""

    def compose(self) -> ComposeResult:
        yield Static(id="printers-title", classes="title")
        yield Static(id="printers-where", classes="hint")
        yield DataTable(id="printers-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="printers-hint", classes="hint")
        yield Static(id="printers-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#printers-table", DataTable).focus()
        self.desk_call(calls.printers, then=self._loaded, failed=self._say_error, group="printers")

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#printers-title", Static).update(self.tr("printer_setup.title"))
        self.query_one("#printers-hint", Static).update(self.tr("printer_setup.config_hint"))
        table = self.query_one("#printers-table", DataTable)
        table.clear(columns=True)
        for key in ("name", "kind", "format", "where"):
            table.add_column(self.tr(f"printer_setup.col_{key}"), key=key)
        self._fill()

    def refuses(self, action: str, parameters: tuple[object, ...]) -> bool:
        """This workstation's default is an admin's choice: F1 help does not list it to others."""
        return action == "make_default" and not self.role_may(Permission.SETTINGS)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "make_default":
            # Shown only to whom may; the use case refuses the others all the same.
            return self.listed is not None and self.listed.may_choose
        return True

    def _loaded(self, listed: Any) -> None:
        self.listed = listed
        self._fill()
        self.refresh_bindings()

    def _fill(self) -> None:
        listed = self.listed
        where = self.query_one("#printers-where", Static)
        if listed is None:
            where.update("")
            return
        where.update(self.tr("printer_setup.workstation", name=escape(listed.workstation)))
        table = self.query_one("#printers-table", DataTable)
        held = held_row(table)
        table.clear()
        for row in listed.rows:
            kind = self.tr(f"printer_setup.kind_{row.kind}")
            name = row.name + (" *" if row.is_default else "")
            table.add_row(name, kind, row.format, row.where or "—", key=row.name)
        back_to_row(table, held)

    def current(self) -> str | None:
        table = self.query_one("#printers-table", DataTable)
        if self.listed is None or table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _say(self, said: Sayable) -> None:
        self.say_on("#printers-message", said)

    def _say_error(self, said: Sayable | str) -> None:
        self.busy = False
        self.say_on("#printers-message", said, error=True)

    @on(DataTable.RowSelected, "#printers-table")
    def _selected(self) -> None:
        self.action_test_page()

    def action_test_page(self) -> None:
        name = self.current()
        if name is None or self.busy:
            return
        self.busy = True
        self._say(Said("printer_setup.printing", name=escape(name)))
        self.desk_call(
            calls.print_test_page,
            name,
            then=self._printed,
            failed=self._say_error,
            group="printer-test",
            exclusive=True,
        )

    def _printed(self, issued: Any) -> None:
        self.busy = False
        hand_over(self.app, issued)
        name = escape(issued.printer)
        if issued.failed:
            # The reason said again in the next language with the sentence around it.
            self._say_error(Said("printer_setup.failed", name=name, detail=issued))
        elif issued.status == "delivered":
            self._say(Said("serve.delivered", file=issued.file_name))
        else:
            where = str(issued.path) if issued.path else issued.detail
            self._say(Said("printer_setup.printed", name=name, where=escape(where)))

    def action_make_default(self) -> None:
        name = self.current()
        if name is None or not self.check_action("make_default", ()):
            return

        def done(listed: Any) -> None:
            self._loaded(listed)
            self._say(Said("printer_setup.default_done", name=escape(name)))

        self.desk_call(
            calls.choose_printer, name, then=done, failed=self._say_error, group="printer-default"
        )

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["PrinterSetupScreen"]
