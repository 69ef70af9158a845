"""An employee changes their own password (issue 15): the policy first, then the current
password, the new one twice. After a sign-in with a one-time password the screen comes before
the menu, without the current password (just typed), and Esc signs out instead of going back."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.widgets import TypeaheadInput


class PasswordScreen(DeskScreen[bool]):
    """Current password, new password, again; F10 (or Enter in the last field) saves.

    Dismissed with True once the password is changed, False when the employee went back.
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f10", "save", "Save", id="save_password"),
    ]

    DEFAULT_CSS = """
    PasswordScreen #password-box { height: auto; max-height: 22; }
    PasswordScreen Input { margin: 0 0 0 0; }
    """

    def __init__(self, *, forced: bool = False) -> None:
        super().__init__()
        self.forced = forced
        """Right after a sign-in with a one-time password: nothing else until it is changed."""
        self.busy = False
        self._rules: list[tuple[str, dict[str, object]]] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="box", id="password-box"):
            yield Static(id="password-title", classes="title")
            # A refusal shows at the top: below the rules a long kk text could scroll it away.
            yield Static(id="password-message", classes="message")
            yield Static(id="password-why", classes="hint")
            yield Static(id="password-rules", classes="hint")
            yield Label(id="old-label")
            yield TypeaheadInput(password=True, id="old-password", compact=True, advance=True)
            yield Label(id="new-label")
            yield TypeaheadInput(password=True, id="new-password", compact=True, advance=True)
            yield Label(id="again-label")
            yield TypeaheadInput(password=True, id="again-password", compact=True)
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        for widget in ("#old-label", "#old-password"):
            self.query_one(widget).display = not self.forced
        first = "#new-password" if self.forced else "#old-password"
        self.query_one(first, Input).focus()
        self.desk_call(calls.password_rules, then=self._show_rules, group="rules")

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#password-title", Static).update(self.tr("password.title"))
        why = "password.why_forced" if self.forced else "password.why"
        self.query_one("#password-why", Static).update(self.tr(why))
        self.query_one("#old-label", Label).update(self.tr("password.old"))
        self.query_one("#new-label", Label).update(self.tr("password.new"))
        self.query_one("#again-label", Label).update(self.tr("password.again"))
        self._show_rules(self._rules)

    def _show_rules(self, rules: list[tuple[str, dict[str, object]]]) -> None:
        self._rules = rules
        if rules:
            lines = [self.tr("password.rules")]
            lines += [f"  • {self.tr(key, **params)}" for key, params in rules]
            self.query_one("#password-rules", Static).update("\n".join(lines))

    @on(Input.Submitted, "#again-password")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.busy:
            return
        old = None if self.forced else self.query_one("#old-password", Input).value
        new = self.query_one("#new-password", Input).value
        again = self.query_one("#again-password", Input).value
        if (old is not None and not old) or not new or not again:
            self._say(self.tr("password.fill_all"), error=True)
            return
        self.busy = True
        self.desk_call(
            calls.change_password,
            old,
            new,
            again,
            then=lambda _: self._changed(),
            failed=self._failed,
            group="password",
            exclusive=True,
        )

    def _changed(self) -> None:
        self.busy = False
        self.app.notify(self.tr("password.changed"), timeout=6)
        if self.forced:
            from regdesk.tui.screens.menu import MenuScreen

            self.app.switch_screen(MenuScreen())
        else:
            self.dismiss(True)

    def _failed(self, text: str) -> None:
        self.busy = False
        # Nothing typed is kept in a password field after a refusal: typed again from the start.
        for name in ("#old-password", "#new-password", "#again-password"):
            self.query_one(name, Input).value = ""
        self._say(text, error=True)
        first = "#new-password" if self.forced else "#old-password"
        self.query_one(first, Input).focus()

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#password-message", Static)
        message.update(text)
        message.set_class(error, "error")
        # A refusal stands in for the rules (one of the policy lists the rules it broke), so that
        # it, the fields and the footer fit 80x24 in every language; the rules were read first.
        self.query_one("#password-rules", Static).display = not error

    def action_back(self) -> None:
        if self.busy:
            return
        if self.forced:
            # The one-time password stays to be changed at the next sign-in.
            self.desk_app.sign_out()
        else:
            self.dismiss(False)
