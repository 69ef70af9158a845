"""``regdesk.core`` stays pure: importing it pulls in no framework, database, network or crypto."""

from __future__ import annotations

import json
import subprocess
import sys

CORE_MODULES = [
    "regdesk.core",
    "regdesk.core.application",
    "regdesk.core.errors",
    "regdesk.core.ids",
    "regdesk.core.refusals",
    "regdesk.core.norms",
    "regdesk.core.rules",
    "regdesk.core.calendar",
]
FORBIDDEN = ["textual", "sqlite3", "sqlite_utils", "httpx", "cryptography"]


def _loaded_after(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_core_loads_nothing_heavy() -> None:
    loaded = _loaded_after("\n".join(f"import {m}" for m in CORE_MODULES))
    assert set(CORE_MODULES) <= loaded
    assert sorted(loaded & set(FORBIDDEN)) == []
    # holidays is slow to import: only a calendar query may load it, not the import of core.
    assert "holidays" not in loaded
    # Nor the rest of the program (config, i18n, store, ...): core stands alone.
    outside = {n for n in loaded if n.startswith("regdesk.") and not n.startswith("regdesk.core")}
    assert sorted(outside) == []


def test_using_core_loads_nothing_heavy_either() -> None:
    code = """
from datetime import date, datetime
from regdesk.core.ids import make_iin, parse_iin
from regdesk.core.calendar import next_working_day_deadline
from regdesk.core.norms import evaluate
from regdesk.core.rules import PersonFacts, RuleSettings, check_applicant
iin = parse_iin(make_iin(date(1990, 1, 1), "male", 1))
next_working_day_deadline(datetime(2025, 3, 20, 10))
evaluate("issue", datetime(2025, 3, 20, 10), datetime(2025, 3, 21, 10))
check_applicant(PersonFacts(iin.value, iin.birth_date), None, "x", "free_choice",
                date(2025, 9, 1), RuleSettings())
"""
    loaded = _loaded_after(code)
    assert "holidays" in loaded  # the calendar did its work
    assert sorted(loaded & set(FORBIDDEN)) == []
