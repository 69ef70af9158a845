"""No IIN in any log a test run wrote (issue 14: "a test greps the logs of a full test run for
every IIN the tests used"): a pytest plugin, loaded by tests/conftest.py.

At the end of the session every log file under the run's temporary folder (each test's
``tmp_path``, so each data folder's ``logs/``) and under the other places the tests put a
workspace is read; a twelve-digit run that is a valid IIN fails the run, listed as
``file:line``. Valid IINs only: a log may rightly hold other long numbers (a request id, a
document's number), and the redaction writes every twelve-digit run as ``<IIN>`` anyway.

No test writes an unredacted log on purpose (tests/test_logs.py feeds IINs to the log and
checks that the file holds none); a test that needs to must write outside these folders or
remove the file before the session ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from regdesk.core.ids import is_valid_iin

OTHER_PLACES = (Path("/tmp/regdesk-snap"),)
"""Workspaces the tests keep outside pytest's folder (tests/tui/test_tui_snapshots.py)."""

_LOG_NAME = re.compile(r"\.log(\.\d+)?$")
"""``regdesk.log`` and its rotated ``regdesk.log.1`` …, and any other program's ``*.log``."""
_TWELVE = re.compile(rb"(?<!\d)\d{12}(?!\d)")


def log_files(roots: list[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_dir():
            for path in root.rglob("*.log*"):
                if _LOG_NAME.search(path.name) and path.is_file() and not path.is_symlink():
                    yield path


def iins_in(path: Path) -> list[str]:
    """``file:line: IIN`` for each valid IIN in the file (read as bytes: any encoding)."""
    found = []
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if not _TWELVE.search(data):  # the common case: one pass over the file, nothing to split
        return []
    for number, line in enumerate(data.splitlines(), start=1):
        for match in _TWELVE.finditer(line):
            iin = match.group().decode()
            if is_valid_iin(iin):
                found.append(f"{path}:{number}: {iin}")
    return found


def _roots(session: pytest.Session) -> list[Path]:
    roots = list(OTHER_PLACES)
    factory = getattr(session.config, "_tmp_path_factory", None)
    # Only when the run made its folder: asking for it would make one.
    base = getattr(factory, "_basetemp", None)
    if base is not None:
        roots.insert(0, Path(base))
    return roots


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = [hit for path in log_files(_roots(session)) for hit in iins_in(path)]
    if not found:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["an IIN in a log the tests wrote (logs must hold none):", *found]
    if reporter is not None:
        reporter.write_sep("=", "IIN in a log", red=True)
        for line in lines:
            reporter.write_line(line)
    else:
        print("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
