"""Table 1, actions 6-7: one portal application, the registry asked again now; register, refuse."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from regdesk.desk import PortalCase
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.inbox_cards import case_text, sign_summary


class PortalCaseScreen(DeskScreen[None]):
    """The application as signed and checked, the person as the registry says today, the rules'
    findings; F10 registers with the employee's EDS (the district chosen first when the
    application names none), F9 refuses with a reason, F5 asks the registry again, Esc goes
    back to the inbox."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f5", "look_again", "Ask again", id="case_look_again"),
        Binding("f9", "refuse", "Refuse", id="refuse"),
        Binding("f10", "register", "Register", id="portal_register"),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.case: PortalCase | None = None
        self.busy = False
        """The registry is being asked: F5 again waits for this answer."""
        self._said = ""
        """What the last decision here said (kept over the reload that follows it)."""

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
        self._say(self._said)
        self.retranslate()

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say(text, error=True)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        case = self.case
        if action == "look_again":
            return not self.busy
        if action == "register":
            return not self.busy and case is not None and case.may_register
        if action == "refuse":
            return not self.busy and case is not None and case.row.pending
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

    # -- action 6: register with the employee's EDS ------------------------------------------

    def action_register(self) -> None:
        if not self.check_action("register", ()) or self.case is None:
            return
        self.desk_do(calls.begin_portal_registration, self.app_id)
        if self.case.district is None:
            from regdesk.tui.screens.district import DistrictScreen

            # The districts read first, so the dialog opens with its list (from the database).
            self.desk_call(
                calls.districts,
                then=lambda ds: self.app.push_screen(DistrictScreen(ds), self._district_chosen),
                group="districts",
                exclusive=True,
            )
        else:
            self._sign(self.case.district)

    def _district_chosen(self, district: int | None) -> None:
        if district is not None:
            self._sign(district)

    def _sign(self, district: int) -> None:
        from regdesk.tui.screens.sign import SignScreen

        case = self.case
        assert case is not None
        register = partial(calls.portal_register, district=district, facts=case.facts)
        summary = partial(sign_summary, case, district, self.tr)
        self.app.push_screen(
            SignScreen(self.app_id, sign_with=register, title="inbox.sign_title", summary=summary),
            self._registered,
        )

    def _registered(self, number: str | None) -> None:
        if number is not None:
            self._decided(self.tr("inbox.registered", number=number))
        else:
            self._load()  # gone back, or refused by the desk: the application as it is now

    # -- action 7: refuse with a reason ------------------------------------------------------

    def action_refuse(self) -> None:
        if not self.check_action("refuse", ()) or self.case is None:
            return
        from regdesk.tui.screens.refuse import RefuseScreen

        refusal = RefuseScreen(
            self.app_id,
            self.case.suggested_refusal,
            before_registration=True,
            refuse_with=calls.portal_refuse,
            begin=None,  # the portal's refusal is timed from the application's arrival
        )
        self.app.push_screen(refusal, self._refused)

    def _refused(self, done: bool | None) -> None:
        if done:
            self._decided(self.tr("inbox.refused"))
        else:
            self._load()

    def _decided(self, said: str) -> None:
        """Decided here: said so, the result sent to the portal now if it answers (the outbox
        keeps it otherwise), the application shown as it now stands."""
        self._load()
        self._said = said
        self.desk_app.portal_poll.soon()

    def action_back(self) -> None:
        self.app.pop_screen()
