"""A database as an older regdesk left it: the first ``k`` migrations applied, nothing more."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from regdesk.store import schema
from regdesk.store.journal.names import make_name_key


def old_database(path: Path, k: int) -> None:
    """Make the file ``path`` at schema version ``k`` (WAL, as the desks left it)."""
    assert 0 < k < schema.SCHEMA_VERSION
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.create_function("regdesk_name_key", 3, make_name_key)
        conn.execute("BEGIN")
        for script in schema.MIGRATIONS[:k]:
            for statement in schema.statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {k}")
        conn.execute("COMMIT")
    finally:
        conn.close()


def tables(path: Path) -> dict[str, str]:
    """Every table and index of the file with its SQL: what a refused opening must not change."""
    conn = sqlite3.connect(path)
    try:
        return {str(n): str(s) for n, s in conn.execute("SELECT name, sql FROM sqlite_master")}
    finally:
        conn.close()
