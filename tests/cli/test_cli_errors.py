"""What the command line says instead of a traceback: an unreadable config, a damaged database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regdesk.cli import main

CONFIG = """\
[clinic]
bin = "040340004129"

[storage]
data_dir = "data"
scan_dir = "scans"

[languages]
default = "en"
"""

# The message of a damaged database, in each language (cli.db_damaged).
DAMAGED = {
    "kk": "дерекқоры зақымдалған",
    "ru": "повреждена или не является базой regdesk",
    "en": "is damaged or is not a regdesk database",
}
UNREADABLE = {
    "kk": "конфигурациясын оқу мүмкін емес",
    "ru": "Не удаётся прочитать конфигурацию",
    "en": "cannot be read",
}


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    (config.parent / "scans").mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    code = main(["--config", str(config), "init"])
    assert code == 0
    return config


def _drop(config: Path, table: str) -> Path:
    database = config.parent / "data" / "regdesk.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(f"DROP TABLE {table}")
    return database


@pytest.mark.parametrize(
    ("table", "command"),
    [
        ("staff", ["user", "list"]),
        ("staff", ["init"]),
        ("audit_log", ["audit", "verify"]),
    ],
)
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_damaged_database_is_explained_not_a_traceback(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    table: str,
    command: list[str],
    lang: str,
) -> None:
    database = _drop(clinic, table)
    capsys.readouterr()
    code = main(["--lang", lang, "--config", str(clinic), *command])
    err = capsys.readouterr().err
    assert code == 74  # sysexits EX_IOERR, as for a database that cannot be opened
    assert DAMAGED[lang] in err
    assert str(database) in err and f"no such table: {table}" in err
    assert "Traceback" not in err


@pytest.fixture
def locked_config(tmp_path: Path) -> Iterator[Path]:
    """A config inside a folder nobody may enter (mode 000)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "config.toml").write_text(CONFIG, encoding="utf-8")
    locked.chmod(0)
    try:
        yield locked / "config.toml"
    finally:
        locked.chmod(0o700)


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """regdesk in a fresh process. root enters any folder: as root it runs without the
    capabilities that let it (setpriv), as an ordinary user it runs as it is."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: root would enter the locked folder")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    env = {**os.environ, "LANG": "C.UTF-8"}
    env.pop("REGDESK_CONFIG", None)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "regdesk", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _pyproject_version() -> str:
    # The expected value from the one source, pyproject.toml, not from the code under test.
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


def test_version_is_shown_even_when_the_config_folder_cannot_be_entered(
    locked_config: Path,
) -> None:
    done = _run(locked_config, "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"regdesk {_pyproject_version()}")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_config_folder_that_cannot_be_entered_is_explained(
    locked_config: Path, lang: str
) -> None:
    done = _run(locked_config, "--lang", lang, "user", "list")
    assert done.returncode == 78, done.stderr  # sysexits EX_CONFIG
    assert UNREADABLE[lang] in done.stderr
    assert str(locked_config) in done.stderr
    assert "Traceback" not in done.stderr
