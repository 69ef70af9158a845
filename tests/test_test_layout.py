"""Any combination of test folders collects in one pytest call.

The test folders are no packages (pytest's default "prepend" import mode): each folder goes on
``sys.path`` and its modules are imported by their file's name alone. Two files of one name in
two folders, or a ``from conftest import`` (every folder has a ``conftest.py``), then resolve to
whichever was imported first, and ``pytest tests/printing tests/signing`` failed to collect.
Shared helpers live in a ``<folder>_support.py`` of a name used once, or in the package.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__snapshots__" not in p.parts)


def test_no_two_test_modules_share_a_name() -> None:
    places: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        if path.name != "conftest.py":
            places[path.name].append(path.relative_to(TESTS).as_posix())
    assert {name: where for name, where in places.items() if len(where) > 1} == {}
    assert len(places) > 100  # the walk found the suite


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_no_test_imports_a_conftest() -> None:
    importing = [p.relative_to(TESTS).as_posix() for p in _modules() if "conftest" in _imported(p)]
    assert importing == []
    assert "regdesk" in _imported(TESTS / "printing" / "test_printing_pdf.py")


def test_no_test_module_imports_another() -> None:
    # A helper two test files share lives in a support module: importing a test module runs
    # its tests' module-level set-up, and collects its tests twice under another name.
    tests = {p.stem for p in _modules() if p.name.startswith("test_")}
    importing = {
        p.relative_to(TESTS).as_posix(): sorted(_imported(p) & tests)
        for p in _modules()
        if _imported(p) & tests
    }
    assert importing == {}
    assert "tui_support" in _imported(TESTS / "tui" / "test_tui_corrections.py")
