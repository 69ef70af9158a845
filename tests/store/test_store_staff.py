"""Staff accounts: Argon2id hashes, the password policy, throttled sign-in, and their audit.

The throttle's delays themselves: ``test_store_signin_throttle.py``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from regdesk.config import Security
from regdesk.core.application import Role
from regdesk.core.errors import UserError
from regdesk.core.ids import IinError, make_iin
from regdesk.store import audit
from regdesk.store import password_hash as hash_module
from regdesk.store.db import open_db
from regdesk.store.staff import (
    DEFAULT_PARAMS,
    POLICY_KEYS,
    AccountDisabledError,
    HashParams,
    LastAdminError,
    PasswordPolicyError,
    SignInError,
    Staff,
    StaffExistsError,
    StaffNotFoundError,
    check_policy,
    hash_password,
    needs_rehash,
    parse_hash,
    verify_password,
)

# Tiny Argon2 costs keep the many sign-ins of these tests fast; the real cost is tested apart.
FAST = HashParams(memory_kib=64, iterations=1, lanes=1)
GOOD = "Kelbet-2026-qala"
ADMIN_IIN = make_iin(date(1980, 5, 17), "female", 123)
RECEPTION_IIN = make_iin(date(1992, 11, 3), "male", 4567)
UNKNOWN_IIN = make_iin(date(1975, 1, 30), "male", 42)
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)  # 09:00 in Almaty (UTC+5)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "regdesk.sqlite3")


@pytest.fixture
def staff(db: Database) -> Staff:
    s = Staff(db, Security(), params=FAST)
    s.add(ADMIN_IIN, "Сәрсенова Әйгерім Нұрланқызы", "admin", GOOD, T0, actor="cli:root")
    s.add(RECEPTION_IIN, "Иванов Пётр", Role.RECEPTIONIST, GOOD + "!", T0, actor=ADMIN_IIN)
    return s


def audit_rows(db: Database) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT actor_iin, action, object, detail FROM audit_log ORDER BY id")
    return [
        {"actor": a, "action": b, "object": c, "detail": json.loads(d) if d else None}
        for a, b, c, d in cursor.fetchall()
    ]


# --- hashing ---------------------------------------------------------------------------------


def test_hash_round_trip_with_parameters_in_the_string() -> None:
    encoded = hash_password("Сәлем-әлем 2026", FAST)
    assert encoded.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    parsed = parse_hash(encoded)
    assert parsed.params == FAST
    assert len(parsed.salt) == 16 and len(parsed.digest) == 32
    assert verify_password("Сәлем-әлем 2026", encoded)
    assert not verify_password("Сәлем-әлем 2027", encoded)
    assert not verify_password("", encoded)
    # A fresh salt every time.
    assert hash_password("same", FAST) != hash_password("same", FAST)


def test_default_parameters_are_in_the_hash_and_verify() -> None:
    encoded = hash_password("x" * 12)
    assert f"m={DEFAULT_PARAMS.memory_kib},t={DEFAULT_PARAMS.iterations}" in encoded
    assert DEFAULT_PARAMS.memory_kib >= 19456  # OWASP's floor for Argon2id
    assert verify_password("x" * 12, encoded)


def test_old_parameters_still_verify_and_ask_for_a_rehash() -> None:
    old = hash_password("Parol-12345", HashParams(memory_kib=128, iterations=3, lanes=2))
    assert verify_password("Parol-12345", old)
    assert needs_rehash(old, FAST)
    assert not needs_rehash(hash_password("Parol-12345", FAST), FAST)


def test_the_hash_is_the_standard_argon2id_phc_string() -> None:
    # cryptography's own PHC verifier reads our strings, so other Argon2 tools can too.
    from cryptography.exceptions import InvalidKey
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    encoded = hash_password("Parol-12345", FAST)
    Argon2id.verify_phc_encoded(b"Parol-12345", encoded)
    with pytest.raises(InvalidKey):
        Argon2id.verify_phc_encoded(b"Parol-12346", encoded)


def test_composed_and_decomposed_letters_are_the_same_password() -> None:
    composed = "Қайрат-й-2026"
    decomposed = "Қайрат-\u0438\u0306-2026"  # и + combining breve, as some keyboards send й
    assert composed != decomposed
    assert verify_password(decomposed, hash_password(composed, FAST))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain-text",
        "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
    ],
)
def test_malformed_or_absurd_hashes_never_verify(bad: str) -> None:
    assert not verify_password("anything", bad)
    if bad.startswith("$argon2id"):
        with pytest.raises(ValueError):
            parse_hash(bad)


# --- policy ----------------------------------------------------------------------------------


def test_a_good_password_breaks_no_rule() -> None:
    assert check_policy(GOOD, Security()) == []
    assert check_policy("әлемдегі ең жақсы емхана", Security(password_classes=2)) == []


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab1-", "staff.policy.too_short"),
        ("A1" + "b" * 300, "staff.policy.too_long"),
        ("onlylowercaseletters", "staff.policy.classes"),
        ("aaaaaaaaaaaa", "staff.policy.one_character"),
        ("1234567890", "staff.policy.sequence"),
        ("9876543210", "staff.policy.sequence"),
        ("Qwertyuiop", "staff.policy.sequence"),
        ("ЙЦУКЕНГШЩЗХЪ", "staff.policy.sequence"),
        ("Parol\t2026-ok", "staff.policy.control_character"),
    ],
)
def test_each_rule_is_reported(password: str, rule: str) -> None:
    assert rule in check_policy(password, Security())
    assert rule in POLICY_KEYS


def test_every_broken_rule_is_reported_at_once() -> None:
    broken = check_policy("aaaa", Security())
    assert broken == [
        "staff.policy.too_short",
        "staff.policy.classes",
        "staff.policy.one_character",
    ]


def test_the_password_must_not_contain_the_iin() -> None:
    assert "staff.policy.contains_iin" in check_policy(f"x{ADMIN_IIN}", Security(), iin=ADMIN_IIN)
    assert check_policy(f"x{ADMIN_IIN}", Security()) == []


def test_policy_follows_the_config() -> None:
    strict = Security(password_min_length=20, password_classes=4)
    assert check_policy("kelbet-2026-qala", strict) == [
        "staff.policy.too_short",
        "staff.policy.classes",
    ]
    assert check_policy("abc", Security(password_min_length=3, password_classes=1)) == [
        "staff.policy.sequence"
    ]


def test_policy_error_lists_the_rules_in_the_users_language() -> None:
    err = PasswordPolicyError(["staff.policy.too_short", "staff.policy.classes"], Security())
    ru = err.message("ru")
    assert ru.splitlines()[0] == "Пароль не отвечает требованиям:"
    assert "не короче 10 символов" in ru
    assert "не менее 2 видов" in ru
    assert "кемінде 10 таңба" in err.message("kk")


# --- accounts --------------------------------------------------------------------------------


def test_add_get_and_list(staff: Staff) -> None:
    account = staff.get(ADMIN_IIN)
    assert account is not None
    assert account.full_name == "Сәрсенова Әйгерім Нұрланқызы"
    assert account.role is Role.ADMIN and not account.disabled
    assert account.created_at == T0 and account.password_changed_at == T0
    assert [a.iin for a in staff.list()] == [ADMIN_IIN, RECEPTION_IIN]
    assert staff.get(UNKNOWN_IIN) is None
    stored = staff.db.execute("SELECT password_hash FROM staff WHERE iin = ?", [ADMIN_IIN])
    assert verify_password(GOOD, stored.fetchone()[0])


def test_add_refuses_duplicates_invalid_iins_weak_passwords_and_bad_roles(staff: Staff) -> None:
    with pytest.raises(StaffExistsError):
        staff.add(ADMIN_IIN, "Someone", "admin", GOOD, T0, actor="t")
    # The NCA test certificates' 123456789011 is not a valid IIN, and staff IINs must be valid.
    with pytest.raises(IinError):
        staff.add("123456789011", "Test", "admin", GOOD, T0, actor="t")
    with pytest.raises(PasswordPolicyError) as weak:
        staff.add(UNKNOWN_IIN, "Weak", "receptionist", "qwerty", T0, actor="t")
    assert "staff.policy.too_short" in weak.value.broken
    with pytest.raises(UserError) as role:
        staff.add(UNKNOWN_IIN, "Role", "system", GOOD, T0, actor="t")
    assert role.value.key == "staff.bad_role"
    assert staff.get(UNKNOWN_IIN) is None


def test_an_iin_typed_on_the_kazakh_layout_is_accepted(db: Database) -> None:
    s = Staff(db, params=FAST)
    typed = UNKNOWN_IIN.translate(str.maketrans("1234567890", '"әіңғ,.үұқ'))
    account = s.add(typed, "Layout", "receptionist", GOOD, T0, actor="t")
    assert account.iin == UNKNOWN_IIN
    assert s.authenticate(typed, GOOD, T0).iin == UNKNOWN_IIN
    assert s.get(typed) == replace(account, last_sign_in_at=T0)
    s.set_lang(typed, "kk")
    assert s.authenticate(UNKNOWN_IIN, GOOD, T0).lang == "kk"


def test_admin_actions_on_a_missing_account(staff: Staff) -> None:
    with pytest.raises(StaffNotFoundError):
        staff.disable(UNKNOWN_IIN, T0, actor="t")
    with pytest.raises(StaffNotFoundError):
        staff.set_password(UNKNOWN_IIN, GOOD, T0, actor="t")


def test_the_last_active_admin_cannot_be_disabled_or_demoted(staff: Staff) -> None:
    with pytest.raises(LastAdminError):
        staff.disable(ADMIN_IIN, T0, actor="t")
    with pytest.raises(LastAdminError):
        staff.set_role(ADMIN_IIN, "receptionist", T0, actor="t")
    staff.set_role(RECEPTION_IIN, "admin", T0, actor=ADMIN_IIN)
    staff.disable(ADMIN_IIN, T0, actor=RECEPTION_IIN)
    account = staff.get(ADMIN_IIN)
    assert account is not None and account.disabled


def test_key_store_path_and_language_are_remembered(staff: Staff) -> None:
    staff.set_key_store_path(RECEPTION_IIN, "/keys/ivanov.p12", T0)
    staff.set_key_store_path(RECEPTION_IIN, "/keys/ivanov.p12", T0)  # unchanged: no new record
    staff.set_lang(RECEPTION_IIN, "kk")
    employee = staff.authenticate(RECEPTION_IIN, GOOD + "!", T0)
    assert employee.key_store_path == "/keys/ivanov.p12"
    assert employee.lang == "kk"
    key_records = [r for r in audit_rows(staff.db) if r["action"] == "staff.key_store"]
    assert key_records == [
        {
            "actor": RECEPTION_IIN,
            "action": "staff.key_store",
            "object": f"staff:{RECEPTION_IIN}",
            "detail": {"path": "/keys/ivanov.p12"},
        }
    ]
    with pytest.raises(UserError):
        staff.set_lang(RECEPTION_IIN, "de")


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_returns_the_employee(staff: Staff) -> None:
    employee = staff.authenticate(f"  {ADMIN_IIN} ", GOOD, T0)
    assert employee.iin == ADMIN_IIN
    assert employee.role is Role.ADMIN
    assert employee.full_name == "Сәрсенова Әйгерім Нұрланқызы"
    with pytest.raises(AttributeError):
        employee.role = Role.RECEPTIONIST  # type: ignore[misc]


def test_every_kind_of_failure_gives_the_same_message(staff: Staff) -> None:
    staff.set_role(RECEPTION_IIN, "admin", T0, actor="t")
    staff.disable(RECEPTION_IIN, T0, actor="t")
    attempts = [
        (ADMIN_IIN, "Wrong-password-1"),  # wrong password
        (UNKNOWN_IIN, GOOD),  # valid IIN without an account
        ("123456789011", GOOD),  # not a valid IIN
        ("my password", GOOD),  # the password typed into the IIN field
        (RECEPTION_IIN, "Wrong-password-1"),  # wrong password of a disabled account
    ]
    errors = []
    for iin, password in attempts:
        with pytest.raises(SignInError) as caught:
            staff.authenticate(iin, password, T0)
        errors.append(caught.value)
    assert {type(e) for e in errors} == {SignInError}
    for lang in ("kk", "ru", "en"):
        assert len({e.message(lang) for e in errors}) == 1
    assert "ИИН или пароль" in errors[0].message("ru")

    failed = [r for r in audit_rows(staff.db) if r["action"] == "sign_in_failed"]
    assert [r["detail"]["reason"] for r in failed] == [
        "bad_password",
        "unknown_iin",
        "bad_iin",
        "bad_iin",
        "bad_password",
    ]
    # What was typed into the IIN field is not recorded when it is not an IIN.
    assert failed[2]["actor"] is None and failed[3]["actor"] is None
    assert failed[1]["actor"] == UNKNOWN_IIN
    everything = json.dumps(audit_rows(staff.db), ensure_ascii=False)
    assert "Wrong-password-1" not in everything and "my password" not in everything


def test_a_new_password_lifts_the_accounts_delay(staff: Staff) -> None:
    sec = Security(throttle_free_attempts=1)
    for _ in range(2):  # the second failure starts a 5 s delay for this IIN
        with pytest.raises(SignInError):
            staff.authenticate(RECEPTION_IIN, "nope", T0, sec, terminal="t1")
    with pytest.raises(SignInError):
        staff.authenticate(RECEPTION_IIN, GOOD + "!", T0, sec, terminal="t2")
    staff.set_password(RECEPTION_IIN, "Zhana-Parol-77", T0, actor=ADMIN_IIN)
    assert staff.authenticate(RECEPTION_IIN, "Zhana-Parol-77", T0, sec, terminal="t2").iin
    with pytest.raises(SignInError):
        staff.authenticate(RECEPTION_IIN, GOOD + "!", T0, sec, terminal="t2")


def test_a_disabled_account_is_told_only_after_its_right_password(staff: Staff) -> None:
    staff.disable(RECEPTION_IIN, T0, actor=ADMIN_IIN)
    with pytest.raises(SignInError) as wrong:
        staff.authenticate(RECEPTION_IIN, "Wrong-password-1", T0)
    assert type(wrong.value) is SignInError
    with pytest.raises(AccountDisabledError) as right:
        staff.authenticate(RECEPTION_IIN, GOOD + "!", T0)
    assert "администратор" in right.value.message("ru")
    staff.enable(RECEPTION_IIN, T0, actor=ADMIN_IIN)
    assert staff.authenticate(RECEPTION_IIN, GOOD + "!", T0).iin == RECEPTION_IIN


def test_a_successful_sign_in_upgrades_an_old_hash(db: Database) -> None:
    old = Staff(db, params=FAST)
    old.add(ADMIN_IIN, "A", "admin", GOOD, T0, actor="t")
    stronger = HashParams(memory_kib=256, iterations=2, lanes=1)
    new = Staff(db, params=stronger)
    new.authenticate(ADMIN_IIN, GOOD, T0)
    stored = db.execute("SELECT password_hash FROM staff").fetchone()[0]
    assert parse_hash(stored).params == stronger
    assert verify_password(GOOD, stored)
    assert audit_rows(db)[-1]["detail"] == {"rehashed": True, "via": "desk", "terminal": ""}


def test_unknown_iin_spends_the_same_hashing_time(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unknown or invalid IIN must cost what a wrong password costs, or the answer's timing
    # tells which IINs are staff. Counted, not timed (a shared machine's timings are noise): the
    # real Argon2id runs, wrapped to record each derivation's cost parameters.
    params = HashParams(memory_kib=8192, iterations=2, lanes=1)
    s = Staff(db, params=params)
    s.add(ADMIN_IIN, "A", "admin", GOOD, T0, actor="t")
    sec = Security(throttle_free_attempts=20, throttle_terminal_free_attempts=50)
    derived: list[tuple[int, int, int]] = []
    real = hash_module._argon2id

    def counting(password: bytes, salt: bytes, p: HashParams, length: int) -> bytes:
        derived.append((p.memory_kib, p.iterations, p.lanes))
        return real(password, salt, p, length)

    monkeypatch.setattr(hash_module, "_argon2id", counting)

    def work(iin: str) -> list[tuple[int, int, int]]:
        derived.clear()
        with pytest.raises(SignInError):
            s.authenticate(iin, "Wrong-password-1", T0, sec)
        return list(derived)

    known = work(ADMIN_IIN)
    assert known == [(8192, 2, 1)]
    assert work(UNKNOWN_IIN) == known
    assert work("12345") == known
    # A try during a delay hashes too (the right password, refused): the same work again.
    for n in range(4):
        with pytest.raises(SignInError):
            s.authenticate(ADMIN_IIN, "Wrong-password-1", T0, terminal=f"t{n}")
    derived.clear()
    with pytest.raises(SignInError):
        s.authenticate(ADMIN_IIN, GOOD, T0, terminal="t9")
    assert derived == known


# --- audit -----------------------------------------------------------------------------------


def test_admin_actions_and_sign_ins_are_audited_in_a_valid_chain(staff: Staff) -> None:
    staff.set_password(RECEPTION_IIN, "Zhana-Parol-77", T0, actor=ADMIN_IIN)
    staff.set_role(RECEPTION_IIN, "admin", T0, actor=ADMIN_IIN)
    staff.disable(RECEPTION_IIN, T0, actor=ADMIN_IIN)
    staff.enable(RECEPTION_IIN, T0, actor=ADMIN_IIN)
    staff.authenticate(RECEPTION_IIN, "Zhana-Parol-77", T0)
    with pytest.raises(SignInError):
        staff.authenticate(RECEPTION_IIN, "Wrong-password-1", T0)

    rows = audit_rows(staff.db)
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("cli:root", "admin.user_add"),
        (ADMIN_IIN, "admin.user_add"),
        (ADMIN_IIN, "admin.user_passwd"),
        (ADMIN_IIN, "admin.user_role"),
        (ADMIN_IIN, "admin.user_lock"),
        (ADMIN_IIN, "admin.user_unlock"),
        (RECEPTION_IIN, "sign_in"),
        (RECEPTION_IIN, "sign_in_failed"),
    ]
    # Every admin change keeps the account before and after it (no password hash).
    added = rows[1]["detail"]
    assert added["before"] is None
    assert added["after"] == {
        "full_name": "Иванов Пётр",
        "role": "receptionist",
        "state": "active",
        "locked_until": None,
        "must_change_password": False,
    }
    assert rows[2]["detail"]["after"]["must_change_password"] is False
    role = rows[3]["detail"]
    assert (role["before"]["role"], role["after"]["role"]) == ("receptionist", "admin")
    locked = rows[4]["detail"]
    assert (locked["before"]["state"], locked["after"]["state"]) == ("active", "disabled")
    assert rows[-1]["detail"] == {
        "reason": "bad_password",
        "attempt": 1,
        "terminal_attempt": 1,
        "via": "desk",
        "terminal": "",
    }
    assert all(r["object"] == f"staff:{RECEPTION_IIN}" for r in rows[1:])
    text = json.dumps(rows, ensure_ascii=False)
    for secret in (GOOD, "Zhana-Parol-77", "Wrong-password-1", "argon2id"):
        assert secret not in text
    assert audit.verify(staff.db).ok


def test_a_refused_admin_action_leaves_no_record(staff: Staff) -> None:
    before = len(audit_rows(staff.db))
    with pytest.raises(LastAdminError):
        staff.disable(ADMIN_IIN, T0, actor="t")
    with pytest.raises(StaffExistsError):
        staff.add(ADMIN_IIN, "Again", "admin", GOOD, T0, actor="t")
    assert len(audit_rows(staff.db)) == before
