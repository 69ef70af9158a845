"""The Textual application of the front desk. It talks only to ``regdesk.desk`` (its use cases)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerFailed

from regdesk.config import Config
from regdesk.core.errors import UserError
from regdesk.i18n import LANGS, Translator
from regdesk.tui.base import Translated, named_bindings, translate_bindings

if TYPE_CHECKING:
    from regdesk.desk import Desk

log = logging.getLogger("regdesk.tui")


@dataclass(frozen=True)
class DemoInfo:
    """What the demo shows on its screens so a newcomer can try everything."""

    workspace: str
    staff: tuple[tuple[str, str, str, str], ...]
    """(role, IIN, password, full name) of each demo employee."""
    key_password: str
    key_paths: dict[str, str]
    """Employee IIN -> the path of their demo signing key store."""
    prints_dir: str
    scan_dir: str
    sample_iins: dict[str, list[str]]


class DeskApp(App[None]):
    """The desk: sign in, then the services of this workstation."""

    CSS_PATH = "app.tcss"
    TITLE = "regdesk"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f2", "switch_lang", "Language", id="lang"),
        # Quit stays out of the footer (room for the screen's own keys); F1 and Ctrl+P list it.
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False),
        # Declared here (Textual would add its own, labelled "palette" in English) so the footer
        # names it from the catalogue like every other key.
        Binding("ctrl+p", "command_palette", "Palette", id="palette", priority=True, show=False),
    ]

    def __init__(
        self,
        desk: Desk | Config,
        *,
        demo: DemoInfo | None = None,
        idle_check_seconds: float = 5.0,
        lang: str | None = None,
    ) -> None:
        super().__init__()
        # Given a Config, the database is opened after the first paint (in a thread), so the
        # sign-in screen appears before sqlite-utils and the store are even imported.
        if isinstance(desk, Config):
            self.config = desk
            self._desk: Desk | None = None
        else:
            self.config = desk.config
            self._desk = desk
        self._desk_ready = threading.Event()
        self._desk_error: BaseException | None = None
        if self._desk is not None:
            self._desk_ready.set()
        self.demo = demo
        # --lang on the command line, else the clinic's default; each employee's own choice
        # replaces it at sign-in.
        self.lang: str = lang if lang in LANGS else self.config.languages.default
        self._tr = Translator(self.lang)
        self._last_input = time.monotonic()
        self._idle_check_seconds = idle_check_seconds
        self.locked = False
        self.unexpected: list[BaseException] = []
        self.pending_iin = ""
        """An IIN scanned on the result screen, for the applicant screen to look up next."""

    # -- the desk behind the screens ----------------------------------------------------------

    @property
    def desk(self) -> Desk:
        """The workstation's use cases; screens after sign-in may take it as ready."""
        if self._desk is None:
            raise RuntimeError("the desk is not open yet")
        return self._desk

    def wait_desk(self, timeout: float = 60.0) -> Desk:
        """From a worker thread: the desk once it is open, or the error that kept it closed."""
        self._desk_ready.wait(timeout)
        if self._desk_error is not None:
            raise self._desk_error
        return self.desk

    def close_desk(self) -> None:
        """Close the database when the app has ended (the CLI calls it after ``run``)."""
        if self._desk is not None:
            self._desk.close()

    def _open_desk(self) -> None:
        from regdesk.desk import Desk

        try:
            self._desk = Desk(self.config)
        except BaseException as exc:
            self._desk_error = exc
        finally:
            self._desk_ready.set()

    # -- text -------------------------------------------------------------------------------

    def tr(self, key: str, /, **params: object) -> str:
        return self._tr(key, **params)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._tr = Translator(lang)
        if self._desk is not None and self._desk.employee is not None:
            self._desk.session.set_language(lang)
        translate_bindings(self, self.tr)
        for screen in self.screen_stack:
            if isinstance(screen, Translated):
                screen.retranslate()
        self.refresh_bindings()

    def action_switch_lang(self) -> None:
        position = LANGS.index(self.lang) if self.lang in LANGS else 0
        self.set_lang(LANGS[(position + 1) % len(LANGS)])

    def action_help(self) -> None:
        from regdesk.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    # -- command palette ------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers what the keys do on this screen, in the user's language."""
        for node, b in named_bindings(screen, self):
            if b.action == "command_palette" or node.check_action(b.action, ()) is False:
                continue
            yield SystemCommand(
                self.tr(f"keys.{b.id}"),
                self.get_key_display(b),
                partial(self.call_later, self.run_action, b.action, node),
            )

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = self.tr("palette.placeholder")
            self.push_screen(CommandPalette(placeholder=placeholder, id="--command-palette"))

    # -- start ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(dict(self.config.keymap))
        translate_bindings(self, self.tr)
        from regdesk.tui.screens.signin import SignInScreen

        self.push_screen(SignInScreen())
        if self._desk is None:
            self.call_after_refresh(
                lambda: self.run_worker(self._open_desk, thread=True, group="open-desk")
            )
        minutes = self.config.security.idle_lock_minutes
        if minutes > 0:
            self.set_interval(self._idle_check_seconds, self._check_idle)

    # -- idle lock --------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def idle_seconds(self) -> float:
        return time.monotonic() - self._last_input

    def _check_idle(self) -> None:
        limit = self.config.security.idle_lock_minutes * 60
        signed_in = self._desk is not None and self._desk.employee is not None
        if signed_in and not self.locked and self.idle_seconds() >= limit:
            self.lock()

    def lock(self) -> None:
        from regdesk.tui.screens.lock import LockScreen

        self.locked = True
        self.push_screen(LockScreen())

    # -- errors -----------------------------------------------------------------------------

    def explain(self, error: BaseException) -> str:
        """The error in the user's words; anything unexpected is logged, never shown raw."""
        if isinstance(error, UserError):
            return error.message(self.lang)
        log.error("unexpected error", exc_info=error)
        return self.tr("error.unexpected")

    def _handle_exception(self, error: Exception) -> None:
        # The one place errors that escaped a handler or a worker arrive. None of them may drop
        # a traceback on the receptionist's screen: a UserError is said in its words; anything
        # else is logged, kept in ``unexpected`` (tests assert it stays empty) and explained
        # as an unexpected error, and the desk carries on.
        if isinstance(error, WorkerFailed):
            cause = error.error
            error = cause if isinstance(cause, Exception) else error
        if isinstance(error, UserError):
            self.notify(error.message(self.lang), severity="error", timeout=8)
            return
        self.unexpected.append(error)
        log.error("unhandled error in the desk", exc_info=error)
        try:
            self.notify(self.tr("error.unexpected"), severity="error", timeout=8)
        except Exception:
            super()._handle_exception(error)

    async def action_quit(self) -> None:
        if self._desk is not None:
            await self._desk.aclose()
        self.exit()
