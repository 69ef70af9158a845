"""``[storage] durability``: what SQLite is told to sync, read back from the connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from regdesk import config as cfg
from regdesk.store.db import open_db

# SQLite's own numbering of PRAGMA synchronous (sqlite.org/pragma.html#pragma_synchronous).
SQLITE_NORMAL, SQLITE_FULL = 1, 2


@pytest.mark.parametrize(
    ("setting", "expected"), [("normal", SQLITE_NORMAL), ("full", SQLITE_FULL)]
)
def test_the_setting_reaches_the_connection(tmp_path: Path, setting: str, expected: int) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f'[storage]\ndurability = "{setting}"\n', encoding="utf-8")
    durability = cfg.load(file).storage.durability
    db = open_db(tmp_path / "regdesk.sqlite3", durability)
    try:
        assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == expected
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.conn.close()


def test_the_default_is_normal_and_a_typo_is_refused(tmp_path: Path) -> None:
    assert cfg.Config().storage.durability == "normal"
    file = tmp_path / "c.toml"
    file.write_text('[storage]\ndurability = "ful"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as caught:
        cfg.load(file)
    assert caught.value.key == "storage.durability"
