"""``regdesk init``: checks the config, creates the data folder, idempotently; an older database
is left to ``regdesk upgrade``; the key keeps the clinic's group and loses every other user."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from regdesk.cli import main
from regdesk.store import audit, schema
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths

VALID_BIN = "120440001006"


def write_config(tmp_path: Path, bin: str = VALID_BIN) -> Path:
    cfg = tmp_path / "clinic" / "config.toml"
    cfg.parent.mkdir(exist_ok=True)
    cfg.write_text(f'[clinic]\nbin = "{bin}"\ncode = "EMH"\n[storage]\ndata_dir = "data"\n')
    return cfg


def init(cfg: Path, lang: str = "en") -> int:
    return main(["--config", str(cfg), "--lang", lang, "init"])


def test_init_creates_everything_then_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path)
    paths = DataPaths(tmp_path / "clinic" / "data")  # relative to the config's folder
    assert init(cfg) == 0
    out = capsys.readouterr().out
    for expected in ("Created the data folder", "Created the database", "Created the vault key",
                     "Created the vault folder", "no admin account", "Done."):  # fmt: skip
        assert expected in out, expected
    assert paths.database.is_file() and paths.vault_dir.is_dir()
    assert stat.S_IMODE(paths.vault_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.root.stat().st_mode) == 0o700
    key = paths.vault_key.read_bytes()
    db = open_db(paths.database)
    assert schema.version(db.conn) == schema.SCHEMA_VERSION
    # The audit key is made as the vault key is (0600, 32 bytes, never replaced) and the log is
    # keyed from its first record on: its checkpoint beside the keys.
    assert [r.action for r in audit.recent(db)] == ["admin.init", "audit.keyed"]
    assert stat.S_IMODE(paths.audit_key.stat().st_mode) == 0o600
    audit_key = paths.audit_key.read_bytes()
    assert len(audit_key) == 32 and audit_key != key
    report = audit.verify(db)
    assert (report.ok, report.keyed_from, report.checkpoint_file) == (
        True,
        1,
        paths.audit_checkpoint,
    )
    db.conn.close()

    assert init(cfg, "kk") == 0
    out = capsys.readouterr().out
    assert "Дерекқор өзекті" in out and "кілті бар және сақталды" in out and "құрылды" not in out
    assert str(paths.audit_key) in out and "Аудит кілті құрылды" not in out
    assert paths.vault_key.read_bytes() == key and paths.audit_key.read_bytes() == audit_key
    db = open_db(paths.database)
    assert len(audit.recent(db)) == 2 and audit.verify(db).ok
    db.conn.close()

    # A lost audit key is not replaced by a new one that could not check the keyed records.
    paths.audit_key.unlink()
    assert init(cfg, "en") == 1
    assert "No new key was made" in capsys.readouterr().err and not paths.audit_key.exists()


def test_init_leaves_an_older_database_to_the_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from old_schema import old_database, tables

    cfg = write_config(tmp_path)
    paths = DataPaths(tmp_path / "clinic" / "data")
    old_database(paths.database, 6)
    before = tables(paths.database)
    assert init(cfg, "ru") == 75
    err = capsys.readouterr().err
    assert "в версии 6" in err and f"нужна версия {schema.SCHEMA_VERSION}" in err
    assert "regdesk upgrade" in err
    assert tables(paths.database) == before
    assert not paths.vault_key.exists()  # init stopped before making anything else


def test_init_refuses_a_bad_bin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, bin="120440001007")
    assert init(cfg) == 78
    err = capsys.readouterr().err
    assert "120440001007" in err and "BIN" in err
    assert not (tmp_path / "clinic" / "data").exists()


def test_init_refuses_a_database_from_a_newer_regdesk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path)
    assert init(cfg) == 0
    path = DataPaths(tmp_path / "clinic" / "data").database
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    capsys.readouterr()
    assert init(cfg) == 1
    assert "newer regdesk" in capsys.readouterr().err


def test_init_keeps_the_key_of_a_service_account_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The service-account deployment: the key is the owner's alone, and stays so.
    cfg = write_config(tmp_path)
    assert init(cfg) == 0
    key = DataPaths(tmp_path / "clinic" / "data").vault_key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    capsys.readouterr()
    assert init(cfg) == 0
    assert "The key " in capsys.readouterr().out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize(("mode", "kept"), [(0o640, 0o640), (0o660, 0o660), (0o600, 0o600)])
def test_init_keeps_the_group_access_of_a_shared_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int, kept: int
) -> None:
    # The group-sharing deployment (issue 14: re-running init put the key back to 0600, and the
    # other receptionists' desks could no longer attach scans).
    import grp
    import os

    cfg = write_config(tmp_path)
    assert init(cfg) == 0
    key = DataPaths(tmp_path / "clinic" / "data").vault_key
    key.chmod(mode)
    group = grp.getgrgid(os.stat(key).st_gid).gr_name
    capsys.readouterr()
    assert init(cfg) == 0
    out = capsys.readouterr()
    assert stat.S_IMODE(key.stat().st_mode) == kept
    if mode & 0o040:
        assert f"the group “{group}” can read it (mode {kept:03o}" in out.out
    assert "every user of the server" not in out.err


@pytest.mark.parametrize(("mode", "fixed"), [(0o644, 0o640), (0o666, 0o660), (0o604, 0o600)])
def test_init_takes_the_key_away_from_every_other_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int, fixed: int
) -> None:
    cfg = write_config(tmp_path)
    assert init(cfg) == 0
    key = DataPaths(tmp_path / "clinic" / "data").vault_key
    key.chmod(mode)
    capsys.readouterr()
    assert init(cfg, "ru") == 0
    err = capsys.readouterr().err
    assert f"любому пользователю сервера (права {mode:03o}); теперь {fixed:03o}" in err
    assert stat.S_IMODE(key.stat().st_mode) == fixed


def test_init_with_a_missing_config_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(tmp_path / "nowhere.toml") == 78
    assert "nowhere.toml" in capsys.readouterr().err


def test_data_paths_follow_the_config(tmp_path: Path) -> None:
    from regdesk import config

    cfg = config.load(write_config(tmp_path))
    paths = DataPaths.for_config(cfg)
    assert paths.root == tmp_path / "clinic" / "data"
    assert paths.database.name == "regdesk.sqlite3"
    assert (paths.vault_dir.name, paths.vault_key.name) == ("vault", "vault.key")
