"""Table 2 steps 4 and 7: a motivated refusal, its reason from the catalogue and a note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.core.refusals import RefusalStep, for_step
from regdesk.tui import calls
from regdesk.tui.base import DeskModal
from regdesk.tui.widgets import TypeaheadInput


class RefuseScreen(DeskModal[bool]):
    """Choose the reason (the registry's suggestion is highlighted), add a note, F10 refuses.

    Dismissed with True once the refusal is written, False when the receptionist went back.
    ``refuse_with`` (a function of ``calls`` taking the desk, the application, the reason's code
    and the note) replaces the desk's refusal, e.g. for a portal application; ``begin`` notes
    that the refusal's step started (None: the refusal times its own step).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "confirm", "Refuse", id="confirm_refusal"),
    ]

    def __init__(
        self,
        app_id: int,
        suggested: str | None,
        *,
        before_registration: bool,
        refuse_with: Callable[..., object] = calls.refuse,
        begin: Callable[..., object] | None = calls.begin_refusal,
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.suggested = suggested
        self.before_registration = before_registration
        self.refuse_with = refuse_with
        self.begin = begin
        self.busy = False
        """The refusal is being written: F10 or Enter again must not refuse twice."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="refuse-box"):
            yield Static(id="refuse-title", classes="title")
            yield OptionList(id="reasons")
            yield Label(id="note-label")
            yield TypeaheadInput(id="note", compact=True)
            yield Static(id="refuse-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def _reasons(self) -> list[Any]:
        step = (
            RefusalStep.BEFORE_REGISTRATION
            if self.before_registration
            else RefusalStep.AFTER_REGISTRATION
        )
        return list(for_step(step))

    def retranslate(self) -> None:
        super().retranslate()
        lang = self.desk_app.lang
        self.query_one("#refuse-title", Static).update(self.tr("refuse.title"))
        self.query_one("#note-label", Label).update(self.tr("refuse.note"))
        reasons = self.query_one("#reasons", OptionList)
        keep = reasons.highlighted
        reasons.clear_options()
        found = self._reasons()
        codes = [r.code for r in found]
        reasons.add_options(Option(r.text(lang), id=r.code) for r in found)
        if keep is None and self.suggested in codes:
            keep = codes.index(self.suggested)
        reasons.highlighted = keep if keep is not None else 0

    def on_mount(self) -> None:
        self.query_one("#reasons", OptionList).focus()
        if self.begin is not None:
            step = "no_data_refusal" if self.suggested == "no_data" else "refusal"
            self.desk_do(self.begin, self.app_id, step)

    @on(OptionList.OptionSelected, "#reasons")
    def _to_note(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        self.action_confirm()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(False)

    def action_confirm(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        if self.busy or reasons.highlighted is None:
            return
        option = reasons.get_option_at_index(reasons.highlighted)
        self.busy = True
        note = self.query_one("#note", Input).value
        self.desk_call(
            self.refuse_with,
            self.app_id,
            str(option.id),
            note,
            then=lambda _: self.dismiss(True),
            failed=self._failed,
            group="refuse",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        self.busy = False
        message = self.query_one("#refuse-message", Static)
        message.update(text)
        message.add_class("error")
        # The usual cause is a reason that needs a note: the cursor goes where to type it.
        self.query_one("#note", Input).focus()
