"""The Textual application of the front desk. It talks only to ``regdesk.desk.Desk``."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, WorkerFailed, get_current_worker

from regdesk.config import Config
from regdesk.core.errors import UserError
from regdesk.i18n import LANGS, Translator
from regdesk.tui.base import (
    Translated,
    allows,
    letter_keys,
    named_bindings,
    translate_bindings,
)
from regdesk.tui.runner import DeskRunner
from regdesk.tui.said import Explained, Said

if TYPE_CHECKING:
    from regdesk.core.clock import ClinicClock
    from regdesk.desk import Desk
    from regdesk.tui.calls import Employee

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
        # Also here (the screens show it where it matters), so it locks from a dialog too.
        Binding("ctrl+l", "lock", "Lock", id="lock", show=False),
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
        tidy_every_seconds: float = 3600.0,
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
        self._tidy_every_seconds = tidy_every_seconds
        self.locked = False
        self.unexpected: list[BaseException] = []
        """Errors that are not a user's mistake nor the world's (a bug): tests assert none."""
        self.runner = DeskRunner()
        from regdesk.tui.portal_poll import PortalPoll

        self.portal_poll = PortalPoll(self)
        """The portal fetched and results delivered every ``[portal] fetch_seconds``."""
        self._hung_up = False
        from regdesk.tui.menu_number import MenuNumber

        self.menu_number = MenuNumber(self)
        """The keys read as a number typed at the menu (an IIN, never service keys)."""

    # -- the desk behind the screens ----------------------------------------------------------

    @property
    def desk(self) -> Desk:
        """The workstation's use cases; screens after sign-in may take it as ready."""
        if self._desk is None:
            raise RuntimeError("the desk is not open yet")
        return self._desk

    @property
    def clock(self) -> ClinicClock:
        """The clinic's clock (the desk's): every time a screen shows is clinic time."""
        return self.desk.clock

    @property
    def employee(self) -> Employee | None:
        """Who is signed in (read from memory: no call into the desk)."""
        return self._desk.employee if self._desk is not None else None

    def sign_out(self) -> None:
        """Back to the sign-in screen at once; the sign-out is written in the background.

        The employee's drafts stay in the journal for them, unseen by whoever signs in next.
        """
        from regdesk.tui import calls
        from regdesk.tui.screens.signin import SignInScreen

        self.call_desk(self, calls.sign_out, group="sign-out")
        self.locked = False
        while len(self.screen_stack) > 1 and not isinstance(self.screen, SignInScreen):
            self.pop_screen()

    def _wait_desk(self, timeout: float = 60.0) -> Desk:
        """From a worker thread: the desk once it is open, or the error that kept it closed."""
        self._desk_ready.wait(timeout)
        if self._desk_error is not None:
            raise self._desk_error
        return self.desk

    def close_desk(self) -> None:
        """Close the registry client and the database once the app has ended (the CLI calls it
        after ``run``, the tests after ``run_test``)."""
        if self._desk is not None:
            try:
                self.runner.close(self._desk.aclose)
            finally:
                self._desk.close()

    # -- calls into the desk, off the UI thread ------------------------------------------------

    def call_desk(
        self,
        node: DOMNode,
        job: Callable[..., Any],
        *args: object,
        then: Callable[[Any], object] | None = None,
        failed: Callable[[str], object] | None = None,
        group: str = "desk",
        exclusive: bool = False,
    ) -> Worker[None]:
        """Run ``job(desk, *args)`` (one of ``regdesk.tui.calls``) in a worker of ``node``.

        ``then(result)`` follows on the UI thread, unless meanwhile the screen was closed or
        the worker cancelled or superseded (``exclusive`` in its ``group``), so a late result
        never lands on a screen that no longer shows it. An error is said in the user's words
        by ``failed(text)`` (a notification without it); one that is not a ``UserError`` is
        also kept in ``unexpected``. This is the one place the desk's errors are handled.
        Screens call it as ``desk_call`` (base.py), which types ``then`` by the job's result.
        """

        def with_desk(*args: object) -> Any:
            return job(self._wait_desk(), *args)

        async def with_desk_async(*args: object) -> Any:
            return await job(self._wait_desk(), *args)

        call = with_desk_async if inspect.iscoroutinefunction(job) else with_desk

        async def run() -> None:
            worker = get_current_worker()
            try:
                result = await self.runner.run(call, *args)
            except Exception as exc:
                text = self.explain(exc)
                if self._still_wanted(node, worker):
                    if failed is None:
                        self.notify(text, severity="error", timeout=8)
                    else:
                        failed(text)
                return
            if then is not None and self._still_wanted(node, worker):
                then(result)

        name = getattr(job, "__name__", "desk")
        return node.run_worker(run, name=name, group=group, exclusive=exclusive)

    def _still_wanted(self, node: DOMNode, worker: Worker[Any]) -> bool:
        if worker.is_cancelled:
            return False
        screen = node if isinstance(node, Screen) else None
        return screen is None or screen in self.screen_stack

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
        if self.employee is not None:
            from regdesk.tui import calls

            self.call_desk(self, calls.set_language, lang, group="language", exclusive=True)
        translate_bindings(self, self.tr)
        for screen in self.screen_stack:
            if isinstance(screen, Translated):
                screen.relanguage()
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
            if b.action == "command_palette" or not allows(node, b):
                continue
            yield SystemCommand(
                self.tr(f"keys.{b.id}"),
                self.get_key_display(b),
                partial(self.call_later, self.run_action, b.action, node),
            )

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            from regdesk.tui.localised import DeskPalette

            placeholder = self.tr("palette.placeholder")
            no_matches = self.tr("palette.no_matches")
            self.push_screen(
                DeskPalette(no_matches, placeholder=placeholder, id="--command-palette")
            )

    # -- start ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.is_web and self._desk is None:
            # Opened in a browser (regdesk serve): the browser is one more printer, and the
            # workstation's printer is serve.printer. Set before the desk is opened with it.
            self.config = self.config.in_browser()
        if self.config.keymap:
            # A letter remapped by the clinic answers on every layout, as the built-in ones.
            self.set_keymap({i: letter_keys(k) for i, k in self.config.keymap.items()})
        translate_bindings(self, self.tr)
        from regdesk.tui.screens.signin import SignInScreen

        self.push_screen(SignInScreen())
        if self._desk is None:
            self.call_after_refresh(
                lambda: self.run_worker(self._open_desk, thread=True, group="open-desk")
            )
        # Printed files past their printer's keep_hours go at the start and then every
        # ``tidy_every_seconds`` (a desk may stay open for days). Quiet on failure: a desk that
        # did not open is said by the sign-in screen already, a folder that cannot be tidied is
        # logged (``Upkeep.tidy_prints``).
        self.call_after_refresh(self._tidy_prints)
        self.set_interval(self._tidy_every_seconds, self._tidy_prints)
        minutes = self.config.security.idle_lock_minutes
        if minutes > 0:
            self.set_interval(self._idle_check_seconds, self._check_idle)
        self.portal_poll.start()
        self._watch_terminal()

    def _tidy_prints(self) -> None:
        from regdesk.tui import calls

        self.call_desk(self, calls.tidy_prints, failed=lambda _: None, group="tidy")

    # -- a terminal that disappears ---------------------------------------------------------

    def _watch_terminal(self) -> None:
        """End the desk, keeping what was typed, when its terminal goes away.

        A closed SSH connection or a deleted tmux pane leaves a desk started through ``su`` (or
        any desk not in the terminal's session) without a hang-up signal: its input then reads
        end-of-file for ever, and the input thread spins a core (issue 14 saw four such desks
        at ~45% CPU for half an hour). A terminal that has hung up answers no terminal request
        any more, so a once-a-second ``isatty`` notices it; SIGHUP is heard too. Only a desk
        started in a terminal watches (tests and the browser desk have none).
        """
        stdin = sys.__stdin__
        try:
            fd = stdin.fileno() if stdin is not None else -1
        except (OSError, ValueError):
            fd = -1
        if fd < 0 or self.is_headless or not os.isatty(fd):
            return
        self.set_interval(1.0, lambda: None if os.isatty(fd) else self._terminal_gone())
        # A loop that cannot take signal handlers (not the main thread) still has the isatty
        # check above; the terminal is then noticed within a second instead of at once.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._terminal_gone)

    def _terminal_gone(self) -> None:
        if self._hung_up:
            return
        self._hung_up = True
        log.warning("the terminal is gone: saving what was typed and ending the desk")
        # Nobody can read what the desk would print on its way out, and writing to a hung-up
        # terminal may block: if the orderly end has not come in ten seconds, end regardless.
        # Drafts are saved as they are typed, in transactions: nothing committed is lost.
        failsafe = threading.Timer(10.0, os._exit, args=(1,))
        failsafe.daemon = True
        failsafe.start()
        for screen in self.screen_stack:
            save = getattr(screen, "save_typing", None)
            if callable(save):
                save()
        self.run_worker(self._end_after_saves(), group="hang-up")

    async def _end_after_saves(self) -> None:
        saving = [w for w in self.workers if w.group in ("save", "survey") and not w.is_finished]
        if saving:  # given no workers, wait_for_complete waits for all of them, this one too
            await self.workers.wait_for_complete(saving)
        await self.action_quit()

    # -- idle lock --------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_input = time.monotonic()
        read = isinstance(event, events.Key) and not event.is_forwarded  # not one bubbling back
        if read and self.menu_number.take(event):  # type: ignore[arg-type]
            return  # a digit of a number typed at the menu: it goes to the look-up (menu_number)
        await super().on_event(event)

    def _idle_seconds(self) -> float:
        return time.monotonic() - self._last_input

    def _check_idle(self) -> None:
        limit = self.config.security.idle_lock_minutes * 60
        signed_in = self.employee is not None
        if signed_in and not self.locked and self._idle_seconds() >= limit:
            self.action_lock()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            return self.employee is not None and not self.locked
        return True

    def action_lock(self) -> None:
        """Ctrl+L, or the idle check: cover the work until the password is typed again."""
        from regdesk.tui.screens.lock import LockScreen

        if self.employee is None or self.locked:
            return
        self.locked = True
        from regdesk.tui import calls

        # Nobody is at this desk now: the colleagues' cards stop naming it (the draft stays).
        self.call_desk(self, calls.pause_case, failed=lambda _text: None, group="case")
        self.push_screen(LockScreen())

    # -- errors -----------------------------------------------------------------------------

    def explain(self, error: BaseException) -> str:
        """The error in the user's words; anything unexpected is kept in ``unexpected`` and
        logged, never shown raw."""
        if isinstance(error, UserError):
            return Explained(error.message(self.lang), error)
        self.unexpected.append(error)
        log.error("unexpected error", exc_info=error)
        return Explained(self.tr("error.unexpected"), Said("error.unexpected"))

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
            # The registry client lives on the desk's loop: it is closed there.
            await asyncio.wrap_future(self.runner.submit(self._desk.aclose))
        self.exit()
