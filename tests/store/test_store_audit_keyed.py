"""The keyed audit chain and its checkpoint: what an attacker who can write the database file
(plain sqlite3 on the real file, knowing the public formula) does, and what ``verify`` says.

The log starts with three records written before there was a key (the public formula), then
``start_keying`` (as ``regdesk init`` does) and more records: the switch-over is in every test.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.cli import main
from regdesk.store import audit, audit_seal
from regdesk.store.audit import Problem, verify
from regdesk.store.audit_seal import (
    SLOT_BYTES,
    SLOTS,
    AuditKeyError,
    Checkpoint,
    Tail,
    read_checkpoint,
)
from regdesk.store.db import open_db, transaction
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
UNKEYED = 3
"""Records written before the switch-over; the first keyed one (K) is the next."""


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data")


@pytest.fixture
def db(paths: DataPaths) -> Database:
    db = open_db(paths.database)
    for i in range(UNKEYED):
        audit.append(db, actor_iin=None, action="sign_in", object=f"old:{i}", at=NOW)
    Vault.create_key(paths.audit_key)
    assert audit.start_keying(db, actor_iin=None, at=NOW) == UNKEYED + 1
    for i in range(8):
        with transaction(db):
            audit.append(
                db,
                actor_iin="880101300123",
                action="person_view",
                object=f"iin:88010130012{i}",
                detail={"n": i, "name": "Әлиев Ғалым"},
                at=NOW + timedelta(seconds=i),
            )
    return db


LAST = UNKEYED + 1 + 8


def public_hash(prev: str, row: dict[str, str | None]) -> str:
    """The formula a forger reads in the docs: SHA-256 of prev_hash and the canonical JSON."""
    fields = {k: row[k] for k in ("action", "actor_iin", "at", "detail", "object")}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev.encode() + text.encode()).hexdigest()


def written(paths: DataPaths) -> Checkpoint:
    """The checkpoint as the program reads it (the newer of its two slots whose MAC checks)."""
    read = read_checkpoint(paths.audit_checkpoint, paths.audit_key.read_bytes())
    assert read.checkpoint is not None, read
    return read.checkpoint


def attacker(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def rehash_from(conn: sqlite3.Connection, first: int) -> None:
    """Recompute every hash from record ``first`` on with the public formula, links included."""
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (first - 1,)).fetchone()
    prev_hash = prev[0] if prev else "0" * 64
    rows = conn.execute("SELECT * FROM audit_log WHERE id >= ? ORDER BY id", (first,)).fetchall()
    for row in rows:
        digest = public_hash(prev_hash, dict(row))
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
            (prev_hash, digest, row["id"]),
        )
        prev_hash = digest
    conn.commit()


def cli(tmp_path: Path, lang: str, *args: str) -> int:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[clinic]\nbin = "120440001006"\ncode = "EMH"\n[storage]\ndata_dir = "data"\n')
    return main(["--config", str(cfg), "--lang", lang, "audit", "verify", *args])


def said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """What ``regdesk audit verify`` says in each language (it must fail each time)."""
    out = {}
    for lang in ("kk", "ru", "en"):
        assert cli(tmp_path, lang) == 1
        captured = capsys.readouterr()
        out[lang] = captured.out + captured.err
    return out


def test_an_untouched_keyed_log_verifies_and_says_where_its_witnesses_are(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = verify(db)
    assert (report.ok, report.count, report.keyed_from, report.notices) == (True, LAST, 4, ())
    assert (report.key_file, report.checkpoint_file) == (paths.audit_key, paths.audit_checkpoint)
    # Records before K carry the public formula's hash, K and later do not.
    conn = attacker(paths.database)
    rows = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM audit_log")}
    assert rows[2]["hash"] == public_hash(rows[1]["hash"], rows[2])
    assert rows[4]["hash"] != public_hash(rows[3]["hash"], rows[4])
    assert rows[4]["action"] == "audit.keyed"
    assert cli(tmp_path, "en") == 0
    out = capsys.readouterr().out
    assert str(paths.audit_checkpoint) in out and str(paths.audit_key) in out
    assert f"intact: {LAST} records" in out and "From record 4 on" in out


def test_a_forged_append_with_the_public_formula_is_found(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(paths.database)
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (LAST,)).fetchone()[0]
    row = {"action": "sign_in", "actor_iin": None, "at": "2026-11-25T12:00:00.000000+00:00",
           "detail": None, "object": None}  # fmt: skip
    conn.execute(
        "INSERT INTO audit_log (id, at, actor_iin, action, object, detail, prev_hash, hash)"
        " VALUES (?, ?, NULL, 'sign_in', NULL, NULL, ?, ?)",
        (LAST + 1, row["at"], prev, public_hash(prev, row)),
    )
    conn.commit()
    report = verify(db)
    assert (report.ok, report.problem, report.first_bad_id) == (False, Problem.FORGED, LAST + 1)
    words = said(tmp_path, capsys)
    assert f"{LAST + 1} жазбасында" in words["kk"] and "ашық формуламен" in words["kk"]
    assert f"записи {LAST + 1}" in words["ru"] and "открытой формулой" in words["ru"]
    assert f"record {LAST + 1}" in words["en"] and "public formula" in words["en"]


@pytest.mark.parametrize("edited", [2, 7])
def test_a_chain_rehashed_after_an_edit_is_found(
    db: Database, paths: DataPaths, edited: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2 is before the switch-over: K's keyed hash covers it, so the forger must rehash K too.
    conn = attacker(paths.database)
    conn.execute("UPDATE audit_log SET object = 'someone else' WHERE id = ?", (edited,))
    rehash_from(conn, edited)
    report = verify(db)
    first_keyed = max(edited, UNKEYED + 1)
    assert (report.ok, report.problem, report.first_bad_id) == (False, Problem.FORGED, first_keyed)
    words = said(tmp_path, capsys)
    assert "БҰЗЫЛҒАН" in words["kk"] and "ашық формуламен" in words["kk"]
    assert "НАРУШЕНО" in words["ru"] and f"записи {first_keyed}" in words["ru"]
    assert "BROKEN" in words["en"] and "written or recomputed" in words["en"]


def test_a_cut_tail_is_found_without_an_anchor(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_log WHERE id > ?", (LAST - 3,))
    conn.commit()
    report = verify(db)
    # The last transaction's record was confirmed committed after its COMMIT.
    assert (report.ok, report.problem, report.count) == (False, Problem.CUT, LAST - 3)
    assert report.params["expected"] == LAST
    words = said(tmp_path, capsys)
    assert f"{LAST - 3}-жазбада аяқталады" in words["kk"] and "жойылған" in words["kk"]
    assert f"записью {LAST - 3}" in words["ru"] and "удалены" in words["ru"]
    assert f"ends at record {LAST - 3}" in words["en"] and "removed" in words["en"]


def test_an_emptied_log_is_found(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_log")
    conn.commit()
    report = verify(db)
    assert (report.ok, report.problem, report.count) == (False, Problem.CUT, 0)
    words = said(tmp_path, capsys)
    assert "0-жазбада аяқталады" in words["kk"]
    assert "записью 0" in words["ru"] and "очищен" in words["ru"]
    assert "ends at record 0" in words["en"] and "emptied" in words["en"]


def test_an_emptied_log_with_its_seal_row_removed_is_a_downgrade(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_log")
    conn.execute("DELETE FROM audit_seal")
    conn.commit()
    assert (verify(db).ok, verify(db).problem) == (False, Problem.DOWNGRADED)
    assert "«понижение»" in said(tmp_path, capsys)["ru"]


def test_a_downgrade_to_the_public_formula_is_found(db: Database, paths: DataPaths) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_seal")
    rehash_from(conn, UNKEYED + 1)
    report = verify(db)
    assert (report.ok, report.problem, report.keyed_from) == (False, Problem.DOWNGRADED, None)
    # Moving K past the keyed records instead leaves them failing the public formula.
    conn.execute(
        "INSERT INTO audit_seal (id, keyed_from, key_id, at) SELECT 1, 99, key_id, at FROM"
        " (SELECT ? AS key_id, 'x' AS at)",
        (written(paths).key_id,),
    )
    conn.commit()
    report = verify(db)
    assert (report.ok, report.problem) == (False, Problem.DOWNGRADED)


def test_an_append_after_a_cut_keeps_the_alarm_until_an_admin_reseals(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_log WHERE id > ?", (LAST - 4,))
    conn.commit()
    for _ in range(3):  # the desks go on working: they do not wash the cut out
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    report = verify(db)
    assert (report.ok, report.problem) == (False, Problem.ALARM)
    assert report.params == {
        "path": str(paths.audit_checkpoint),
        "reason": "cut",
        "at_id": LAST - 3,
        "expected": LAST,
        "found": LAST - 4,
    }
    words = said(tmp_path, capsys)
    assert f"{LAST - 3}-жазба қосылғанда" in words["kk"]
    assert f"добавлялась запись {LAST - 3}" in words["ru"]
    assert f"when record {LAST - 3} was appended" in words["en"]
    cfg = tmp_path / "config.toml"
    assert main(["--config", str(cfg), "--lang", "en", "audit", "reseal"]) == 0
    assert "A new checkpoint starts at record" in capsys.readouterr().out
    assert verify(db).ok
    resealed = audit.recent(db, limit=1)[0]
    assert resealed.action == "audit.resealed" and resealed.detail is not None
    assert resealed.detail["problem"] == "alarm" and resealed.detail["found"] == LAST - 4


def test_reseal_refuses_a_broken_record(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(paths.database)
    conn.execute("UPDATE audit_log SET object = 'x' WHERE id = 6")
    conn.commit()
    cli(tmp_path, "en")
    cfg = tmp_path / "config.toml"
    assert main(["--config", str(cfg), "--lang", "en", "audit", "reseal"]) == 1
    assert "does not mend" in capsys.readouterr().err
    assert verify(db).problem is Problem.CHANGED


def test_a_missing_checkpoint_is_found_and_the_next_append_keeps_it_as_an_alarm(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.audit_checkpoint.unlink()
    assert verify(db).problem is Problem.CHECKPOINT_MISSING
    assert "reseal" in said(tmp_path, capsys)["en"]
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    report = verify(db)
    assert (report.problem, report.params["reason"]) == (Problem.ALARM, "missing")


def test_a_checkpoint_written_without_the_key_is_not_believed(
    db: Database, paths: DataPaths
) -> None:
    # Each of the file's two slots is a JSON object; an editor changes the newer one's tail.
    text = paths.audit_checkpoint.read_text()
    data = [json.loads(text[i : i + 8192]) for i in (0, 8192) if text[i : i + 8192].strip()]
    newest = max(data, key=lambda d: d["seq"])
    newest["committed"] = {"id": 2, "count": 2, "hash": newest["committed"]["hash"]}
    paths.audit_checkpoint.write_text(json.dumps(newest))
    assert verify(db).problem is Problem.CHECKPOINT_NOT_AUTHENTIC


def test_a_missing_key_refuses_the_action_in_words_and_verify_says_what_to_do(
    db: Database, paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = paths.audit_key.read_bytes()
    paths.audit_key.unlink()
    with pytest.raises(AuditKeyError) as refused:
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    assert "nothing of it was saved" in refused.value.message("en")
    assert "ничего из него не сохранено" in refused.value.message("ru")
    assert verify(db).count == 0 and verify(db).problem is Problem.KEY_UNUSABLE
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == LAST
    words = said(tmp_path, capsys)
    assert "Traceback" not in "".join(words.values())
    assert "бөлек сақталған көшірмеден" in words["kk"] and "missing" in words["en"]
    paths.audit_key.write_bytes(b"\x01" * 32)  # a key, but not this log's
    assert verify(db).problem is Problem.KEY_WRONG
    paths.audit_key.write_bytes(kept)
    assert verify(db).ok


def test_a_key_replaced_while_the_desk_runs_is_refused_at_the_next_append(
    db: Database, paths: DataPaths
) -> None:
    # The desk keeps the key it read while the file stays the same file; another file put in
    # its place (a restore, an intruder) is read again, and refused when it is not the log's.
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    kept = paths.audit_key.read_bytes()
    other = paths.audit_key.with_name("other.key")
    other.write_bytes(b"\x02" * 32)
    os.replace(other, paths.audit_key)
    with pytest.raises(AuditKeyError) as refused:
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    assert "not the key this log was keyed with" in refused.value.message("en")
    other.write_bytes(kept)
    os.replace(other, paths.audit_key)
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    assert (verify(db).ok, verify(db).count) == (True, LAST + 2)


@pytest.mark.parametrize("cut", [1, 200, -20])
def test_a_slot_torn_by_a_crash_mid_write_is_ignored_and_the_other_one_read(
    db: Database, paths: DataPaths, cut: int
) -> None:
    # A checkpoint write is one pwrite into the older of two slots: a crash in the middle of it
    # (or a power cut) leaves that slot part new bytes, part old. The other slot is whole.
    key = paths.audit_key.read_bytes()
    before = written(paths)
    after = replace(before, seq=before.seq + 1, pending=Tail(LAST + 1, "ab" * 32))
    raw = bytearray(paths.audit_checkpoint.read_bytes())
    start = (after.seq % SLOTS) * SLOT_BYTES
    new = audit_seal._slot(after, key)
    # Cut after the first byte, in the middle, or in its MAC, the last field.
    end = start + (cut if cut > 0 else len(after.sealed(key)) + cut)
    raw[start:end] = new[: end - start]
    paths.audit_checkpoint.write_bytes(bytes(raw))
    assert read_checkpoint(paths.audit_checkpoint, key).checkpoint == before
    report = verify(db)
    assert (report.ok, report.count, report.notices) == (True, LAST, ())
    # The next append writes its slot over the torn one and goes on.
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    report = verify(db)
    assert (report.ok, report.count, report.notices) == (True, LAST + 1, ())
    assert written(paths).committed.id == LAST + 1


def test_a_checkpoint_that_cannot_be_read_or_written_does_not_stop_the_desk(
    db: Database, paths: DataPaths, caplog: pytest.LogCaptureFixture
) -> None:
    saved = paths.audit_checkpoint.read_bytes()
    paths.audit_checkpoint.unlink()
    paths.audit_checkpoint.mkdir()  # neither readable nor replaceable as a file
    for _ in range(3):
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)  # commits all the same
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == LAST + 3
    assert "audit checkpoint" in caplog.text and str(paths.audit_checkpoint) in caplog.text
    assert verify(db).problem is Problem.CHECKPOINT_UNREADABLE
    # The old checkpoint put back: the records written meanwhile are keyed but not covered.
    paths.audit_checkpoint.rmdir()
    paths.audit_checkpoint.write_bytes(saved)
    report = verify(db)
    assert report.ok
    assert [(n.key, n.params) for n in report.notices] == [
        ("audit_key.lagging", {"first": LAST + 1, "last": LAST + 3})
    ]
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)  # the next append catches up
    assert verify(db).ok and verify(db).notices == ()


def test_a_rolled_back_action_leaves_the_checkpoint_alone(db: Database, paths: DataPaths) -> None:
    before = paths.audit_checkpoint.read_bytes()
    with pytest.raises(RuntimeError), transaction(db):
        audit.append(db, actor_iin=None, action="sign_in", at=NOW)
        raise RuntimeError("the change it describes failed")
    assert paths.audit_checkpoint.read_bytes() == before
    assert verify(db).ok and verify(db).notices == ()


_CRASH = """
import os, sys
from datetime import UTC, datetime
from regdesk.store import audit
from regdesk.store.db import before_commit, open_db, transaction
db = open_db(sys.argv[1])
with transaction(db):
    audit.append(db, actor_iin=None, action="sign_in", at=datetime(2026, 11, 25, tzinfo=UTC))
    # Runs after the checkpoint's own hook, before the COMMIT: the process dies right there.
    before_commit(db, "test.crash", lambda: os._exit(9))
"""


def test_a_crash_between_the_checkpoint_and_the_commit_is_no_false_alarm(
    db: Database, paths: DataPaths
) -> None:
    done = subprocess.run([sys.executable, "-c", _CRASH, str(paths.database)], check=False)
    assert done.returncode == 9
    report = verify(db)
    assert (report.ok, report.count) == (True, LAST)
    assert [(n.key, n.params) for n in report.notices] == [
        ("audit_key.pending_absent", {"id": LAST + 1})
    ]
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    report = verify(db)
    assert report.ok and [n.key for n in report.notices] == ["audit_key.unconfirmed"]


def test_removing_only_the_newest_record_is_a_cut(db: Database, paths: DataPaths) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_log WHERE id = ?", (LAST,))
    conn.commit()
    report = verify(db)
    assert (report.ok, report.problem, report.params["expected"]) == (False, Problem.CUT, LAST)


_CRASH_AFTER = """
import os, sys
from datetime import UTC, datetime
from regdesk.store import audit
from regdesk.store.db import after_commit, open_db, transaction
db = open_db(sys.argv[1])
with transaction(db):
    # Registered before the append's: runs first after the COMMIT, before the confirmation.
    after_commit(db, "test.crash", lambda: os._exit(9))
    audit.append(db, actor_iin=None, action="sign_in", at=datetime(2026, 11, 25, tzinfo=UTC))
"""


def test_a_crash_between_the_commit_and_its_confirmation_is_no_alarm(
    db: Database, paths: DataPaths
) -> None:
    done = subprocess.run([sys.executable, "-c", _CRASH_AFTER, str(paths.database)], check=False)
    assert done.returncode == 9
    assert written(paths).pending == audit.log_tail(db.conn)  # announced, committed, unconfirmed
    report = verify(db)
    assert (report.ok, report.count, report.notices) == (True, LAST + 1, ())
    audit.append(db, actor_iin=None, action="sign_in", at=NOW)
    assert verify(db).ok and verify(db).notices == ()
    assert written(paths).pending is None


_DESK = """
import sys
from datetime import UTC, datetime
from regdesk.store import audit
from regdesk.store.db import open_db, transaction
db = open_db(sys.argv[1])
for i in range(40):
    with transaction(db):
        audit.append(db, actor_iin=None, action="sign_in", object=sys.argv[2],
                     at=datetime(2026, 11, 25, tzinfo=UTC))
"""


def test_desks_appending_at_once_keep_the_checkpoint_in_the_chains_order(
    db: Database, paths: DataPaths
) -> None:
    desks = [
        subprocess.Popen([sys.executable, "-c", _DESK, str(paths.database), f"desk{n}"])
        for n in range(4)
    ]
    assert [d.wait() for d in desks] == [0, 0, 0, 0]
    report = verify(db)
    assert (report.ok, report.count, report.notices) == (True, LAST + 160, ())
    checkpoint = written(paths)  # the last commit confirmed: nobody wrote after it
    assert (checkpoint.committed, checkpoint.pending) == (Tail(LAST + 160, report.last_hash), None)
    assert checkpoint.alarm is None and checkpoint.unconfirmed == ()
    # One write before each COMMIT, and a confirmation after it unless another desk had
    # written meanwhile.
    assert 1 + 8 + 160 < checkpoint.seq <= 2 * (1 + 8 + 160)


def test_init_refuses_to_start_keying_over_a_checkpoint_of_a_downgraded_log(
    db: Database, paths: DataPaths
) -> None:
    conn = attacker(paths.database)
    conn.execute("DELETE FROM audit_seal")
    conn.commit()
    with pytest.raises(audit.CheckpointWithoutSeal):
        audit.start_keying(db, actor_iin=None)
    assert audit.seal_of(db.conn) is None and paths.audit_checkpoint.is_file()


def test_the_fast_payload_is_the_canonical_json() -> None:
    for text in ['a"b\\c', "Ә\n\t\x00\x1f\u2028", "😀", "", "null"]:
        for detail in (None, text):
            fields: dict[str, str | None] = {
                "action": text, "actor_iin": None, "at": text, "detail": detail, "object": text
            }  # fmt: skip
            assert audit.record_hash(
                "ab", at=text, actor_iin=None, action=text, object=text, detail=detail
            ) == public_hash("ab", fields)
