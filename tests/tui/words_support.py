"""What a screen's text is read for (``test_tui_words``): English words a kk or ru catalogue
never uses, and words cut by an ellipsis or by the right edge of the 80-column screen."""

from __future__ import annotations

import re

from regdesk.i18n import catalogue

LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
KEY_NAMES = {
    "esc", "escape", "enter", "space", "tab", "shift", "ctrl", "home", "pageup", "pagedown",
    "pgup", "pgdn", "delete", "backspace", "insert", "up", "down", "left", "right",
}  # fmt: skip
NOT_WORDS = re.compile(
    r"\S*[/\\]\S*"  # a path, whole or elided (…/keys/receptionist.p12)
    r"|[\w.-]+\.[A-Za-z0-9]{2,4}\b"  # a file name
    r"|[\w-]*\d[\w-]*"  # a number, a talon's (DEMO-2026-000001), a demo password
)
WORD = re.compile(r"\w+")
CUT = re.compile(r"\w…")


def _catalogue_words(lang: str, word: re.Pattern[str] = WORD) -> set[str]:
    """The words (as ``word`` finds them, lower case) the ``lang`` catalogue itself writes: with
    ``LATIN_WORD``, its product names, PDF, EDS..."""
    words: set[str] = set()
    for texts in catalogue().values():
        words |= {w.lower() for w in word.findall(texts.get(lang, ""))}
    return words


def foreign_words(text: str, lang: str) -> list[str]:
    """Latin words of four letters or more on the screen that the ``lang`` catalogue never uses."""
    known = _catalogue_words(lang, LATIN_WORD) | KEY_NAMES
    plain = NOT_WORDS.sub(" ", text)
    return sorted({w for w in LATIN_WORD.findall(plain) if w.lower() not in known})


def cut_words(text: str, lang: str) -> list[str]:
    """Words cut by an ellipsis, or by the right edge of the 80-column screen: a line that
    runs to the last column and ends in a word that the catalogue does not have (``Яз``)."""
    cut = [m.group(0) for m in CUT.finditer(NOT_WORDS.sub(" ", text))]
    known = _catalogue_words(lang)
    for line in text.splitlines():
        if len(line) >= 80 and line[79].isalpha():
            last = WORD.findall(line)[-1]
            if last.lower() not in known:
                cut.append(last)
    return cut
