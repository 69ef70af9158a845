"""Staff administration (issue 15): the admin's use cases over the staff accounts, and the
journal of administrative changes. No Textual: the desk's screens and ``regdesk user`` both call
these, and both are refused the same way.

Every action starts with ``ctx.require(Permission.STAFF, …)`` (``core.roles``): only an admin
gets past it, whatever screen or command asked, and a refusal is audited. The accounts
themselves (the policy, the hashes, the last-admin rule, the audit record with the account before
and after) are ``store.staff``'s.

A new account and a reset password get a one-time password, returned once to be handed over and
stored only hashed; the employee must replace it at the next sign-in (``Session.sign_in`` says
so, ``DeskContext.actor`` refuses everything else until then). An admin does not lock,
deactivate or demote their own account: another admin does.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from regdesk.core.roles import Permission, Role
from regdesk.desk.context import Actor, DeskContext
from regdesk.desk.errors import DeskError, NotSaved, saving
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.staff import StaffAccount, StaffNotFoundError, canonical_iin, one_time_password

ADMIN_JOURNAL_ACTIONS = ("admin.", "staff.", "access_denied")
"""The audit records the admin journal shows (action prefixes): changes to accounts and
settings, the employees' own password changes and key stores, and refused attempts."""

CHANGED_FIELDS = ("full_name", "role", "state", "locked_until", "must_change_password")
"""The fields of an account an admin change's record compares, in the order shown."""

DISTRICT_FIELDS = ("name", "target", "addresses", "doctor", "doctor_from", "nurse", "nurse_from")
"""The fields of a district a change's record compares, in the order shown
(``store.districts.AUDIT_FIELDS``)."""


@dataclass(frozen=True)
class StaffRow:
    """One account as the admin's list shows it; times in clinic time."""

    iin: str
    full_name: str
    role: Role
    state: str
    """``active``, ``locked`` (sign-in delayed after failed attempts, until ``locked_until``),
    ``disabled`` (by an
    admin) or ``deactivated`` (the employee left)."""
    locked_until: datetime | None
    last_sign_in: datetime | None
    must_change_password: bool
    is_self: bool
    """The admin looking at the list."""


@dataclass(frozen=True)
class TerminalRow:
    """A terminal whose sign-ins wait now (``store.terminal_waits``); the end in clinic time."""

    terminal: str | None
    """Its name (``ssh:10.0.0.5``, ``web:…``, a host and user), None when no audit record names
    it."""
    key: str
    failures: int
    until: datetime


@dataclass(frozen=True)
class Change:
    """One field of an account before and after an admin change (None: absent)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class AdminChange:
    """One record of the admin journal; ``at`` in clinic time."""

    id: int
    at: datetime
    actor_iin: str | None
    actor_name: str
    action: str
    object_iin: str | None
    object_name: str
    changes: tuple[Change, ...]
    detail: dict[str, Any]


def _changes(detail: dict[str, Any] | None) -> tuple[Change, ...]:
    if not detail or ("before" not in detail and "after" not in detail):
        return ()
    before = detail.get("before") or {}
    after = detail.get("after") or {}
    # An account's fields in their order, then those of other settings (a printer, a district).
    known = (*CHANGED_FIELDS, *DISTRICT_FIELDS)
    others = sorted((set(before) | set(after)) - set(known))
    return tuple(
        Change(f, before.get(f), after.get(f))
        for f in (*known, *others)
        if before.get(f) != after.get(f)
    )


def _other_object(obj: str | None) -> str:
    """What an admin change that is not an account's names: ``workstation:window-3`` is shown
    as ``window-3``, ``district:3`` as ``№3``."""
    if not obj or ":" not in obj:
        return obj or ""
    kind, name = obj.split(":", 1)
    return f"№{name}" if kind == "district" else name


class StaffAdmin:
    """The staff accounts, for an admin: list, add, role, lock, unlock, reset, deactivate."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def may_administer(self) -> bool:
        """Whether the employee acting now is an admin (the menu offers the service only then)."""
        return self._ctx.may(Permission.STAFF)

    def require(self, what: str) -> None:
        """Refuse (audited) unless an admin acts: for a caller that asks for more input (a new
        password) before calling the action ``what`` itself."""
        self._admin(what)

    def _admin(self, what: str) -> Actor:
        return self._ctx.require(Permission.STAFF, what)

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """An account's change, written whole or not at all: a disk that refuses it (full,
        read-only) is ``NotSaved`` saying so, and no one-time password is handed out."""
        with saving("staff", self._ctx.paths.database.parent), self._ctx.locked():
            yield

    def _target(self, iin: str, actor: Actor, *, not_self: bool = False) -> str:
        canonical = canonical_iin(iin)
        with self._ctx.locked():
            account = self._ctx.staff.get(canonical)
        if account is None:
            raise StaffNotFoundError(iin=canonical)
        if not_self and canonical == actor.iin:
            raise DeskError("admin.not_self")
        return canonical

    # -- reading --------------------------------------------------------------------------------

    def accounts(self) -> list[StaffRow]:
        """Every account, the active ones first; sign-in delays and sign-ins in clinic time."""
        actor = self._admin("staff_list")
        ctx = self._ctx
        with ctx.locked():
            accounts = ctx.staff.list()
        now = ctx.clock.utc()
        return [self._row(a, now, actor) for a in accounts]

    def _row(self, account: StaffAccount, now: datetime, actor: Actor) -> StaffRow:
        clock = self._ctx.clock
        until = account.locked_at(now)
        if account.deactivated:
            state = "deactivated"
        elif account.disabled:
            state = "disabled"
        elif until is not None:
            state = "locked"
        else:
            state = "active"
        return StaffRow(
            iin=account.iin,
            full_name=account.full_name,
            role=account.role,
            state=state,
            locked_until=clock.local(until) if until is not None else None,
            last_sign_in=(
                clock.local(account.last_sign_in_at) if account.last_sign_in_at else None
            ),
            must_change_password=account.must_change_password,
            is_self=account.iin == actor.iin,
        )

    def roles(self) -> tuple[Role, ...]:
        """The roles an account may be given."""
        from regdesk.core.roles import STAFF_ROLES

        return STAFF_ROLES

    # -- changes --------------------------------------------------------------------------------

    def add(
        self, iin: str, full_name: str, role: str | Role, password: str | None = None
    ) -> str | None:
        """A new account. Without ``password`` a one-time one is made and returned (to be
        handed over once); with one (typed by the admin on the command line) None is returned.
        Either way the employee must change it at the first sign-in."""
        actor = self._admin("staff_add")
        ctx = self._ctx
        canonical = canonical_iin(iin)
        given = password if password is not None else one_time_password(ctx.config.security)
        with self._changing():
            now = ctx.clock.utc()
            ctx.staff.add(canonical, full_name, role, given, now, actor=actor.iin, must_change=True)
        return None if password is not None else given

    def set_role(self, iin: str, role: str | Role) -> None:
        actor = self._admin("staff_role")
        target = self._target(iin, actor, not_self=True)
        with self._changing():
            self._ctx.staff.set_role(target, role, self._ctx.clock.utc(), actor=actor.iin)

    def lock(self, iin: str) -> None:
        """Lock the account by the admin's decision, until ``unlock``."""
        actor = self._admin("staff_lock")
        target = self._target(iin, actor, not_self=True)
        with self._changing():
            self._ctx.staff.disable(target, self._ctx.clock.utc(), actor=actor.iin)

    def unlock(self, iin: str) -> int:
        """Undo ``lock``, and lift the sign-in delay of the account's IIN (audited with the rest).
        How many failed attempts were still counted against it, now forgotten; the terminals'
        own delays stay (they fade with time)."""
        actor = self._admin("staff_unlock")
        target = self._target(iin, actor)
        with self._changing():
            return self._ctx.staff.enable(target, self._ctx.clock.utc(), actor=actor.iin)

    def reset_password(self, iin: str) -> str:
        """A one-time password for the account, returned once; the employee must change it at
        the next sign-in. An admin's own password is changed with ``Session.change_password``."""
        actor = self._admin("staff_reset")
        target = self._target(iin, actor, not_self=True)
        with self._changing():
            return self._ctx.staff.reset_password(target, self._ctx.clock.utc(), actor=actor.iin)

    def set_password(self, iin: str, password: str) -> None:
        """A password the admin typed (``regdesk user passwd``): the employee must change it at
        the next sign-in, unless it is the admin's own."""
        actor = self._admin("staff_reset")
        target = self._target(iin, actor)
        with self._changing():
            self._ctx.staff.set_password(
                target,
                password,
                self._ctx.clock.utc(),
                actor=actor.iin,
                must_change=target != actor.iin,
            )

    def deactivate(self, iin: str) -> None:
        """The employee left: no sign-in ever again; the account and its name are kept."""
        actor = self._admin("staff_deactivate")
        target = self._target(iin, actor, not_self=True)
        with self._changing():
            self._ctx.staff.deactivate(target, self._ctx.clock.utc(), actor=actor.iin)

    # -- terminals waiting out a sign-in delay -----------------------------------------------------

    def waiting_terminals(self) -> list[TerminalRow]:
        """The terminals whose sign-ins wait now, the longest wait first, with when it ends."""
        from regdesk.store.terminal_waits import waiting_terminals

        self._admin("terminal_list")
        ctx = self._ctx
        with ctx.locked():
            waits = waiting_terminals(ctx.db, ctx.staff.throttle, ctx.clock.utc())
        local = ctx.clock.local
        return [TerminalRow(w.terminal, w.key, w.failures, local(w.until)) for w in waits]

    def lift_terminal(self, terminal: str | None = None, *, key: str | None = None) -> int:
        """Lift a terminal's sign-in delay (by its name, or by the key a nameless one is listed
        with): its failures forgotten, audited with the terminal and how many. How many failures
        were still counted (0: nothing was counted there)."""
        from regdesk.store.terminal_waits import lift_terminal

        actor = self._admin("terminal_unlock")
        if key is None and not (terminal or "").strip():
            raise DeskError("ops_gaps.terminal_needed")
        ctx = self._ctx
        with (
            saving("terminal_unlock", ctx.paths.database.parent),
            ctx.locked(),
            transaction(ctx.db),
        ):
            return lift_terminal(
                ctx.db,
                ctx.staff.throttle,
                ctx.clock.utc(),
                actor=actor.iin,
                terminal=terminal.strip() if terminal is not None else None,
                key=key,
            )

    # -- the journal of administrative changes --------------------------------------------------

    def journal(self, limit: int = 500) -> list[AdminChange]:
        """The newest administrative changes first, each with what it changed."""
        self._ctx.require(Permission.ADMIN_JOURNAL, "admin_journal")
        ctx = self._ctx
        with ctx.locked():
            records = audit.recent(ctx.db, limit=limit, prefixes=ADMIN_JOURNAL_ACTIONS)
            names = {a.iin: a.full_name for a in ctx.staff.list()}
        out: list[AdminChange] = []
        for r in records:
            target = r.object.removeprefix("staff:") if r.object else None
            if r.object and not r.object.startswith("staff:"):
                target = None
            out.append(
                AdminChange(
                    id=r.id,
                    at=ctx.clock.local(r.at),
                    actor_iin=r.actor_iin,
                    actor_name=names.get(r.actor_iin or "", ""),
                    action=r.action,
                    object_iin=target,
                    object_name=names.get(target, "") if target else _other_object(r.object),
                    changes=_changes(r.detail),
                    detail=dict(r.detail or {}),
                )
            )
        return out

    def export_journal(self, lang: str, path: Path | None = None) -> Path:
        """The admin journal as a CSV file (UTF-8 with a BOM, so a spreadsheet opens the
        Kazakh and Russian letters right) in ``lang``; by default into the data folder's
        ``exports``. The path written is returned."""
        changes = self.journal(limit=1_000_000)
        ctx = self._ctx
        if path is None:
            stamp = ctx.now().strftime("%Y%m%d-%H%M%S")
            path = ctx.paths.root / "exports" / f"admin-journal-{stamp}.csv"
        opened = False
        try:
            # Shared like the data folder it is in (README, group sharing): any admin of the
            # clinic's group may export there; the umask keeps everyone else out.
            path.parent.mkdir(mode=0o770, exist_ok=True)
            with path.open("w", encoding="utf-8-sig", newline="") as out:
                opened = True
                write_journal_csv(out, changes, lang)
            # An export of the staff's IINs that the audit cannot record is not left behind.
            with (
                saving("journal_export", ctx.paths.database.parent, path=str(path)),
                ctx.locked(),
                transaction(ctx.db),
            ):
                audit.append(
                    ctx.db,
                    actor_iin=ctx.actor().iin,
                    action="admin.journal_export",
                    detail={"records": len(changes), "file": path.name},
                    at=ctx.clock.utc(),
                )
        except OSError as exc:  # its disk full or read-only, or a folder it may not write
            if opened:
                path.unlink(missing_ok=True)
            detail = exc.strerror or type(exc).__name__
            raise DeskError("fulldisk.export_not_written", path=str(path), detail=detail) from None
        except NotSaved:
            path.unlink(missing_ok=True)
            raise
        return path


def describe_action(action: str, lang: str) -> str:
    """An admin journal action in words (the catalogue's ``admin.action.<action with _>``)."""
    from regdesk.i18n import catalogue, t

    key = "admin.action." + action.replace(".", "_")
    return t(key, lang) if key in catalogue() else action


def describe_value(field: str, value: object, lang: str) -> str:
    """A before or after value of an account field in words."""
    from regdesk.i18n import t

    if value is None:
        return "—"
    if field == "role":
        return t(f"role.{value}", lang)
    if field == "state":
        return t(f"admin.state.{value}", lang)
    if field == "must_change_password":
        return t("admin.yes" if value else "admin.no", lang)
    if isinstance(value, list):  # a district's streets, one range each
        return "; ".join(str(v) for v in value) or "—"
    return str(value) if value != "" else "—"


def describe_changes(changes: Sequence[Change], lang: str) -> str:
    """``role: receptionist → head; state: active → disabled`` in ``lang``."""
    from regdesk.i18n import t

    return "; ".join(
        f"{t(f'admin.field.{c.field}', lang)}: "
        f"{describe_value(c.field, c.before, lang)} → {describe_value(c.field, c.after, lang)}"
        for c in changes
    )


def write_journal_csv(out: TextIO, changes: Sequence[AdminChange], lang: str) -> None:
    """The admin journal's rows as CSV into the text stream ``out``."""
    from regdesk.i18n import t

    writer = csv.writer(out)
    writer.writerow([t(f"admin.col.{c}", lang) for c in ("at", "who", "action", "whom", "change")])
    for c in changes:
        who = f"{c.actor_iin or ''} {c.actor_name}".strip()
        whom = f"{c.object_iin or ''} {c.object_name}".strip()
        writer.writerow(
            [
                c.at.strftime("%Y-%m-%d %H:%M:%S"),
                who,
                describe_action(c.action, lang),
                whom,
                describe_changes(c.changes, lang),
            ]
        )


__all__ = [
    "ADMIN_JOURNAL_ACTIONS",
    "AdminChange",
    "Change",
    "StaffAdmin",
    "StaffRow",
    "TerminalRow",
    "describe_action",
    "describe_changes",
    "write_journal_csv",
]
