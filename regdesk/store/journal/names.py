"""Names made searchable: the key stored with an application and a typed prefix made comparable.

Name search works on ``name_key`` (``make_name_key``): the names casefolded, so Kazakh and
Russian capitals match their small letters, and folded across the two alphabets: each Kazakh
letter read as the Russian letter a Russian keyboard gives for it (ғ→г, қ→к, ң→н, ү/ұ→у, ө→о,
ә→а, і→и, һ→х) and ё as е. The same surname is spelt both ways in documents (a registry record in
Kazakh, a passport typed in Russian), and the receptionist's keyboard may be on either layout, so
"Габдуллин" finds "Ғабдуллин" and back. The query is folded the same way.

Changing the folding changes every stored key: append a migration in ``store/schema.py`` that
recomputes them (as migration 2 does with ``make_name_key``).
"""

from __future__ import annotations

import unicodedata

PREFIX_END = "\U0010ffff"
"""Above every character: ``key >= p AND key < p || PREFIX_END`` is a prefix range on an index."""

KK_RU_FOLD = str.maketrans(
    {
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ү": "у",
        "ұ": "у",
        "ө": "о",
        "ә": "а",
        "і": "и",
        "һ": "х",
        "ё": "е",
    }
)
"""Small Kazakh letters (and ё) to the Russian letter they are folded to; applied after casefold."""


def make_name_key(surname: str, first_name: str = "", patronymic: str = "") -> str:
    """The search key of a name: NFC, casefolded, kk/ru folded, single spaces.

    "surname first patronymic", e.g. ("Ғабдуллин", "Әлішер", "") → "габдуллин алишер".
    """
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
    return unicodedata.normalize("NFC", text).casefold().translate(KK_RU_FOLD)
