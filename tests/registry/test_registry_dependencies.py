"""Every package the registry part imports is declared in pyproject.toml, not there by chance.

(h11 came with httpx: the simulator's server used it for months without a line saying so.)
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_third_party_import_of_the_registry_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    imported: dict[str, str] = {}
    files = [
        *(ROOT / "regdesk" / "registry").rglob("*.py"),
        ROOT / "regdesk" / "commands" / "lookup.py",
    ]
    files += [ROOT / "regdesk" / "commands" / f"{name}.py" for name in ("registry", "registry_sim")]
    for path in sorted(files):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("__future__", "regdesk"):
                    imported.setdefault(top, str(path.relative_to(ROOT)))
    assert "h11" in imported, "the simulator's server imports h11"
    providers = importlib.metadata.packages_distributions()
    undeclared = {
        top: where
        for top, where in imported.items()
        if not any(_name(d) in declared for d in providers.get(top, [top]))
    }
    assert undeclared == {}
