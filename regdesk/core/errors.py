"""The base of every error a person may see.

An error carries a catalogue key and its parameters rather than a sentence, so that each screen
and the CLI say it in the user's language (``regdesk.i18n``). ``str(error)`` is English, for logs.
"""

from __future__ import annotations


class UserError(Exception):
    """An error explained to the user by the catalogue text ``key`` formatted with ``params``."""

    key: str = "error.unexpected"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.key)

    def message(self, lang: str) -> str:
        from regdesk.i18n import t  # core stays free of I/O until a message is asked for

        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")
