"""Table 2 steps 5-6: confirm with the employee's EDS, then register with a number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from regdesk.desk import KeyCheck
from regdesk.tui import calls
from regdesk.tui.base import DeskModal
from regdesk.tui.cards import key_owner, short_path, sign_summary
from regdesk.tui.widgets import TypeaheadInput

PATH_WIDTH = 56
"""Characters a key path may take in the dialog's hint: with its label (at most 14 in any
language) it stays on one line of the 76-column dialog, so the file name is never wrapped."""


KEY_ADVICE = {
    "signing.problem.other_person": "signing_admin.help.other_person",
    "signing.problem.expired": "signing_admin.help.expired",
    "signing.problem.revoked": "signing_admin.help.revoked",
    "signing.problem.ocsp_revoked": "signing_admin.help.revoked",
    "signing.problem.untrusted": "signing_admin.help.untrusted",
}
"""What to do next, said after the policy's problem: whose key, a renewal, a new key."""


class SignScreen(DeskModal[str | None]):
    """The key store (remembered per employee), its password; Enter signs and registers.

    Dismissed with the application's number once registered, None when the receptionist
    went back. ``sign_with`` (a function of ``calls`` taking the desk, the application and the
    opened key) replaces registration, e.g. to sign an annulment; ``title`` and ``summary`` say
    what is being signed then.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f3", "key_help", "No key?", id="sign_key_help"),
    ]

    def __init__(
        self,
        app_id: int,
        *,
        sign_with: Callable[..., str] = calls.register,
        title: str = "sign.title",
        summary: Callable[[Any], str] | None = None,
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.sign_with = sign_with
        self.title_key = title
        self.summary = summary
        self.busy = False
        self.view: calls.Signing | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sign-box"):
            yield Static(id="sign-title", classes="title")
            yield Static(id="sign-summary")
            yield Label(id="key-label")
            yield TypeaheadInput(id="key-path", compact=True, advance=True)
            yield Label(id="key-password-label")
            yield TypeaheadInput(id="key-password", password=True, compact=True)
            yield Static(id="key-owner")
            yield Static(id="sign-message", classes="message")
            yield Static(id="demo-key", classes="hint")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#key-password", Input).focus()
        self.desk_call(calls.open_signing, self.app_id, then=self._loaded, group="load")

    def _loaded(self, view: calls.Signing) -> None:
        self.view = view
        self.retranslate()
        path = view.key_hint
        demo = self.desk_app.demo
        employee = self.desk_app.employee
        if not path and demo is not None and employee is not None:
            path = demo.key_paths.get(employee.iin, "")
        key_path = self.query_one("#key-path", Input)
        key_path.value = path
        if path.endswith(("/", "\\")):
            # A folder (from signing.key_folder): the file name is typed after it, not over it.
            key_path.select_on_focus = False
            key_path.cursor_position = len(path)
        self.call_after_refresh(self._show_path_end)
        if not path:
            # No key set up for this employee: say how to get one before they look for it.
            self._say(self.tr("signing_admin.help.no_key"))
        if not path or not key_path.select_on_focus:
            key_path.focus()

    def _show_path_end(self) -> None:
        # Once the field has its width, it scrolls to its end: the key's file name shows, not
        # the start of a long folder (moving the cursor is what makes an Input scroll).
        field = self.query_one("#key-path", Input)
        field.cursor_position = 0
        field.cursor_position = len(field.value)

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#sign-title", Static).update(self.tr(self.title_key))
        if self.view is not None:
            if self.summary is not None:
                summary = self.summary(self.view.record)
            else:
                summary = sign_summary(self.view.record, list(self.view.attachments), self.tr)
            self.query_one("#sign-summary", Static).update(summary)
        self.query_one("#key-label", Label).update(self.tr("sign.key_path"))
        self.query_one("#key-password-label", Label).update(self.tr("sign.password"))
        demo = self.desk_app.demo
        hint = self.query_one("#demo-key", Static)
        employee = self.desk_app.employee
        if demo is None or employee is None:
            hint.display = False
        else:
            hint.update(
                self.tr(
                    "demo.key_hint",
                    path=short_path(demo.key_paths.get(employee.iin, ""), PATH_WIDTH),
                    password=demo.key_password,
                )
            )

    @on(Input.Submitted, "#key-password")
    def _password_done(self) -> None:
        if self.busy:
            return
        path = self.query_one("#key-path", Input).value
        password = self.query_one("#key-password", Input).value
        if not path.strip():
            self._say(self.tr("sign.need_path"), error=True)
            self.query_one("#key-path", Input).focus()
            return
        self.busy = True
        self._say(self.tr("sign.working"))
        self.desk_call(
            calls.open_key,
            path,
            password,
            then=self._opened,
            failed=self._key_failed,
            group="sign",
            exclusive=True,
        )

    def _opened(self, check: KeyCheck) -> None:
        self._show_owner(check)
        if check.can_sign:
            self.desk_call(
                self.sign_with,
                self.app_id,
                check,
                then=self.dismiss,
                failed=self._register_failed,
                group="sign",
                exclusive=True,
            )

    def _show_owner(self, check: KeyCheck) -> None:
        lang = self.desk_app.lang
        owner = key_owner(check.info, self.tr, self.desk_app.clock)
        self.query_one("#key-owner", Static).update(owner)
        if check.problems:
            lines = [p.message(lang) for p in check.problems]
            advice = next((KEY_ADVICE[p.key] for p in check.problems if p.key in KEY_ADVICE), None)
            if advice is not None and not check.can_sign:
                lines.append(self.tr(advice))
            self._say("\n".join(lines), error=not check.can_sign)
        if not check.can_sign:
            self.busy = False
            self.query_one("#key-path", Input).focus()

    def _key_failed(self, text: str) -> None:
        self.busy = False
        self._say(text, error=True)
        password = self.query_one("#key-password", Input)
        password.value = ""
        password.focus()

    def _register_failed(self, text: str) -> None:
        self.busy = False
        self._say(text, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#sign-message", Static)
        message.update(text)
        message.set_class(error, "error")

    def action_key_help(self) -> None:
        """F3: how an employee gets an NCA RK key, and whom to ask at the clinic."""
        self._say(self.tr("signing_admin.help.no_key"))

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
