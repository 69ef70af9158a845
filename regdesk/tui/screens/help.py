"""F1: what the current screen is for and every key it answers to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from regdesk.tui.base import DeskModal, named_bindings, role_refuses


class HelpScreen(DeskModal[None]):
    """Context help for the screen under it: its purpose, then its keys and the global ones."""

    BINDINGS = [Binding("escape,f1", "close", "Close", id="close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-box"):
            yield Static(id="help-body")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        name = type(self.under).__name__
        lines = [self.tr("help.title"), "", self.tr(f"help.{name}"), "", self.tr("help.keys")]
        for node, b in named_bindings(self.under, self.app):
            if role_refuses(node, b):
                continue  # a key this employee's role may never use (the menu's staff service…)
            display = self.app.get_key_display(b)
            lines.append(f"  {display:>10}  {self.tr(f'keys.{b.id}')}")
        lines += ["", self.tr("help.palette")]
        # A screen with more to explain (the Reports' definitions) adds it after its keys.
        more = getattr(self.under, "help_lines", None)
        if callable(more):
            lines += ["", *more()]
        self.query_one("#help-body", Static).update("\n".join(lines))

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()

    def action_close(self) -> None:
        self.app.pop_screen()
