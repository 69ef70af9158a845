"""The one direction of dependency (DESIGN.md "Shape of the code"), checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "regdesk"
STDLIB = sys.stdlib_module_names


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _violations(folder: str, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in STDLIB or top == "__future__":
                continue
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                out.append((str(path.relative_to(PACKAGE)), name))
    return out


def test_tui_talks_only_to_the_desk() -> None:
    # No SQLite, httpx or cryptography in the screens: everything goes through regdesk.desk.
    # The config (plain frozen data) is read by the app before the desk opens its database.
    allowed = (
        "textual",
        "rich",
        "regdesk.desk",
        "regdesk.core",
        "regdesk.i18n",
        "regdesk.config",
        "regdesk.tui",
        "regdesk.reporting",  # the report's tables and charts drawn as text (no I/O)
    )
    assert _violations("tui", allowed) == []
    # The desk's public face is its package (regdesk/desk/__init__.py): the screens never reach
    # into a use case's module, so the use cases can be rearranged without touching them.
    inside = [
        (where, name)
        for where, name in _violations("tui", tuple(a for a in allowed if a != "regdesk.desk"))
        if name != "regdesk.desk"
    ]
    assert inside == []


def test_use_cases_import_no_textual_and_no_simulator() -> None:
    # regdesk/desk: the steps of Table 2 over the store, the registry client, signing, printing.
    allowed = (
        "regdesk.core",
        "regdesk.config",
        "regdesk.i18n",
        "regdesk.desk",
        "regdesk.store",
        "regdesk.registry",
        "regdesk.signing",
        "regdesk.printing",
        "sqlite_utils",
    )
    assert _violations("desk", allowed) == []
    found = {name for path in (PACKAGE / "desk").rglob("*.py") for name in _imports(path)}
    assert "regdesk.registry.client" in found  # the walk sees the lazy imports too
    assert not [n for n in found if n.startswith(("regdesk.registry.sim", "regdesk.tui"))]


def test_lower_layers_do_not_know_the_tui_or_each_other() -> None:
    # The registry may use cryptography: its simulator signs portal applications with real CMS.
    # The store opens each scan with pypdf or Pillow before the vault accepts it, and reads
    # zxcvbn's list of common passwords for the password policy.
    common = ("regdesk.core", "regdesk.config", "regdesk.i18n")
    assert _violations("core", ("regdesk.core", "regdesk.i18n", "holidays")) == []
    store = ("regdesk.store", "sqlite_utils", "cryptography", "pypdf", "PIL", "zxcvbn")
    assert _violations("store", (*common, *store)) == []
    assert (
        _violations("signing", (*common, "regdesk.signing", "cryptography", "asn1crypto", "httpx"))
        == []
    )
    assert (
        _violations("registry", (*common, "regdesk.registry", "httpx", "h11", "cryptography")) == []
    )
    assert (
        _violations("printing", (*common, "regdesk.printing", "fpdf", "segno", "PIL", "fontTools"))
        == []
    )
    # The report renderers read a report (the desk's types, for checking only) and the talon's
    # fonts; they never reach the screens or the database.
    assert (
        _violations(
            "reporting",
            (
                *common,
                *("regdesk.reporting", "regdesk.desk.reports", "regdesk.printing.pdf"),
                *("fpdf", "xlsxwriter"),
            ),
        )
        == []
    )


def test_desk_imports_without_textual() -> None:
    code = (
        "import sys, regdesk.desk, regdesk.core.rules, regdesk.core.ids;"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _module_file(name: str) -> Path | None:
    rel = Path(*name.split(".")[1:])
    for candidate in (PACKAGE / rel.with_suffix(".py"), PACKAGE / rel / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def test_the_registry_client_never_imports_the_simulator() -> None:
    # The client ships to every workstation; the simulator (its server, population and portal
    # keys) is for the demo and the tests. Followed through every regdesk module the client
    # imports, lazy imports inside functions included.
    simulator = (
        "regdesk.registry.sim",
        "regdesk.registry.population",
        "regdesk.registry.portal_keys",
    )
    seen: set[str] = set()
    todo = ["regdesk.registry.client"]
    reached: list[str] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        for imported in _imports(path):
            if imported.startswith("regdesk."):
                reached.append(imported)
                todo.append(imported)
    assert "regdesk.registry.models" in reached, "the walk follows the client's imports"
    bad = [n for n in reached if any(n == s or n.startswith(s + ".") for s in simulator)]
    assert bad == []
