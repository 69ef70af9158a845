"""Messages on a screen kept as what they say, not as their words, so that F2 says them again
in the new language (a refusal left in Kazakh after the admin switched to Russian reads as a
fault of the desk).

What a screen says is a ``Sayable``: a ``Said`` (a catalogue key and its params), a
``UserError``, or anything else that says itself in a language (a test page's ``Issued``). A
param may itself be a ``Sayable`` (the reason a printer failed, inside the screen's sentence).
``call_desk`` gives its ``failed`` callbacks an ``Explained``: the words, as before, that also
carry what they say, so a screen keeps that instead of the words.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from regdesk.i18n import t


@runtime_checkable
class Sayable(Protocol):
    def message(self, lang: str) -> str: ...


class Said:
    """The catalogue text ``key`` with ``params``, said in whichever language is asked."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params

    def message(self, lang: str) -> str:
        params = self.params.items()
        return t(
            self.key,
            lang,
            **{k: v.message(lang) if isinstance(v, Sayable) else v for k, v in params},
        )

    def __repr__(self) -> str:
        return f"Said({self.key!r}, **{self.params!r})"


class Explained(str):
    """An error's words in the language of the moment, with what they say (``said``) kept for
    the next language. A ``str``, so every ``failed(text)`` callback takes it as before."""

    said: Sayable

    def __new__(cls, text: str, said: Sayable) -> Explained:
        words = super().__new__(cls, text)
        words.said = said
        return words


def kept(said: Sayable | str | None) -> Sayable | str | None:
    """What to keep of ``said``: an ``Explained``'s meaning rather than its words; words that
    came as plain text (nothing to say again) as they are."""
    return said.said if isinstance(said, Explained) else said


def words(said: Sayable | str | None, lang: str) -> str:
    """``said`` in ``lang`` (plain text as it is; None: nothing)."""
    if said is None:
        return ""
    return said.message(lang) if isinstance(said, Sayable) else str(said)
