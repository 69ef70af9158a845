"""The config checks [keymap] without Textual: its ids and key names must be Textual's own."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string

from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key

import regdesk.tui
from regdesk import config as cfg
from regdesk.keynames import NAMED_KEYS, character_key, normalize_key


def _binding_ids() -> set[str]:
    ids: set[str] = set()
    for info in pkgutil.walk_packages(regdesk.tui.__path__, "regdesk.tui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                for b in cls.__dict__.get("BINDINGS", []):
                    if isinstance(b, Binding) and b.id:
                        ids.add(b.id)
    return ids


def test_the_keymap_ids_the_config_accepts_are_the_desks_binding_ids() -> None:
    assert cfg.binding_ids() == _binding_ids()


def test_named_keys_are_textuals() -> None:
    # Keys the terminal reports by name: Textual's Keys and the kitty keyboard protocol's.
    textual_names = {k.value.rpartition("+")[2] for k in Keys} | set(FUNCTIONAL_KEYS.values())
    assert textual_names >= NAMED_KEYS


def test_characters_are_named_as_textual_names_them() -> None:
    for char in string.printable.strip() + "ЙйӘәҚқ№«»":
        assert character_key(char) == _character_to_key(char), char
        assert normalize_key(char) == _character_to_key(char)
        # ... and the name itself, as Textual spells it, is accepted too.
        assert normalize_key(_character_to_key(char)) == _character_to_key(char)
