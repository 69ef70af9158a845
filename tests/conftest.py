"""Fixtures shared by every test: keep the user's machine out of the tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

# At the session's end: no IIN in any log the tests wrote (log_scan_support.py).
from log_scan_support import pytest_sessionfinish  # noqa: F401


@pytest.fixture(autouse=True)
def _no_discovered_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No test may read the developer's real config or write into their data folders.
    monkeypatch.setenv("REGDESK_CONFIG", str(tmp_path / "no-such-config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"  # as .ci/run adds the PDF queue


@pytest.fixture
def cups_queue() -> Iterator[str]:
    """A cups-pdf queue of the test's own, enabled and accepting, removed after it (the test is
    skipped where CUPS will not add one)."""
    queue = f"regdesk-test-{os.getpid()}"
    made = subprocess.run(
        ["lpadmin", "-p", queue, "-v", "cups-pdf:/", "-m", CUPS_PDF_PPD, "-E"],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot add a CUPS queue here: {made.stderr.strip()}")
    try:
        yield queue
    finally:
        subprocess.run(["lpadmin", "-x", queue], check=False)
