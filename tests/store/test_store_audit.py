"""The audit chain: appends inside the caller's transaction, and tampering found at its record."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.cli import main
from regdesk.store import audit
from regdesk.store.audit import GENESIS, Problem, record_hash, verify
from regdesk.store.db import open_db, transaction

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "regdesk.sqlite3"


@pytest.fixture
def db(path: Path) -> Database:
    db = open_db(path)
    with transaction(db):
        for i in range(10):
            audit.append(
                db,
                actor_iin="880101300123" if i % 2 else None,
                action="sign_in" if i % 3 else "registry_lookup",
                object=f"person:{i}",
                detail={"n": i, "name": "Әлиев Ғалым", "at": NOW, "tags": ("a", "b")},
                at=NOW + timedelta(seconds=i),
            )
    return db


def tamper(path: Path, *sql: str) -> None:
    """Change the file behind the program's back, as someone with sqlite3 would."""
    conn = sqlite3.connect(path)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_an_untouched_chain_verifies(db: Database) -> None:
    report = verify(db)
    assert (report.ok, report.count, report.last_id) == (True, 10, 10)
    rows = db.execute("SELECT id, prev_hash, hash FROM audit_log ORDER BY id").fetchall()
    assert rows[0][1] == GENESIS
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, 10))
    assert report.last_hash == rows[-1][2]


def test_records_are_canonical_json_and_sealed_as_documented(db: Database) -> None:
    at, actor, action, obj, detail, prev, digest = db.execute(
        "SELECT at, actor_iin, action, object, detail, prev_hash, hash FROM audit_log WHERE id = 2"
    ).fetchone()
    assert detail == (
        '{"at":"2026-11-25T10:00:00.000000+00:00","n":1,"name":"Әлиев Ғалым","tags":["a","b"]}'
    )
    assert at == "2026-11-25T10:00:01.000000+00:00"
    assert digest == record_hash(
        prev, at=at, actor_iin=actor, action=action, object=obj, detail=detail
    )
    canonical = (
        '{"action":"sign_in","actor_iin":"880101300123","at":"2026-11-25T10:00:01.000000+00:00",'
        f'"detail":{json_string(detail)},"object":"person:1"}}'
    )
    assert digest == hashlib.sha256(prev.encode() + canonical.encode()).hexdigest()


def json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False, separators=(",", ":"))


def test_append_commits_and_rolls_back_with_the_callers_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), transaction(db):
        audit.append(db, actor_iin=None, action="admin.user_add", object="staff:1")
        raise RuntimeError("the change it describes failed")
    assert verify(db).count == 10
    new_id = audit.append(db, actor_iin=None, action="admin.user_add")  # opens its own
    assert new_id == 11 and verify(db).ok


def test_an_edited_record_is_found(db: Database, path: Path) -> None:
    tamper(path, "UPDATE audit_log SET actor_iin = '000000000000' WHERE id = 4")
    report = verify(db)
    assert (report.ok, report.first_bad_id, report.problem, report.count) == (
        False,
        4,
        Problem.CHANGED,
        3,
    )


def test_an_edited_and_rehashed_record_is_found_at_its_successor(db: Database, path: Path) -> None:
    row = db.execute("SELECT at, actor_iin, action, object, prev_hash FROM audit_log WHERE id = 6")
    at, actor, action, obj, prev = row.fetchone()
    forged = record_hash(prev, at=at, actor_iin=actor, action=action, object=obj, detail="{}")
    tamper(path, f"UPDATE audit_log SET detail = '{{}}', hash = '{forged}' WHERE id = 6")
    report = verify(db)
    assert (report.ok, report.first_bad_id, report.problem) == (False, 7, Problem.REMOVED)


def test_a_deleted_record_is_found(db: Database, path: Path) -> None:
    tamper(path, "DELETE FROM audit_log WHERE id = 5")
    report = verify(db)
    assert (report.ok, report.first_bad_id, report.problem) == (False, 5, Problem.REMOVED)


def test_a_deleted_first_record_is_found(db: Database, path: Path) -> None:
    tamper(path, "DELETE FROM audit_log WHERE id = 1")
    assert (verify(db).first_bad_id, verify(db).problem) == (1, Problem.REMOVED)


def test_deleting_and_renumbering_is_found(db: Database, path: Path) -> None:
    tamper(
        path,
        "DELETE FROM audit_log WHERE id = 5",
        "UPDATE audit_log SET id = id + 100 WHERE id > 5",
        "UPDATE audit_log SET id = id - 101 WHERE id > 100",
    )
    report = verify(db)
    assert (report.first_bad_id, report.problem) == (5, Problem.REMOVED)


def test_a_record_appended_by_hand_is_found(db: Database, path: Path) -> None:
    tamper(
        path,
        "INSERT INTO audit_log (at, actor_iin, action, object, detail, prev_hash, hash) VALUES"
        f" ('2026-11-25T12:00:00.000000+00:00', NULL, 'sign_in', NULL, NULL, 'x', '{'0' * 64}')",
    )
    report = verify(db)
    assert (report.first_bad_id, report.problem) == (11, Problem.INSERTED)


def test_a_record_slipped_into_the_middle_is_found(db: Database, path: Path) -> None:
    # Make room after record 4 and insert a well-formed record that even links to record 4.
    prev = db.execute("SELECT hash FROM audit_log WHERE id = 4").fetchone()[0]
    at = "2026-11-25T10:00:03.500000+00:00"
    forged = record_hash(prev, at=at, actor_iin=None, action="sign_in", object=None, detail=None)
    tamper(
        path,
        "UPDATE audit_log SET id = id + 100 WHERE id > 4",
        "UPDATE audit_log SET id = id - 99 WHERE id > 100",
        "INSERT INTO audit_log (id, at, actor_iin, action, object, detail, prev_hash, hash)"
        f" VALUES (5, '{at}', NULL, 'sign_in', NULL, NULL, '{prev}', '{forged}')",
    )
    report = verify(db)
    assert (report.ok, report.first_bad_id, report.problem) == (False, 5, Problem.INSERTED)


def test_a_naive_insert_in_the_middle_is_found(db: Database, path: Path) -> None:
    tamper(
        path,
        "UPDATE audit_log SET id = id + 100 WHERE id > 4",
        "UPDATE audit_log SET id = id - 99 WHERE id > 100",
        "INSERT INTO audit_log (id, at, action, prev_hash, hash) VALUES (5, 'x', 'y', 'z', 'w')",
    )
    report = verify(db)
    assert (report.first_bad_id, report.problem) == (5, Problem.INSERTED)


def test_a_record_before_the_first_is_found(db: Database, path: Path) -> None:
    tamper(path, "INSERT INTO audit_log VALUES (0, 'x', NULL, 'y', NULL, NULL, 'z', 'w')")
    assert (verify(db).first_bad_id, verify(db).problem) == (0, Problem.INSERTED)


def test_a_cut_tail_is_found_only_with_an_anchor(db: Database, path: Path) -> None:
    anchor = verify(db).last_hash
    assert verify(db, anchor=anchor).ok
    tamper(path, "DELETE FROM audit_log WHERE id > 8")
    assert verify(db).ok  # undetectable from inside the file, as the module says
    report = verify(db, anchor=anchor)
    assert (report.ok, report.problem, report.count) == (False, Problem.ANCHOR_MISSING, 8)


def test_an_empty_log_is_intact(tmp_path: Path) -> None:
    report = verify(open_db(tmp_path / "x.sqlite3"))
    assert (report.ok, report.count, report.last_id, report.last_hash) == (True, 0, None, GENESIS)


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[clinic]\nbin = "120440001006"\ncode = "EMH"\n[storage]\ndata_dir = "data"\n')
    return cfg


def test_cli_verify_reports_ok_with_the_last_hash(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    assert main(["--config", str(cfg), "--lang", "en", "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact: 10 records" in out and verify(db).last_hash in out
    anchor = verify(db).last_hash
    assert main(["--config", str(cfg), "--lang", "en", "audit", "verify", "--anchor", anchor]) == 0
    assert main(["--config", str(cfg), "--lang", "en", "audit", "verify", "--anchor", "ab"]) == 1
    assert "not in the chain" in capsys.readouterr().err


def test_cli_verify_names_the_broken_record(
    db: Database, path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(path, "DELETE FROM audit_log WHERE id = 7")
    cfg = _config(tmp_path)
    assert main(["--config", str(cfg), "--lang", "ru", "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "НАРУШЕНО" in err and "записи 7" in err and "удалена" in err


def test_cli_verify_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path)
    assert main(["--config", str(cfg), "--lang", "kk", "audit", "verify"]) == 1
    assert "regdesk init" in capsys.readouterr().err
    assert not (tmp_path / "data" / "regdesk.sqlite3").exists()
