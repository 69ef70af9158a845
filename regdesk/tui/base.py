"""What every desk screen shares: text from the catalogues, re-translated when the language changes.

Bindings carry an ``id``; their footer text is the catalogue entry ``keys.<id>``, so one table
gives both the footer and the help screen, and the config's ``[keymap]`` remaps by the same ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from regdesk.tui.app import DeskApp


def translate_bindings(node: DOMNode, tr: Any) -> None:
    """Give each binding of ``node`` that has an id its text in the current language."""
    mapping = node._bindings.key_to_bindings
    for key, bindings in list(mapping.items()):
        mapping[key] = [replace(b, description=tr(f"keys.{b.id}")) if b.id else b for b in bindings]


def named_bindings(*nodes: DOMNode) -> Iterator[tuple[DOMNode, Binding]]:
    """Each binding with an id, once, nearest node first: what F1 help and the palette list."""
    seen: set[str] = set()
    for node in nodes:
        for bindings in node._bindings.key_to_bindings.values():
            for b in bindings:
                if b.id and b.id not in seen:
                    seen.add(b.id)
                    yield node, b


class Translated:
    """Mixin for screens: ``tr`` and a ``retranslate`` hook called on every language change."""

    @property
    def desk_app(self) -> DeskApp:
        return cast("DeskApp", cast(Screen[Any], self).app)

    def tr(self, key: str, /, **params: object) -> str:
        return self.desk_app.tr(key, **params)

    def retranslate(self) -> None:
        """Set every text of the screen from the catalogue; screens extend it."""
        translate_bindings(cast(Screen[Any], self), self.tr)
        cast(Screen[Any], self).refresh_bindings()

    def on_mount(self) -> None:
        self.retranslate()

    def from_worker(self, callback: Callable[..., object], *args: object) -> None:
        """From a worker thread: run ``callback(*args)`` on the UI thread, unless meanwhile the
        screen was closed (Esc while the worker ran) or the worker was cancelled or superseded
        (an exclusive worker started after it), so a late result never lands on a screen that
        no longer shows it, nor overwrites a newer one."""
        screen = cast(Screen[Any], self)
        worker = get_current_worker()

        def apply() -> None:
            if worker.is_cancelled or screen not in screen.app.screen_stack:
                return
            callback(*args)

        screen.app.call_from_thread(apply)


class DeskScreen(Translated, Screen[Any]):
    """A full screen of the desk."""


class DeskModal(Translated, ModalScreen[Any]):
    """A dialog over the current screen."""
