"""Key names as Textual spells them, checked without importing Textual (the config loads fast).

A key is ``[modifier+]...name``: modifiers ``ctrl``, ``shift``, ``alt``, ``meta``, ``super``,
``hyper``; the name a navigation or function key (``f10``, ``pageup``), a letter or digit, or a
character's Unicode name in lower case with underscores (``full_stop``, ``slash``). A single
printable character is turned into that name, as Textual does for its own bindings, because the
keymap is applied without that step. ``tests/tui/test_tui_keymap.py`` checks these names
against Textual's.
"""

from __future__ import annotations

import difflib
import unicodedata

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")

NAMED_KEYS = frozenset(
    {
        "escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
        "pageup", "pagedown", "up", "down", "left", "right", "pause", "menu", "print_screen",
        *(f"f{n}" for n in range(1, 25)),
    }
)  # fmt: skip
"""Keys that are not characters."""

# Textual shortens a few Unicode names (its KEY_NAME_REPLACEMENTS).
_SHORT_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
_LONG_NAMES = {short: long for long, short in _SHORT_NAMES.items()}


def character_key(char: str) -> str:
    """The key name of one printable character: itself for a letter or digit, else its name."""
    if char.isalnum():
        return char
    name = unicodedata.name(char, char).lower().replace("-", "_").replace(" ", "_")
    return _SHORT_NAMES.get(name, name)


def _is_character_name(name: str) -> bool:
    long = _LONG_NAMES.get(name, name)
    try:
        char = unicodedata.lookup(long.replace("_", " ").upper())
    except KeyError:
        # Names with a dash in Unicode (HYPHEN-MINUS, LESS-THAN SIGN) lose it to "_".
        try:
            char = unicodedata.lookup(long.replace("_", "-", 1).replace("_", " ").upper())
        except KeyError:
            return False
    return char.isprintable() and not char.isspace() and character_key(char) == name


def normalize_key(key: str) -> str:
    """``key`` in Textual's spelling (``F10`` -> ``f10``, ``.`` -> ``full_stop``).

    Raises ValueError with what is wrong, and the nearest known name when there is one.
    """
    text = key.strip()
    if not text:
        raise ValueError("an empty key")
    if len(text) == 1:
        if not text.isprintable() or text.isspace():
            raise ValueError(f"{key!r} is not a key name")
        return character_key(text)
    *mods, name = text.split("+")
    if name == "" and mods:  # "ctrl++": the plus key itself
        mods, name = mods[:-1], "+"
    mods = [m.strip().lower() for m in mods]
    for m in mods:
        if m not in MODIFIERS:
            near = difflib.get_close_matches(m, MODIFIERS, n=1, cutoff=0.5)
            hint = f"; did you mean {near[0]!r}?" if near else f" ({', '.join(MODIFIERS)})"
            raise ValueError(f"{m!r} in {key!r} is not a modifier{hint}")
    if len(set(mods)) != len(mods):
        raise ValueError(f"{key!r} repeats a modifier")
    name = name.strip()
    if len(name) == 1:
        name = character_key(name)
    elif name.lower() in NAMED_KEYS or _is_character_name(name.lower()):
        name = name.lower()
    else:
        near = difflib.get_close_matches(name.lower(), sorted(NAMED_KEYS), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"{name!r} is not a key name{hint}")
    return "+".join([*mods, name])


def normalize_keys(keys: str) -> str:
    """A comma-separated list of keys, each normalized, without spaces (as Textual reads it)."""
    out: list[str] = []
    for part in keys.split(","):
        if not part.strip():
            # Textual splits on the comma too; the comma key itself is spelled "comma".
            raise ValueError(f"{keys!r} has an empty key (the comma key is written 'comma')")
        out.append(normalize_key(part))
    return ",".join(out)
