"""Table 2 step 2: the employee chooses the service. Only what works is on the menu."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.calls import ApplicationRecord

SERVICES = ("attach", "journal")


class MenuScreen(DeskScreen[None]):
    """The services of this workstation."""

    BINDINGS = [
        Binding("1", "service('attach')", "Attach", id="service_attach"),
        Binding("2", "service('journal')", "Journal", id="service_journal"),
        Binding("f12", "sign_out", "Sign out", id="sign_out"),
        Binding("ctrl+l", "app.lock", "Lock", id="lock"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="box", id="menu-box"):
            yield Static(id="menu-title", classes="title")
            yield Static(id="menu-employee")
            yield OptionList(id="services")
            yield Static(id="menu-drafts", classes="hint")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#menu-title", Static).update(self.tr("menu.title"))
        employee = self.desk_app.employee
        if employee is not None:
            self.query_one("#menu-employee", Static).update(
                self.tr(
                    "menu.employee", name=employee.full_name, role=self.tr(f"role.{employee.role}")
                )
            )
        services = self.query_one("#services", OptionList)
        highlighted = services.highlighted
        services.clear_options()
        services.add_options(
            Option(f"{i}  {self.tr(f'menu.{name}')}", id=name)
            for i, name in enumerate(SERVICES, start=1)
        )
        services.highlighted = highlighted if highlighted is not None else 0

    def on_mount(self) -> None:
        self.query_one("#services", OptionList).focus()
        self._offer_drafts()

    def _offer_drafts(self) -> None:
        self.desk_call(calls.open_drafts, then=self._drafts, group="drafts", exclusive=True)

    def _drafts(self, drafts: list[ApplicationRecord]) -> None:
        if drafts and self.is_current:
            from regdesk.tui.screens.resume import ResumeScreen

            self.app.push_screen(ResumeScreen(drafts), self._resume)

    def _resume(self, draft: ApplicationRecord | None) -> None:
        """A draft chosen to continue: the applicant screen opens at its step."""
        if draft is not None:
            from regdesk.tui.screens.applicant import ApplicantScreen

            self.app.push_screen(ApplicantScreen(resume=draft))

    @on(OptionList.OptionSelected, "#services")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.action_service(str(event.option.id))

    def action_service(self, name: str) -> None:
        if name == "attach":
            from regdesk.tui.screens.applicant import ApplicantScreen

            self.app.push_screen(ApplicantScreen())
        elif name == "journal":
            from regdesk.tui.screens.journal import JournalScreen

            self.app.push_screen(JournalScreen())

    def action_sign_out(self) -> None:
        self.desk_app.sign_out()
