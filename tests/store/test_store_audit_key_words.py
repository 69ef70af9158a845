"""The audit key's problems said in the reader's language (issue 14): an action refused for the
key and ``regdesk audit verify`` put what is wrong with the key (missing, of the wrong size, a
folder, not this log's) in catalogue words inside their kk and ru sentences, not the English
detail the log keeps. A real keyed log and real key files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.cli import main
from regdesk.store import audit
from regdesk.store.audit_seal import AuditKeyError
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
ENGLISH = ("missing", "bytes, not", "Is a directory", "not the key this log was keyed with")


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    db = open_db(paths.database)
    Vault.create_key(paths.audit_key)
    assert audit.start_keying(db, actor_iin=None, at=NOW) == 1
    db.conn.close()
    return paths


@pytest.fixture
def db(paths: DataPaths) -> Database:
    return open_db(paths.database)


def refused(db: Database) -> AuditKeyError:
    with pytest.raises(AuditKeyError) as caught:
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    return caught.value


def verified(tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> str:
    config = tmp_path / "config.toml"
    config.write_text('[clinic]\nbin = "120440001006"\n[storage]\ndata_dir = "data"\n')
    assert main(["--config", str(config), "--lang", lang, "audit", "verify"]) == 1
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("remove", {"kk": "файл жоқ", "ru": "файла нет", "en": "the file is missing"}),
        (
            "shorten",
            {
                "kk": "файлда 31 байт, ал кілтте 32 байт болуы керек",
                "ru": "в файле 31 байт, а в ключе должно быть 32",
                "en": "the file has 31 bytes, a key has 32",
            },
        ),
        (
            "folder",
            {
                "kk": "бұл файл емес, бума",
                "ru": "это папка, а не файл",
                "en": "a folder, not a file",
            },
        ),
    ],
)
def test_an_unreadable_key_is_said_in_each_language(
    db: Database,
    paths: DataPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: str,
    words: dict[str, str],
) -> None:
    key = paths.audit_key
    if damage == "shorten":
        key.write_bytes(key.read_bytes()[:31])
    else:
        key.unlink()
        if damage == "folder":
            key.mkdir()
    error = refused(db)
    for lang in ("kk", "ru", "en"):
        text = error.message(lang)
        assert words[lang] in text, text
        said = verified(tmp_path, capsys, lang)
        assert words[lang] in said, said
        if lang != "en":
            assert not any(english in text or english in said for english in ENGLISH)
    assert str(error) == error.message("en")


def test_the_wrong_key_is_said_in_each_language(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.audit_key.write_bytes(b"\x01" * 32)  # a key, but not this log's
    error = refused(db)
    assert "бұл журнал мөрленген кілт емес" in error.message("kk")
    assert "это не тот ключ, которым заверен журнал" in error.message("ru")
    assert "it is not the key this log was keyed with" in error.message("en")
    assert "not the key" not in error.message("ru")
    assert "не тот ключ, которым заверен этот журнал" in verified(tmp_path, capsys, "ru")
