"""Choosing another printer of this workstation for the next print."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.tui import calls
from regdesk.tui.base import DeskModal


class PrinterScreen(DeskModal[str | None]):
    """The configured printers; Enter prints on the highlighted one (its name given back)."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="back")]

    default: str | None = None
    """This workstation's default printer, once read (marked with *)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(id="printer-title", classes="title")
            yield OptionList(id="printers")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#printer-title", Static).update(self.tr("printers.title"))
        printers = self.query_one("#printers", OptionList)
        printers.clear_options()
        config = self.desk_app.config.printing
        for p in config.printers:
            mark = " *" if p.name == (self.default or config.default) else ""
            what = self.tr("serve.printer_browser") if p.kind == "browser" else p.kind
            printers.add_option(Option(f"{p.name}{mark}  ({what}, {p.format})", id=p.name))
        printers.highlighted = 0

    def on_mount(self) -> None:
        self.query_one("#printers", OptionList).focus()
        self.desk_call(calls.printers, then=self._marked, failed=lambda _: None, group="printers")

    def _marked(self, listed: calls.Printers) -> None:
        self.default = next((r.name for r in listed.rows if r.is_default), None)
        printers = self.query_one("#printers", OptionList)
        keep = printers.highlighted
        self.retranslate()
        printers.highlighted = keep

    @on(OptionList.OptionSelected, "#printers")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
