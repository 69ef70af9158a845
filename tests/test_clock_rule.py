"""One clock: nothing but ``regdesk/core/clock.py`` reads the wall clock or builds a time zone.

A stray ``datetime.now()`` is how a talon came to say it was issued five hours before it was
registered; a stray ``ZoneInfo(...)`` is how a screen showed the server's day. The tests stop
reading the wall clock too (they pin it), except the clock's own tests.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = re.compile(r"datetime\.now\(|date\.today\(|ZoneInfo\(|utcnow\(")
ALLOWED = {
    Path("regdesk/core/clock.py"),  # the clock itself
    Path("tests/core/test_core_clock.py"),  # the clock's tests
    Path("tests/test_clock_rule.py"),  # this file names the patterns
}


def _offenders(folder: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_the_program_reads_time_only_through_the_clinic_clock() -> None:
    assert _offenders("regdesk") == []


def test_the_tests_do_not_read_the_wall_clock() -> None:
    assert _offenders("tests") == []


def test_the_check_would_see_an_offender() -> None:
    # The pattern itself, on the forms it must catch and one it must not.
    for line in (
        "x = datetime.now(UTC)",
        "d = date.today()",
        "tz = ZoneInfo(name)",
        "datetime.utcnow()",
    ):
        assert FORBIDDEN.search(line), line
    assert not FORBIDDEN.search("now = clock.now()")
