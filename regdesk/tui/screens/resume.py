"""After sign-in: the employee's unfinished drafts (a crash, a power cut) offered to continue."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.tui import calls
from regdesk.tui.base import DeskModal, bind
from regdesk.tui.calls import ApplicationRecord


class ResumeScreen(DeskModal[ApplicationRecord | None]):
    """Enter continues the highlighted draft (given back to the menu); D closes it as
    abandoned; Esc: later."""

    BINDINGS = [
        Binding("escape", "later", "Later", id="later"),
        bind("d", "abandon", "Abandon", id="abandon"),
    ]

    def __init__(self, drafts: list[ApplicationRecord]) -> None:
        super().__init__()
        self.drafts = {str(d.id): d for d in drafts}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(id="resume-title", classes="title")
            yield OptionList(id="drafts")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#resume-title", Static).update(self.tr("resume.title"))
        drafts = self.query_one("#drafts", OptionList)
        drafts.clear_options()
        clock = self.desk_app.clock
        for key, d in self.drafts.items():
            when = clock.local(d.updated_at).strftime("%d.%m.%Y %H:%M")
            drafts.add_option(Option(f"{d.applicant_iin}  {d.full_name[:30]:30}  {when}", id=key))
        drafts.highlighted = 0 if self.drafts else None

    def on_mount(self) -> None:
        self.query_one("#drafts", OptionList).focus()

    @on(OptionList.OptionSelected, "#drafts")
    def _continue(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.drafts[str(event.option.id)])

    def action_abandon(self) -> None:
        drafts = self.query_one("#drafts", OptionList)
        if drafts.highlighted is None:
            return
        key = str(drafts.get_option_at_index(drafts.highlighted).id)
        draft = self.drafts.pop(key)
        self.desk_do(calls.abandon, draft.id, group="abandon")
        if not self.drafts:
            self.dismiss(None)
        else:
            self.retranslate()

    def action_later(self) -> None:
        self.dismiss(None)
