"""Which district (участок) serves an address: the suggestion the form offers, and why.

Each district in the configuration lists the streets it serves as ranges, "street [houses]":
``"Абай даңғылы 1-45"`` (houses 1 to 45), ``"Абай даңғылы 47, 51-99"``, or ``"Сәтбаев"`` (the
whole street). An address matches a range when it names the same street and, for a range with
houses, its house number (the digits it starts with: 12А is 12) lies in one of them.

Streets are written in many ways: in Kazakh or Russian, with or without the type of street
("ул.", "улица", "көш.", "көшесі", "пр.", "проспект", "даңғ.", "даңғылы", "мкр.", "шағын аудан"…),
with Kazakh letters or their Russian look-alikes ("Төле би", "Толе би"), and in Russian with the
name in the genitive ("ул. Абая" for the street of Абай). So both sides are compared as words
after dropping the type words, folding the Kazakh letters (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ/ү→у,
һ→х, і→и), ignoring case, and allowing the genitive ending (+а, й→я, ь→я). Words are compared
whole: "Төле би" never matches "Төлеген", and "Абайская область" never matches "Абай". Parts of
an address that name a region, a district or a settlement ("обл.", "облысы", "р-н", "ауданы",
"г.", "қ.", "қаласы", "село"…) are never read as the street.

The actual address (where the person lives, typed in the form) is used when given, else the
registered one; there is no default: when no range matches, the suggestion says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

_FOLD: Final = str.maketrans(
    {
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
        "ё": "е",
    }
)

# Folded, without their dots. A type word is dropped wherever it stands.
STREET_TYPES: Final = frozenset(
    {
        # Russian
        "ул", "улица", "пр", "пр-т", "просп", "проспект", "пер", "переулок", "мкр", "мкрн",
        "микрорайон", "б-р", "бул", "бульвар", "пл", "площадь", "шоссе", "наб", "набережная",
        "туп", "тупик", "проезд", "пр-д", "аллея", "кв-л", "квартал", "жм", "жилмассив",
        # Kazakh (folded: көшесі → кошеси, даңғылы → дангылы, тұйығы → туйыгы…)
        "кош", "коше", "кошеси", "данг", "дангыл", "дангылы", "алан", "аланы", "тупиги",
        "туйык", "туйыгы", "гулзар", "гулзары", "шагынаудан", "шагынауданы",
    }
)  # fmt: skip
"""The words that say what kind of street it is, in kk and ru, as ``_words`` folds them."""

PLACE_WORDS: Final = frozenset(
    {
        "г", "гор", "город", "к", "кала", "каласы", "обл", "область", "облысы", "р-н", "район",
        "аудан", "ауданы", "пос", "поселок", "пгт", "с", "село", "ауыл", "ауылы", "кент",
        "станция", "ст", "рк", "казахстан", "республика",
    }
)  # fmt: skip
"""Words that make a part of an address a region, a district or a settlement, not a street."""

_HOUSE_WORDS: Final = frozenset({"д", "дом", "уй", "уйи", "зд", "здание"})
_FLAT_WORDS: Final = frozenset({"кв", "квартира", "патер", "пат", "офис", "оф"})

# "шағын аудан" and "ш.а." (microdistrict) are two words; joined first so "аудан" stays a place.
_MICRODISTRICT: Final = re.compile(r"шагын\s+аудан(ы?)|ш\.\s*а\.")
_WORD: Final = re.compile(r"\w+(?:[-/]\w+)*")
_RANGE: Final = re.compile(r"^(\d+)\w*(?:-(\d+)\w*)?$")
_NUMBER: Final = re.compile(r"^(\d+)")


class DistrictLike(Protocol):
    """A district with its address ranges (``regdesk.config.District`` is one)."""

    @property
    def number(self) -> int: ...
    @property
    def addresses(self) -> Sequence[str]: ...


class RegisteredAddressLike(Protocol):
    """The street and house of a registered address (``regdesk.core.person.Address``)."""

    @property
    def street(self) -> str: ...
    @property
    def house(self) -> str: ...


@dataclass(frozen=True)
class StreetRange:
    """One entry of a district's ``addresses``, read: the street's words and the houses."""

    entry: str
    """As the configuration writes it."""
    street: tuple[str, ...]
    houses: tuple[tuple[int, int], ...]
    """Inclusive ranges of house numbers; empty for the whole street."""

    def covers(self, house: int | None) -> bool:
        if not self.houses:
            return True
        return house is not None and any(low <= house <= high for low, high in self.houses)


@dataclass(frozen=True)
class DistrictSuggestion:
    """The district the form suggests, and why; ``district`` is None when no range matched."""

    source: Literal["actual", "registered"] | None
    """Which address was matched: the actual one typed in the form, or the registered one;
    None when there was neither."""
    address: str
    """That address as text."""
    district: int | None = None
    entry: str = ""
    """The range that matched, as the configuration writes it, e.g. "Абай даңғылы 1-45"."""
    others: tuple[int, ...] = ()
    """Other districts whose ranges hold the address too (overlapping districts)."""

    @property
    def matched(self) -> bool:
        return self.district is not None


def _words(text: str) -> list[str]:
    folded = _MICRODISTRICT.sub(" шагынаудан ", text.casefold().translate(_FOLD))
    return _WORD.findall(folded)


def _same_word(a: str, b: str) -> bool:
    """Equal, or one is the Russian genitive of the other (Абай/Абая, Жамбыл/Жамбыла)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 3 or len(long_) != len(short) + (0 if short[-1] in "йь" else 1):
        return False
    if short[-1] in "йь":
        return long_ == short[:-1] + "я"
    return long_ == short + "а"


def parse_range(entry: str) -> StreetRange:
    """Read a district's address entry: the street's words, then house numbers and ranges.

    ``"Абай даңғылы 1-45, 47"`` → street ("абай",), houses (1, 45), (47, 47). A street named by
    a number keeps it: ``"мкр. 5"`` is the whole of microdistrict 5.
    """
    spaced = re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", entry)  # "1 - 45" is "1-45"
    words = [w for w in _words(spaced) if w not in STREET_TYPES]
    houses: list[tuple[int, int]] = []
    while len(words) > 1 and (m := _RANGE.match(words[-1])):
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) else low
        houses.insert(0, (min(low, high), max(low, high)))
        words.pop()
    return StreetRange(entry=entry, street=tuple(words), houses=tuple(houses))


def _house_after(words: list[str], end: int, following: list[str]) -> int | None:
    """The house number after a street that ends at ``end``: in its part, else the next part.

    Type and house words ("даңғылы", "д.") are passed over; a flat word ("кв.") or another
    name ends the search: "Абай 5 мкр" is not the 5th house of Абай.
    """
    for part in (words[end:], following):
        for word in part:
            if word in STREET_TYPES or word in _HOUSE_WORDS:
                continue
            m = _NUMBER.match(word)
            return int(m.group(1)) if m else None
    return None


def _street_ends(words: list[str], start: int, end: int) -> bool:
    """Whether the words ``start:end`` are a whole street name, not part of another name.

    The word before must not name a place ("г. Абай" is a town), and the word after must be a
    house number, a type of street, a house or flat word, or nothing ("Абай ауданы" is a
    district, "Абай Құнанбаев" another street). A street named by a number needs its type word
    next to it.
    """
    before = words[start - 1] if start > 0 else ""
    after = words[end] if end < len(words) else ""
    if before in PLACE_WORDS:
        return False
    if _NUMBER.match(words[start]) and STREET_TYPES.isdisjoint((before, after)):
        return False  # "мкр. 5" is a street, a bare 5 a house number
    if not after:
        return True
    return bool(
        _NUMBER.match(after) or after in STREET_TYPES or after in _HOUSE_WORDS | _FLAT_WORDS
    )


def _house_for(street: tuple[str, ...], parts: list[list[str]]) -> tuple[bool, int | None]:
    """Whether ``street`` is named in ``parts`` as a whole street, and its house number."""
    n = len(street)
    for i, words in enumerate(parts):
        for start in range(len(words) - n + 1):
            end = start + n
            if not all(_same_word(s, w) for s, w in zip(street, words[start:end], strict=True)):
                continue
            if _street_ends(words, start, end):
                following = parts[i + 1] if i + 1 < len(parts) else []
                return True, _house_after(words, end, following)
    return False, None


def match_address(text: str, ranges: Sequence[StreetRange]) -> StreetRange | None:
    """The range ``text`` falls in: a range with houses before a whole street; None if none.

    The address is read in parts (between commas). When some part says it is a street (has a
    type word), only those parts are read as streets: in "Абай, ул. Ленина 5" Абай is a town.
    """
    hits = matching_ranges(text, ranges)
    return hits[0] if hits else None


def matching_ranges(text: str, ranges: Sequence[StreetRange]) -> list[StreetRange]:
    """Every range ``text`` falls in, in the order given: the ranges with houses that cover it,
    or when none does, the whole streets it names (a range with houses wins over a whole street,
    so "Абай 1-45" in one district and "Абай" in another split the street)."""
    parts = [_words(part) for part in re.split(r"[,;]", text)]
    typed = [i for i, words in enumerate(parts) if any(w in STREET_TYPES for w in words)]
    if typed:
        # Keep the part after each typed one too: it may hold the house ("ул. Абая, 5").
        keep = {j for i in typed for j in (i, i + 1)}
        parts = [
            words if i in keep and (i in typed or not _is_name(words)) else []
            for i, words in enumerate(parts)
        ]
    covering: list[StreetRange] = []
    whole: list[StreetRange] = []
    for r in ranges:
        if not r.street:
            continue
        found, house = _house_for(r.street, parts)
        if not found:
            continue
        if r.houses:
            if r.covers(house):
                covering.append(r)
        else:
            whole.append(r)
    return covering or whole


def _is_name(words: list[str]) -> bool:
    """Whether a part starts with a name rather than a house number or a house word."""
    return bool(words) and not (_NUMBER.match(words[0]) or words[0] in _HOUSE_WORDS)


def suggest_district(
    districts: Iterable[DistrictLike],
    *,
    actual: str = "",
    registered: RegisteredAddressLike | None = None,
    full: Callable[[], Collection[int]] | None = None,
) -> DistrictSuggestion:
    """The district whose ranges the address falls in, from the actual address when given.

    A range with house numbers wins over a whole street, so "Абай 1-45" in one district and
    "Абай" in another split the street. When several districts still match (their ranges
    overlap), the first in the given order that is not ``full`` (at or over its target size,
    asked only then) is suggested, else the first; the others are named in ``others``.
    """
    if actual.strip():
        source: Literal["actual", "registered"] = "actual"
        text = shown = actual.strip()
    elif registered is not None and registered.street.strip():
        source = "registered"
        text = f"{registered.street}, {registered.house}"
        shown = f"{registered.street} {registered.house}".strip()
    else:
        return DistrictSuggestion(source=None, address="")
    by_range: dict[StreetRange, list[int]] = {}
    for d in districts:
        for entry in d.addresses:
            numbers = by_range.setdefault(parse_range(entry), [])
            if d.number not in numbers:
                numbers.append(d.number)
    hits = matching_ranges(text, list(by_range))
    if not hits:
        return DistrictSuggestion(source=source, address=shown)
    matched: dict[int, StreetRange] = {}
    for hit in hits:
        for number in by_range[hit]:
            matched.setdefault(number, hit)
    numbers = list(matched)
    chosen = numbers[0]
    if len(numbers) > 1 and full is not None:
        at_target = set(full())
        chosen = next((n for n in numbers if n not in at_target), chosen)
    return DistrictSuggestion(
        source=source,
        address=shown,
        district=chosen,
        entry=matched[chosen].entry,
        others=tuple(n for n in numbers if n != chosen),
    )


def split_entry(entry: str) -> tuple[str, str]:
    """An entry as the configuration writes it cut into its street and its house numbers, as
    written: ``"Абай даңғылы 47, 51-99"`` → ``("Абай даңғылы", "47, 51-99")``; ``"мкр. 5"`` →
    ``("мкр. 5", "")``. Read as ``parse_range`` reads it, so joining the two again gives the
    same range."""
    spaced = re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", entry.strip())
    houses = len(parse_range(spaced).houses)
    tokens = list(re.finditer(r"[^\s,;]+", spaced))
    if not houses or houses >= len(tokens):
        return spaced, ""
    cut = tokens[-houses].start()
    street, numbers = spaced[:cut].rstrip(" ,;"), spaced[cut:].strip()
    joined, whole = parse_range(f"{street} {numbers}"), parse_range(spaced)
    if (joined.street, joined.houses) != (whole.street, whole.houses):
        return spaced, ""
    return street, numbers


__all__ = [
    "PLACE_WORDS",
    "STREET_TYPES",
    "DistrictLike",
    "DistrictSuggestion",
    "StreetRange",
    "match_address",
    "matching_ranges",
    "parse_range",
    "split_entry",
    "suggest_district",
]
