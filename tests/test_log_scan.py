"""The session's check for IINs in the logs bites: a run whose test writes an IIN into a log
fails, naming the file and line; the same run with the IIN redacted passes.

Each is a pytest run of its own in a subprocess, with the check loaded as the suite loads it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from regdesk.core.ids import make_iin

TESTS = Path(__file__).resolve().parent

INNER = """
from pathlib import Path

def test_a_desk_logs(tmp_path: Path) -> None:
    logs = tmp_path / "data" / "logs"
    logs.mkdir(parents=True)
    (logs / "regdesk.log").write_text("start\\nlooked up {iin} in 120 ms\\n", encoding="utf-8")
"""


def _inner_run(tmp_path: Path, written: str) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_inner.py").write_text(INNER.replace("{iin}", written), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "log_scan_support", "-p", "no:cacheprovider",
         "--rootdir", str(folder), "-c", os.devnull, f"--basetemp={tmp_path / 'base'}",
         str(folder / "test_inner.py")],
        capture_output=True, text=True, timeout=300, check=False, cwd=folder, env=env,
    )  # fmt: skip


def test_an_iin_in_a_log_fails_the_run_and_is_named(tmp_path: Path) -> None:
    from datetime import date

    iin = make_iin(date(1988, 1, 1), "male", serial=123)
    try:
        run = _inner_run(tmp_path, iin)
        # The test itself passed; the session failed on the log.
        assert "1 passed" in run.stdout, run.stdout + run.stderr
        assert run.returncode == 1, run.stdout + run.stderr
        assert f"regdesk.log:2: {iin}" in run.stdout
    finally:
        # This run's log is the one log of the session that holds an IIN on purpose.
        shutil.rmtree(tmp_path / "base", ignore_errors=True)


def test_a_redacted_log_and_other_long_numbers_pass(tmp_path: Path) -> None:
    # A 12-digit run that is no IIN (month 13) and a longer number are not flagged.
    run = _inner_run(tmp_path, "<IIN> 881301300123 1234567890123456")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "IIN in a log" not in run.stdout
