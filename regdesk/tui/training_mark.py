"""The TRAINING mark on every screen while ``[signing] training = true``.

A one-line label in the top right corner of each screen and dialog, over whatever is there
(it takes no room from the screen's own layout, so every screen keeps its 80x24 arrangement),
in the employee's language: nobody mistakes a training desk for real work.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Static

MARK_ID = "training-mark"


class TrainingMark(Static):
    """The label; placed by ``place`` (absolute, at the screen's right edge)."""

    DEFAULT_CSS = """
    TrainingMark {
        position: absolute;
        width: auto;
        height: 1;
        text-style: bold;
        background: $error;
        color: $text;
    }
    """

    text_width = 0
    """Cells of its text: where ``place`` puts it."""


def show_training_mark(screen: Screen[Any], text: str | None) -> None:
    """Mount (or update) the mark on ``screen`` with ``text``; None removes it."""
    found = screen.query(f"#{MARK_ID}")
    if text is None:
        found.remove()
        return
    mark = found.first(TrainingMark) if found else None
    if mark is None:
        mark = TrainingMark(text, id=MARK_ID, markup=False)
        screen.mount(mark)
    else:
        mark.update(text)
    mark.text_width = len(text)
    place(screen)


def place(screen: Screen[Any]) -> None:
    """Keep the mark at the screen's top right corner (after a resize too)."""
    for mark in screen.query(TrainingMark):
        mark.styles.offset = (max(0, screen.size.width - mark.text_width), 0)
