"""Choosing the district of a portal application that asked for none (before its EDS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.tui.base import DeskModal


class DistrictScreen(DeskModal[int | None]):
    """The clinic's districts with their doctors; Enter gives the highlighted one's number back,
    Esc goes back without one."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="back")]

    def __init__(self, districts: Sequence[Any], suggested: int | None = None) -> None:
        super().__init__()
        self.suggested = suggested
        self.districts = list(districts)
        """The districts kept in the database, with today's doctors (``calls.districts``)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(id="district-title", classes="title")
            yield Static(id="district-hint", classes="hint")
            yield OptionList(id="district-list")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#district-title", Static).update(self.tr("inbox.district_title"))
        self.query_one("#district-hint", Static).update(self.tr("inbox.district_hint"))
        options = self.query_one("#district-list", OptionList)
        keep = options.highlighted
        options.clear_options()
        numbers = []
        for d in self.districts:
            numbers.append(d.number)
            label = self.tr("inbox.district_option", number=d.number, doctor=d.doctor)
            options.add_option(Option(label, id=str(d.number)))
        if keep is None and self.suggested in numbers:
            keep = numbers.index(self.suggested)
        options.highlighted = keep if keep is not None else 0

    def on_mount(self) -> None:
        self.query_one("#district-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#district-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(str(event.option.id)))

    def action_cancel(self) -> None:
        self.dismiss(None)
