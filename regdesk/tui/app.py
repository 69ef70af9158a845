"""The Textual application of the front desk. It talks only to ``regdesk.desk.Desk``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from regdesk.core.errors import UserError
from regdesk.desk import Desk
from regdesk.i18n import LANGS, Translator
from regdesk.tui.base import Translated, translate_bindings

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
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(
        self,
        desk: Desk,
        *,
        demo: DemoInfo | None = None,
        idle_check_seconds: float = 5.0,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.demo = demo
        self.lang: str = desk.config.languages.default
        self._tr = Translator(self.lang)
        self._last_input = time.monotonic()
        self._idle_check_seconds = idle_check_seconds
        self.locked = False
        self.unexpected: list[BaseException] = []

    # -- text -------------------------------------------------------------------------------

    def tr(self, key: str, /, **params: object) -> str:
        return self._tr(key, **params)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._tr = Translator(lang)
        if self.desk.employee is not None:
            self.desk.set_language(lang)
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
        seen: set[str] = set()
        for node in (screen, self):
            for bindings in node._bindings.key_to_bindings.values():
                for b in bindings:
                    if not b.id or b.id in seen or node.check_action(b.action, ()) is False:
                        continue
                    seen.add(b.id)
                    key = self.get_key_display(b)
                    yield SystemCommand(
                        self.tr(f"keys.{b.id}"),
                        f"{key}",
                        partial(self.call_later, self.run_action, b.action, node),
                    )

    # -- start ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.desk.config.keymap:
            self.set_keymap(dict(self.desk.config.keymap))
        translate_bindings(self, self.tr)
        from regdesk.tui.screens.signin import SignInScreen

        self.push_screen(SignInScreen())
        minutes = self.desk.config.security.idle_lock_minutes
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
        limit = self.desk.config.security.idle_lock_minutes * 60
        if self.desk.employee is not None and not self.locked and self.idle_seconds() >= limit:
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

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        # Screens handle the outcomes they expect; whatever reaches here is shown, not raised.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(self.explain(event.worker.error), severity="error", timeout=8)

    def _handle_exception(self, error: Exception) -> None:
        # A bug in a handler must not drop a traceback on the receptionist's screen; it is
        # logged, kept in ``unexpected`` (tests assert it stays empty) and said in words.
        self.unexpected.append(error)
        if isinstance(error, UserError):
            self.notify(error.message(self.lang), severity="error", timeout=8)
            return
        log.error("unhandled error in the desk", exc_info=error)
        try:
            self.notify(self.tr("error.unexpected"), severity="error", timeout=8)
        except Exception:
            super()._handle_exception(error)

    async def action_quit(self) -> None:
        await self.desk.aclose()
        self.exit()


def run_desk(desk: Desk, demo: DemoInfo | None = None) -> Any:
    return DeskApp(desk, demo=demo).run()
