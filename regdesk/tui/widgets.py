"""Small widgets the screens share."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual import events, on
from textual.strip import Strip
from textual.widgets import Input, SelectionList
from textual.widgets._toggle_button import ToggleButton

from regdesk.core.ids import normalize_digits


class TypeaheadInput(Input):
    """A text field that keeps up with a fast typist, a scanner, or keys bunched together by a
    slow SSH or browser link.

    Textual hands each key to the field focused when the app *reads* it, into that field's own
    queue, and the field handles Tab and Enter (and a screen its reaction to them) only after
    the keys read with them are queued behind: in one burst, the next field's text would land in
    this one. So this field moves the focus itself as it handles Tab and Shift+Tab (and, with
    ``advance``, Enter, posting ``Submitted`` as usual), and a key it handles after the focus
    has left it (one read after the Tab) goes on to the field that has the focus now. The keys
    read before the Tab are ahead of it in the queue, so they stay here, where they were typed.
    """

    def __init__(self, *args: Any, advance: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.advance = advance
        """Enter moves to the next field at once."""

    async def _on_key(self, event: events.Key) -> None:
        focused = self.app.focused
        if focused is not None and focused is not self:
            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))
            return
        if event.key in ("tab", "shift+tab") or (self.advance and event.key == "enter"):
            event.stop()
            event.prevent_default()
            if event.key == "enter":
                self.post_message(self.Submitted(self, self.value, None))
            if event.key == "shift+tab":
                self.screen.focus_previous()
            else:
                self.screen.focus_next()
            return
        await super()._on_key(event)


class IinInput(TypeaheadInput):
    """An IIN field: digits only, at most 12, and the Kazakh layout's digit row taken as digits.

    On the Windows Kazakh layout the keys 1-0 type ``" ә і ң ғ , . ү ұ қ``; a receptionist (or a
    barcode scanner emulating those keys) who types an IIN there gets digits, and ``mapped`` says
    so, so the screen can tell them.
    """

    def __init__(self, *, id: str | None = None, value: str = "", advance: bool = False) -> None:
        super().__init__(value=value, id=id, max_length=12, compact=True, advance=advance)
        self.mapped = False

    @property
    def digits(self) -> str:
        return self.value

    @on(Input.Changed)
    def _normalise(self, event: Input.Changed) -> None:
        if event.input is not self:
            return
        digits, mapped = normalize_digits(self.value)
        clean = "".join(c for c in digits if c.isascii() and c.isdigit())[:12]
        if mapped:
            self.mapped = True
        if clean != self.value:
            self.value = clean
            self.cursor_position = len(clean)


CHECKED = "✓"
"""The mark of a ticked row; an unticked one shows a blank box."""


class CheckList(SelectionList[str]):
    """A checklist whose ticked rows carry a mark, not only a colour.

    Textual draws the same ``X`` in every box and tells ticked from unticked by colour alone,
    which a colour-blind receptionist, a monochrome terminal or a screenshot on paper loses.
    """

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip  # not an option's line (below the last one)
        index = self.scroll_offset.y + y
        selected = self.get_option_at_index(index).value in self._selected
        inner = segments[1]
        segments[1] = Segment(CHECKED if selected else " ", inner.style, inner.control)
        return Strip(segments, strip.cell_length)
