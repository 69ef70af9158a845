"""One application from the journal: its data, events, scans, signature check and prints; the
corrections after the fact (annulment, a survey answered on paper)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from regdesk.core.application import State
from regdesk.core.roles import Permission
from regdesk.desk import SURVEY_STATES, Detail, Issued
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.browser import hand_over
from regdesk.tui.cards import detail_text

PAPER_STATES = frozenset({State.REGISTERED, State.ISSUED, State.REFUSED, State.ANNULLED})
"""States with a paper to show and print: the talon, the refusal or the annulment notice."""


class DetailScreen(DeskScreen[None]):
    """Read-only view; F6 reprints the talon or the refusal notice, marked as a duplicate (the
    annulment notice of an annulled application); F9 annuls (an admin only), F10 enters a
    survey answered on paper."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f6", "reprint", "Reprint", id="reprint"),
        # Out of the footer (F1 help and the palette list it): with F9 and F10 it would push
        # F1 and F2 off an 80-column kk/ru footer.
        Binding("f7", "choose_printer", "Printer", id="choose_printer", show=False),
        Binding("f8", "preview", "Preview", id="preview"),
        Binding("f9", "annul", "Annul", id="annul"),
        Binding("f10", "survey_later", "Survey", id="survey_later"),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.entry: calls.Entry | None = None
        self.showing_preview = False
        self.printing = False
        self.printer: str | None = None
        """The printer chosen with F7; None: the workstation's default."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title", classes="title")
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-body")
        yield Static(id="detail-status", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#detail-scroll").focus()
        self._load()

    @property
    def detail(self) -> Detail | None:
        """The application as loaded (None until then)."""
        return self.entry.detail if self.entry is not None else None

    def _load(self) -> None:
        self.desk_call(calls.entry, self.app_id, then=self._loaded, group="detail", exclusive=True)

    def _loaded(self, entry: calls.Entry) -> None:
        self.entry = entry
        self.retranslate()

    def refuses(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Annulling is the head's and the admin's: F1 help does not list it to others."""
        return action == "annul" and not self.role_may(Permission.ANNUL)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only a registered, issued or refused application has a talon or a notice to show or
        # print; a draft or an abandoned one has neither, and nothing is known before it loads.
        if action in ("reprint", "preview", "choose_printer"):
            if self.detail is None or (action != "preview" and self.printing):
                return False
            return self.detail.record.state in PAPER_STATES
        if action == "annul":
            # The use case checks the role again; the key is not even shown to others.
            return self.entry is not None and self.entry.may_annul
        if action == "survey_later":
            return self.detail is not None and self.detail.record.state in SURVEY_STATES
        return True

    def retranslate(self) -> None:
        super().retranslate()
        title = self.query_one("#detail-title", Static)
        body = self.query_one("#detail-body", Static)
        entry = self.entry
        if entry is None:
            title.update(self.tr("detail.loading"))
            return
        title.update(self.tr("detail.title", number=entry.reference))
        if self.showing_preview:
            body.update(entry.preview)
        else:
            body.update(detail_text(entry.detail, self.tr, self.desk_app.lang, self.desk_app.clock))
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
            self.printer,
            then=self._printed,
            failed=self._reprint_failed,
            group="print",
            exclusive=True,
        )

    def action_choose_printer(self) -> None:
        """F7 as on the result screen: another printer of this workstation, then the reprint."""
        if not self.check_action("choose_printer", ()):
            return
        from regdesk.tui.screens.printers import PrinterScreen

        self.app.push_screen(PrinterScreen(), self._printer_chosen)

    def _printer_chosen(self, name: object) -> None:
        if isinstance(name, str):
            self.printer = name
            self.action_reprint()

    def _reprint_failed(self, text: str) -> None:
        self.printing = False
        self.refresh_bindings()
        self.query_one("#detail-status", Static).update(text)

    def _printed(self, issued: Issued) -> None:
        self.printing = False
        self.refresh_bindings()
        status = self.query_one("#detail-status", Static)
        hand_over(self.app, issued)
        if issued.status == "failed":
            status.update(self.tr("result.print_failed", detail=issued.message(self.desk_app.lang)))
        elif issued.status == "delivered":
            status.update(self.tr("serve.delivered", file=issued.file_name))
        else:
            status.update(self.tr("result.printed", where=str(issued.path or issued.detail)))
        self._load()

    def action_annul(self) -> None:
        if not self.check_action("annul", ()) or self.entry is None:
            return
        from regdesk.tui.screens.corrections import AnnulScreen

        self.app.push_screen(AnnulScreen(self.app_id, self.entry.reference), self._annulled)

    def _annulled(self, number: str | None) -> None:
        if number is None:
            return
        # The register is told now if it answers; the outbox keeps it otherwise.
        self.desk_call(calls.send_outbox, failed=lambda _: None, group="outbox")
        self.query_one("#detail-status", Static).update(self.tr("annul.done", number=number))
        self._load()

    def action_survey_later(self) -> None:
        if not self.check_action("survey_later", ()):
            return
        from regdesk.tui.screens.corrections import SurveyLaterScreen

        self.app.push_screen(SurveyLaterScreen(self.app_id), self._surveyed)

    def _surveyed(self, stored: bool | None) -> None:
        if stored:
            self.query_one("#detail-status", Static).update(self.tr("survey_later.done"))
            self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
