"""Staff accounts: password hashes, the password policy, sign-in with lock-out, admin actions.

Passwords are hashed with Argon2id (memory-hard, DESIGN.md "Data and safety rules") and stored in
the PHC string format that other Argon2 libraries read too::

    $argon2id$v=19$m=32768,t=2,p=1$<salt, base64 without padding>$<hash, base64 without padding>

The cost parameters travel inside each hash, so ``DEFAULT_PARAMS`` can be raised in a later
release: old hashes still verify with the parameters they were made with, and a successful sign-in
re-hashes the password with the current ones.

Sign-in never says whether the IIN or the password was wrong: an invalid IIN, an unknown IIN, a
wrong password and a disabled account all give the same message and spend the same hashing time.
Only a locked-out account gets its own message, with the time the lock ends. Every sign-in, failed
ones too, and every admin action is written to the audit chain in the same transaction as the
change it records.
"""

from __future__ import annotations

import base64
import hmac
import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlite_utils import Database

from regdesk.config import Security
from regdesk.core.clock import ClinicClock
from regdesk.core.errors import UserError
from regdesk.core.ids import IinError, parse_iin
from regdesk.core.roles import STAFF_ROLES, Role
from regdesk.store import audit
from regdesk.store.db import from_utc_text, now_utc, transaction, utc_text
from regdesk.store.password_policy import POLICY_KEYS as POLICY_KEYS  # re-exported
from regdesk.store.password_policy import check_policy, one_time_password, policy_params

# --- password hashing ------------------------------------------------------------------------


@dataclass(frozen=True)
class HashParams:
    """Argon2id cost parameters (RFC 9106 names: m in KiB, t passes, p lanes)."""

    memory_kib: int = 32768
    iterations: int = 2
    lanes: int = 1


DEFAULT_PARAMS = HashParams()
"""What new hashes use: 32 MiB, 2 passes, 1 lane, about 100 ms on the 2-core clinic machines
(``python -m bench staff_hash`` measures it). Raise it here; stored hashes keep their own."""

SALT_BYTES = 16
HASH_BYTES = 32
ARGON2_VERSION = 19

# Bounds for parameters read back from the database: a corrupted or planted hash string must not
# make a sign-in allocate gigabytes or spin for minutes.
_MAX_MEMORY_KIB = 1 << 21
_MAX_ITERATIONS = 64
_MAX_LANES = 16


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _password_bytes(password: str) -> bytes:
    # NFKC so that the same password typed on different keyboards (composed or decomposed
    # Kazakh and Russian letters, full-width digits) gives the same bytes (NIST SP 800-63B 5.1.1.2).
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def _argon2id(password: bytes, salt: bytes, params: HashParams, length: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    kdf = Argon2id(
        salt=salt,
        length=length,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(password)


def hash_password(password: str, params: HashParams = DEFAULT_PARAMS) -> str:
    """A new PHC-format Argon2id hash of ``password`` with a fresh random salt."""
    salt = os.urandom(SALT_BYTES)
    digest = _argon2id(_password_bytes(password), salt, params, HASH_BYTES)
    return (
        f"$argon2id$v={ARGON2_VERSION}"
        f"$m={params.memory_kib},t={params.iterations},p={params.lanes}"
        f"${_b64encode(salt)}${_b64encode(digest)}"
    )


@dataclass(frozen=True)
class ParsedHash:
    """The parts of a stored hash string."""

    params: HashParams
    salt: bytes
    digest: bytes


def parse_hash(encoded: str) -> ParsedHash:
    """The parameters, salt and digest of a PHC Argon2id string; ValueError when it is not one."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "" or parts[1] != "argon2id":
        raise ValueError("not an argon2id hash")
    if parts[2] != f"v={ARGON2_VERSION}":
        raise ValueError(f"unsupported argon2 version {parts[2]!r}")
    fields: dict[str, int] = {}
    for item in parts[3].split(","):
        name, eq, value = item.partition("=")
        if not eq or name in fields or not value.isdigit():
            raise ValueError(f"bad parameter {item!r}")
        fields[name] = int(value)
    if set(fields) != {"m", "t", "p"}:
        raise ValueError("parameters must be m, t and p")
    params = HashParams(memory_kib=fields["m"], iterations=fields["t"], lanes=fields["p"])
    if not (
        1 <= params.lanes <= _MAX_LANES
        and 8 * params.lanes <= params.memory_kib <= _MAX_MEMORY_KIB
        and 1 <= params.iterations <= _MAX_ITERATIONS
    ):
        raise ValueError(f"parameters out of range: {parts[3]}")
    try:
        salt, digest = _b64decode(parts[4]), _b64decode(parts[5])
    except ValueError:
        raise ValueError("salt or hash is not base64") from None
    if len(salt) < 8 or len(digest) < 16:
        raise ValueError("salt or hash too short")
    return ParsedHash(params, salt, digest)


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the stored hash; False for a malformed hash string.

    The comparison takes the same time wherever the digests differ.
    """
    try:
        parsed = parse_hash(encoded)
    except ValueError:
        return False
    candidate = _argon2id(_password_bytes(password), parsed.salt, parsed.params, len(parsed.digest))
    return hmac.compare_digest(candidate, parsed.digest)


def needs_rehash(encoded: str, params: HashParams = DEFAULT_PARAMS) -> bool:
    """Whether a stored hash was made with other parameters than ``params`` (or is unreadable)."""
    try:
        return parse_hash(encoded).params != params
    except ValueError:
        return True


@cache
def _dummy_hash(params: HashParams) -> str:
    # Verified against when there is no real hash (unknown or invalid IIN), so that such a
    # sign-in spends the same time as a real one and timing does not tell which IINs exist.
    # Random bytes in place of a digest: nothing matches it, and making it costs nothing.
    return (
        f"$argon2id$v={ARGON2_VERSION}"
        f"$m={params.memory_kib},t={params.iterations},p={params.lanes}"
        f"${_b64encode(os.urandom(SALT_BYTES))}${_b64encode(os.urandom(HASH_BYTES))}"
    )


# --- errors ----------------------------------------------------------------------------------


class SignInError(UserError):
    """Sign-in refused; the one message never says whether the IIN or the password was wrong."""

    key = "staff.sign_in_failed"


class SignInLockedError(SignInError):
    """Sign-in refused because the account is locked after too many failures, until ``until``."""

    key = "staff.sign_in_locked"

    def __init__(self, until: datetime, timezone: str) -> None:
        self.until = until
        local = ClinicClock(timezone).local(until)
        super().__init__(until=local.strftime("%H:%M"))


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
    """The current password given to change one's own password is not right."""

    key = "admin.old_password_wrong"


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
    locked_until: datetime | None
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
        """When the failed-attempt lock ends, if it is still on at ``now``."""
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

    ``security`` gives the password policy and the lock-out rule; ``timezone`` is the clinic's
    (config ``work_hours.timezone``), used for the "locked until HH:MM" message. Admin actions
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
    ) -> None:
        self.db = db
        self.security = security or Security()
        self.timezone = timezone
        self.params = params

    # reading

    def _row(self, iin: str) -> dict[str, Any] | None:
        cursor = self.db.execute("SELECT * FROM staff WHERE iin = ?", [iin])
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        return dict(zip(names, found, strict=True)) if found else None

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
        return [_account(dict(zip(names, r, strict=True))) for r in cursor.fetchall()]

    def _active_admins(self) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM staff"
                " WHERE role = 'admin' AND disabled = 0 AND deactivated_at IS NULL"
            ).fetchone()[0]
        )

    # admin actions

    def _require_policy(self, password: str, iin: str) -> None:
        broken = check_policy(password, self.security, iin=iin)
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
        """Replace the password (policy checked); also clears a failed-attempt lock.

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
                " failed_attempts = 0, locked_until = NULL, must_change_password = ?"
                " WHERE iin = ?",
                [encoded, utc_text(now), int(must_change), iin],
            )
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
        self, iin: str, old: str | None, new: str, now: datetime, *, via: str = "password_change"
    ) -> None:
        """The employee replaces their own password.

        ``old`` is checked as a sign-in is (a wrong one counts towards the lock-out, so a
        terminal left open is no way to guess it); None only right after a sign-in with a
        one-time password, which the caller vouches for. The new one must meet the policy and
        differ from the old one.
        """
        iin = _key(iin)
        row = self._existing(iin)
        if old is not None:
            try:
                self.authenticate(iin, old, now, via=via, sign_in=False)
            except SignInLockedError:
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

    def enable(self, iin: str, now: datetime | None = None, *, actor: str) -> None:
        """Unlock the account: undoes ``disable`` and also lifts a failed-attempt lock-out."""
        iin = _key(iin)
        with transaction(self.db):
            row = self._existing(iin)
            if row["deactivated_at"]:
                raise DeactivatedError(iin=iin)
            self.db.execute(
                "UPDATE staff SET disabled = 0, failed_attempts = 0, locked_until = NULL"
                " WHERE iin = ?",
                [iin],
            )
            self._audit_admin(actor, "admin.user_unlock", iin, now, row)

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
                "UPDATE staff SET deactivated_at = ?, failed_attempts = 0, locked_until = NULL"
                " WHERE iin = ?",
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
    ) -> None:
        """An account changed: the record keeps it before and after (read back in the same
        transaction), so the admin journal can say what changed."""
        after = self._row(iin)
        self._audit(
            actor, action, iin, now, {"before": _snapshot(before), "after": _snapshot(after)}
        )

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
    ) -> Employee:
        """The employee signing in with this IIN and password, or SignInError.

        The error is the same for an invalid IIN, an unknown IIN, a wrong password and a disabled
        account; ``SignInLockedError`` (a SignInError) says until when a locked-out account stays
        locked. ``security.lockout_attempts`` failures in a row lock the account for
        ``security.lockout_minutes``; a success resets the count. While an account is locked its
        password is still checked, for equal timing, but the answer does not depend on it.

        ``via`` says in the audit where the password was typed (``desk``, ``cli``,
        ``password_change``); ``sign_in`` False checks a password without counting it as the
        employee's last sign-in (unlocking the terminal, changing the password).
        """
        sec = security or self.security
        canonical: str | None
        try:
            canonical = canonical_iin(iin)
        except IinError:
            canonical = None
        row = self._row(canonical) if canonical else None
        # The slow part runs before the write lock is taken, so other terminals are not held up.
        checked_hash = row["password_hash"] if row else _dummy_hash(self.params)
        matches = verify_password(password, checked_hash) and row is not None
        fresh_hash = None
        if matches and needs_rehash(checked_hash, self.params):
            fresh_hash = hash_password(password, self.params)

        failure: SignInError | None = None
        with transaction(self.db):
            row = self._row(canonical) if canonical else None
            if row is not None and row["password_hash"] != checked_hash:
                # The password changed while it was being checked: check against the new one.
                matches = verify_password(password, row["password_hash"])
                fresh_hash = None
            if canonical is None or row is None:
                kind = "bad_iin" if canonical is None else "unknown_iin"
                self._audit_sign_in(canonical, now, ok=False, detail={"reason": kind, "via": via})
                failure = SignInError()
            elif row["disabled"] or row["deactivated_at"]:
                reason = "deactivated" if row["deactivated_at"] else "disabled"
                self._audit_sign_in(canonical, now, ok=False, detail={"reason": reason, "via": via})
                failure = SignInError()
            else:
                failure = self._settle(row, matches, fresh_hash, now, sec, via)
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

    def _settle(
        self,
        row: dict[str, Any],
        matches: bool,
        fresh_hash: str | None,
        now: datetime,
        sec: Security,
        via: str,
    ) -> SignInError | None:
        """Apply the outcome of a password check to an enabled account, inside the transaction."""
        iin = row["iin"]
        locked_until = from_utc_text(row["locked_until"]) if row["locked_until"] else None
        if locked_until is not None and now < locked_until:
            detail = {"reason": "locked", "locked_until": row["locked_until"], "via": via}
            self._audit_sign_in(iin, now, ok=False, detail=detail)
            return SignInLockedError(locked_until, self.timezone)
        if matches:
            if fresh_hash is not None:
                self.db.execute(
                    "UPDATE staff SET failed_attempts = 0, locked_until = NULL,"
                    " password_hash = ? WHERE iin = ?",
                    [fresh_hash, iin],
                )
            else:
                self.db.execute(
                    "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE iin = ?",
                    [iin],
                )
            detail = {"rehashed": fresh_hash is not None, "via": via}
            self._audit_sign_in(iin, now, ok=True, detail=detail)
            return None
        # The count restarts at zero when a lock is set, so a lock that ran out gives a fresh set.
        failed = int(row["failed_attempts"]) + 1
        if sec.lockout_attempts > 0 and failed >= sec.lockout_attempts:
            until = now + timedelta(minutes=sec.lockout_minutes)
            self.db.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = ? WHERE iin = ?",
                [utc_text(until), iin],
            )
            detail = {
                "reason": "bad_password",
                "attempt": failed,
                "locked_until": utc_text(until),
                "via": via,
            }
            self._audit_sign_in(iin, now, ok=False, detail=detail)
            return SignInLockedError(until, self.timezone)
        self.db.execute(
            "UPDATE staff SET failed_attempts = ?, locked_until = NULL WHERE iin = ?",
            [failed, iin],
        )
        self._audit_sign_in(
            iin, now, ok=False, detail={"reason": "bad_password", "attempt": failed, "via": via}
        )
        return SignInError()

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
