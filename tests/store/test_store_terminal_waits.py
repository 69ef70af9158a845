"""The terminals waiting out a sign-in delay, named from the audit's failure records, and an
admin lifting one's delay (issue 14). Real SQLite, real sign-ins through ``Staff.authenticate``
at pinned moments; the expected waits written from the rule (``config.Security``'s defaults: a
terminal's first 5 failures are free, the 6th makes it wait 10 s, the 7th 30 s)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.store import audit
from regdesk.store.audit_seal import AuditKeyError
from regdesk.store.db import open_db, transaction
from regdesk.store.paths import DataPaths
from regdesk.store.signin_throttle import terminal_schedule
from regdesk.store.staff import HashParams, SignInError, Staff
from regdesk.store.terminal_waits import TerminalWait, lift_terminal, waiting_terminals
from regdesk.store.vault import Vault

FAST = HashParams(memory_kib=64, iterations=1, lanes=1)
GOOD = "Kelbet-2026-qala"
ADMIN_IIN = make_iin(date(1980, 5, 17), "female", 123)
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
KIOSK = "ssh:10.0.0.5"
DESK = "web:10.0.0.7"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "regdesk.sqlite3")


@pytest.fixture
def staff(db: Database) -> Staff:
    s = Staff(db, Security(), params=FAST)
    s.add(ADMIN_IIN, "Сәрсенова Әйгерім", "admin", GOOD, T0, actor="init")
    return s


def guess(staff: Staff, times: int, at: datetime, terminal: str) -> None:
    """``times`` wrong passwords for as many unknown IINs (no IIN's own delay builds up)."""
    for n in range(times):
        iin = make_iin(date(1970, 1, 1) + timedelta(days=n), "male", 100 + n)
        with pytest.raises(SignInError):
            staff.authenticate(iin, "guess-1234", at, terminal=terminal)


def test_the_waiting_terminals_are_named_from_the_audit_and_the_others_left_out(
    staff: Staff, db: Database
) -> None:
    guess(staff, 7, T0, KIOSK)  # the 6th waits 10 s, the 7th is refused within that wait
    guess(staff, 5, T0, DESK)  # five free failures: no wait
    found = waiting_terminals(db, staff.throttle, T0)
    # 6 counted (the 7th came during the wait and counts for nothing); 10 s from the 6th.
    assert found == [
        TerminalWait(KIOSK, staff.throttle.terminal_key(KIOSK), 6, T0 + timedelta(seconds=10))
    ]
    # The wait's last microsecond still lists it; its end does not.
    assert waiting_terminals(db, staff.throttle, T0 + timedelta(seconds=10) - timedelta.resolution)
    assert waiting_terminals(db, staff.throttle, T0 + timedelta(seconds=10)) == []


def test_a_wait_no_audit_record_names_is_listed_without_a_name_and_lifted_by_its_key(
    staff: Staff, db: Database
) -> None:
    throttle = staff.throttle
    ghost = throttle.terminal_key("kiosk-behind-the-door")
    with transaction(db):
        for _ in range(6):
            throttle.fail(ghost, terminal_schedule(staff.security), T0)
    [wait] = waiting_terminals(db, throttle, T0)
    assert (wait.terminal, wait.key, wait.failures) == (None, ghost, 6)
    with transaction(db):
        assert lift_terminal(db, throttle, T0, actor=ADMIN_IIN, key=ghost) == 6
    assert waiting_terminals(db, throttle, T0) == []


def test_lifting_a_terminal_lets_the_right_password_in_at_once_and_is_audited(
    staff: Staff, db: Database
) -> None:
    guess(staff, 6, T0, KIOSK)
    guess(staff, 6, T0, DESK)
    with pytest.raises(SignInError):  # the admin's right password, inside the kiosk's wait
        staff.authenticate(ADMIN_IIN, GOOD, T0, terminal=KIOSK)
    with transaction(db):
        assert lift_terminal(db, staff.throttle, T0, actor=ADMIN_IIN, terminal=KIOSK) == 6
    assert staff.authenticate(ADMIN_IIN, GOOD, T0, terminal=KIOSK).iin == ADMIN_IIN
    # The other terminal still waits: only the one named was lifted.
    assert [w.terminal for w in waiting_terminals(db, staff.throttle, T0)] == [DESK]
    [record] = [r for r in audit.recent(db, limit=50) if r.action == "admin.terminal_unlock"]
    assert (record.actor_iin, record.object) == (ADMIN_IIN, f"terminal:{KIOSK}")
    detail = dict(record.detail or {})
    assert detail["terminal"] == KIOSK and detail["throttle_cleared"] == 6
    assert detail["before"] == {"failures": 6} and detail["after"] == {"failures": 0}
    assert detail["until"] == "2026-09-01T04:00:10.000000+00:00"
    # Lifting a terminal with nothing counted forgets nothing, and says so by its 0.
    with transaction(db):
        assert lift_terminal(db, staff.throttle, T0, actor=ADMIN_IIN, terminal=KIOSK) == 0
    assert audit.verify(db).ok


def test_a_terminal_whose_failures_are_old_is_not_listed(staff: Staff, db: Database) -> None:
    # Six failures an hour ago made it wait 10 s then; six forgotten since (one per 10 minutes
    # of quiet): nothing waits there now, and the kiosk failing now is the one listed.
    guess(staff, 6, T0 - timedelta(hours=1), "ssh:old-guesser")
    guess(staff, 6, T0, KIOSK)
    rows = db.execute(
        "SELECT detail FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id"
    ).fetchall()
    assert {json.loads(r[0])["terminal"] for r in rows} == {"ssh:old-guesser", KIOSK}
    assert [w.terminal for w in waiting_terminals(db, staff.throttle, T0)] == [KIOSK]


def test_without_the_audit_key_the_list_says_so_instead_of_showing_none(tmp_path: Path) -> None:
    # The names are hashed under the secret the audit key gives: with the key gone, the admin
    # reads what is wrong (the audit key's words), not "no terminal waits".
    paths = DataPaths(tmp_path / "data")
    db = open_db(paths.database)
    Vault.create_key(paths.audit_key)
    audit.start_keying(db, actor_iin=None, at=T0)
    staff = Staff(db, Security(), params=FAST)
    guess(staff, 6, T0, KIOSK)
    assert [w.terminal for w in waiting_terminals(db, staff.throttle, T0)] == [KIOSK]
    paths.audit_key.rename(tmp_path / "key-elsewhere")
    with pytest.raises(AuditKeyError) as caught:
        waiting_terminals(db, Staff(db, Security(), params=FAST).throttle, T0)
    assert "файла нет" in caught.value.message("ru")
