"""Small widgets the screens share."""

from __future__ import annotations

from textual import on
from textual.widgets import Input

from regdesk.core.ids import normalize_digits


class IinInput(Input):
    """An IIN field: digits only, at most 12, and the Kazakh layout's digit row taken as digits.

    On the Windows Kazakh layout the keys 1-0 type ``" ә і ң ғ , . ү ұ қ``; a receptionist (or a
    barcode scanner emulating those keys) who types an IIN there gets digits, and ``mapped`` says
    so, so the screen can tell them.
    """

    def __init__(self, *, id: str | None = None, value: str = "") -> None:
        super().__init__(value=value, id=id, max_length=12, compact=True)
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
