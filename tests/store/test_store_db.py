"""Opening the database: pragmas, forward migrations, refusal of a newer file, transactions."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from regdesk.core.errors import UserError
from regdesk.store import schema
from regdesk.store.db import SchemaTooNewError, open_db, transaction, utc_text

TABLES = {
    "staff",
    "applications",
    "number_counters",
    "events",
    "attachments",
    "signatures",
    "prints",
    "survey_answers",
    "audit_log",
    "outbox",
}


def test_an_empty_file_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "regdesk.sqlite3"
    db = open_db(path)
    assert path.exists()
    assert set(db.table_names()) >= TABLES
    assert schema.version(db.conn) == schema.SCHEMA_VERSION
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.isolation_level is None


def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    db = open_db(path)
    db.execute("INSERT INTO number_counters VALUES ('A', 2026, 7)")
    db.conn.close()
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn, path) == 0
    conn.close()
    again = open_db(path)
    assert again.execute("SELECT last_seq FROM number_counters").fetchone()[0] == 7


def test_a_new_migration_is_applied_to_an_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "regdesk.sqlite3"
    open_db(path).conn.close()
    extra = (
        "CREATE TABLE later (id INTEGER PRIMARY KEY);\n-- a comment\n"
        "ALTER TABLE staff ADD COLUMN x TEXT;"
    )
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    db = open_db(path, upgrade=True)
    assert schema.version(db.conn) == schema.SCHEMA_VERSION
    assert "later" in db.table_names()
    assert "x" in db["staff"].columns_dict


def test_a_failing_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "regdesk.sqlite3"
    open_db(path).conn.close()
    broken = "CREATE TABLE half (id INTEGER);\nCREATE TABLE staff (id INTEGER);"
    known = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    with pytest.raises(UserError):
        open_db(path, upgrade=True)
    conn = sqlite3.connect(path)
    assert schema.version(conn) == known
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


def test_a_file_from_a_newer_regdesk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    open_db(path).conn.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(SchemaTooNewError) as caught:
        open_db(path)
    assert isinstance(caught.value, UserError)
    text = caught.value.message("en")
    assert str(schema.SCHEMA_VERSION + 5) in text and "newer regdesk" in text
    assert "новой версией" in caught.value.message("ru")


def test_a_file_that_is_not_a_database_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(UserError) as caught:
        open_db(path)
    assert str(path) in caught.value.message("en")


def _open_in_child(path: str) -> int:
    return schema.version(open_db(Path(path)).conn)


def test_terminals_opening_a_new_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        versions = pool.map(_open_in_child, [str(path)] * 4)
    assert versions == [schema.SCHEMA_VERSION] * 4


def test_transaction_commits_or_rolls_back_and_nests(tmp_path: Path) -> None:
    db = open_db(tmp_path / "regdesk.sqlite3")
    with transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('A', 1, 1)")
    with pytest.raises(RuntimeError), transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('B', 1, 1)")
        raise RuntimeError("boom")
    with transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('C', 1, 1)")
        with pytest.raises(RuntimeError), transaction(db):
            db.execute("INSERT INTO number_counters VALUES ('D', 1, 1)")
            raise RuntimeError("inner")
    codes = [r[0] for r in db.execute("SELECT clinic_code FROM number_counters ORDER BY 1")]
    assert codes == ["A", "C"]
    assert not db.conn.in_transaction


def test_transaction_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    first = open_db(path)
    second = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    # BEGIN IMMEDIATE holds the reserved lock before any write: another writer must wait.
    with transaction(first), pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("BEGIN IMMEDIATE")


def test_timestamps_are_utc_text_with_microseconds() -> None:
    almaty = timezone(timedelta(hours=5))
    moment = datetime(2026, 11, 25, 15, 0, 0, 123, tzinfo=almaty)
    assert utc_text(moment) == "2026-11-25T10:00:00.000123+00:00"
    assert utc_text(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000+00:00"
    with pytest.raises(ValueError):
        utc_text(datetime(2026, 1, 1))


def test_statements_splits_scripts_and_rejects_a_cut_one() -> None:
    parts = schema.statements(
        "CREATE TABLE a (x TEXT DEFAULT ';');\n-- note\nCREATE TABLE b (y);\n"
    )
    assert parts == ["CREATE TABLE a (x TEXT DEFAULT ';');", "-- note\nCREATE TABLE b (y);"]
    with pytest.raises(ValueError):
        schema.statements("CREATE TABLE a (x);\nCREATE TABLE b (")


def test_migration_2_folds_the_name_keys_of_existing_applications(tmp_path: Path) -> None:
    path = tmp_path / "regdesk.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in schema.statements(schema.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    # Keys as schema 1 wrote them: casefolded only, Kazakh letters kept.
    rows = [
        ("Ғабдуллин", "Әлішер", "Қайратұлы", "ғабдуллин әлішер қайратұлы"),
        ("ИВАНОВА", "Ёлка", "", "иванова елка"),
    ]
    for surname, first, patronymic, key in rows:
        conn.execute(
            "INSERT INTO applications (channel, state, applicant_iin, surname, first_name,"
            " patronymic, name_key, created_by, created_at, updated_at)"
            " VALUES ('desk', 'draft', '900101300011', ?, ?, ?, ?, 'x', 't', 't')",
            (surname, first, patronymic, key),
        )
    conn.close()
    db = open_db(path, upgrade=True)
    assert schema.version(db.conn) == schema.SCHEMA_VERSION
    keys = [r[0] for r in db.conn.execute("SELECT name_key FROM applications ORDER BY id")]
    assert keys == ["габдуллин алишер кайратулы", "иванова елка"]
    indexes = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "applications_number_seq" in indexes


def test_a_writer_waits_for_the_lock_in_short_naps_then_gives_up_with_sqlite_s_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regdesk.store import db as db_module

    path = tmp_path / "regdesk.sqlite3"
    db = open_db(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another terminal in its write transaction
    tries: list[float] = []
    real_sleep = db_module.time.sleep
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(db_module.time, "sleep", lambda s: (tries.append(s), real_sleep(s)))
    try:
        with pytest.raises(sqlite3.OperationalError) as caught, transaction(db):
            pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The error the desk explains in words, as before; never a nap longer than the longest.
    assert caught.value.sqlite_errorname == "SQLITE_BUSY"
    assert len(tries) >= 2 and max(tries) <= db_module.LONGEST_NAP_S
    # Other statements keep SQLite's own wait (the configured one), and the next writer gets in.
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 300
    with transaction(db):
        db.execute("INSERT INTO number_counters VALUES ('A', 2026, 1)")
    assert db.execute("SELECT last_seq FROM number_counters").fetchone()[0] == 1


def test_an_older_file_is_refused_unless_upgrading_and_left_as_it_was(tmp_path: Path) -> None:
    from old_schema import old_database, tables

    from regdesk.store.db import SchemaTooOldError

    path = tmp_path / "regdesk.sqlite3"
    old_database(path, 7)
    before = tables(path)
    with pytest.raises(SchemaTooOldError) as caught:
        open_db(path)
    text = caught.value.message("en")
    assert "version 7" in text and f"needs {schema.SCHEMA_VERSION}" in text
    assert "regdesk upgrade" in text
    assert "версии 7" in caught.value.message("ru") and "7-нұсқада" in caught.value.message("kk")
    assert tables(path) == before
    conn = sqlite3.connect(path)
    assert schema.version(conn) == 7
    conn.close()
    db = open_db(path, upgrade=True)
    assert schema.version(db.conn) == schema.SCHEMA_VERSION
    assert "must_change_password" in db["staff"].columns_dict  # MIGRATION_8 ran
