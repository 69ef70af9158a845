"""Sign-in throttling (OWASP ASVS 4.0.3 §2.2.1): growing delays instead of a lock-out.

A hard lock after N failures lets anybody at any terminal keep an employee (the admin too) out by
typing their IIN N times, and answering "locked" only for real accounts tells which IINs are
staff. Here every failed sign-in counts twice: against the IIN typed (an *account key*, whether
or not such an account exists, so an unknown IIN behaves exactly like a real one) and against the
terminal it came from (a *terminal key*). After a few free failures each further one makes the
next try wait, doubling for an IIN up to ``throttle_account_max_seconds`` and tripling for a
terminal up to ``throttle_terminal_max_seconds``. The account's cap is low, so that one terminal
cannot keep an employee out of the other terminals for long; the terminal's grows faster and
further, so that the terminal an attacker types at slows down first. A try during a delay is
refused with the same words as a wrong password, whatever the password, and counts for nothing.
One failure is forgotten per ``throttle_forget_minutes`` without a failure, so a desk's
occasional typos never add up.

Keys are stored as HMAC-SHA256 of the typed text, never in clear: the table is no list of the
IINs people typed. The HMAC's secret is derived from the audit key (``store.audit_seal``), kept
beside the vault key and never in the database: HMAC(audit key, ``SECRET_LABEL``). So a reader
of the whole database cannot test IINs (a mere 10^11 or so) against the table either. A database
whose audit log was never keyed and which has no key yet (older than ``regdesk upgrade``, a bare
test database) uses a secret derived from the label alone: its table hides nothing from a reader
of the database, as its log is forgeable by a writer, until ``upgrade`` makes the key. A key that
is there but cannot be read, or is missing on a keyed log, refuses the sign-in in the audit's
words (``AuditKeyError``), as every action that writes an audit record is refused then; reading
the accounts goes on without their delays.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from regdesk.config import Security
from regdesk.store.audit import seal_of
from regdesk.store.audit_seal import AuditKeyError, SealFiles, read_key
from regdesk.store.db import from_utc_text, utc_text

ACCOUNT_FIRST_DELAY = 5
"""Seconds of the first delay for one IIN; each further failure doubles it up to the cap."""
TERMINAL_FIRST_DELAY = 10
"""Seconds of the first delay at one terminal; each further failure triples it up to the cap."""
ACCOUNT_GROWTH = 2
TERMINAL_GROWTH = 3

SECRET_LABEL = b"regdesk sign-in throttle v1"
"""What the throttle's secret is the HMAC of under the audit key (a new label, a new secret)."""


@dataclass(frozen=True)
class Schedule:
    """How delays grow for one kind of key."""

    free: int
    """Failures in a row that cost nothing."""
    first: int
    """Seconds of the first delay."""
    growth: int
    """What each further failure multiplies the delay by."""
    cap: int
    """The longest delay, in seconds."""

    def delay(self, failures: int) -> int:
        """Seconds the next try must wait after ``failures`` failures in a row."""
        if failures <= self.free:
            return 0
        steps = failures - self.free - 1
        # The cap is reached long before the power gets large; stop multiplying there.
        delay = self.first
        for _ in range(steps):
            delay *= self.growth
            if delay >= self.cap:
                break
        return min(delay, self.cap)


def account_schedule(sec: Security) -> Schedule:
    return Schedule(
        sec.throttle_free_attempts,
        ACCOUNT_FIRST_DELAY,
        ACCOUNT_GROWTH,
        sec.throttle_account_max_seconds,
    )


def terminal_schedule(sec: Security) -> Schedule:
    return Schedule(
        sec.throttle_terminal_free_attempts,
        TERMINAL_FIRST_DELAY,
        TERMINAL_GROWTH,
        sec.throttle_terminal_max_seconds,
    )


def remembered(failures: int, last: datetime, now: datetime, forget_minutes: int) -> int:
    """The failures still counted at ``now``: one forgotten per ``forget_minutes`` of quiet."""
    quiet = (now - last).total_seconds()
    if quiet <= 0:
        return failures
    return max(0, failures - int(quiet // (forget_minutes * 60)))


@dataclass(frozen=True)
class Guesses:
    """How many passwords a guesser gets counted under ``[security]``, trying each time the
    moment a wait ends (one a second while tries are free): what the README and F1 state."""

    terminal_hour: int
    """From one terminal, any IINs, in the first hour."""
    terminal_day: int
    """From one terminal in a day."""
    account_hour: int
    """For one IIN, from any number of terminals, in the first hour."""
    account_day: int
    """For one IIN in a day."""


def _guesses(schedule: Schedule, forget_minutes: int, hours: int) -> int:
    at, last, failures, counted = 0.0, 0.0, 0, 0
    end = hours * 3600.0
    while at < end:
        quiet = at - last
        failures = max(0, failures - int(quiet // (forget_minutes * 60))) + 1
        last = at
        counted += 1
        at += schedule.delay(failures) or 1.0
    return counted


def guesses(sec: Security) -> Guesses:
    """The guesses ``sec`` allows per hour and per day (see ``Guesses``)."""
    terminal, account = terminal_schedule(sec), account_schedule(sec)
    forget = sec.throttle_forget_minutes
    return Guesses(
        terminal_hour=_guesses(terminal, forget, 1),
        terminal_day=_guesses(terminal, forget, 24),
        account_hour=_guesses(account, forget, 1),
        account_day=_guesses(account, forget, 24),
    )


@dataclass(frozen=True)
class KeyState:
    """One key's record: failures counted (not yet forgotten) and the delay's end, if any."""

    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None


class SignInThrottle:
    """The throttle records of one database. Call inside the sign-in's transaction."""

    def __init__(self, db: Database, security: Security) -> None:
        self.db = db
        self.security = security
        self._secret: bytes | None = None

    def using(self, security: Security) -> SignInThrottle:
        """The same records under other settings (a caller's ``[security]``)."""
        other = SignInThrottle(self.db, security)
        other._secret = self._secret
        return other

    # keys

    def _key_secret(self) -> bytes:
        if self._secret is None:
            self._secret = throttle_secret(self.db)
        return self._secret

    def has_records(self) -> bool:
        """Whether this database has a throttle record whose key can be read: a reader of the
        accounts then looks up their delays (without the audit key it shows none, and a sign-in
        is refused for the key instead)."""
        if self.db.execute("SELECT 1 FROM signin_throttle LIMIT 1").fetchone() is None:
            return False
        try:
            self._key_secret()
        except AuditKeyError:
            return False
        return True

    def account_key(self, typed_iin: str) -> str:
        """The key of an IIN as typed (canonical when valid), existing or not."""
        return self._key("account", typed_iin)

    def terminal_key(self, terminal: str) -> str:
        return self._key("terminal", terminal)

    def _key(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key_secret(), f"{kind}\0{value}".encode(), hashlib.sha256)
        return f"{kind}:{digest.hexdigest()}"

    # reading

    def state(self, key: str, now: datetime) -> KeyState | None:
        """The key's record at ``now`` (failures already forgotten left out), or None."""
        found = self.db.execute(
            "SELECT failures, last_failure_at, blocked_until FROM signin_throttle WHERE key = ?",
            [key],
        ).fetchone()
        if found is None:
            return None
        last = from_utc_text(found[1])
        until = from_utc_text(found[2]) if found[2] else None
        failures = remembered(int(found[0]), last, now, self.security.throttle_forget_minutes)
        return KeyState(failures, last, until)

    def blocked_until(self, key: str, now: datetime) -> datetime | None:
        """When the delay of this key ends, if one runs at ``now``."""
        state = self.state(key, now)
        if state is None or state.blocked_until is None or now >= state.blocked_until:
            return None
        return state.blocked_until

    def waiting(self, kind: str, now: datetime) -> dict[str, KeyState]:
        """The keys of ``kind`` (``terminal``, ``account``) whose delay runs at ``now``."""
        rows = self.db.execute(
            "SELECT key FROM signin_throttle WHERE key LIKE ? AND blocked_until IS NOT NULL",
            [f"{kind}:%"],
        ).fetchall()
        found = {str(key): self.state(str(key), now) for (key,) in rows}
        return {
            key: state
            for key, state in found.items()
            if state is not None and state.blocked_until is not None and now < state.blocked_until
        }

    # writing

    def fail(self, key: str, schedule: Schedule, now: datetime) -> KeyState:
        """Count one failure against ``key``: the next try waits ``schedule.delay``."""
        before = self.state(key, now)
        failures = (before.failures if before else 0) + 1
        delay = schedule.delay(failures)
        until = now + timedelta(seconds=delay) if delay else None
        self.db.execute(
            "INSERT INTO signin_throttle (key, failures, last_failure_at, blocked_until)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
            " last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until",
            [key, failures, utc_text(now), utc_text(until) if until else None],
        )
        return KeyState(failures, now, until)

    def touch(self, key: str, now: datetime) -> None:
        """The same statements as ``fail`` with nothing changed: a try refused during a delay
        costs the same time as a counted one, so timing does not tell them apart either."""
        before = self.state(key, now)
        if before is not None:
            self.db.execute(
                "UPDATE signin_throttle SET failures = failures WHERE key = ?",
                [key],
            )

    def clear(self, key: str, now: datetime) -> int:
        """Forget the key's failures and delay; how many failures were still counted."""
        state = self.state(key, now)
        self.db.execute("DELETE FROM signin_throttle WHERE key = ?", [key])
        return state.failures if state else 0


def throttle_secret(db: Database) -> bytes:
    """The secret of the throttle's keys: HMAC(audit key, ``SECRET_LABEL``); see the module's
    text for a database without the key. ``AuditKeyError`` when the key is there but cannot be
    read, or missing on a keyed log."""
    files = SealFiles.of_connection(db.conn)
    if files is not None:
        try:
            return hmac.digest(read_key(files.key), SECRET_LABEL, "sha256")
        except AuditKeyError as exc:
            if exc.params.get("detail") != "missing" or seal_of(db.conn) is not None:
                raise
    elif seal_of(db.conn) is not None:
        raise AuditKeyError(path=":memory:", detail="missing")
    return hashlib.sha256(b"unkeyed " + SECRET_LABEL).digest()


__all__ = [
    "Guesses",
    "KeyState",
    "Schedule",
    "SignInThrottle",
    "account_schedule",
    "guesses",
    "remembered",
    "terminal_schedule",
    "throttle_secret",
]
