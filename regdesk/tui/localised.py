"""Textual's own words, said in the user's language.

Textual writes a few texts of its own in English: the prompt of an empty ``Select`` ("Select"),
the footer key of an open drop-down ("Dismiss menu"), the command palette's "No matches found".
A kk or ru desk must not show them (issue 11, item 11), so each is replaced here by a
catalogue text; ``tests/tui/test_tui_words.py`` renders every screen in kk and ru and fails on
any English word left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets import Select
from textual.widgets._select import SelectOverlay
from textual.widgets.option_list import Option

Tr = Callable[..., str]

WIDGET_KEYS: dict[tuple[type[DOMNode], str], str] = {
    (SelectOverlay, "dismiss"): "widgets.close_menu",
}
"""(widget class, action) of Textual's own bindings -> the catalogue's text for its footer."""


def localise(node: DOMNode, tr: Tr) -> None:
    """Every Select under ``node`` prompts, and every open drop-down names its key, in words of
    the catalogue."""
    for select in node.query(Select):
        select.prompt = tr("widgets.select_prompt")
    for widget in node.query(SelectOverlay):
        _bindings(widget, tr)


def _bindings(widget: DOMNode, tr: Tr) -> None:
    mapping = widget._bindings.key_to_bindings
    for key, bindings in list(mapping.items()):
        mapping[key] = [
            replace(b, description=tr(text))
            if (text := WIDGET_KEYS.get((type(widget), b.action)))
            else b
            for b in bindings
        ]


class DeskPalette(CommandPalette):
    """The command palette, saying "no matches" in the user's language."""

    def __init__(self, no_matches: str, *, placeholder: str, id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.no_matches = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own (textual/command.py) with the text from the catalogue: after a short
        # wait with nothing found for what was typed, one disabled row says so.
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(self.no_matches, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)


__all__ = ["WIDGET_KEYS", "DeskPalette", "localise"]
