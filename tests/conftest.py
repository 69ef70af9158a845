"""Fixtures shared by every test: keep the user's machine out of the tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_discovered_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No test may read the developer's real config or write into their data folders.
    monkeypatch.setenv("REGDESK_CONFIG", str(tmp_path / "no-such-config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
