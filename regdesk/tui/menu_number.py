"""A number typed at the menu is an IIN on its way to the look-up, never a run of service keys.

On the menu ``1``…``9`` choose services. A receptionist who comes back to the menu and at once
types (or scans) the next person's IIN had its digits taken as service keys: the first opened a
service, and the rest, with the Enter after them, acted on that service's screen (an IIN starting
with ``6`` printed a test page). So the desk watches the keys as it *reads* them, before any
screen or field handles them; a key bunched with others by a scanner, SSH or a browser and a key
typed on its own then count the same, whenever the screens change:

- a digit read while the menu is on top begins a number, and does what it always did (it opens
  its service, or nothing);
- every digit read after it, before any other key, belongs to the number, and the desk puts it
  where it belongs: into the field the service's screen opens with, when it has one (the
  look-up's IIN for ``1``, the journal's search for ``2``, the current password for ``8``), the
  service's own digit left out; otherwise the screen the first digit opened is closed unused and
  the look-up opens with every digit of the number in its IIN field;
- the first key that is no digit ends the number and goes where it would have gone, except that
  an Enter after twelve digits making an IIN, the first of them typed at the menu, looks that IIN
  up (an IIN starting with ``1``, ``2`` or ``8`` is not cut at its first digit); a service key
  followed by twelve digits (``1`` and the IIN typed together) leaves the twelve.

Keys read before the screen that takes them has its field (a burst) wait here and are given to
it in order once it has; should a dialog or the idle lock come first, they are dropped rather
than given to a screen they were not typed for.

Nothing here looks at the clock: a slow link (SSH, the browser desk) that brings each key in a
packet of its own is read like a fast one, because a number ends only at a key that is no digit,
however long the pauses between its digits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from regdesk.core.ids import is_valid_iin, normalize_digits

if TYPE_CHECKING:
    from textual.widget import Widget

    from regdesk.tui.app import DeskApp

IIN_LENGTH = 12

SETTLE_TRIES = 500
"""Screen refreshes to wait for the screen that takes the number to show its field; past them (a
screen that never does: a bug) the number ends and the keys waiting for it are dropped."""


def digit_of(event: events.Key, *, kazakh: bool = True) -> str | None:
    """The digit a key types: ``0``…``9``, or (``kazakh``) a key of the Kazakh layout's digit
    row mapped back, as the IIN field maps it."""
    char = event.character
    if not char or len(char) != 1:
        return None
    digit, _ = normalize_digits(char) if kazakh else (char, False)
    return digit if len(digit) == 1 and digit in "0123456789" else None


def forward(target: Widget, event: events.Key) -> None:
    """Give ``target`` a key read earlier, as the app's own routing would (marked forwarded, so
    that when it bubbles back to the app it meets the bindings, not the routing again)."""
    target._forward_event(events.Key(event.key, event.character))


class MenuNumber:
    """The number being typed at the menu (see the module's docstring); one per desk."""

    def __init__(self, app: DeskApp) -> None:
        self.app = app
        self.number = ""
        """The digits read so far, the one typed at the menu first; empty: no number."""
        self._service: str | None = None
        """The service the first digit opens (None: it opens nothing)."""
        self._menu: Screen[Any] | None = None
        self._depth = 0
        """The screen stack's height with the menu on top when the number began."""
        self._lookup: Screen[Any] | None = None
        """The look-up this number opened in place of a screen without a field, if any."""
        self._field: Input | None = None
        """The field the number is in, once there."""
        self._ending: list[events.Key] = []
        """The key that ended the number and those read after it, while the field is awaited."""
        self._tries = 0

    # -- reading ------------------------------------------------------------------------------

    def take(self, event: events.Key) -> bool:
        """Called with every key the desk reads; True when the key is the number's (the app
        routes it no further)."""
        # In the journal's search or a password a "," or an "ә" is itself: only the IIN field
        # reads the Kazakh digit row as digits.
        iin_field = self._lookup is not None or self._service in (None, "attach")
        digit = digit_of(event, kazakh=iin_field or not self._has_field(self._service))
        if not self.number:
            if digit is not None:
                self._begin(digit, event)
            return False  # the first digit opens its service, as it always did
        if self._ending:
            self._ending.append(event)
            return True
        if digit is not None:
            self.number += digit
            self._place()
            return True
        if len(self.number) == 1:
            self._reset()  # one digit and another key: the service chosen, nothing typed
            return False
        if self._field is not None and self._current(self._field):
            return self._end(event, self._field)
        self._ending.append(event)
        self._place()
        return True

    def _begin(self, digit: str, event: events.Key) -> None:
        from regdesk.tui.screens.menu import MenuScreen

        app = self.app
        menu = app.screen
        if not isinstance(menu, MenuScreen) or app.employee is None or app.locked:
            return
        self.number = digit
        self._service = menu.service_for(event.key)
        self._menu = menu
        self._depth = len(app.screen_stack)

    # -- where the number goes ----------------------------------------------------------------

    def _place(self) -> None:
        """Put the number in the field that takes it (the look-up opened when needed), then
        hand on the keys that ended it; wait for the screens to change when they have not."""
        field = self._find_field()
        if field is None:
            return
        self._field = field
        self._tries = 0
        field.value = self._text(field)
        field.cursor_position = len(field.value)
        if self._ending:
            ending, self._ending = self._ending, []
            end, later = ending[0], ending[1:]
            if not self._end(end, field):
                forward(field, end)
            for event in later:
                if self.number:  # the IIN handed to the look-up: the rest follows it there
                    self._ending.append(event)
                elif not self.take(event):
                    forward(self.app.focused or self.app.screen, event)

    def _find_field(self) -> Input | None:
        app = self.app
        top = app.screen
        if app.locked or isinstance(top, ModalScreen) or len(app.screen_stack) < self._depth:
            self._give_up()  # the lock, a dialog, a sign-out: the number is nobody's now
            return None
        if top is self._menu:
            # The first digit's service is not open yet (a burst): a service with a field is
            # waited for; in place of one without, or of nothing, the look-up.
            if not self._has_field(self._service):
                self._open_lookup()
            self._wait()
            return None
        if top is not self._lookup and not self._has_field(self._service):
            self._open_lookup()  # the service's screen has no field: the look-up takes its place
            self._wait()
            return None
        focused = app.focused
        if top.is_mounted and isinstance(focused, Input) and focused.screen is top:
            return focused
        self._wait()  # its field gets the focus once the screen is mounted
        return None

    def _has_field(self, service: str | None) -> bool:
        from regdesk.tui.screens.menu import TYPING_SERVICES

        return service in TYPING_SERVICES

    def _current(self, field: Input) -> bool:
        return field.is_attached and field.screen is self.app.screen

    def _text(self, field: Input) -> str:
        number = self.number
        if field.screen is self._lookup:
            # Every digit typed at the menu; one more than an IIN's began with a service key.
            return number[1:] if len(number) > IIN_LENGTH else number
        return number[1:]  # typed on the service's screen, after the key that opened it

    def _wait(self) -> None:
        if self._tries >= SETTLE_TRIES:
            self._give_up()
            return
        self._tries += 1
        self.app.call_after_refresh(self._retry)

    def _retry(self) -> None:
        if self.number and (self._field is None or self._ending):
            self._place()

    def _give_up(self) -> None:
        # The keys still waiting were typed for a field that is not there: given to whatever
        # has the focus now (a dialog, the lock), an Enter among them would act where nobody
        # meant it to. The digits stay in the field they reached.
        self._reset()

    def _reset(self) -> None:
        self.number = ""
        self._service = None
        self._menu = None
        self._lookup = None
        self._field = None
        self._ending = []
        self._tries = 0

    def _open_lookup(self) -> None:
        from regdesk.tui.screens.applicant import ApplicantScreen

        app = self.app
        while len(app.screen_stack) > self._depth:
            app.pop_screen()  # the screen the first digit opened, unused
        self._lookup = ApplicantScreen()
        self._field = None
        app.push_screen(self._lookup)

    # -- the end of the number ----------------------------------------------------------------

    def _end(self, event: events.Key, field: Input) -> bool:
        """``event``, no digit, ends the number; True when the number handles it itself."""
        number, lookup, service = self.number, self._lookup, self._service
        self._reset()
        if event.key != "enter" or len(number) != IIN_LENGTH or not is_valid_iin(number):
            return False
        # Twelve digits making an IIN, the first typed at the menu: an IIN typed there.
        if field.screen is lookup or service == "attach":
            field.value = number
            field.cursor_position = len(number)
            return False  # the Enter goes on and looks it up
        # Its first digit opened the journal or the password change: the look-up takes the IIN
        # (with the service's screen closed unused), and the Enter looks it up there.
        self.number, self._service = number, None
        self._menu = self.app.screen_stack[self._depth_of(field) - 1]
        self._depth = self._depth_of(field)
        self._ending = [event]
        self._open_lookup()
        self._wait()
        return True

    def _depth_of(self, field: Input) -> int:
        """The stack height with the menu on top: the menu is right under the field's screen."""
        return self.app.screen_stack.index(field.screen)
