"""Staff accounts: password hashes, the password policy, throttled sign-in, admin actions.

Passwords are Argon2id hashes (``store.password_hash``, re-exported here); a successful sign-in
re-hashes one made with older cost parameters.

Sign-in never says whether the IIN or the password was wrong, nor whether a try was throttled:
an invalid IIN, an unknown IIN, a wrong password and a try during a delay
(``store.signin_throttle``) all give the same message and spend the same hashing time, so neither
the words nor the timing tell which IINs are staff. An account an admin locked or deactivated is
told apart only after its right password, outside any delay: whoever knows the password learns
nothing they could not ask the admin, and nobody else learns that the account exists. Every
sign-in, failed ones too, and every admin action is written to the audit chain in the same
transaction as the change it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from regdesk.config import Security
from regdesk.core.errors import UserError
from regdesk.core.ids import IinError, parse_iin
from regdesk.core.roles import STAFF_ROLES, Role
from regdesk.store import audit
from regdesk.store.db import from_utc_text, now_utc, transaction, utc_text
from regdesk.store.password_hash import (
    DEFAULT_PARAMS,
    HashParams,
    hash_password,
    needs_rehash,
    verify_password,
)
from regdesk.store.password_hash import ParsedHash as ParsedHash  # re-exported
from regdesk.store.password_hash import dummy_hash as _dummy_hash
from regdesk.store.password_hash import parse_hash as parse_hash  # re-exported
from regdesk.store.password_policy import POLICY_KEYS as POLICY_KEYS  # re-exported
from regdesk.store.password_policy import check_policy, one_time_password, policy_params
from regdesk.store.signin_throttle import SignInThrottle, account_schedule, terminal_schedule

# --- errors ----------------------------------------------------------------------------------


class SignInError(UserError):
    """Sign-in refused; the one message never says whether the IIN or the password was wrong, nor
    whether the try came during a delay."""

    key = "signin_throttle.refused"


class AccountDisabledError(SignInError):
    """The right password of an account an admin locked (said only after the right password)."""

    key = "signin_throttle.disabled"


class AccountClosedError(SignInError):
    """The right password of a deactivated account (said only after the right password)."""

    key = "signin_throttle.deactivated"


class PasswordPolicyError(UserError):
    """A new password breaks the policy; ``broken`` holds the rules' catalogue keys."""

    key = "staff.policy_refused"

    def __init__(self, broken: list[str], security: Security) -> None:
        self.broken = list(broken)
        self.security = security
        super().__init__()

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        lines = [t(self.key, lang)]
        lines += ["  - " + t(k, lang, **policy_params(self.security)) for k in self.broken]
        return "\n".join(lines)


class StaffNotFoundError(UserError):
    """No account has this IIN (admin actions only; sign-in never says so)."""

    key = "staff.not_found"


class StaffExistsError(UserError):
    """An account with this IIN already exists."""

    key = "staff.exists"


class InvalidRoleError(UserError):
    """A role other than receptionist, head or admin."""

    key = "staff.bad_role"


class LastAdminError(UserError):
    """The change would leave the clinic without an active admin account."""

    key = "staff.last_admin"


class DeactivatedError(UserError):
    """The account was deactivated (the employee left): it is kept, never used again."""

    key = "admin.deactivated"


class PasswordUnchangedError(UserError):
    """A new password equal to the one it replaces."""

    key = "admin.password_same"


class WrongPasswordError(UserError):
    """The current password given to change one's own password is not right, or was typed during
    a delay (the same words: the delay would be useless otherwise)."""

    key = "signin_throttle.old_password_refused"


# --- accounts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Employee:
    """The signed-in employee, as the desk needs them."""

    iin: str
    full_name: str
    role: Role
    key_store_path: str | None
    lang: str | None
    must_change_password: bool = False
    """The password is a one-time one (an admin set or reset it): it must be changed now."""


@dataclass(frozen=True)
class StaffAccount:
    """One row of the staff table, for the admin's list (no password hash)."""

    iin: str
    full_name: str
    role: Role
    disabled: bool
    failed_attempts: int
    """Failed sign-ins still counted against this IIN (``store.signin_throttle``)."""
    locked_until: datetime | None
    """When the sign-in delay of this IIN ends (it may be past)."""
    key_store_path: str | None
    lang: str | None
    created_at: datetime
    password_changed_at: datetime | None
    must_change_password: bool = False
    last_sign_in_at: datetime | None = None
    deactivated_at: datetime | None = None

    @property
    def deactivated(self) -> bool:
        return self.deactivated_at is not None

    def locked_at(self, now: datetime) -> datetime | None:
        """When the sign-in delay after failed attempts ends, if it still runs at ``now``."""
        if self.locked_until is not None and now < self.locked_until:
            return self.locked_until
        return None


def _when(text: str | None) -> datetime | None:
    return from_utc_text(text) if text else None


def _account(row: dict[str, Any]) -> StaffAccount:
    return StaffAccount(
        iin=row["iin"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        disabled=bool(row["disabled"]),
        failed_attempts=int(row["failed_attempts"]),
        locked_until=from_utc_text(row["locked_until"]) if row["locked_until"] else None,
        key_store_path=row["key_store_path"],
        lang=row["lang"],
        created_at=from_utc_text(row["created_at"]),
        password_changed_at=_when(row["password_changed_at"]),
        must_change_password=bool(row["must_change_password"]),
        last_sign_in_at=_when(row["last_sign_in_at"]),
        deactivated_at=_when(row["deactivated_at"]),
    )


def _state(row: dict[str, Any]) -> str:
    if row["deactivated_at"]:
        return "deactivated"
    return "disabled" if row["disabled"] else "active"


def _snapshot(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """What an admin change's audit record keeps of an account before and after: everything an
    admin may change, never the password hash."""
    if row is None:
        return None
    return {
        "full_name": row["full_name"],
        "role": row["role"],
        "state": _state(row),
        "locked_until": row["locked_until"],
        "must_change_password": bool(row["must_change_password"]),
    }


def canonical_iin(text: str) -> str:
    """The 12 digits of a staff IIN (Kazakh-layout digits mapped back), or ``IinError``."""
    return parse_iin(text).value


def _key(iin: str) -> str:
    # Stored IINs are all valid (``add`` checks), so a valid one is looked up in its canonical
    # form (Kazakh-layout digits mapped back) and anything else as typed, to be reported missing.
    try:
        return canonical_iin(iin)
    except IinError:
        return iin.strip()


def _role(role: str | Role) -> Role:
    try:
        value = Role(role)
    except ValueError:
        raise InvalidRoleError(role=str(role)) from None
    if value not in STAFF_ROLES:
        raise InvalidRoleError(role=str(role))
    return value


class Staff:
    """The staff accounts of one database.

    ``security`` gives the password policy and the sign-in throttle; ``timezone`` is the
    clinic's (config ``work_hours.timezone``); ``clinic_words`` the clinic's own words a password
    must not be (``password_policy.clinic_words``). Admin actions
    take ``actor``: the IIN of the admin who signed in (at the desk or on the command line), or
    a name for the program itself (``demo``, ``init``); it is what the audit record names as the
    actor. Who may call them is decided above, in ``desk.staff_admin`` (``core.roles``): this
    class only keeps the accounts consistent (one active admin at least, a deactivated account
    stays so).
    """

    def __init__(
        self,
        db: Database,
        security: Security | None = None,
        *,
        timezone: str = "Asia/Almaty",
        params: HashParams = DEFAULT_PARAMS,
        clinic_words: tuple[str, ...] = (),
    ) -> None:
        self.db = db
        self.security = security or Security()
        self.timezone = timezone
        self.params = params
        self.clinic_words = clinic_words
        self.throttle = SignInThrottle(db, self.security)

    # reading

    def _row(self, iin: str) -> dict[str, Any] | None:
        cursor = self.db.execute("SELECT * FROM staff WHERE iin = ?", [iin])
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        return self._throttled(dict(zip(names, found, strict=True))) if found else None

    def _throttled(self, row: dict[str, Any]) -> dict[str, Any]:
        # The staff table's failed_attempts and locked_until columns are no longer written (the
        # throttle keeps every IIN typed, existing or not): the row shows the throttle's record.
        found = None
        if self.throttle.has_records():
            found = self.db.execute(
                "SELECT failures, blocked_until FROM signin_throttle WHERE key = ?",
                [self.throttle.account_key(row["iin"])],
            ).fetchone()
        row["failed_attempts"] = int(found[0]) if found else 0
        row["locked_until"] = found[1] if found else None
        return row

    def _existing(self, iin: str) -> dict[str, Any]:
        row = self._row(iin)
        if row is None:
            raise StaffNotFoundError(iin=iin)
        return row

    def get(self, iin: str) -> StaffAccount | None:
        """The account with this IIN, or None."""
        row = self._row(_key(iin))
        return _account(row) if row else None

    def list(self) -> list[StaffAccount]:
        """Every account: the active ones first, admins, heads, receptionists, then by name."""
        cursor = self.db.execute(
            "SELECT * FROM staff ORDER BY deactivated_at IS NOT NULL,"
            " CASE role WHEN 'admin' THEN 0 WHEN 'head' THEN 1 ELSE 2 END, full_name, iin"
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        return [_account(self._throttled(row)) for row in rows]

    def _active_admins(self) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM staff"
                " WHERE role = 'admin' AND disabled = 0 AND deactivated_at IS NULL"
            ).fetchone()[0]
        )

    # admin actions

    def _require_policy(self, password: str, iin: str) -> None:
        broken = check_policy(password, self.security, iin=iin, local_words=self.clinic_words)
        if broken:
            raise PasswordPolicyError(broken, self.security)

    def add(
        self,
        iin: str,
        full_name: str,
        role: str | Role,
        password: str,
        now: datetime,
        *,
        actor: str,
        must_change: bool = False,
    ) -> StaffAccount:
        """Create an account; the password must pass the policy. ``must_change``: it is a
        one-time password, to be replaced at the first sign-in."""
        iin = canonical_iin(iin)
        full_name = " ".join(full_name.split())
        if not full_name:
            raise UserError("staff.name_required")
        value = _role(role)
        self._require_policy(password, iin)
        encoded = hash_password(password, self.params)  # outside the write lock: it is slow
        stamp = utc_text(now)
        with transaction(self.db):
            if self._row(iin) is not None:
                raise StaffExistsError(iin=iin)
            self.db.execute(
                "INSERT INTO staff (iin, full_name, role, password_hash, created_at,"
                " password_changed_at, must_change_password) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [iin, full_name, value.value, encoded, stamp, stamp, int(must_change)],
            )
            self._audit_admin(actor, "admin.user_add", iin, now, None)
        account = self.get(iin)
        assert account is not None
        return account

    def set_password(
        self,
        iin: str,
        password: str,
        now: datetime,
        *,
        actor: str,
        must_change: bool = False,
        action: str = "admin.user_passwd",
    ) -> None:
        """Replace the password (policy checked); also lifts the account's sign-in delay.

        ``must_change``: a password somebody else chose (an admin's, a one-time one), which the
        employee must replace at the next sign-in.
        """
        iin = _key(iin)
        row = self._existing(iin)
        if row["deactivated_at"]:
            raise DeactivatedError(iin=iin)
        self._require_policy(password, iin)
        encoded = hash_password(password, self.params)
        with transaction(self.db):
            before = self._existing(iin)
            self.db.execute(
                "UPDATE staff SET password_hash = ?, password_changed_at = ?,"
                " must_change_password = ? WHERE iin = ?",
                [encoded, utc_text(now), int(must_change), iin],
            )
            self.throttle.clear(self.throttle.account_key(iin), now)
            self._audit_admin(actor, action, iin, now, before)

    def reset_password(self, iin: str, now: datetime, *, actor: str) -> str:
        """A new one-time password for the account, returned once and stored only hashed; the
        employee must change it at the next sign-in."""
        password = one_time_password(self.security)
        self.set_password(
            iin, password, now, actor=actor, must_change=True, action="admin.user_reset"
        )
        return password

    def change_own_password(
        self,
        iin: str,
        old: str | None,
        new: str,
        now: datetime,
        *,
        via: str = "password_change",
        terminal: str = "",
    ) -> None:
        """The employee replaces their own password.

        ``old`` is checked as a sign-in is (a wrong one counts towards the throttle, so a
        terminal left open is no way to guess it; during a delay even the right one is refused);
        None only right after a sign-in with a one-time password, which the caller vouches for.
        The new one must meet the policy and differ from the old one.
        """
        iin = _key(iin)
        row = self._existing(iin)
        if old is not None:
            try:
                self.authenticate(iin, old, now, via=via, sign_in=False, terminal=terminal)
            except (AccountDisabledError, AccountClosedError):
                raise
            except SignInError:
                raise WrongPasswordError() from None
        if verify_password(new, row["password_hash"]):
            raise PasswordUnchangedError()
        self.set_password(iin, new, now, actor=iin, action="staff.password_changed")

    def disable(self, iin: str, now: datetime | None = None, *, actor: str) -> None:
        """Lock the account by an admin's decision: no sign-in until ``enable``."""
        iin = _key(iin)
        with transaction(self.db):
            row = self._existing(iin)
            if row["deactivated_at"]:
                raise DeactivatedError(iin=iin)
            if row["role"] == Role.ADMIN and not row["disabled"] and self._active_admins() <= 1:
                raise LastAdminError()
            self.db.execute("UPDATE staff SET disabled = 1 WHERE iin = ?", [iin])
            self._audit_admin(actor, "admin.user_lock", iin, now, row)

    def enable(self, iin: str, now: datetime | None = None, *, actor: str) -> int:
        """Unlock the account: undoes ``disable`` and also lifts the sign-in delay of its IIN
        (its failed attempts forgotten). How many failed attempts were still counted."""
        iin = _key(iin)
        moment = now or now_utc()
        with transaction(self.db):
            row = self._existing(iin)
            if row["deactivated_at"]:
                raise DeactivatedError(iin=iin)
            self.db.execute("UPDATE staff SET disabled = 0 WHERE iin = ?", [iin])
            cleared = self.throttle.clear(self.throttle.account_key(iin), moment)
            self._audit_admin(
                actor, "admin.user_unlock", iin, now, row, extra={"throttle_cleared": cleared}
            )
        return cleared

    def deactivate(self, iin: str, now: datetime | None = None, *, actor: str) -> None:
        """The employee left: the account can no longer sign in, and is never deleted (the
        journal and the audit keep naming them). Not undone: a returning employee's account is
        unlocked only if it was locked, never if it was deactivated."""
        iin = _key(iin)
        with transaction(self.db):
            row = self._existing(iin)
            if row["deactivated_at"]:
                raise DeactivatedError(iin=iin)
            if row["role"] == Role.ADMIN and not row["disabled"] and self._active_admins() <= 1:
                raise LastAdminError()
            self.db.execute(
                "UPDATE staff SET deactivated_at = ? WHERE iin = ?",
                [utc_text(now or now_utc()), iin],
            )
            self._audit_admin(actor, "admin.user_deactivate", iin, now, row)

    def set_role(
        self, iin: str, role: str | Role, now: datetime | None = None, *, actor: str
    ) -> None:
        """Make the account a receptionist, a head or an admin."""
        iin = _key(iin)
        value = _role(role)
        with transaction(self.db):
            row = self._existing(iin)
            if row["deactivated_at"]:
                raise DeactivatedError(iin=iin)
            if (
                row["role"] == Role.ADMIN
                and value != Role.ADMIN
                and not row["disabled"]
                and self._active_admins() <= 1
            ):
                raise LastAdminError()
            self.db.execute("UPDATE staff SET role = ? WHERE iin = ?", [value.value, iin])
            self._audit_admin(actor, "admin.user_role", iin, now, row)

    def set_key_store_path(
        self, iin: str, path: str | None, now: datetime | None = None, *, actor: str | None = None
    ) -> None:
        """Remember where this employee's NCA key store (.p12) is; None forgets it.

        The desk calls it each time the employee opens a key store; only a change is written, and
        it is audited (``staff.key_store``) because it says which key signs. ``actor`` defaults
        to the employee themself.
        """
        iin = _key(iin)
        with transaction(self.db):
            row = self._existing(iin)
            if row["key_store_path"] == path:
                return
            self.db.execute("UPDATE staff SET key_store_path = ? WHERE iin = ?", [path, iin])
            detail = {"path": path}
            self._audit(actor or iin, "staff.key_store", iin, now, detail)

    def set_lang(self, iin: str, lang: str | None) -> None:
        """Remember the employee's interface language (kk, ru, en; None: the clinic's default).

        A preference of the employee, not an admin action: it is not audited.
        """
        from regdesk.i18n import LANGS

        iin = _key(iin)
        if lang is not None and lang not in LANGS:
            raise UserError("staff.bad_lang", lang=lang)
        with transaction(self.db):
            self._existing(iin)
            self.db.execute("UPDATE staff SET lang = ? WHERE iin = ?", [lang, iin])

    def _audit_admin(
        self,
        actor: str,
        action: str,
        iin: str,
        now: datetime | None,
        before: dict[str, Any] | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """An account changed: the record keeps it before and after (read back in the same
        transaction), so the admin journal can say what changed."""
        after = self._row(iin)
        detail = {"before": _snapshot(before), "after": _snapshot(after), **(extra or {})}
        self._audit(actor, action, iin, now, detail)

    def _audit(
        self, actor: str, action: str, iin: str, now: datetime | None, detail: dict[str, Any]
    ) -> None:
        audit.append(
            self.db,
            actor_iin=actor,
            action=action,
            object=f"staff:{iin}",
            detail=detail,
            at=now or now_utc(),
        )

    # sign-in

    def authenticate(
        self,
        iin: str,
        password: str,
        now: datetime,
        security: Security | None = None,
        *,
        via: str = "desk",
        sign_in: bool = True,
        terminal: str = "",
    ) -> Employee:
        """The employee signing in with this IIN and password, or SignInError.

        The one ``SignInError`` answers an invalid IIN, an unknown IIN, a wrong password and a
        try while a delay runs for the IIN typed or for ``terminal`` (``store.signin_throttle``;
        the right password is refused then too). Every path hashes once and writes the same
        records, so the time taken does not tell them apart either. Each failure counts against
        the IIN typed (existing or not) and against ``terminal``; a success forgets the IIN's
        failures (not the terminal's: they fade with time, so signing in with one's own account
        does not buy a terminal fresh guesses at another). Only after the right password, and
        outside any delay, does a locked or deactivated account get its own words
        (``AccountDisabledError``, ``AccountClosedError``).

        ``via`` says in the audit where the password was typed (``desk``, ``cli``, ``unlock``,
        ``password_change``); ``sign_in`` False checks a password without counting it as the
        employee's last sign-in (unlocking the terminal, changing the password). ``terminal``
        names where it was typed (``desk.terminal``); the audit keeps it with each failure.
        """
        sec = security or self.security
        throttle = self.throttle.using(sec)
        canonical: str | None
        try:
            canonical = canonical_iin(iin)
        except IinError:
            canonical = None
        row = self._signing_in(canonical, iin)
        # The slow part runs before the write lock is taken, so other terminals are not held up.
        checked_hash = row["password_hash"] if row else _dummy_hash(self.params)
        matches = verify_password(password, checked_hash) and row is not None
        fresh_hash = None
        if matches and needs_rehash(checked_hash, self.params):
            fresh_hash = hash_password(password, self.params)

        # Throttled by what was typed, so an unknown IIN counts exactly as a real one does.
        account = throttle.account_key(canonical or iin.strip())
        station = throttle.terminal_key(terminal or "unknown")
        failure: SignInError | None = None
        with transaction(self.db):
            row = self._signing_in(canonical, iin)
            if row is not None and row["password_hash"] != checked_hash:
                # The password changed while it was being checked: check against the new one.
                matches = verify_password(password, row["password_hash"])
                fresh_hash = None
            base: dict[str, Any] = {"via": via, "terminal": terminal}
            waits = [throttle.blocked_until(k, now) for k in (account, station)]
            if any(w is not None for w in waits):
                # Refused whatever the password, and counted for nothing: the delay's end is the
                # same whoever keeps trying (the same statements run, for the same time).
                for k in (account, station):
                    throttle.touch(k, now)
                until = max(w for w in waits if w is not None)
                detail = {**base, "reason": "throttled", "until": utc_text(until)}
                self._audit_sign_in(canonical, now, ok=False, detail=detail)
                failure = SignInError()
            elif not matches:
                on_account = throttle.fail(account, account_schedule(sec), now)
                on_terminal = throttle.fail(station, terminal_schedule(sec), now)
                kind = "bad_iin" if canonical is None else "unknown_iin" if row is None else None
                detail = {
                    **base,
                    "reason": kind or "bad_password",
                    "attempt": on_account.failures,
                    "terminal_attempt": on_terminal.failures,
                }
                waits = [on_account.blocked_until, on_terminal.blocked_until]
                if any(w is not None for w in waits):
                    detail["until"] = utc_text(max(w for w in waits if w is not None))
                self._audit_sign_in(canonical, now, ok=False, detail=detail)
                failure = SignInError()
            else:
                assert row is not None and canonical is not None
                failure = self._settle(row, fresh_hash, now, base, throttle.clear(account, now))
                if failure is None and sign_in:
                    self.db.execute(
                        "UPDATE staff SET last_sign_in_at = ? WHERE iin = ?",
                        [utc_text(now), canonical],
                    )
        if failure is not None:
            raise failure
        assert row is not None
        return Employee(
            iin=row["iin"],
            full_name=row["full_name"],
            role=Role(row["role"]),
            key_store_path=row["key_store_path"],
            lang=row["lang"],
            must_change_password=bool(row["must_change_password"]),
        )

    def _signing_in(self, canonical: str | None, typed: str) -> dict[str, Any] | None:
        """The account signing in, or None; an unknown or invalid IIN runs the same reads as a
        known one (its throttle record is looked up too), so that no path is shorter."""
        row = self._row(canonical) if canonical else None
        if row is None:
            self._throttled({"iin": canonical or typed.strip()})
        return row

    def _settle(
        self,
        row: dict[str, Any],
        fresh_hash: str | None,
        now: datetime,
        base: dict[str, Any],
        forgotten: int,
    ) -> SignInError | None:
        """The right password, outside any delay, inside the transaction: signed in, or the
        account's own state said (locked by an admin, deactivated)."""
        iin = row["iin"]
        if row["deactivated_at"] or row["disabled"]:
            closed = bool(row["deactivated_at"])
            reason = "deactivated" if closed else "disabled"
            detail = {**base, "reason": reason, "password_ok": True}
            self._audit_sign_in(iin, now, ok=False, detail=detail)
            return AccountClosedError() if closed else AccountDisabledError()
        if fresh_hash is not None:
            self.db.execute("UPDATE staff SET password_hash = ? WHERE iin = ?", [fresh_hash, iin])
        detail = {**base, "rehashed": fresh_hash is not None}
        if forgotten:
            detail["failures_forgotten"] = forgotten
        self._audit_sign_in(iin, now, ok=True, detail=detail)
        return None

    def _audit_sign_in(
        self, iin: str | None, now: datetime, *, ok: bool, detail: dict[str, Any]
    ) -> None:
        # An invalid IIN is not recorded: people type their password into the IIN field.
        audit.append(
            self.db,
            actor_iin=iin,
            action="sign_in" if ok else "sign_in_failed",
            object=f"staff:{iin}" if iin else None,
            detail=detail,
            at=now,
        )
