"""Table 1, actions 6-7: one portal application, the registry asked again now; register, refuse."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from regdesk.desk import PortalCase
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.inbox_cards import case_text


class PortalCaseScreen(DeskScreen[None]):
    """The application as signed and checked, the person as the registry says today, the rules'
    findings; F5 asks the registry again, Esc goes back to the inbox."""

    CSS_PATH = "inbox.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f5", "look_again", "Ask again", id="case_look_again"),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.case: PortalCase | None = None
        self.busy = False
        """The registry is being asked: F5 again waits for this answer."""

    def compose(self) -> ComposeResult:
        yield Static(id="case-title", classes="title")
        with VerticalScroll(id="case-scroll"):
            yield Static(id="case-body")
        yield Static(id="case-status", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#case-scroll").focus()
        self._load()

    def _load(self) -> None:
        self.busy = True
        self._say(self.tr("inbox.asking_registry"))
        self.refresh_bindings()
        self.desk_call(
            calls.open_portal,
            self.app_id,
            then=self._loaded,
            failed=self._failed,
            group="case",
            exclusive=True,
        )

    def _loaded(self, case: PortalCase) -> None:
        self.busy = False
        self.case = case
        self._say("")
        self.retranslate()

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say(text, error=True)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "look_again":
            return not self.busy
        return True

    def retranslate(self) -> None:
        super().retranslate()
        title = self.query_one("#case-title", Static)
        case = self.case
        if case is None:
            title.update(self.tr("inbox.case_loading"))
            return
        title.update(self.tr("inbox.case_title", portal_id=case.row.portal_id))
        body = case_text(case, self.tr, self.desk_app.lang)
        self.query_one("#case-body", Static).update(body)
        self.refresh_bindings()

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#case-status", Static)
        status.update(text)
        status.set_class(error, "error")

    def action_look_again(self) -> None:
        if not self.busy:
            self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
