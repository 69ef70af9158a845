"""The terminals waiting out a sign-in delay, by name, and an admin lifting one's delay.

The throttle keeps a terminal only as an HMAC of its name (``store.signin_throttle``), so the
table alone cannot say which terminal waits. Every failed sign-in's audit record names its
terminal (``detail.terminal``), and a waiting terminal's last failure is at most
``throttle_terminal_max_seconds`` old: the names are read from the audit's newest records back
to the oldest waiting key's last failure, hashed under the throttle's secret and matched against
the waiting keys. A wait whose records are not found (the audit cut, a failure typed before the
records named terminals) is listed without a name, and can still be lifted by its key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from regdesk.store import audit
from regdesk.store.db import utc_text
from regdesk.store.signin_throttle import SignInThrottle

UNKNOWN = "unknown"
"""The terminal a sign-in without one counts against (``Staff.authenticate``)."""

SLACK = timedelta(minutes=1)
"""How far before the oldest waiting key's last failure the audit is still read: records of
several desks are appended in id order, their clocks may differ by a little."""


@dataclass(frozen=True)
class TerminalWait:
    """One terminal whose sign-ins wait now; times in UTC."""

    terminal: str | None
    """Its name as the audit records it (``ssh:10.0.0.5``), None when no record names it."""
    key: str
    """The throttle's key of it (what lifting a nameless one goes by)."""
    failures: int
    """Failures still counted against it."""
    until: datetime
    """When its delay ends."""


def waiting_terminals(db: Database, throttle: SignInThrottle, now: datetime) -> list[TerminalWait]:
    """The terminals whose delay runs at ``now``, the longest wait first. ``AuditKeyError``
    when some wait but the audit key, which their names are hashed under, cannot be read."""
    waits = throttle.waiting("terminal", now)
    if not waits:
        return []
    since = utc_text(min(s.last_failure_at for s in waits.values()) - SLACK)
    names: dict[str, str] = {}
    seen: set[str] = set()
    rows = db.execute("SELECT at, action, detail FROM audit_log ORDER BY id DESC")
    for at, action, detail in rows:
        if at < since or len(names) == len(waits):
            break
        if action != "sign_in_failed" or not detail:
            continue
        name = str(json.loads(detail).get("terminal") or UNKNOWN)
        if name not in seen:
            seen.add(name)
            key = throttle.terminal_key(name)
            if key in waits:
                names[key] = name
    rows.close()
    found = [
        TerminalWait(names.get(key), key, state.failures, state.blocked_until)
        for key, state in waits.items()
        if state.blocked_until is not None
    ]
    return sorted(found, key=lambda w: (-w.until.timestamp(), w.terminal or ""))


def lift_terminal(
    db: Database,
    throttle: SignInThrottle,
    now: datetime,
    *,
    actor: str,
    terminal: str | None = None,
    key: str | None = None,
) -> int:
    """Forget the failures counted against a terminal, named or by its ``key``, and so end its
    delay; audited (``admin.terminal_unlock``, with the terminal and how many failures were
    forgotten). How many failures were still counted. Call inside a transaction."""
    if key is None:
        key = throttle.terminal_key(terminal or UNKNOWN)
    state = throttle.state(key, now)
    cleared = throttle.clear(key, now)
    detail: dict[str, object] = {
        "terminal": terminal,
        "throttle_cleared": cleared,
        "before": {"failures": cleared},
        "after": {"failures": 0},
    }
    if state is not None and state.blocked_until is not None and state.blocked_until > now:
        detail["until"] = utc_text(state.blocked_until)
    audit.append(
        db,
        actor_iin=actor,
        action="admin.terminal_unlock",
        object=f"terminal:{terminal if terminal is not None else key}",
        detail=detail,
        at=now,
    )
    return cleared


__all__ = ["TerminalWait", "lift_terminal", "waiting_terminals"]
