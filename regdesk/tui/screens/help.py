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

    BINDINGS = [
        Binding("escape,f1", "close", "Close", id="close"),
        # A long help (the admin's menu at 80x24) goes below the dialog's fold: the footer says
        # how to read on while there is more below.
        Binding("pagedown", "page(1)", "More", id="help_more"),
        Binding("pageup", "page(-1)", "Back up", id="help_back_up", show=False),
        Binding("down", "line(1)", show=False),
        Binding("up", "line(-1)", show=False),
        Binding("end", "line(1000)", show=False),
        Binding("home", "line(-1000)", show=False),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        box = VerticalScroll(classes="dialog", id="help-box")
        # The screen, not the box, takes the scrolling keys, so that its footer names them.
        box.can_focus = False
        with box:
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
        box = self.query_one("#help-box", VerticalScroll)
        self.watch(box, "scroll_y", lambda _: self.refresh_bindings())
        self.watch(box, "virtual_size", lambda _: self.refresh_bindings())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page" and parameters == (1,):
            box = self.query_one("#help-box", VerticalScroll)
            return box.scroll_y < box.max_scroll_y  # hidden with nothing more below
        return True

    def action_page(self, direction: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        self.action_line(direction * box.scrollable_content_region.height)

    def action_line(self, lines: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_to(y=box.scroll_y + lines, animate=False)

    def action_close(self) -> None:
        self.app.pop_screen()
