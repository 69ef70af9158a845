"""Staff administration in the store (issue 15): the migration that lets the staff table hold
the head role, one-time passwords, an employee's own password change, deactivation, and the
audit record of each change with the account before and after."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.core.roles import Role
from regdesk.store import audit, schema
from regdesk.store.db import open_db
from regdesk.store.password_policy import check_policy, one_time_password
from regdesk.store.staff import (
    DeactivatedError,
    HashParams,
    LastAdminError,
    PasswordPolicyError,
    PasswordUnchangedError,
    SignInError,
    Staff,
    WrongPasswordError,
)

FAST = HashParams(memory_kib=64, iterations=1, lanes=1)
GOOD = "Kelbet-2026-qala"
ADMIN_IIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK_IIN = make_iin(date(1992, 11, 3), "male", 4567)
HEAD_IIN = make_iin(date(1970, 2, 8), "female", 77)
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def staff(tmp_path: Path) -> Staff:
    s = Staff(
        open_db(tmp_path / "regdesk.sqlite3"), Security(throttle_free_attempts=2), params=FAST
    )
    s.add(ADMIN_IIN, "Сәрсенова Әйгерім", "admin", GOOD, T0, actor="init")
    s.add(CLERK_IIN, "Иванов Пётр", "receptionist", GOOD + "!", T0, actor=ADMIN_IIN)
    return s


def old_database(path: Path) -> None:
    """A database as regdesk wrote it before issue 15 (schema 3): two accounts, one of them
    locked out, and an application with its events and an annulment referring to it."""
    from regdesk.store.journal.names import make_name_key

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.create_function("regdesk_name_key", 3, make_name_key)
    for migration in schema.MIGRATIONS[:3]:
        conn.execute("BEGIN")
        for statement in schema.statements(migration):
            conn.execute(statement)
        conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 3")
    conn.execute(
        "INSERT INTO staff (id, iin, full_name, role, password_hash, failed_attempts,"
        " locked_until, disabled, key_store_path, lang, created_at, password_changed_at)"
        " VALUES (7, ?, 'Сәрсенова', 'admin', 'h1', 0, NULL, 0, '/k/a.p12', 'kk', 't0', 't1'),"
        " (12, ?, 'Иванов', 'receptionist', 'h2', 2, 'later', 1, NULL, NULL, 't2', NULL)",
        (ADMIN_IIN, CLERK_IIN),
    )
    conn.execute(
        "INSERT INTO applications (id, channel, state, applicant_iin, created_by, created_at,"
        " updated_at) VALUES (1, 'desk', 'registered', '900101300011', ?, 't', 't')",
        (CLERK_IIN,),
    )
    conn.execute(
        "INSERT INTO events (application_id, at, actor_iin, role, kind) VALUES (1, 't', ?,"
        " 'receptionist', 'transition')",
        (CLERK_IIN,),
    )
    conn.close()


def test_the_migration_rebuilds_the_staff_table_keeping_ids_data_and_references(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path)
    db = open_db(path, upgrade=True)  # migrates forward
    conn = db.conn
    assert schema.version(conn) == schema.SCHEMA_VERSION
    rows = conn.execute(
        "SELECT id, iin, full_name, role, password_hash, failed_attempts, locked_until, disabled,"
        " key_store_path, lang, created_at, password_changed_at, must_change_password,"
        " last_sign_in_at, deactivated_at FROM staff ORDER BY id"
    ).fetchall()
    assert rows == [
        (7, ADMIN_IIN, "Сәрсенова", "admin", "h1", 0, None, 0, "/k/a.p12", "kk", "t0", "t1", 0,
         None, None),
        # Its lock-out ended with the upgrade to throttling (MIGRATION_10): the columns are no
        # longer used, the throttle counts failures apart.
        (12, CLERK_IIN, "Иванов", "receptionist", "h2", 0, None, 1, None, None, "t2", None, 0,
         None, None),
    ]  # fmt: skip
    # The head role is allowed now; anything else is still refused by the CHECK.
    conn.execute("UPDATE staff SET role = 'head' WHERE id = 12")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE staff SET role = 'boss' WHERE id = 12")
    with pytest.raises(sqlite3.IntegrityError):  # the IIN is still unique
        conn.execute("UPDATE staff SET iin = ? WHERE id = 12", (ADMIN_IIN,))
    # Nothing else was touched: the journal's rows and their foreign keys are intact.
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM events WHERE application_id = 1").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "staff_rebuilt" not in tables and "staff" in tables
    # A new account gets the next id after the kept ones.
    Staff(db, params=FAST).add(HEAD_IIN, "Head", "head", GOOD, T0, actor="t")
    assert conn.execute("SELECT id FROM staff WHERE iin = ?", (HEAD_IIN,)).fetchone()[0] == 13


def test_a_head_account_signs_in_with_its_role(staff: Staff) -> None:
    staff.add(HEAD_IIN, "Head Nurse", "head", GOOD, T0, actor=ADMIN_IIN)
    assert staff.authenticate(HEAD_IIN, GOOD, T0).role is Role.HEAD


def test_a_one_time_password_meets_the_policy_and_is_not_repeated() -> None:
    for security in (Security(), Security(password_min_length=20, password_classes=4)):
        made = {one_time_password(security) for _ in range(50)}
        assert len(made) == 50
        for password in made:
            assert check_policy(password, security) == []
            # No letters or digits that are easy to misread on paper.
            assert not set(password) & set("0O1lI5S2Z")


def test_a_reset_password_must_be_changed_at_the_next_sign_in(staff: Staff) -> None:
    for _ in range(3):
        with pytest.raises(SignInError):
            staff.authenticate(CLERK_IIN, "Wrong-password-1", T0)
    once = staff.reset_password(CLERK_IIN, T0, actor=ADMIN_IIN)
    # The reset lifted the lock-out; the old password no longer works, the one-time one does.
    with pytest.raises(SignInError):
        staff.authenticate(CLERK_IIN, GOOD + "!", T0)
    employee = staff.authenticate(CLERK_IIN, once, T0)
    assert employee.must_change_password
    account = staff.get(CLERK_IIN)
    assert account is not None and account.must_change_password and account.last_sign_in_at == T0

    # The same one-time password cannot be kept; a new one of the employee's own can.
    with pytest.raises(PasswordUnchangedError):
        staff.change_own_password(CLERK_IIN, None, once, T0)
    staff.change_own_password(CLERK_IIN, None, "Meniki-Parol-2026", T0)
    assert not staff.authenticate(CLERK_IIN, "Meniki-Parol-2026", T0).must_change_password

    changed, reset = (
        r
        for r in audit.recent(staff.db, limit=50)
        if r.action in ("admin.user_reset", "staff.password_changed")
    )
    assert changed.actor_iin == CLERK_IIN and reset.actor_iin == ADMIN_IIN
    assert reset.detail is not None and changed.detail is not None
    assert reset.detail["before"]["must_change_password"] is False
    assert reset.detail["after"]["must_change_password"] is True
    assert changed.detail["after"]["must_change_password"] is False
    text = str([r.detail for r in audit.recent(staff.db, limit=50)])
    assert once not in text and "Meniki-Parol-2026" not in text and "argon2" not in text
    assert audit.verify(staff.db).ok


def test_a_wrong_old_password_counts_towards_the_throttle(staff: Staff) -> None:
    # throttle_free_attempts = 2: the third failure makes the next try wait 5 s.
    for _ in range(3):
        with pytest.raises(WrongPasswordError):
            staff.change_own_password(CLERK_IIN, "Not-my-password-1", "Meniki-Parol-2026", T0)
    # During the delay even the right old password is refused, in the same words.
    with pytest.raises(WrongPasswordError) as refused:
        staff.change_own_password(CLERK_IIN, GOOD + "!", "Meniki-Parol-2026", T0)
    assert "подождать" in refused.value.message("ru")
    assert staff.authenticate(CLERK_IIN, GOOD + "!", T0 + timedelta(seconds=5)).iin == CLERK_IIN


def test_an_own_password_breaking_the_policy_changes_nothing(staff: Staff) -> None:
    before = staff.db.execute("SELECT password_hash FROM staff WHERE iin = ?", [CLERK_IIN])
    stored = before.fetchone()[0]
    with pytest.raises(PasswordPolicyError) as refused:
        staff.change_own_password(CLERK_IIN, GOOD + "!", "12345678", T0)
    assert "staff.policy.too_short" in refused.value.broken
    assert "staff.policy.sequence" in refused.value.broken
    after = staff.db.execute("SELECT password_hash FROM staff WHERE iin = ?", [CLERK_IIN])
    assert after.fetchone()[0] == stored


def test_a_deactivated_account_is_kept_and_can_do_nothing(staff: Staff) -> None:
    staff.deactivate(CLERK_IIN, T0, actor=ADMIN_IIN)
    account = staff.get(CLERK_IIN)
    assert account is not None and account.deactivated and not account.disabled
    with pytest.raises(SignInError):
        staff.authenticate(CLERK_IIN, GOOD + "!", T0)
    for change in (
        lambda: staff.enable(CLERK_IIN, T0, actor=ADMIN_IIN),
        lambda: staff.disable(CLERK_IIN, T0, actor=ADMIN_IIN),
        lambda: staff.set_role(CLERK_IIN, "admin", T0, actor=ADMIN_IIN),
        lambda: staff.reset_password(CLERK_IIN, T0, actor=ADMIN_IIN),
        lambda: staff.deactivate(CLERK_IIN, T0, actor=ADMIN_IIN),
    ):
        with pytest.raises(DeactivatedError):
            change()
    # Listed last, still with its name.
    assert [a.iin for a in staff.list()] == [ADMIN_IIN, CLERK_IIN]
    (record,) = audit.recent(staff.db, action="admin.user_deactivate")
    assert record.detail is not None
    assert (record.detail["before"]["state"], record.detail["after"]["state"]) == (
        "active",
        "deactivated",
    )


def test_the_last_admin_cannot_be_deactivated(staff: Staff) -> None:
    with pytest.raises(LastAdminError):
        staff.deactivate(ADMIN_IIN, T0, actor=ADMIN_IIN)
    staff.add(HEAD_IIN, "Second Admin", "admin", GOOD, T0, actor=ADMIN_IIN)
    staff.deactivate(ADMIN_IIN, T0, actor=HEAD_IIN)
    # A deactivated admin does not count: the remaining one cannot go either.
    with pytest.raises(LastAdminError):
        staff.set_role(HEAD_IIN, "head", T0, actor=HEAD_IIN)
