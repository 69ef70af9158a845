"""The catalogues are complete in kk, ru and en, and every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from regdesk.i18n import LANGS, Translator, catalogue, t

PACKAGE = Path(__file__).resolve().parents[1] / "regdesk"


def test_every_key_has_every_language() -> None:
    missing = [
        (key, lang) for key, texts in catalogue().items() for lang in LANGS if not texts.get(lang)
    ]
    assert missing == []


def test_templates_take_the_same_parameters_in_every_language() -> None:
    field = re.compile(r"{(\w+)")
    for key, texts in catalogue().items():
        params = {lang: set(field.findall(texts[lang])) for lang in LANGS}
        assert params["kk"] == params["ru"] == params["en"], key


def test_keys_used_in_code_exist() -> None:
    # Literal keys passed to t(...), tr(...), ctx.say/warn(...) or UserError("...") in the package.
    used = re.compile(r"""(?:\bt|\btr|\.t|say|warn|Error)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    known = catalogue()
    unknown = set()
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "i18n":
            continue  # its docstring shows made-up keys
        for key in used.findall(path.read_text(encoding="utf-8")):
            if key not in known:
                unknown.add((path.name, key))
    assert sorted(unknown) == []


def test_translation_falls_back_and_formats() -> None:
    assert t("cli.config_error", "kk", detail="X").endswith("X")
    assert Translator("xx").lang == "en"
    assert t("no.such.key", "ru") == "no.such.key"
