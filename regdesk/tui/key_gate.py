"""Keys read in one burst act on the screen that shows when each of them is handled.

Textual hands a key to the widget focused when the app *reads* it, into that widget's own queue,
and the key's binding runs only when it has bubbled back up to the app. A key that changes the
screen (F10 opens the form, Esc goes back, F1 opens help, F4 a dialog) is therefore handled after
the app has read the keys typed behind it and queued them on the same screen: in a burst (a fast
typist, a scanner, keys bunched by SSH or the browser desk) they acted on the screen being left,
or on the one under a new dialog, and the new screen's field never got them. So the desk hands
its keys on one at a time, in the order they were read:

- a key goes where Textual would send it (the focused widget, else the screen); the keys read
  after it wait here until it has been handled, that is until a marker queued behind it on the
  same widget has bubbled up to the app the way the key did;
- when the screens change (a push, a pop, a dialog opened or closed, a switch), the keys wait
  until the screen now on top has mounted, resumed and taken its focus, and then go to its
  focused widget, still in order;
- a screen that opens the next one only after a call into the desk (the card's F10 opens the
  draft, then the flow opens the form) says so with ``expect_screen``: the keys typed meanwhile
  wait for that screen instead of editing the card it is about to cover.

A paste (bracketed paste: a scanner in keyboard mode over SSH, the clipboard) waits in the same
line, so it lands after the keys typed before it. Nothing here looks at the clock except the
safety valves (``STUCK_SECONDS``, ``EXPECT_SECONDS``), which only ever let keys go on, never
drop them: the order of the keys decides, not their speed.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen
    from textual.timer import Timer

    from regdesk.tui.app import DeskApp

log = logging.getLogger("regdesk.tui")

STUCK_SECONDS = 10.0
"""A key whose marker has not come back by then (a handler that never returns), or a new screen
not ready by then (a bug): the keys behind go on rather than the desk stop answering. Never
reached by a key handled as it should be, however loaded the machine."""

EXPECT_SECONDS = 30.0
"""A screen announced by ``expect_screen`` and not open by then (a call into the desk stuck on a
locked database longer than that): the keys behind go on."""

QUIET_TRIES = 200
"""App refreshes to wait for the screen's queues to empty after a key (a widget that never
stops posting to itself: the next key goes on regardless)."""

Held = events.Key | events.Paste


class KeyHandled(Message):
    """The marker queued behind a key on the widget it went to; back at the app, the key (and
    everything its handlers did at once) has been handled."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class KeyGate:
    """The keys read and not yet handed on (see the module's docstring); one per desk."""

    def __init__(self, app: DeskApp, hand_on: Callable[[Held], Any]) -> None:
        self.app = app
        self._hand_on = hand_on
        """``await hand_on(event)`` gives one key to the desk as Textual would have."""
        self._held: deque[Held] = deque()
        self._token = 0
        self._in_flight: int | None = None
        """The token of the key handed on and not yet back, if any."""
        self._target: DOMNode | None = None
        """Where that key went."""
        self._settling: int | None = None
        """The token of the screen change not yet settled, if any."""
        self._expected: int | None = None
        """The token of the screen announced by ``expect_screen``, while it is awaited."""
        self._pumping = False
        self._quieting = False
        """Waiting for the screen's queues to empty before the next key goes on."""
        self._valve: Timer | None = None

    def watch(self) -> None:
        """Start following the screen changes (once the app runs)."""
        self.app.screen_change_signal.subscribe(self.app, self._screen_changed)

    # -- reading ------------------------------------------------------------------------------

    async def read(self, event: Held) -> None:
        """A key (or a paste) just read from the terminal: in line behind the others."""
        self._held.append(event)
        await self._pump()

    def put_first(self, events_: list[Held]) -> None:
        """Keys that stand for the one being handed on (a paste typed out): next in line."""
        self._held.extendleft(reversed(events_))

    async def _pump(self) -> None:
        if self._pumping:
            return  # the loop below is handing keys on already, and takes this one in turn
        self._pumping = True
        try:
            while self._held and not self._busy():
                event = self._held.popleft()
                target = self.app.focused or self.app.screen
                await self._hand_on(event)
                if event.is_forwarded and self._settling is None:
                    # Handed to ``target``: the next key waits for its marker to come back.
                    self._token += 1
                    if target.post_message(KeyHandled(self._token)):
                        self._in_flight, self._target = self._token, target
                        self._arm_valve(STUCK_SECONDS)
        finally:
            self._pumping = False

    def _busy(self) -> bool:
        if self._in_flight is not None and not (self._target and self._target.is_attached):
            self._in_flight = None  # its widget was removed, and the marker with it
        return (
            self._in_flight is not None
            or self._settling is not None
            or self._expected is not None
            or self._quieting
        )

    def _go_on(self) -> None:
        """The next key once what the last one set off within the screen has been handled
        too: a message a widget posted as it handled the key (the reasons list's choice, which
        moves the focus to the note), or the focus a new screen gives as it mounts."""
        if not self._quieting:
            self._quieting = True
            self.app.call_after_refresh(self._when_quiet, 0)

    def _when_quiet(self, tries: int) -> None:
        if self._busy_within() and tries < QUIET_TRIES:
            self.app.call_after_refresh(self._when_quiet, tries + 1)
            return
        self._quieting = False
        self.app.call_later(self._pump)

    def _busy_within(self) -> bool:
        """Whether a message waits in the queue of the app or of a node of its top screen
        (Textual's own queue: it offers no public way to ask, as its Pilot does the same)."""
        nodes = [self.app, *self.app.screen.walk_children(with_self=True)]
        return any(not node._message_queue.empty() for node in nodes)

    # -- a key handled --------------------------------------------------------------------------

    def handled(self, message: KeyHandled) -> None:
        """The marker of a key came back to the app: the next key may go."""
        if message.token == self._in_flight:
            self._in_flight = None
            self._go_on()

    # -- the screens changing -----------------------------------------------------------------

    def _screen_changed(self, screen: Screen[Any]) -> None:
        # The key that changed the screen is done with, whatever is left of its way up the old
        # screen (whose widgets may go with the marker in their queue); the screen announced
        # is here. What follows waits for the new top screen to be ready.
        self._in_flight = None
        self._expected = None
        self._token += 1
        token = self._settling = self._token
        self._arm_valve(STUCK_SECONDS)
        # The screen handles its resume (and, new, its compose and mount) before this callback;
        # the focus it gives in them is set by the app, before the app's next refresh.
        if not screen.call_later(self._after_resume, token):
            self._after_resume(token)

    def _after_resume(self, token: int) -> None:
        if self._settling == token:  # else another change came since, and is awaited now
            self._settling = None
            self._go_on()

    def expect_screen(self) -> Callable[[], None]:
        """The key being handled opens a screen once a call into the desk is done: the keys
        behind it wait for that screen (any screen change ends the wait). The caller calls the
        function returned when no screen will open after all (the call failed, a check said
        no): the keys typed for it are dropped, and the receptionist told so, rather than
        typed into the screen still showing (the EDS password typed ahead of its dialog would
        have gone into the form's phone, and been saved with the draft)."""
        self._token += 1
        token = self._expected = self._token
        self._arm_valve(EXPECT_SECONDS)

        def none_after_all() -> None:
            if self._expected != token:
                return
            self._expected = None
            if self._held:
                count = len(self._held)
                self._held.clear()
                self.app.notify(self.app.tr("typeahead.dropped", count=count), severity="warning")
            self._go_on()

        return none_after_all

    # -- the safety valve -----------------------------------------------------------------------

    def _arm_valve(self, seconds: float) -> None:
        if self._valve is not None:
            self._valve.stop()
        token = self._token
        self._valve = self.app.set_timer(seconds, lambda: self._stuck(token))

    def _stuck(self, token: int) -> None:
        if token in (self._in_flight, self._expected, self._settling):
            log.warning("a key, a screen or an announced screen did not come: the keys go on")
            self._in_flight = self._expected = self._settling = None
            self._go_on()
