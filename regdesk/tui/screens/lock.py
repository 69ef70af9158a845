"""The idle lock: the same employee unlocks with the password; another one signs in anew."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.said import Said
from regdesk.tui.widgets import TypeaheadInput


class LockScreen(DeskScreen[None]):
    """Covers the work in progress; nothing of it is shown until the owner's password is typed."""

    BINDINGS = [
        Binding("f12", "switch_user", "Other employee", id="switch_user"),
    ]

    busy = False
    """A password is being checked: a second Enter must not close the screen under the lock."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="box", id="lock-box"):
            yield Static(id="lock-title", classes="title")
            yield Static(id="lock-owner")
            yield TypeaheadInput(password=True, id="unlock-password", compact=True)
            yield Static(id="lock-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#unlock-password", Input).focus()

    def help_lines(self) -> list[str]:
        """F1: a wrong password here counts as a failed sign-in, delays included."""
        return [self.tr("signin_throttle.help", **self.desk_app.desk.session.throttle_rules())]

    def retranslate(self) -> None:
        super().retranslate()
        employee = self.desk_app.employee
        self.query_one("#lock-title", Static).update(self.tr("lock.title"))
        self.query_one("#lock-owner", Static).update(
            self.tr("lock.owner", name=employee.full_name if employee else "")
        )
        self.query_one("#unlock-password", Input).placeholder = self.tr("lock.password")

    @on(Input.Submitted, "#unlock-password")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        self.busy = True
        self.desk_call(
            calls.check_password,
            event.value,
            then=self._checked,
            failed=self._failed,
            group="unlock",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        self.busy = False
        self.query_one("#unlock-password", Input).value = ""
        self.say_on("#lock-message", text)  # the desk did not answer…: said again after F2 too

    def _checked(self, ok: bool) -> None:
        self.busy = False
        field = self.query_one("#unlock-password", Input)
        field.value = ""
        if ok:
            self.desk_app.locked = False
            self.app.pop_screen()
        else:
            # The same words for a wrong password and any password during a sign-in delay.
            self.say_on("#lock-message", Said("signin_throttle.unlock_refused"))

    def action_switch_user(self) -> None:
        """Another employee: the owner's drafts stay in the journal for them, unseen."""
        self.desk_app.sign_out()
