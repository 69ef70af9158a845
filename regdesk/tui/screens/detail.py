"""One application from the journal: its data, events, scans, signature check and prints."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from regdesk.core.application import State
from regdesk.desk import Detail, Issued
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.cards import detail_text


class DetailScreen(DeskScreen[None]):
    """Read-only view; F6 reprints the talon or the refusal notice, marked as a duplicate."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f6", "reprint", "Reprint", id="reprint"),
        Binding("f8", "preview", "Preview", id="preview"),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.detail: Detail | None = None
        self.entry: calls.Entry | None = None
        self.showing_preview = False
        self.printing = False

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title", classes="title")
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-body")
        yield Static(id="detail-status", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#detail-scroll").focus()
        self._load()

    def _load(self) -> None:
        self.desk_call(calls.entry, self.app_id, then=self._loaded, group="detail", exclusive=True)

    def _loaded(self, entry: calls.Entry) -> None:
        self.entry = entry
        self.detail = entry.detail
        self.retranslate()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only a registered, issued or refused application has a talon or a notice to show or
        # print; a draft or an abandoned one has neither, and nothing is known before it loads.
        if action in ("reprint", "preview"):
            if self.detail is None or (action == "reprint" and self.printing):
                return False
            return self.detail.record.state in (State.REGISTERED, State.ISSUED, State.REFUSED)
        return True

    def retranslate(self) -> None:
        super().retranslate()
        title = self.query_one("#detail-title", Static)
        body = self.query_one("#detail-body", Static)
        if self.detail is None or self.entry is None:
            title.update(self.tr("detail.loading"))
            return
        title.update(self.tr("detail.title", number=self.entry.reference))
        if self.showing_preview:
            body.update(self.entry.preview)
        else:
            body.update(detail_text(self.detail, self.tr, self.desk_app.lang, self.desk_app.clock))
        self.refresh_bindings()

    def action_preview(self) -> None:
        if not self.check_action("preview", ()):
            return
        self.showing_preview = not self.showing_preview
        self.retranslate()

    def action_reprint(self) -> None:
        if not self.check_action("reprint", ()):
            return
        self.printing = True
        self.refresh_bindings()
        self.query_one("#detail-status", Static).update(self.tr("result.printing"))
        self.desk_call(
            calls.reprint,
            self.app_id,
            then=self._printed,
            failed=self._reprint_failed,
            group="print",
            exclusive=True,
        )

    def _reprint_failed(self, text: str) -> None:
        self.printing = False
        self.refresh_bindings()
        self.query_one("#detail-status", Static).update(text)

    def _printed(self, issued: Issued) -> None:
        self.printing = False
        self.refresh_bindings()
        status = self.query_one("#detail-status", Static)
        if issued.status == "failed":
            status.update(self.tr("result.print_failed", detail=issued.detail))
        else:
            status.update(self.tr("result.printed", where=str(issued.path or issued.detail)))
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
