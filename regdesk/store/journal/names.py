"""Names made searchable: the key stored with an application and a typed prefix made comparable.

Name search works on ``name_key`` (``make_name_key``): the names casefolded, so Kazakh and
Russian capitals match their small letters, with ё read as е.
"""

from __future__ import annotations

import unicodedata

PREFIX_END = "\U0010ffff"
"""Above every character: ``key >= p AND key < p || PREFIX_END`` is a prefix range on an index."""


def make_name_key(surname: str, first_name: str = "", patronymic: str = "") -> str:
    """The search key of a name: NFC, casefolded, ё→е, single spaces; "surname first patronymic"."""
    return " ".join(_fold(" ".join((surname, first_name, patronymic))).split())


def normalise_name_query(text: str) -> str:
    """A typed name prefix made comparable with ``name_key``.

    Spaces are collapsed as in the key; one trailing space is kept, so "Ким " finds the surname
    Ким and not Кимов.
    """
    folded = _fold(text)
    words = " ".join(folded.split())
    return words + " " if words and folded[-1:].isspace() else words


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
