"""Sign-in throttling (issue 14, OWASP ASVS 2.2.1): delays that grow per IIN typed and per
terminal, the same answer whatever the reason, and the admin's lift.

Every delay is checked against a pinned moment, never waited for: a try at the delay's last
microsecond is refused, one at its end is let through. The expected delays are written from the
rule (``config.Security``: an IIN's first delay 5 s doubling up to its cap, a terminal's first
10 s tripling up to its cap; ``throttle_forget_minutes`` of quiet forget one failure).
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.store import audit
from regdesk.store.audit_seal import AuditKeyError
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.signin_throttle import Schedule, guesses, remembered
from regdesk.store.staff import (
    AccountClosedError,
    AccountDisabledError,
    HashParams,
    SignInError,
    Staff,
)
from regdesk.store.vault import Vault

FAST = HashParams(memory_kib=64, iterations=1, lanes=1)
GOOD = "Kelbet-2026-qala"
ADMIN_IIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK_IIN = make_iin(date(1992, 11, 3), "male", 4567)
UNKNOWN_IIN = make_iin(date(1975, 1, 30), "male", 42)
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "regdesk.sqlite3")


@pytest.fixture
def staff(db: Database) -> Staff:
    s = Staff(db, Security(), params=FAST)
    s.add(ADMIN_IIN, "Сәрсенова Әйгерім", "admin", GOOD, T0, actor="init")
    s.add(CLERK_IIN, "Иванов Пётр", "receptionist", GOOD + "!", T0, actor=ADMIN_IIN)
    return s


def refused(staff: Staff, iin: str, password: str, at: datetime, terminal: str) -> SignInError:
    with pytest.raises(SignInError) as caught:
        staff.authenticate(iin, password, at, terminal=terminal)
    return caught.value


def failures(db: Database) -> list[dict[str, object]]:
    rows = db.execute(
        "SELECT detail FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id"
    ).fetchall()
    return [json.loads(r[0]) for r in rows]


# --- the schedule ----------------------------------------------------------------------------


def test_the_delays_grow_from_the_rule() -> None:
    account = Schedule(free=3, first=5, growth=2, cap=60)
    assert [account.delay(n) for n in range(1, 10)] == [0, 0, 0, 5, 10, 20, 40, 60, 60]
    terminal = Schedule(free=5, first=10, growth=3, cap=900)
    assert [terminal.delay(n) for n in range(5, 13)] == [0, 10, 30, 90, 270, 810, 900, 900]
    assert terminal.delay(10**6) == 900  # no overflow however many


def test_quiet_time_forgets_one_failure_per_period() -> None:
    assert remembered(5, T0, T0 + timedelta(minutes=9, seconds=59), 10) == 5
    assert remembered(5, T0, T0 + timedelta(minutes=10), 10) == 4
    assert remembered(5, T0, T0 + timedelta(minutes=35), 10) == 2
    assert remembered(5, T0, T0 + timedelta(days=1), 10) == 0


def test_what_the_defaults_leave_a_guesser_per_hour_and_per_day() -> None:
    # By hand, trying the moment each wait ends (one a second while free):
    # a terminal: 5 free (0-4 s), the 6th at 5 s (then 10 s), the 7th at 15 s (30 s), the 8th at
    # 45 s (90 s), the 9th at 135 s (270 s), the 10th at 405 s (810 s: a wait longer than 10
    # minutes forgets one failure as the next one counts, so it stays 810 s): 11th at 1215 s,
    # 12th at 2025 s, 13th at 2835 s; the 14th would be at 3645 s, past the hour. In a day:
    # the 10 first, then one each 810 s after 405 s: 10 + (86400 - 405) // 810 = 116.
    # an IIN: 3 free (0-2 s), then waits 5, 10, 20, 40 s (the 8th at 78 s), then 60 s each:
    # 8 + (3600 - 78) // 60 + 1 = 67 would land at 3618 s, so 66; in a day 8 + 1438 = 1446.
    assert guesses(Security()).__dict__ == {
        "terminal_hour": 13,
        "terminal_day": 10 + (86400 - 405) // 810,
        "account_hour": 66,
        "account_day": 1446,
    }


# --- per IIN ---------------------------------------------------------------------------------


def test_an_iins_delay_grows_and_a_try_inside_it_is_refused_whatever_the_password(
    staff: Staff,
) -> None:
    # Each try from another terminal, so only the IIN's own delay is at work.
    at = T0
    for n in range(3):  # three free failures: no delay
        refused(staff, CLERK_IIN, "Wrong-password-1", at, f"free-{n}")
    for n, expected in enumerate((5, 10, 20, 40, 60, 60)):
        refused(staff, CLERK_IIN, "Wrong-password-1", at, f"wrong-{n}")
        # Inside the delay even the right password is refused, and counts for nothing.
        inside = at + timedelta(seconds=expected) - TICK
        refused(staff, CLERK_IIN, GOOD + "!", inside, f"right-{n}")
        at += timedelta(seconds=expected)
    # The right password at the delay's end is let in, and the IIN's failures are forgotten.
    assert staff.authenticate(CLERK_IIN, GOOD + "!", at, terminal="last").iin == CLERK_IIN
    account = staff.get(CLERK_IIN)
    assert account is not None and account.failed_attempts == 0 and account.locked_until is None
    reasons = [f["reason"] for f in failures(staff.db)]
    assert reasons == ["bad_password"] * 3 + ["bad_password", "throttled"] * 6


def test_an_unknown_iin_is_throttled_exactly_like_a_real_one(staff: Staff) -> None:
    for iin in (CLERK_IIN, UNKNOWN_IIN):
        for n in range(4):
            refused(staff, iin, "Wrong-password-1", T0, f"{iin}-{n}")
        # Both now wait 5 s, and the answer in the delay is the words of a wrong password.
        inside = refused(staff, iin, GOOD + "!", T0 + timedelta(seconds=5) - TICK, "x")
        after = refused(staff, iin, "Wrong-password-1", T0 + timedelta(seconds=5), "y")
        for lang in ("kk", "ru", "en"):
            assert inside.message(lang) == after.message(lang)
        assert type(inside) is type(after) is SignInError
    details = failures(staff.db)
    assert [d["reason"] for d in details[:6]] == ["bad_password"] * 4 + ["throttled"] + [
        "bad_password"
    ]
    assert [d["reason"] for d in details[6:]] == ["unknown_iin"] * 4 + ["throttled"] + [
        "unknown_iin"
    ]


def test_typed_iins_are_not_stored_in_clear(staff: Staff) -> None:
    refused(staff, UNKNOWN_IIN, "Wrong-password-1", T0, "web:10.0.0.7")
    refused(staff, "my password", "Wrong-password-1", T0, "web:10.0.0.7")
    keys = [r[0] for r in staff.db.execute("SELECT key FROM signin_throttle")]
    assert len(keys) == 3  # two typed texts and one terminal
    dump = "\n".join(staff.db.conn.iterdump())
    throttle_rows = [line for line in dump.splitlines() if "signin_throttle" in line]
    text = "\n".join(throttle_rows)
    for typed in (UNKNOWN_IIN, "my password", "10.0.0.7"):
        assert typed not in text
    # The keys are keyed with the database's own secret: another database keys them otherwise.
    assert all(k.startswith(("account:", "terminal:")) and len(k.split(":")[1]) == 64 for k in keys)


# --- per terminal ----------------------------------------------------------------------------


def test_a_terminal_slows_down_faster_than_an_iin_and_one_terminal_cannot_keep_the_admin_out(
    staff: Staff,
) -> None:
    # An attacker at "kiosk" types the admin's IIN as fast as allowed for two hours.
    at = T0
    tries = 0
    kiosk_delays = []
    while at < T0 + timedelta(hours=2):
        refused(staff, ADMIN_IIN, "Guess-password-1", at, "kiosk")
        tries += 1
        until = staff.throttle.blocked_until(staff.throttle.terminal_key("kiosk"), at)
        account_until = staff.throttle.blocked_until(staff.throttle.account_key(ADMIN_IIN), at)
        if until is None:
            at += timedelta(seconds=1)
            continue
        kiosk_delays.append((until - at).total_seconds())
        # The admin's own delay never outlasts a minute (throttle_account_max_seconds) ...
        assert account_until is None or account_until - at <= timedelta(seconds=60)
        # ... and at another terminal the admin signs in as soon as the IIN's delay is over.
        free_at = max(at, account_until or at)
        if tries in (6, 12):
            assert staff.authenticate(ADMIN_IIN, GOOD, free_at, terminal="admin-pc").iin
        at = until
    # The kiosk's delays: 10 s tripling; once a wait is longer than throttle_forget_minutes
    # (10 min) it forgets one failure as it makes one, so it stays at 810 s, under its cap.
    assert kiosk_delays[:7] == [10, 30, 90, 270, 810, 810, 810]
    # Counted guesses in two hours: 5 free, then one at the end of each wait (10+30+90+270 s,
    # then 810 s each): 5 + 5 + (7200 - 400) // 810 = 18 at most; tries inside a delay count
    # for nothing.
    counted = [d for d in failures(staff.db) if d["reason"] != "throttled"]
    assert len(counted) <= 5 + 5 + (7200 - 400) // 810
    assert tries > len(counted)


def test_a_throttled_terminal_refuses_every_iin_even_the_right_password(staff: Staff) -> None:
    for n in range(6):  # five free failures at the kiosk, the sixth starts its 10 s
        refused(staff, make_iin(date(1990, 1, 1), "male", 100 + n), "Guess-1", T0, "kiosk")
    error = refused(staff, CLERK_IIN, GOOD + "!", T0 + timedelta(seconds=10) - TICK, "kiosk")
    assert type(error) is SignInError
    # Another terminal is not affected; the kiosk lets in at its delay's end.
    assert staff.authenticate(CLERK_IIN, GOOD + "!", T0, terminal="desk-2").iin == CLERK_IIN
    at_end = T0 + timedelta(seconds=10)
    assert staff.authenticate(CLERK_IIN, GOOD + "!", at_end, terminal="kiosk").iin == CLERK_IIN


def test_a_success_does_not_reset_the_terminal_only_quiet_time_does(staff: Staff) -> None:
    for n in range(5):
        refused(staff, UNKNOWN_IIN if n % 2 else ADMIN_IIN, "Guess-1", T0, "kiosk")
    staff.authenticate(CLERK_IIN, GOOD + "!", T0, terminal="kiosk")
    refused(staff, ADMIN_IIN, "Guess-1", T0, "kiosk")  # the 6th at the kiosk: 10 s
    refused(staff, CLERK_IIN, GOOD + "!", T0 + timedelta(seconds=9), "kiosk")
    # 20 quiet minutes forget two failures: the kiosk is back to 4, one short of its delays.
    later = T0 + timedelta(minutes=20)
    refused(staff, ADMIN_IIN, "Guess-1", later, "kiosk")
    assert staff.throttle.blocked_until(staff.throttle.terminal_key("kiosk"), later) is None


# --- what the admin and the right password may learn -----------------------------------------


def test_locked_and_closed_accounts_are_told_only_after_the_right_password_outside_a_delay(
    staff: Staff,
) -> None:
    staff.disable(CLERK_IIN, T0, actor=ADMIN_IIN)
    wrong = refused(staff, CLERK_IIN, "Wrong-password-1", T0, "a")
    unknown = refused(staff, UNKNOWN_IIN, "Wrong-password-1", T0, "b")
    assert wrong.message("en") == unknown.message("en")
    with pytest.raises(AccountDisabledError):
        staff.authenticate(CLERK_IIN, GOOD + "!", T0, terminal="c")
    # During a delay the right password gets the common answer, not the account's state.
    for n in range(4):
        refused(staff, CLERK_IIN, "Wrong-password-1", T0, f"d{n}")
    inside = refused(staff, CLERK_IIN, GOOD + "!", T0 + timedelta(seconds=1), "e")
    assert type(inside) is SignInError
    staff.enable(CLERK_IIN, T0, actor=ADMIN_IIN)
    staff.deactivate(CLERK_IIN, T0, actor=ADMIN_IIN)
    with pytest.raises(AccountClosedError) as closed:
        staff.authenticate(CLERK_IIN, GOOD + "!", T0, terminal="c")
    assert "закрыта" in closed.value.message("ru")


def test_the_admins_unlock_lifts_the_delay_and_says_how_many_failures_it_forgot(
    staff: Staff,
) -> None:
    # Failures at T0 (three free, the 4th: 5 s), T0+5 s (10 s) and T0+15 s (20 s).
    for n, seconds in enumerate((0, 0, 0, 0, 5, 15)):
        refused(staff, CLERK_IIN, "Wrong-password-1", T0 + timedelta(seconds=seconds), f"t{n}")
    now = T0 + timedelta(seconds=16)
    account = staff.get(CLERK_IIN)
    assert account is not None and account.locked_at(now) == T0 + timedelta(seconds=35)
    assert account.failed_attempts == 6
    assert staff.enable(CLERK_IIN, now, actor=ADMIN_IIN) == 6
    assert staff.authenticate(CLERK_IIN, GOOD + "!", now, terminal="t9").iin == CLERK_IIN
    unlock = audit.recent(staff.db, action="admin.user_unlock")[0]
    assert unlock.detail is not None and unlock.detail["throttle_cleared"] == 6
    assert unlock.detail["before"]["locked_until"] is not None
    assert unlock.detail["after"]["locked_until"] is None
    assert audit.verify(staff.db).ok


def test_every_failure_is_audited_with_its_terminal_and_never_the_password(staff: Staff) -> None:
    refused(staff, CLERK_IIN, "Wrong-password-1", T0, "ssh:10.1.2.3")
    refused(staff, "not an iin", "Wrong-password-2", T0, "ssh:10.1.2.3")
    details = failures(staff.db)
    assert [(d["reason"], d["terminal"]) for d in details] == [
        ("bad_password", "ssh:10.1.2.3"),
        ("bad_iin", "ssh:10.1.2.3"),
    ]
    text = json.dumps(details)
    assert "Wrong-password" not in text and "not an iin" not in text


def test_the_throttles_secret_is_the_audit_keys_and_not_in_the_database(tmp_path: Path) -> None:
    # A keyed clinic (what init makes): the table's keys are HMACs under HMAC(audit key, label),
    # computed here from the key file alone; nothing in the database lets a reader test IINs.
    paths = DataPaths(tmp_path / "data")
    db = open_db(paths.database)
    Vault.create_key(paths.audit_key)
    assert audit.start_keying(db, actor_iin=None, at=T0) is not None
    staff = Staff(db, Security(), params=FAST)
    staff.add(ADMIN_IIN, "A", "admin", GOOD, T0, actor="init")
    assert [a.failed_attempts for a in staff.list()] == [0]
    refused(staff, ADMIN_IIN, "Wrong-password-1", T0, "ssh:10.1.2.3")
    secret = hmac.digest(paths.audit_key.read_bytes(), b"regdesk sign-in throttle v1", "sha256")

    def key(kind: str, value: str) -> str:
        return f"{kind}:" + hmac.new(secret, f"{kind}\0{value}".encode(), "sha256").hexdigest()

    stored = {r[0] for r in db.execute("SELECT key FROM signin_throttle").fetchall()}
    assert stored == {key("account", ADMIN_IIN), key("terminal", "ssh:10.1.2.3")}
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "signin_throttle_secret" not in tables
    assert [a.failed_attempts for a in staff.list()] == [1]

    # Without the key (a reader has the database alone), the same records mean nothing: the
    # accounts are read without their delays, and a sign-in is refused in the audit's words.
    paths.audit_key.rename(tmp_path / "key-elsewhere")
    fresh = Staff(db, Security(), params=FAST)
    assert [a.failed_attempts for a in fresh.list()] == [0]
    with pytest.raises(AuditKeyError) as caught:
        fresh.authenticate(ADMIN_IIN, GOOD, T0, terminal="ssh:10.1.2.3")
    assert caught.value.key == "audit_key.key_unusable"
    assert str(paths.audit_key) in caught.value.message("ru")
    assert db.execute("SELECT count(*) FROM signin_throttle").fetchone()[0] == 2  # untouched


def test_a_database_never_keyed_and_without_a_key_still_throttles(db: Database) -> None:
    # Older than `regdesk upgrade` (or a bare test database): a fixed secret, the same throttle.
    staff = Staff(db, Security(), params=FAST)
    staff.add(ADMIN_IIN, "A", "admin", GOOD, T0, actor="init")
    for n in range(3):
        refused(staff, ADMIN_IIN, f"Wrong-password-{n}", T0, "t")
    assert [a.failed_attempts for a in staff.list()] == [3]
    assert staff.authenticate(ADMIN_IIN, GOOD, T0, terminal="t").iin == ADMIN_IIN


def test_the_upgrade_drops_the_secret_from_the_database_and_the_waits_with_it(
    tmp_path: Path,
) -> None:
    # A database at the schema before the secret moved out, with a secret and a wait in it.
    import sqlite3

    from old_schema import old_database

    from regdesk.store import schema

    path = tmp_path / "regdesk.sqlite3"
    # The version just before the migration that dropped it (15 when written).
    before = next(
        n for n, m in enumerate(schema.MIGRATIONS) if "DROP TABLE signin_throttle_secret" in m
    )
    old_database(path, before)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("INSERT INTO signin_throttle_secret VALUES (1, ?)", [b"s" * 32])
        conn.execute(
            "INSERT INTO signin_throttle VALUES ('account:ab', 9, ?, ?)",
            ["2026-09-01T04:00:00.000000+00:00", "2026-09-01T04:15:00.000000+00:00"],
        )
        assert schema.migrate(conn, path) == schema.SCHEMA_VERSION - before
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "signin_throttle_secret" not in tables and "signin_throttle" in tables
        assert conn.execute("SELECT count(*) FROM signin_throttle").fetchone()[0] == 0
    finally:
        conn.close()
