"""What every desk screen shares: text from the catalogues, re-translated when the language changes.

Bindings carry an ``id``; their footer text is the catalogue entry ``keys.<id>``, so one table
gives both the footer and the help screen, and the config's ``[keymap]`` remaps by the same ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from rich.markup import escape
from textual.actions import parse as parse_action
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.data_table import RowKey
from textual.widgets.option_list import OptionDoesNotExist
from textual.worker import Worker

from regdesk.core.roles import Permission, may
from regdesk.tui.said import Sayable, kept, words

if TYPE_CHECKING:
    from regdesk.tui.app import DeskApp

T = TypeVar("T")
R = TypeVar("R")


RowHeld = tuple[RowKey | None, int, int]
"""A table's chosen row: its key (None: an empty table), and the cursor's row and column."""


def held_row(table: DataTable[Any]) -> RowHeld:
    """The row the cursor is on, to be found again after the table is filled anew."""
    if table.row_count == 0:
        return None, 0, 0
    row, column = table.cursor_coordinate
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key, row, column


def back_to_row(table: DataTable[Any], held: RowHeld) -> None:
    """The cursor back on the row ``held`` by its key: a refill may order the rows anew, and
    an action on the row under the cursor must act on the one the person chose. A row that is
    gone (or rows without keys) leave the cursor at the same place, within the table."""
    key, row, column = held
    if table.row_count == 0:
        return
    if key is not None and key.value is not None and key in table.rows:
        row = table.get_row_index(key)
    table.move_cursor(row=min(row, table.row_count - 1), column=column, animate=False)


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


def role_refuses(node: DOMNode, binding: Binding) -> bool:
    """Whether the signed-in employee's role may never use ``binding`` of ``node``: F1 help and
    the palette leave such a key out. A screen says which by a ``refuses(action, parameters)``
    method (the menu's services, the admin's default printer, the head's annulment); a key
    that only waits for something (a look-up's answer, a list to load) is not refused."""
    refuses = getattr(node, "refuses", None)
    if not callable(refuses):
        return False
    _, action, parameters = parse_action(binding.action)
    return bool(refuses(action, parameters))


def allows(node: DOMNode, binding: Binding) -> bool:
    """Whether ``binding`` of ``node`` answers now, asked as Textual asks before running it: the
    ``check_action`` of its target with the action's name and parameters (``service('staff')``
    is asked as ``service`` with ``('staff',)``), and not refused to the role."""
    target, action, parameters = parse_action(binding.action)
    owner = node.app if target == "app" else node
    return owner.check_action(action, parameters) is not False and not role_refuses(node, binding)


class Translated:
    """Mixin for screens: ``tr`` and a ``retranslate`` hook called on every language change."""

    @property
    def desk_app(self) -> DeskApp:
        return cast("DeskApp", cast(Screen[Any], self).app)

    def tr(self, key: str, /, **params: object) -> str:
        return self.desk_app.tr(key, **params)

    def role_may(self, permission: Permission) -> bool:
        """Whether the signed-in employee's role has ``permission`` (read from memory: which
        keys to show; the use cases check it again)."""
        employee = self.desk_app.employee
        return employee is not None and may(employee.role, permission)

    def retranslate(self) -> None:
        """Set every text of the screen from the catalogue; screens extend it."""
        from regdesk.tui.localised import localise

        translate_bindings(cast(Screen[Any], self), self.tr)
        localise(cast(Screen[Any], self), self.tr)
        cast(Screen[Any], self).refresh_bindings()
        self._mark_training()
        for selector in self._kept_lines():
            self._show_kept(selector)

    def relanguage(self) -> None:
        """F2: ``retranslate``, with each table's and list's chosen row and the focus kept.

        Screens rebuild their tables and lists in ``retranslate`` (the column titles and the
        words in the rows change), which puts the cursor back on the first row: F4 after F2
        then made the first printer the default, not the one the admin had picked. The row is
        found again by its key (by its place when the rows have none), here for every screen."""
        screen = cast(Screen[Any], self)
        focused = screen.focused
        tables = [(table, held_row(table)) for table in screen.query(DataTable)]
        lists = [(options, _held_option(options)) for options in screen.query(OptionList)]
        self.retranslate()
        for table, held in tables:
            back_to_row(table, held)
        for options, (option_id, index) in lists:
            _back_to_option(options, option_id, index)
        if focused is not None and focused.is_attached and screen.focused is not focused:
            screen.set_focus(focused, scroll_visible=False)

    def say_on(
        self,
        selector: str,
        said: Sayable | str | None,
        *,
        error: bool = False,
        markup: bool = True,
    ) -> None:
        """Show ``said`` in the message line ``selector`` (a ``Static``; None: nothing), kept
        as what it says (a catalogue key and params, a ``UserError``; see ``said``), so that
        ``retranslate`` says it again in the next language. Plain text is shown as it came.
        ``markup=False``: the words are escaped (an error may quote what was typed)."""
        self._kept_lines()[selector] = (kept(said), error, markup)
        self._show_kept(selector)

    def _kept_lines(self) -> dict[str, tuple[Sayable | str | None, bool, bool]]:
        lines: dict[str, tuple[Sayable | str | None, bool, bool]] | None
        lines = getattr(self, "_kept_said", None)
        if lines is None:
            lines = {}
            self._kept_said = lines
        return lines

    def _show_kept(self, selector: str) -> None:
        said, error, markup = self._kept_lines()[selector]
        line = cast(Screen[Any], self).query_one(selector, Static)
        text = words(said, self.desk_app.lang)
        line.update(text if markup else escape(text))
        line.set_class(error, "error")

    def _mark_training(self) -> None:
        """The TRAINING mark in the corner under ``[signing] training = true`` (training_mark)."""
        from regdesk.tui.training_mark import show_training_mark

        training = self.desk_app.config.signing.training
        text = self.tr("signing_admin.screen_mark") if training else None
        show_training_mark(cast(Screen[Any], self), text)

    def on_resize(self) -> None:
        from regdesk.tui.training_mark import place

        place(cast(Screen[Any], self))

    def on_mount(self) -> None:
        # Textual calls the ``on_mount`` of every class in the screen's MRO, this one after the
        # screen's own: a screen's ``on_mount`` must not call ``super().on_mount()`` (every text
        # would be set twice, and a ``retranslate`` that asks the desk would ask it twice).
        self.retranslate()

    @overload
    def desk_call(
        self,
        job: Callable[..., Awaitable[T]],
        *args: object,
        then: Callable[[T], object] | None = None,
        failed: Callable[[str], object] | None = None,
        group: str = "desk",
        exclusive: bool = False,
    ) -> Worker[None]: ...

    @overload
    def desk_call(
        self,
        job: Callable[..., T],
        *args: object,
        then: Callable[[T], object] | None = None,
        failed: Callable[[str], object] | None = None,
        group: str = "desk",
        exclusive: bool = False,
    ) -> Worker[None]: ...

    def desk_call(
        self,
        job: Callable[..., Any],
        *args: object,
        then: Callable[[Any], object] | None = None,
        failed: Callable[[str], object] | None = None,
        group: str = "desk",
        exclusive: bool = False,
    ) -> Worker[None]:
        """``job(desk, *args)`` in a worker of this screen; see ``DeskApp.call_desk``."""
        screen = cast(Screen[Any], self)
        return self.desk_app.call_desk(
            screen, job, *args, then=then, failed=failed, group=group, exclusive=exclusive
        )

    def desk_do(self, job: Callable[..., object], *args: object, group: str = "desk") -> None:
        """A write that must be done even when this screen closes at once (a draft abandoned
        on Esc, a survey stored on Enter): run by the app, not by the screen's workers, which
        end with it."""
        app = self.desk_app
        app.call_desk(app, job, *args, group=group)


def _held_option(options: OptionList) -> tuple[str | None, int | None]:
    index = options.highlighted
    if index is None or index >= options.option_count:
        return None, index
    return options.get_option_at_index(index).id, index


def _back_to_option(options: OptionList, option_id: str | None, index: int | None) -> None:
    """The highlight back on the option ``option_id`` (by its place when it has no id)."""
    if option_id is not None:
        with suppress(OptionDoesNotExist):
            index = options.get_option_index(option_id)
    if index is not None and index < options.option_count:
        options.highlighted = index


class DeskScreen(Translated, Screen[R]):
    """A full screen of the desk; ``R`` is what it gives back when dismissed."""


class DeskModal(Translated, ModalScreen[R]):
    """A dialog over the current screen; ``R`` is what it gives back when dismissed."""

    @property
    def _modal_binding_chain(self) -> list[tuple[DOMNode, BindingsMap]]:
        # Textual stops a modal screen's keys at the dialog; the desk's own keys (F1 help, F2
        # language, Ctrl+L lock) work at any time, so the app's bindings follow the dialog's,
        # after them, as on a full screen (issue 11, item 8).
        return [*super()._modal_binding_chain, (self.app, self.app._bindings)]


# -- letter keys --------------------------------------------------------------------------------

LATIN_ROWS = "qwertyuiopasdfghjklzxcvbnm"
CYRILLIC_ROWS = "йцукенгшщзфывапролдячсмить"
"""The letter at the same physical key on the Russian ЙЦУКЕН layout as each Latin letter above;
the Kazakh layout keeps these places (its own letters are on the digit row)."""

SAME_KEY = dict(zip(LATIN_ROWS, CYRILLIC_ROWS, strict=True))


def letter_keys(keys: str) -> str:
    """``keys`` (Textual's comma-separated spelling) with each Latin letter also as its capital
    and as the Cyrillic letter on the same key, in both cases: the footer shows ``S``, Caps
    Lock may be on, and a receptionist typing Russian or Kazakh has ``ы`` under that key."""
    spelled: list[str] = []
    for key in (k.strip() for k in keys.split(",")):
        spelled.append(key)
        latin = key.lower()
        if len(key) == 1 and latin in SAME_KEY:
            cyrillic = SAME_KEY[latin]
            spelled += [latin, latin.upper(), cyrillic, cyrillic.upper()]
    return ",".join(dict.fromkeys(spelled))


def bind(
    keys: str,
    action: str,
    description: str = "",
    *,
    id: str | None = None,
    show: bool = True,
    priority: bool = False,
) -> Binding:
    """A binding of the desk: a letter key answers in either case and on the ru/kk layouts
    (``letter_keys``). Every binding to a letter goes through here (a test checks it)."""
    return Binding(letter_keys(keys), action, description, show=show, priority=priority, id=id)
