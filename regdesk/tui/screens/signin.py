"""Table 2 step 1: the employee signs in with IIN and password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from regdesk.core.errors import UserError
from regdesk.tui.base import DeskScreen
from regdesk.tui.widgets import IinInput, TypeaheadInput

if TYPE_CHECKING:
    from regdesk.desk import Desk
    from regdesk.tui.calls import Employee


def _attempt(desk: Desk, iin: str, password: str) -> Employee | UserError:
    """``calls.sign_in``, its refusal given back rather than raised: the screen keeps the error
    itself, so that F2 says it again in the new language (``call_desk``'s ``failed`` has only
    the words of the language it was said in)."""
    from regdesk.tui import calls

    try:
        return calls.sign_in(desk, iin, password)
    except UserError as exc:
        return exc


class SignInScreen(DeskScreen[None]):
    """IIN, password, Enter. The demo's accounts are shown under the form."""

    BINDINGS = [
        Binding("enter", "sign_in", "Sign in", id="sign_in", show=True),
    ]

    busy = False
    """A sign-in is being checked: a second Enter must neither count a second failed attempt
    nor open the menu twice."""

    said: UserError | str | None = None
    """What the message line says: a refusal or a catalogue text (said again in the current
    language by ``retranslate``), or words that came already said (an error that was no
    refusal, which ``call_desk`` gives only as words)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-box", classes="box"):
            yield Static(id="signin-title", classes="title")
            yield Label(id="iin-label")
            yield IinInput(id="iin", advance=True)
            yield Label(id="password-label")
            yield TypeaheadInput(password=True, id="password", compact=True)
            yield Static(id="signin-message", classes="message")
        yield Static(id="demo-hint", classes="hint")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#signin-title", Static).update(self.tr("signin.title"))
        self.query_one("#iin-label", Label).update(self.tr("signin.iin"))
        self.query_one("#password-label", Label).update(self.tr("signin.password"))
        self.query_one("#iin", IinInput).placeholder = self.tr("signin.iin_placeholder")
        demo = self.desk_app.demo
        hint = self.query_one("#demo-hint", Static)
        if demo is None:
            hint.display = False
        else:
            lines = [self.tr("demo.signin_hint")]
            for role, iin, password, name in demo.staff:
                lines.append(
                    self.tr(
                        "demo.account", role=self.tr(f"role.{role}"), iin=iin, password=password
                    )
                    + f"  {name}"
                )
            hint.update("\n".join(lines))
        self._show_said()

    def on_mount(self) -> None:
        self.query_one("#iin", IinInput).focus()

    def help_lines(self) -> list[str]:
        """F1: how failed sign-ins are slowed down, and what that leaves a guesser."""
        return [self.tr("signin_throttle.help", **self.desk_app.desk.session.throttle_rules())]

    @on(Input.Submitted, "#iin")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _submitted(self) -> None:
        self.action_sign_in()

    def action_sign_in(self) -> None:
        if self.busy:
            return
        iin = self.query_one("#iin", IinInput).digits
        password = self.query_one("#password", Input).value
        if not iin or not password:
            self._say(UserError("signin.fill_both"))
            return
        self.busy = True
        # Argon2id takes a noticeable fraction of a second, and the database opens in the
        # background at start (typing the password hides it): both off the UI thread.
        self.desk_call(
            _attempt,
            iin,
            password,
            then=self._answered,
            failed=self._failed,
            group="signin",
            exclusive=True,
        )

    def _say(self, said: UserError | str | None) -> None:
        """Say ``said`` on the message line (None: nothing), kept to be said again in the next
        language (F2)."""
        self.said = said
        self._show_said()

    def _show_said(self) -> None:
        said = self.said
        text = said.message(self.desk_app.lang) if isinstance(said, UserError) else said or ""
        self.query_one("#signin-message", Static).update(text)

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say(text)  # not a refusal (the desk did not open…): its words as they came
        self._clear_password()

    def _clear_password(self) -> None:
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    def _answered(self, answer: Employee | UserError) -> None:
        if isinstance(answer, UserError):
            self.busy = False
            self._say(answer)
            self._clear_password()
        else:
            self._signed_in(answer)

    def _signed_in(self, employee: Employee) -> None:
        self.busy = False
        app = self.desk_app
        if employee.lang:
            app.set_lang(employee.lang)
        from regdesk.tui.screens.menu import MenuScreen

        self.query_one("#password", Input).value = ""
        # Whoever signs in next (after sign-out or "other employee" on the lock screen) starts
        # from an empty IIN field, not from the password field next to this employee's IIN.
        iin = self.query_one("#iin", IinInput)
        iin.value = ""
        iin.focus()
        self._say(None)
        if employee.must_change_password:
            # A one-time password from an admin: replaced before anything else (issue 15).
            from regdesk.tui.screens.password import PasswordScreen

            app.push_screen(PasswordScreen(forced=True))
        else:
            app.push_screen(MenuScreen())
        from regdesk.tui import calls

        self.desk_call(calls.warm_up, group="warm-up")
