"""Table 2 step 2: the employee chooses the service. Only what works is on the menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.core.roles import Permission, may
from regdesk.desk import InboxCounts
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.calls import ApplicationRecord
from regdesk.tui.inbox_cards import menu_text

if TYPE_CHECKING:
    from regdesk.desk import BackupAge

SERVICES = ("attach", "journal", "reports", "inbox")

TYPING_SERVICES = ("attach", "journal", "password")
"""The services whose screen opens with a field for typing (the look-up's IIN, the journal's
search, the current password): digits typed right after their key go there (menu_number.py)."""

ACCOUNT_SERVICES = (
    ("districts", "5", Permission.DISTRICTS),
    ("printers", "6", None),
    ("policy", "7", Permission.SETTINGS),
    ("password", "8", None),
    ("staff", "9", Permission.STAFF),
)
"""(service, key, permission): the head's districts, the employee's own password, the admin's
policy view and staff administration (shown, and its key answering, only to a role that may;
the use cases refuse the others too); this workstation's printers (a test page for all, the
default chosen by an admin).
Fixed keys at the end, so the services above can grow without renumbering them."""


class MenuScreen(DeskScreen[None]):
    """The services of this workstation."""

    inbox_counts: InboxCounts | None = None
    """The portal inbox's counts as last read (the menu shows them beside it)."""

    BINDINGS = [
        Binding("1", "service('attach')", "Attach", id="service_attach"),
        Binding("2", "service('journal')", "Journal", id="service_journal"),
        # Off the footer (the list shows its number; F1 lists it): the footer is full at 80.
        Binding("3", "service('reports')", "Reports", id="service_reports", show=False),
        Binding("4", "service('inbox')", "Portal", id="service_inbox", show=False),
        Binding("5", "service('districts')", "Districts", id="service_districts", show=False),
        Binding("6", "service('printers')", "Printers", id="service_printers", show=False),
        Binding("7", "service('policy')", "Policy", id="service_policy", show=False),
        Binding("8", "service('password')", "Password", id="service_password", show=False),
        Binding("9", "service('staff')", "Staff", id="service_staff", show=False),
        Binding("f12", "sign_out", "Sign out", id="sign_out"),
        Binding("ctrl+l", "app.lock", "Lock", id="lock"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="box", id="menu-box"):
            yield Static(id="menu-title", classes="title")
            yield Static(id="menu-employee")
            yield OptionList(id="services")
            yield Static(id="menu-drafts", classes="hint")
            yield Static(id="menu-backup", classes="hint")
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
            Option(f"{i}  {self._service_text(name)}", id=name)
            for i, name in enumerate(SERVICES, start=1)
        )
        services.add_options(
            Option(f"{key}  {self.tr(f'menu.{name}')}", id=name)
            for name, key, permission in ACCOUNT_SERVICES
            if self._may(permission)
        )
        services.highlighted = highlighted if highlighted is not None else 0
        self._show_backup()

    def _service_text(self, name: str) -> str:
        if name == "inbox":
            return menu_text(self.inbox_counts, self.tr)
        return self.tr(f"menu.{name}")

    def on_mount(self) -> None:
        self.query_one("#services", OptionList).focus()
        self._offer_drafts()
        self.desk_call(calls.backup_warning, then=self._backup_checked, group="backup")
        self._count_inbox()

    _backup: BackupAge | None = None

    def _backup_checked(self, age: BackupAge | None) -> None:
        self._backup = age
        self._show_backup()

    def _show_backup(self) -> None:
        """An admin's one line when the last verified backup is older than the config allows."""
        line = self.query_one("#menu-backup", Static)
        age = self._backup
        line.display = age is not None
        if age is None:
            return
        if age.last is None or age.hours is None:
            line.update(self.tr("backup.menu_never"))
            return
        line.update(
            self.tr(
                "backup.menu_overdue",
                when=self.desk_app.clock.local(age.last.made_at).strftime("%d.%m.%Y %H:%M"),
                hours=int(age.hours),
                max=age.max_hours,
            )
        )

    def on_screen_resume(self) -> None:
        # Back from a service (the inbox decided some): the counts as they are now.
        self._count_inbox()

    def portal_synced(self) -> None:
        """A fetch round ended (the timer's): new applications change the counts."""
        if not self.desk_app.portal_poll.running:
            self._count_inbox()

    def _count_inbox(self) -> None:
        self.desk_call(
            calls.inbox_counts,
            then=self._counted,
            failed=lambda _: None,  # the counts are a hint: the inbox itself says what failed
            group="inbox-counts",
            exclusive=True,
        )

    def _counted(self, counts: InboxCounts) -> None:
        self.inbox_counts = counts
        self.retranslate()

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

    def _may(self, permission: Permission | None) -> bool:
        employee = self.desk_app.employee
        if permission is None:
            return True
        return employee is not None and may(employee.role, permission)

    def refuses(self, action: str, parameters: tuple[object, ...]) -> bool:
        """A service this employee's role may not use: neither listed, nor in F1 help and the
        palette, nor answering its key."""
        if action == "service" and parameters:
            permission = next((p for n, _, p in ACCOUNT_SERVICES if n == parameters[0]), None)
            return not self._may(permission)
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.refuses(action, parameters)

    def help_lines(self) -> list[str]:
        """F1 help: what a number typed here does (menu_number.py)."""
        return [self.tr("menu_number.help")]

    def service_for(self, key: str) -> str | None:
        """The service ``key`` opens here now (remapped keys and the role's refusals counted)."""
        active = self.active_bindings.get(key)
        if active is None or not active.enabled:
            return None
        _, action, params = parse_action(active.binding.action)
        return str(params[0]) if action == "service" and params else None

    def action_service(self, name: str) -> None:
        if name == "attach":
            from regdesk.tui.screens.applicant import ApplicantScreen

            self.app.push_screen(ApplicantScreen())
        elif name == "journal":
            from regdesk.tui.screens.journal import JournalScreen

            self.app.push_screen(JournalScreen())
        elif name == "reports":
            from regdesk.tui.screens.reports import ReportsScreen

            self.app.push_screen(ReportsScreen())
        elif name == "inbox":
            from regdesk.tui.screens.inbox import InboxScreen

            self.app.push_screen(InboxScreen())
        elif name == "printers":
            from regdesk.tui.screens.printer_setup import PrinterSetupScreen

            self.app.push_screen(PrinterSetupScreen())
        elif name == "password":
            from regdesk.tui.screens.password import PasswordScreen

            self.app.push_screen(PasswordScreen())
        elif name == "policy" and self._may(Permission.SETTINGS):
            from regdesk.tui.screens.policy import PolicyScreen

            self.app.push_screen(PolicyScreen())
        elif name == "districts" and self._may(Permission.DISTRICTS):
            from regdesk.tui.screens.districts import DistrictsScreen

            self.app.push_screen(DistrictsScreen())
        elif name == "staff" and self._may(Permission.STAFF):
            from regdesk.tui.screens.staff import StaffScreen

            self.app.push_screen(StaffScreen())

    def action_sign_out(self) -> None:
        self.desk_app.sign_out()
