"""``regdesk upgrade`` and the refusal of an older database (issue 14, "Install and upgrade as a
procedure"): a real database of an older schema (the first k migrations), a real scan in the
vault, the real backup and its verification, the real sign-in."""

from __future__ import annotations

import hashlib
import io
import json
import os
import select
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from inbox_support import png
from old_schema import old_database, tables

from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.core.ids import make_iin
from regdesk.store import audit, schema
from regdesk.store.backup import MANIFEST, read_manifest, verify_backup
from regdesk.store.db import open_db, utc_text
from regdesk.store.paths import DataPaths
from regdesk.store.staff import hash_password
from regdesk.store.vault import Vault

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK = make_iin(date(1992, 11, 3), "male", 4567)
GOOD = "Kelbet-2026-qala"
OLD = 7
"""Before MIGRATION_8 rebuilt the staff table: the sign-in works only on the migrated schema."""
AT = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
CONFIG = """\
[clinic]
bin = "040340004129"

[storage]
data_dir = "data"

[languages]
default = "en"
"""


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """The config of a clinic whose data folder an older regdesk left at schema ``OLD``: an
    admin and a receptionist, an application with a scan in the vault, an audit record."""
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    paths = DataPaths(config.parent / "data")
    old_database(paths.database, OLD)
    Vault.create_key(paths.vault_key)
    stored = Vault(paths.vault_dir, paths.vault_key, 10**7).put_bytes(png(40, 30), name="id.png")
    conn = sqlite3.connect(paths.database, isolation_level=None)
    with closing(conn):
        for iin, role in ((ADMIN, "admin"), (CLERK, "receptionist")):
            conn.execute(
                "INSERT INTO staff (iin, full_name, role, password_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (iin, f"Employee {role}", role, hash_password(GOOD), utc_text(AT)),
            )
        conn.execute(
            "INSERT INTO applications (id, channel, state, applicant_iin, created_by,"
            " created_at, updated_at) VALUES (1, 'desk', 'draft', '900101300011', ?, 't', 't')",
            (CLERK,),
        )
        conn.execute(
            "INSERT INTO attachments (application_id, doc_kind, original_name, media_type, size,"
            " sha256, vault_name, added_at, added_by) VALUES (1, 'identity', 'id.png', ?, ?, ?,"
            " ?, 't', ?)",
            (stored.media_type, stored.size, stored.sha256, stored.vault_name, CLERK),
        )
        from sqlite_utils import Database

        audit.append(Database(conn), actor_iin=CLERK, action="sign_in", at=AT)
    return config


def run(
    config: Path,
    *args: str,
    stdin: str = "",
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str = "en",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(
        ["--lang", lang, "--config", str(config), *args], clock=PinnedClock(AT, "Asia/Almaty")
    )
    out, err = capsys.readouterr()
    return code, out, err


def upgrade(
    config: Path,
    backups: Path | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    who: str = ADMIN,
    password: str = GOOD,
) -> tuple[int, str, str]:
    """``regdesk upgrade`` signed in as ``who`` (into ``backups``, or the default folder)."""
    where = () if backups is None else ("--backup-dir", str(backups))
    return run(
        config, "upgrade", "--as", who, "--password-stdin", *where,
        stdin=password + "\n", capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip


def database(config: Path) -> Path:
    return config.parent / "data" / "regdesk.sqlite3"


def version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return schema.version(conn)


def audit_actions(path: Path) -> list[tuple[str | None, str]]:
    with closing(sqlite3.connect(path)) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT actor_iin, action FROM audit_log")]


@pytest.mark.parametrize(
    "args",
    [
        (),  # the desk itself
        ("user", "list", "--as", ADMIN, "--password-stdin"),
        ("report", "workload", "--from", "2026-11-01", "--to", "2026-11-25"),
        ("talon", "print", "EMH-2026-000001"),
        ("lookup", "900101300011"),
        ("status",),
        ("doctor",),
        ("audit", "verify"),
        ("backup", "/nowhere/at/all"),
    ],
)
def test_the_desk_and_the_commands_refuse_an_older_database(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    before = tables(database(clinic))
    stdin = io.StringIO(GOOD + "\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(["--lang", "ru", "--config", str(clinic), *args])
    err = capsys.readouterr().err
    assert code == 75
    assert f"в версии {OLD}, этому regdesk нужна версия {schema.SCHEMA_VERSION}" in err
    assert "regdesk upgrade" in err
    assert stdin.tell() == 0  # nobody typed a password for nothing
    assert tables(database(clinic)) == before
    assert version(database(clinic)) == OLD


def test_a_newer_database_is_refused_in_words_by_the_commands_and_the_upgrade(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with closing(sqlite3.connect(database(clinic))) as conn:
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 2}")
    for args in (("user", "list", "--as", ADMIN), ("upgrade", "--as", ADMIN), ()):
        code, _, err = run(clinic, *args, capsys=capsys, monkeypatch=monkeypatch)
        assert code == 74, args
        assert f"newer regdesk (schema {schema.SCHEMA_VERSION + 2}" in err, args
    assert version(database(clinic)) == schema.SCHEMA_VERSION + 2


def test_upgrade_backs_up_migrates_and_audits(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = database(clinic)
    backups = tmp_path / "backups"
    code, out, err = upgrade(clinic, backups, capsys, monkeypatch)
    assert code == 0, err
    # The clinic's time of the pinned moment (UTC+5) names the backup.
    dest = backups / f"before-upgrade-{OLD}-to-{schema.SCHEMA_VERSION}-20261125-103000"
    assert dest.is_dir(), list(backups.iterdir())
    assert f"upgraded from version {OLD} to version {schema.SCHEMA_VERSION}" in out
    assert version(path) == schema.SCHEMA_VERSION

    # The backup is of the database as it was, and verifies (the scan opens with the live key).
    manifest = read_manifest(dest)
    assert manifest.schema_version == OLD
    assert manifest.counts["staff"] == 2 and manifest.counts["scans"] == 1
    report = verify_backup(dest, key_file=DataPaths(path.parent).vault_key)
    assert report.ok, report.problems
    assert report.scans_opened == 1
    digest = hashlib.sha256((dest / MANIFEST).read_bytes()).hexdigest()
    assert digest in out

    # The audit record: by the admin who signed in, from and to, the backup and its hash.
    db = open_db(path)
    record = audit.recent(db, action="admin.upgrade")[0]
    assert record.actor_iin == ADMIN
    assert record.detail == {
        "schema_from": OLD,
        "schema_to": schema.SCHEMA_VERSION,
        "backup": str(dest.resolve()),
        "backup_manifest_sha256": digest,
    }
    assert audit.verify(db).ok
    # Then keyed from there on, as init keys a new database's log.
    assert [r.action for r in audit.recent(db, limit=2)] == [audit.KEYED_ACTION, "admin.upgrade"]
    assert "must_change_password" in db["staff"].columns_dict
    db.conn.close()

    # Everything works again: the commands, and a second upgrade has nothing to do.
    code, out, err = run(
        clinic, "user", "list", "--as", ADMIN, "--password-stdin",
        stdin=GOOD + "\n", capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0, err
    assert CLERK in out
    code, out, _ = run(clinic, "upgrade", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and "nothing to upgrade" in out
    code, out, _ = run(
        clinic, "backup", "verify", str(dest), capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 0


def test_upgrade_without_backup_dir_backs_up_into_the_data_folder(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = upgrade(clinic, None, capsys, monkeypatch)
    assert code == 0, err
    made = list((clinic.parent / "data" / "backups").iterdir())
    assert [p.name.startswith(f"before-upgrade-{OLD}-to-") for p in made] == [True]
    # regdesk status shows it as the last verified backup.
    state = json.loads((clinic.parent / "data" / "last-backup.json").read_text())
    assert state["dest"] == str(made[0].resolve())


@pytest.mark.parametrize(
    ("who", "password", "words"),
    [
        (CLERK, GOOD, "the admin only"),
        (ADMIN, "wrong-Password-1", ""),  # the sign-in's own words (signin-throttle's to change)
    ],
)
def test_upgrade_by_anyone_but_an_admin_changes_nothing(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    password: str,
    words: str,
) -> None:
    path = database(clinic)
    before, actions = tables(path), audit_actions(path)
    backups = tmp_path / "backups"
    code, _, err = upgrade(clinic, backups, capsys, monkeypatch, who=who, password=password)
    assert code == 1
    assert words in err, err
    assert (f"Signed in: Employee admin ({ADMIN})" in err) == (who == ADMIN and password == GOOD)
    assert "Nothing was upgraded" in err
    assert version(path) == OLD and tables(path) == before and audit_actions(path) == actions
    assert not backups.exists() or not any(backups.iterdir())  # the copy made for it is gone


def test_a_migration_that_fails_leaves_the_database_as_it_was(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = database(clinic)
    before = tables(path)
    broken = "CREATE TABLE half (id INTEGER);\nCREATE TABLE staff (id INTEGER);"
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    code, _, err = upgrade(clinic, tmp_path / "b", capsys, monkeypatch)
    assert code == 1
    assert "failed (table staff already exists)" in err and "Nothing was upgraded" in err
    assert version(path) == OLD and tables(path) == before


_PAUSED_UPGRADE = """
import os, signal, sys
from regdesk.store import schema
from regdesk.cli import main

ready = int(sys.argv[1])
apply_missing = schema.apply_missing

def paused(conn, path=""):
    applied = apply_missing(conn, path)
    os.write(ready, b"migrated")  # the migrations are in, not yet committed
    signal.pause()  # until the test kills this process
    return applied

schema.apply_missing = paused
sys.exit(main(sys.argv[2:]))
"""


def test_an_upgrade_killed_half_way_leaves_the_database_as_it_was(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = database(clinic)
    before, actions = tables(path), audit_actions(path)
    read_end, write_end = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_UPGRADE, str(write_end), "--lang", "en",
         "--config", str(clinic), "upgrade", "--as", ADMIN, "--password-stdin",
         "--backup-dir", str(tmp_path / "b")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        pass_fds=(write_end,),
    )  # fmt: skip
    os.close(write_end)
    try:
        assert child.stdin is not None
        child.stdin.write((GOOD + "\n").encode())
        child.stdin.close()
        ready, _, _ = select.select([read_end], [], [], 120)
        assert ready, "the upgrade never reached its migrations"
        assert os.read(read_end, 8) == b"migrated"
        child.kill()  # kill -9 with the migrations applied and not committed
    finally:
        child.wait()
        os.close(read_end)
    assert version(path) == OLD
    assert tables(path) == before
    assert audit_actions(path) == actions
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The next try does the whole upgrade.
    code, _, err = upgrade(clinic, tmp_path / "c", capsys, monkeypatch)
    assert code == 0, err
    assert version(path) == schema.SCHEMA_VERSION


def operational_log(config: Path) -> str:
    return (DataPaths(config.parent / "data").logs_dir / "regdesk.log").read_text()


def test_upgrade_writes_its_steps_to_the_operational_log_without_personal_data(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backups = tmp_path / "backups"
    code, _, err = upgrade(clinic, backups, capsys, monkeypatch)
    assert code == 0, err
    [dest] = list(backups.iterdir())
    digest = hashlib.sha256((dest / MANIFEST).read_bytes()).hexdigest()
    text = operational_log(clinic)
    # The upgrade's own steps, between the start and the end every command logs (oplog.py).
    lines = [line for line in text.splitlines() if " regdesk.upgrade: " in line]
    to = schema.SCHEMA_VERSION
    assert len(lines) == 3, text
    assert text.index("upgrade started, regdesk ") < text.index(lines[0])
    assert text.index(lines[2]) < text.index("upgrade ended: exit 0")
    assert f"upgrade started: {database(clinic)} from schema {OLD} to {to}" in lines[0]
    assert f"backup made and checked, {dest} (manifest {digest})" in lines[1]
    assert f"upgrade committed: {database(clinic)} from schema {OLD} to {to}" in lines[2]
    # In the clinic's time with its offset, as every line of the log (Almaty: +05:00).
    assert all(line.split()[0].endswith("+05:00") for line in lines), lines
    assert ADMIN not in text and "Employee admin" not in text


def test_an_upgrade_refused_is_logged_as_rolled_back_with_why(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, _ = upgrade(clinic, tmp_path / "b", capsys, monkeypatch, who=CLERK)
    assert code == 1
    text = operational_log(clinic)
    assert "upgrade: backup made and checked" in text
    assert "upgrade rolled back (admin.not_allowed)" in text
    assert "upgrade committed" not in text
    assert CLERK not in text and ADMIN not in text
