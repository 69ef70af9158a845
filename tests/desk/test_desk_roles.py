"""Every role-gated use case called with every role (issue 15, "Roles"): the use case itself
allows or refuses, whatever screen or command called it; a refusal is said in kk, ru and en,
changes nothing and is audited; the own password is everybody's."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from desk_support import PINNED_AT, READY_FORM, assert_explained, draft, signed_in

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.core.ids import make_iin
from regdesk.core.roles import GRANTS, STAFF_ROLES, Permission, Role, may
from regdesk.desk import Desk
from regdesk.desk.errors import DeskError, NotAllowed, PasswordChangeRequired
from regdesk.i18n import t
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.staff import (
    PasswordPolicyError,
    SignInError,
    Staff,
    WrongPasswordError,
)

PASSWORD = "Kelbet-2026-qala"
TARGET = make_iin(date(1991, 4, 12), "female", 31)
NEWCOMER = make_iin(date(1999, 7, 1), "male", 58)
ACTOR = {
    Role.RECEPTIONIST: make_iin(date(1985, 3, 3), "female", 11),
    Role.HEAD: make_iin(date(1975, 6, 6), "female", 22),
    Role.ADMIN: make_iin(date(1982, 9, 9), "male", 33),
}


def add_accounts(ws: demo.DemoWorkspace) -> None:
    """One employee of each role, and a receptionist the actions are done to."""
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        staff = Staff(db, ws.config.security)
        for role, iin in ACTOR.items():
            staff.add(iin, f"Тест {role.value}", role, PASSWORD, PINNED_AT, actor="test")
        staff.add(TARGET, "Мақсат Айгүл", "receptionist", PASSWORD, PINNED_AT, actor="test")
    finally:
        db.conn.close()


def snapshot(ws: demo.DemoWorkspace) -> tuple[list[Any], list[Any]]:
    """The staff table (no sign-in times: signing in is not what is gated) and the states of
    the applications, read as another terminal."""
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        staff = conn.execute(
            "SELECT id, iin, full_name, role, password_hash, disabled, must_change_password,"
            " deactivated_at FROM staff ORDER BY id"
        ).fetchall()
        states = conn.execute("SELECT id, state FROM applications ORDER BY id").fetchall()
        return staff, states
    finally:
        conn.close()


def denials(ws: demo.DemoWorkspace) -> list[tuple[str, str]]:
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        rows = conn.execute(
            "SELECT actor_iin, json_extract(detail, '$.what') FROM audit_log"
            " WHERE action = 'access_denied' ORDER BY id"
        ).fetchall()
        return [(r[0], r[1]) for r in rows]
    finally:
        conn.close()


Call = Callable[[Desk, int, Path], object]

GATED: list[tuple[str, Permission, Call]] = [
    ("annul", Permission.ANNUL, lambda d, app, _: d.corrections.check_request(app, "other", "x")),
    ("staff_list", Permission.STAFF, lambda d, _, __: d.staff_admin.accounts()),
    ("staff_add", Permission.STAFF, lambda d, _, __: d.staff_admin.add(NEWCOMER, "Жаңа", "head")),
    ("staff_role", Permission.STAFF, lambda d, _, __: d.staff_admin.set_role(TARGET, "head")),
    ("staff_lock", Permission.STAFF, lambda d, _, __: d.staff_admin.lock(TARGET)),
    ("staff_unlock", Permission.STAFF, lambda d, _, __: d.staff_admin.unlock(TARGET)),
    ("staff_reset", Permission.STAFF, lambda d, _, __: d.staff_admin.reset_password(TARGET)),
    ("admin_journal", Permission.ADMIN_JOURNAL, lambda d, _, __: d.staff_admin.journal()),
    ("district_list", Permission.DISTRICTS, lambda d, _, __: d.districts.overview()),
    (
        "district_change",
        Permission.DISTRICTS,
        lambda d, _, __: d.districts.set_doctor(1, "Жаңа Дәрігер", date(2026, 12, 1)),
    ),
    (
        "admin_journal",
        Permission.ADMIN_JOURNAL,
        lambda d, _, out: d.staff_admin.export_journal("kk", out / "journal.csv"),
    ),
    (
        "printer_default",
        Permission.SETTINGS,
        lambda d, _, __: d.printers.choose_default("receipt-80mm"),
    ),
    ("staff_deactivate", Permission.STAFF, lambda d, _, __: d.staff_admin.deactivate(TARGET)),
]
"""(what the refusal names, the permission, the call): the deactivation last, as it is final."""


def test_the_grants_are_the_issue_s() -> None:
    # Written from issue 15: head = reports for all, annulments, district changes; admin = staff
    # and settings, and everything the head may do.
    assert GRANTS[Role.RECEPTIONIST] == frozenset()
    assert GRANTS[Role.HEAD] == {Permission.REPORTS_ALL, Permission.ANNUL, Permission.DISTRICTS}
    assert GRANTS[Role.ADMIN] == set(Permission)
    assert not any(may(Role.SYSTEM, p) for p in Permission)
    assert not may("boss", Permission.ANNUL)
    # The reports' scope is one line: a receptionist sees their own figures, the others all.
    assert [r for r in STAFF_ROLES if may(r, Permission.REPORTS_ALL)] == [Role.HEAD, Role.ADMIN]


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_every_gated_use_case_with_every_role(
    role: Role,
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
    tmp_path: Path,
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0], READY_FORM | {"district": "2"})
    key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    desk.registration.register(app_id, key)
    add_accounts(ws)
    async with signed_in(ws.config, clock, ACTOR[role], PASSWORD) as acting:
        assert acting.corrections.may_annul() is may(role, Permission.ANNUL)
        assert acting.staff_admin.may_administer() is may(role, Permission.STAFF)
        for what, permission, call in GATED:
            before = snapshot(ws)
            if may(role, permission):
                call(acting, app_id, tmp_path)
                continue
            with pytest.raises(NotAllowed) as refused:
                call(acting, app_id, tmp_path)
            assert_explained(refused.value)
            for lang in ("kk", "ru", "en"):
                text = refused.value.message(lang)
                assert t(f"role.{role.value}", lang) in text
                assert t(f"admin.what.{what}", lang) in text
            assert snapshot(ws) == before, what
            assert denials(ws)[-1] == (ACTOR[role], what)
        assert not (tmp_path / "journal.csv").exists() or may(role, Permission.ADMIN_JOURNAL)
    if role is Role.ADMIN:
        with open(tmp_path / "journal.csv", encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0][0] == t("admin.col.at", "kk")
        actions = [r[2] for r in rows[1:]]
        assert t("admin.action.admin_user_role", "kk") in actions
        assert t("admin.action.admin_user_reset", "kk") in actions
        role_row = next(r for r in rows if r[2] == t("admin.action.admin_user_role", "kk"))
        assert "тіркеуші → меңгеруші" in role_row[4] and TARGET in role_row[3]
    else:
        assert len(denials(ws)) == sum(1 for _, p, _ in GATED if not may(role, p))


async def test_the_staff_lifecycle_at_the_desk(
    ws: demo.DemoWorkspace, clock: PinnedClock, tmp_path: Path
) -> None:
    add_accounts(ws)
    async with signed_in(ws.config, clock, ACTOR[Role.ADMIN], PASSWORD) as admin:
        once = admin.staff_admin.add(NEWCOMER, "  Жаңа   Қызметкер ", "receptionist")
        assert once is not None
        row = next(r for r in admin.staff_admin.accounts() if r.iin == NEWCOMER)
        assert (row.full_name, row.role, row.state, row.must_change_password) == (
            "Жаңа Қызметкер", Role.RECEPTIONIST, "active", True)  # fmt: skip
        assert row.last_sign_in is None
        # An admin does not lock or demote themself.
        with pytest.raises(DeskError) as self_lock:
            admin.staff_admin.lock(ACTOR[Role.ADMIN])
        assert_explained(self_lock.value)

    # The newcomer signs in with the one-time password: nothing but the change is possible.
    clock.advance(minutes=5)
    newcomer = Desk(ws.config, clock=clock)
    try:
        employee = newcomer.session.sign_in(NEWCOMER, once)
        assert employee.must_change_password
        with pytest.raises(PasswordChangeRequired) as first:
            newcomer.session.open_drafts()
        assert_explained(first.value)
        with pytest.raises(DeskError) as differ:
            newcomer.session.change_password(None, "Meniki-Parol-2026", "Meniki-Parol-2025")
        assert differ.value.key == "admin.password_mismatch"
        assert_explained(differ.value)
        newcomer.session.change_password(None, "Meniki-Parol-2026", "Meniki-Parol-2026")
        assert newcomer.session.open_drafts() == []
    finally:
        newcomer.close()

    clock.advance(minutes=5)
    async with signed_in(ws.config, clock, ACTOR[Role.ADMIN], PASSWORD) as admin:
        row = next(r for r in admin.staff_admin.accounts() if r.iin == NEWCOMER)
        assert not row.must_change_password
        # Last sign-in in clinic time: 10:35 in Almaty (the pinned 05:30 UTC + 5 minutes).
        assert row.last_sign_in is not None and row.last_sign_in.strftime("%H:%M") == "10:35"
        admin.staff_admin.set_role(NEWCOMER, "head")
        admin.staff_admin.lock(NEWCOMER)
        assert _state(admin, NEWCOMER) == "disabled"
        admin.staff_admin.unlock(NEWCOMER)
        again = admin.staff_admin.reset_password(NEWCOMER)
        assert again != once
        admin.staff_admin.deactivate(NEWCOMER)
        assert _state(admin, NEWCOMER) == "deactivated"
        journal = admin.staff_admin.journal()
        mine = [c for c in journal if c.object_iin == NEWCOMER]
        assert [c.action for c in reversed(mine)] == [
            "admin.user_add",
            "staff.password_changed",
            "admin.user_role",
            "admin.user_lock",
            "admin.user_unlock",
            "admin.user_reset",
            "admin.user_deactivate",
        ]
        role_change = next(c for c in mine if c.action == "admin.user_role")
        assert [(c.field, c.before, c.after) for c in role_change.changes] == [
            ("role", "receptionist", "head")
        ]
        assert role_change.actor_name == f"Тест {Role.ADMIN.value}"
        assert role_change.object_name == "Жаңа Қызметкер"
        assert role_change.at.strftime("%H:%M") == "10:40"
    with pytest.raises(SignInError):
        sign_in_elsewhere(ws, clock, NEWCOMER, again)


def sign_in_elsewhere(ws: demo.DemoWorkspace, clock: PinnedClock, iin: str, password: str) -> None:
    """A sign-in at another workstation, closed at once."""
    other = Desk(ws.config, clock=clock)
    try:
        other.session.sign_in(iin, password)
    finally:
        other.close()


def _state(desk: Desk, iin: str) -> str:
    return next(r.state for r in desk.staff_admin.accounts() if r.iin == iin)


async def test_every_employee_changes_their_own_password(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, str, str, str]
) -> None:
    _, iin, password, _ = receptionist
    async with signed_in(ws.config, clock, iin, password) as own:
        rules = own.session.password_rules()
        security = ws.config.security
        assert rules[0][0] == "staff.policy.too_short"
        assert rules[0][1]["min"] == security.password_min_length
        assert ("staff.policy.classes" in dict(rules)) is (security.password_classes > 1)
        with pytest.raises(DeskError) as no_old:
            own.session.change_password(None, "Meniki-Parol-2026", "Meniki-Parol-2026")
        assert_explained(no_old.value)
        with pytest.raises(WrongPasswordError) as wrong:
            own.session.change_password("not-it", "Meniki-Parol-2026", "Meniki-Parol-2026")
        assert_explained(wrong.value)
        with pytest.raises(PasswordPolicyError) as weak:
            own.session.change_password(password, "qwerty", "qwerty")
        for lang in ("kk", "ru", "en"):
            assert t("staff.policy.sequence", lang) in weak.value.message(lang)
        own.session.change_password(password, "Meniki-Parol-2026", "Meniki-Parol-2026")
    with pytest.raises(SignInError):
        sign_in_elsewhere(ws, clock, iin, password)
    sign_in_elsewhere(ws, clock, iin, "Meniki-Parol-2026")
