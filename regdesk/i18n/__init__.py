"""UI and CLI text in Kazakh, Russian and English.

Catalogues live in ``regdesk/i18n/messages/*.toml``, one file per area of the product (cli,
registry, signing, desk, ...). Each key is a table with the three languages side by side, so a
translator sees the three versions together and a missing one is caught by a test::

    [registry.not_found]
    kk = "Тізілімде бұл ЖСН бойынша деректер жоқ."
    ru = "В регистре нет данных по этому ИИН."
    en = "The registry has no data for this IIN."

Texts are ``str.format`` templates: ``t("registry.not_found", "kk")`` or with parameters
``t("cli.user_added", "ru", iin=...)``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Final, Literal

Lang = Literal["kk", "ru", "en"]
LANGS: Final[tuple[Lang, ...]] = ("kk", "ru", "en")
DEFAULT_LANG: Final[Lang] = "en"


def is_lang(value: str) -> bool:
    return value in LANGS


def _flatten(prefix: str, table: Mapping[str, object], out: dict[str, dict[str, str]]) -> None:
    # A leaf is a table whose values are all strings keyed by language codes.
    if table and all(k in LANGS for k in table) and all(isinstance(v, str) for v in table.values()):
        out[prefix] = {k: str(v) for k, v in table.items()}
        return
    for key, value in table.items():
        if not isinstance(value, Mapping):
            raise ValueError(f"catalogue entry {prefix}.{key} is not a table of kk/ru/en texts")
        _flatten(f"{prefix}.{key}" if prefix else key, value, out)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message key with its texts, read once from the packaged TOML files."""
    out: dict[str, dict[str, str]] = {}
    folder = resources.files("regdesk.i18n").joinpath("messages")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            before = len(out)
            part: dict[str, dict[str, str]] = {}
            _flatten("", data, part)
            overlap = set(part) & set(out)
            if overlap:
                raise ValueError(f"{entry.name}: keys defined twice: {sorted(overlap)[:5]}")
            out.update(part)
            assert len(out) >= before
    return out


def t(key: str, lang: str, /, **params: object) -> str:
    """The text of ``key`` in ``lang``, formatted with ``params``.

    A missing translation falls back to English and then to the key itself, so a gap never
    crashes a screen; the catalogue test is what keeps gaps out of releases.
    """
    entry = catalogue().get(key)
    if entry is None:
        text = key
    else:
        text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


class Translator:
    """A language bound to ``t``: ``tr = Translator("kk"); tr("desk.title")``."""

    __slots__ = ("lang",)

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang = lang if is_lang(lang) else DEFAULT_LANG

    def __call__(self, key: str, /, **params: object) -> str:
        return t(key, self.lang, **params)
