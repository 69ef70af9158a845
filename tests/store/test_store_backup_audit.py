"""Backups of a keyed audit log: the manifest records the seal and the checkpoint, ``backup
verify`` and ``restore`` check the copied chain with the audit key, ``--include-key`` carries it,
and without it the words say what was and was not checked.

The data folder is a real one (database, vault key, audit key, checkpoint) with records only in
the audit log: the backup's other parts have their own tests (tests/desk/test_desk_backup.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.store import audit
from regdesk.store.audit_seal import read_checkpoint
from regdesk.store.backup import (
    DATABASE,
    MANIFEST,
    make_backup,
    read_manifest,
    verify_backup,
)
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.restore import NoAuditKey, restore
from regdesk.store.vault import Vault

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "live")
    db = open_db(paths.database)
    Vault.create_key(paths.vault_key)
    Vault.create_key(paths.audit_key)
    audit.start_keying(db, actor_iin=None, at=NOW)
    for i in range(6):
        audit.append(db, actor_iin=None, action="sign_in", object=f"n{i}", at=NOW)
    db.conn.close()
    return paths


def backup(data: DataPaths, dest: Path, *, include_key: bool = False) -> None:
    make_backup(
        data, dest, made_at=NOW + timedelta(hours=5), program_version="t", include_key=include_key
    )


def test_the_manifest_records_the_seal_and_the_live_checkpoint(
    data: DataPaths, tmp_path: Path
) -> None:
    live = read_checkpoint(data.audit_checkpoint, data.audit_key.read_bytes()).checkpoint
    assert live is not None
    backup(data, tmp_path / "b")
    section = json.loads((tmp_path / "b" / MANIFEST).read_text())["audit"]
    assert (section["count"], section["seal"]["keyed_from"]) == (7, 1)
    assert section["seal"]["checkpoint"] == {"id": 7, "count": 7, "hash": live.committed.hash}
    assert section["seal"]["key_id"] == live.key_id
    assert len(section["seal"]["mac"]) == 64
    assert not (tmp_path / "b" / "audit.key").exists()
    report = verify_backup(tmp_path / "b", key_file=data.vault_key)  # audit.key beside it
    assert report.ok and report.notes == []


def test_include_key_carries_the_audit_key_and_restore_starts_a_checkpoint(
    data: DataPaths, tmp_path: Path
) -> None:
    backup(data, tmp_path / "b", include_key=True)
    assert (tmp_path / "b" / "audit.key").read_bytes() == data.audit_key.read_bytes()
    assert read_manifest(tmp_path / "b").entry("audit.key") is not None
    assert verify_backup(tmp_path / "b").ok
    restored = restore(tmp_path / "b", tmp_path / "new", actor_iin="cli:t")
    new = DataPaths(tmp_path / "new")
    assert new.audit_key.read_bytes() == data.audit_key.read_bytes()
    db = open_db(new.database)
    report = audit.verify(db)
    assert (report.ok, report.count, restored.audit_count) == (True, 8, 8)
    assert report.checkpoint_file == new.audit_checkpoint and report.notices == ()
    assert audit.recent(db, limit=1)[0].action == "admin.restore"


def test_a_copy_rewritten_with_its_manifest_is_found_with_the_key(
    data: DataPaths, tmp_path: Path
) -> None:
    """Someone with the backup folder edits a record, rehashes the chain with the public formula,
    and rewrites the manifest's count, hash and file hash to match; only the key tells."""
    dest = tmp_path / "b"
    backup(data, dest)
    conn = sqlite3.connect(dest / DATABASE)
    conn.execute("DELETE FROM audit_seal")  # and pretend the log was never keyed
    prev = "0" * 64
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        fields = dict(zip(("action", "actor_iin", "at", "detail", "object"),
                          (row[3], row[2], row[1], row[5], row[4]), strict=True))  # fmt: skip
        text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(prev.encode() + text.encode()).hexdigest()
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
                     (prev, digest, row[0]))  # fmt: skip
        prev = digest
    conn.commit()
    conn.close()
    manifest = json.loads((dest / MANIFEST).read_text())
    manifest["audit"]["last_hash"] = prev
    raw = (dest / DATABASE).read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == DATABASE:
            entry["sha256"], entry["size"] = hashlib.sha256(raw).hexdigest(), len(raw)
    (dest / MANIFEST).write_text(json.dumps(manifest))
    report = verify_backup(dest, key_file=data.vault_key)
    assert not report.ok
    assert "audit_key.backup_downgraded" in [p.key for p in report.problems]
    assert "backup.v_count" in [p.key for p in report.problems]  # the seal row went


def test_a_copy_cut_with_its_manifest_to_match_is_found_with_the_key(
    data: DataPaths, tmp_path: Path
) -> None:
    dest = tmp_path / "b"
    backup(data, dest)
    conn = sqlite3.connect(dest / DATABASE)
    conn.execute("DELETE FROM audit_log WHERE id > 4")
    last = conn.execute("SELECT hash FROM audit_log WHERE id = 4").fetchone()[0]
    conn.commit()
    conn.close()
    manifest = json.loads((dest / MANIFEST).read_text())
    manifest["audit"]["count"], manifest["audit"]["last_hash"] = 4, last
    manifest["counts"]["audit_log"] = 4
    raw = (dest / DATABASE).read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == DATABASE:
            entry["sha256"], entry["size"] = hashlib.sha256(raw).hexdigest(), len(raw)
    (dest / MANIFEST).write_text(json.dumps(manifest))
    keys = [p.key for p in verify_backup(dest, key_file=data.vault_key).problems]
    assert "audit_key.backup_manifest_not_authentic" in keys


def test_a_backup_of_a_cut_live_log_is_found_against_the_live_checkpoint(
    data: DataPaths, tmp_path: Path
) -> None:
    conn = sqlite3.connect(data.database)
    conn.execute("DELETE FROM audit_log WHERE id > 3")
    conn.commit()
    conn.close()
    backup(data, tmp_path / "b")
    report = verify_backup(tmp_path / "b", key_file=data.vault_key)
    assert [p.key for p in report.problems] == ["backup.v_audit"]
    assert "checkpoint says record 7" in str(report.problems[0].params["detail"])


def test_without_the_audit_key_verify_says_what_was_not_checked_and_restore_refuses(
    data: DataPaths, tmp_path: Path
) -> None:
    from regdesk.i18n import t

    backup(data, tmp_path / "b")
    apart = tmp_path / "apart"
    apart.mkdir()
    shutil.copy(data.vault_key, apart / "vault.key")  # the vault key alone was kept apart
    report = verify_backup(tmp_path / "b", key_file=apart / "vault.key")
    assert report.ok
    assert [(n.key, n.params) for n in report.notes] == [
        ("audit_key.backup_no_key", {"keyed_from": 1})
    ]
    words = t("audit_key.backup_no_key", "ru", keyed_from=1)
    assert "Не проверено" in words and "Проверено" in words
    with pytest.raises(NoAuditKey) as refused:
        restore(tmp_path / "b", tmp_path / "new", actor_iin="cli:t", key_file=apart / "vault.key")
    text = refused.value.message("en")
    assert "Nothing was restored" in text and str(apart / "audit.key") in text
    assert not (tmp_path / "new").exists()
