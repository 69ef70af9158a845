"""Corrections from the journal (issue 11): annul a registration made in error (a ground from
the catalogue, a note, then the EDS dialog), and enter a survey answered on paper."""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.core.annulments import REASONS
from regdesk.tui import calls
from regdesk.tui.base import DeskModal
from regdesk.tui.widgets import TypeaheadInput


class AnnulScreen(DeskModal[str | None]):
    """Choose the ground, write a note, F10 goes on to the EDS dialog that signs the annulment.

    Dismissed with the annulled application's number, None when the employee went back.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "confirm", "Annul", id="confirm_annulment"),
    ]

    def __init__(self, app_id: int, number: str) -> None:
        super().__init__()
        self.app_id = app_id
        self.number = number
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="annul-box"):
            yield Static(id="annul-title", classes="title")
            yield OptionList(id="annul-reasons")
            yield Label(id="annul-note-label")
            yield TypeaheadInput(id="annul-note", compact=True)
            yield Static(id="annul-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#annul-title", Static).update(
            self.tr("annul.title", number=escape(self.number))
        )
        self.query_one("#annul-note-label", Label).update(self.tr("annul.note"))
        reasons = self.query_one("#annul-reasons", OptionList)
        keep = reasons.highlighted
        reasons.clear_options()
        reasons.add_options(Option(self.tr(r.key), id=r.code) for r in REASONS)
        reasons.highlighted = keep if keep is not None else 0

    def on_mount(self) -> None:
        self.query_one("#annul-reasons", OptionList).focus()

    @on(OptionList.OptionSelected, "#annul-reasons")
    def _to_note(self) -> None:
        self.query_one("#annul-note", Input).focus()

    @on(Input.Submitted, "#annul-note")
    def _note_done(self) -> None:
        self.action_confirm()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def action_confirm(self) -> None:
        reasons = self.query_one("#annul-reasons", OptionList)
        if self.busy or reasons.highlighted is None:
            return
        reason = str(reasons.get_option_at_index(reasons.highlighted).id)
        note = self.query_one("#annul-note", Input).value
        self.busy = True
        # The role, the state, the ground and its note are checked before the key is asked for.
        self.desk_call(
            calls.check_annulment,
            self.app_id,
            reason,
            note,
            then=lambda _: self._sign(reason, note),
            failed=self._failed,
            group="annul",
            exclusive=True,
        )

    def _sign(self, reason: str, note: str) -> None:
        from regdesk.tui.screens.sign import SignScreen

        def summary(record: Any) -> str:
            lines = [
                f"[b]{escape(record.full_name)}[/b]  {self.tr('card.iin')}: {record.applicant_iin}",
                self.tr(
                    "annul.summary",
                    number=escape(self.number),
                    reason=self.tr(f"core.annul_reason.{reason}"),
                ),
            ]
            if note.strip():
                lines.append(escape(note.strip()))
            return "\n".join(lines)

        screen = SignScreen(
            self.app_id,
            sign_with=partial(calls.annul, reason=reason, note=note),
            title="annul.sign_title",
            summary=summary,
        )
        self.app.push_screen(screen, self._signed)

    def _signed(self, number: str | None) -> None:
        self.busy = False
        if number is not None:
            self.dismiss(number)

    def _failed(self, text: str) -> None:
        self.busy = False
        message = self.query_one("#annul-message", Static)
        message.update(text)
        message.add_class("error")
        self.query_one("#annul-note", Input).focus()


class SurveyLaterScreen(DeskModal[bool]):
    """The two Annex 3 questions answered on paper: 1, 2 or 3 for each; F10 stores them."""

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "confirm", "Save", id="save_survey"),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="survey-later-box"):
            yield Static(id="survey-later-title", classes="title")
            yield Label(id="survey-q1-label")
            yield TypeaheadInput(
                id="survey-q1", compact=True, max_length=1, restrict="[123]?", advance=True
            )
            yield Label(id="survey-q2-label")
            yield TypeaheadInput(id="survey-q2", compact=True, max_length=1, restrict="[123]?")
            yield Static(id="survey-later-hint", classes="hint")
            yield Static(id="survey-later-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#survey-later-title", Static).update(self.tr("survey_later.title"))
        self.query_one("#survey-q1-label", Label).update(self.tr("survey.q1"))
        self.query_one("#survey-q2-label", Label).update(self.tr("survey.q2"))
        self.query_one("#survey-later-hint", Static).update(self.tr("survey.scale"))

    def on_mount(self) -> None:
        self.query_one("#survey-q1", Input).focus()

    @on(Input.Submitted, "#survey-q2")
    def _q2_done(self) -> None:
        self.action_confirm()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(False)

    def action_confirm(self) -> None:
        if self.busy:
            return
        q1, q2 = (self.query_one(f"#survey-q{n}", Input).value for n in (1, 2))
        if not q1 and not q2:
            self._say(self.tr("survey_later.empty"))
            return
        self.busy = True
        self.desk_call(
            calls.record_survey,
            self.app_id,
            int(q1) if q1 else None,
            int(q2) if q2 else None,
            then=lambda _: self.dismiss(True),
            failed=self._failed,
            group="survey",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say(text)

    def _say(self, text: str) -> None:
        message = self.query_one("#survey-later-message", Static)
        message.update(text)
        message.add_class("error")
