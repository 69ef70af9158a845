"""Letter keys answer in either case and on the Russian and Kazakh layouts (issue 11, item 7).

The footer shows a letter key as a capital (``S``); Caps Lock may be on; a receptionist who types
Russian or Kazakh in the form has the Cyrillic layout active, where the key under ``S`` types
``ы``. Every letter binding of the desk takes all four.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode
from tui_support import (
    finish,
    look_up,
    make_app,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
)

import regdesk.tui.screens
from regdesk import demo
from regdesk.tui.app import DeskApp

# The ЙЦУКЕН layout written out row by row against QWERTY (the Kazakh layout keeps these places
# for the letters both alphabets share; its own letters are on the digit row).
QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
JCUKEN = ("йцукенгшщз", "фывапролд", "ячсмить")
SAME_PLACE = {
    latin: cyrillic
    for row, crow in zip(QWERTY, JCUKEN, strict=True)
    for latin, cyrillic in zip(row, crow, strict=True)
}


def every_binding() -> list[tuple[str, Binding]]:
    """(owner, binding) for the app and every screen and widget class of the desk."""
    owners: list[type[DOMNode]] = [DeskApp]
    package = regdesk.tui.screens
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        owners += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__
        ]
    found = []
    for owner in owners:
        for item in owner.__dict__.get("BINDINGS", []):
            binding = item if isinstance(item, Binding) else Binding(*item)
            found.append((owner.__name__, binding))
    return found


def test_every_letter_binding_takes_both_cases_and_the_cyrillic_key() -> None:
    letters = 0
    for owner, binding in every_binding():
        keys = {k.strip() for k in binding.key.split(",")}
        for key in keys:
            if len(key) == 1 and key.isalpha():
                latin = key.lower() if key.lower() in SAME_PLACE else None
                if latin is None:  # a Cyrillic key: its Latin partner must be bound too
                    latin = next(k for k, v in SAME_PLACE.items() if v == key.lower())
                letters += 1
                wanted = {latin, latin.upper(), SAME_PLACE[latin], SAME_PLACE[latin].upper()}
                assert wanted <= keys, f"{owner}: {binding.action} is bound to {binding.key!r}"
    assert letters > 0  # the desk has letter keys (S skips the survey), so this checked some


async def test_skip_survey_with_the_cyrillic_capital(workspace: demo.DemoWorkspace) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        await look_up(pilot, ws.samples["no_record"][0])
        await pilot.press("f9")
        await wait_for_screen(pilot, "RefuseScreen")
        await pilot.press("f10")
        result = await wait_for_screen(pilot, "ResultScreen")
        await wait_for_text(pilot, "Motivated refusal formed")
        assert "Thank you!" not in screen_text(app)
        await pilot.press("Ы")  # Shift+S on the ru/kk layout
        await wait_for_text(pilot, "Thank you!")
        assert result.survey_done and result.answers == []
    await finish(app)
