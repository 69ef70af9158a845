"""Table 2 step 1: the employee signs in, locks and unlocks the terminal, signs out.

Also what belongs to the person at the terminal rather than to an application: their language
and the drafts they left unfinished (a crash, a power cut, an idle lock).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from regdesk.core.errors import UserError
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError, NotSaved, NotSignedIn, refused_write, saving
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.journal import ApplicationRecord
from regdesk.store.signin_throttle import guesses
from regdesk.store.staff import (
    AccountClosedError,
    AccountDisabledError,
    Employee,
    policy_params,
)

# The operational log records outcomes, never who (no IIN, no name): the audit log does that.
log = logging.getLogger("regdesk.session")


class Session:
    """Who works at this terminal."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    @property
    def employee(self) -> Employee | None:
        return self._ctx.employee

    def sign_in(self, iin_text: str, password: str, *, via: str = "desk") -> Employee:
        """The employee, signed in at this workstation; ``SignInError`` otherwise.

        When ``employee.must_change_password`` (a one-time password an admin gave), nothing else
        can be done until ``change_password`` replaces it: the screens show the change at once.
        """
        ctx = self._ctx
        try:
            # Fail closed: a sign-in the audit cannot record (its disk full, read-only) is
            # refused. Every path writes the same records, so a staff IIN and any other meet
            # the refusal alike, at the same point (no oracle, ``Staff.authenticate``).
            with saving("sign_in", ctx.paths.database.parent), ctx.locked():
                employee = ctx.staff.authenticate(
                    iin_text.strip(),
                    password,
                    ctx.now(),
                    ctx.config.security,
                    via=via,
                    terminal=ctx.terminal,
                )
        except UserError as exc:
            log.info("sign-in refused: %s", type(exc).__name__)
            raise
        log.info("sign-in accepted (role %s)", employee.role)
        ctx.employee = employee
        return employee

    def password_rules(self) -> list[tuple[str, dict[str, object]]]:
        """The password policy in force (``[security]``), as catalogue keys with their
        parameters: what the change-password screen explains before anything is typed."""
        security = self._ctx.config.security
        params = policy_params(security)
        rules: list[tuple[str, dict[str, object]]] = [("staff.policy.too_short", params)]
        if security.password_classes > 1:
            rules.append(("staff.policy.classes", params))
        rules += [
            ("staff.policy.sequence", params),
            ("staff.policy.one_character", params),
            ("staff.policy.contains_iin", params),
            ("staff.policy.common", params),
        ]
        return rules

    def throttle_rules(self) -> dict[str, object]:
        """The sign-in throttle in force (``[security]``) and what it leaves a guesser, as the
        parameters of ``signin_throttle.help`` (F1 on the sign-in and lock screens). No I/O."""
        sec = self._ctx.config.security
        figures = guesses(sec)
        return {
            "free": sec.throttle_free_attempts,
            "account_max": sec.throttle_account_max_seconds,
            "terminal_free": sec.throttle_terminal_free_attempts,
            "terminal_max": round(sec.throttle_terminal_max_seconds / 60),
            "forget": sec.throttle_forget_minutes,
            "terminal_hour": figures.terminal_hour,
            "terminal_day": figures.terminal_day,
            "account_hour": figures.account_hour,
            "account_day": figures.account_day,
        }

    def change_password(self, old: str | None, new: str, again: str) -> None:
        """The signed-in employee replaces their own password: the current one (a wrong one
        counts as a failed sign-in), the new one twice, the policy. ``old`` may be None only
        while the one-time password just used to sign in is to be replaced."""
        ctx = self._ctx
        employee = ctx.employee
        if employee is None:
            raise NotSignedIn()
        if old is None and not employee.must_change_password:
            raise DeskError("admin.old_password_required")
        if new != again:
            raise DeskError("admin.password_mismatch")
        with saving("password", ctx.paths.database.parent), ctx.locked():
            ctx.staff.change_own_password(employee.iin, old, new, ctx.now(), terminal=ctx.terminal)
        ctx.employee = replace(employee, must_change_password=False)

    def warm_up(self) -> None:
        """Import the heavy parts (HTTP, PDF, CMS) in the background after sign-in.

        They are left out of start-up so the sign-in screen is quick, and loaded here so the
        first look-up or the first talon does not wait for them either.
        """
        import regdesk.printing.pdf
        import regdesk.registry.client
        import regdesk.signing.signature  # noqa: F401

    def check_password(self, password: str) -> bool:
        """The signed-in employee's password, for unlocking an idle terminal.

        ``False`` for a wrong password and for any password during a sign-in delay (the same
        answer, issue 14: otherwise the delay would tell a guesser when they hit the password);
        the screen's words say that a delay may be why. An account an admin locked or deactivated
        meanwhile raises its own error after the right password (``AccountDisabledError``,
        ``AccountClosedError``). An unlock the audit cannot record is refused in its own words
        (``NotSaved``, fail closed as ``sign_in``): the terminal stays locked.
        """
        ctx = self._ctx
        if ctx.employee is None:
            return False
        try:
            with saving("unlock", ctx.paths.database.parent), ctx.locked():
                ctx.staff.authenticate(
                    ctx.employee.iin,
                    password,
                    ctx.now(),
                    ctx.config.security,
                    via="unlock",
                    sign_in=False,
                    terminal=ctx.terminal,
                )
        except (AccountDisabledError, AccountClosedError, NotSaved):
            raise
        except UserError:
            return False
        return True

    def sign_out(self) -> None:
        """End the session at this terminal, then write its audit record. A disk that refuses
        the record (full, read-only) never keeps anyone signed in: the session has ended
        already when ``NotSaved`` says that the sign-out was not recorded."""
        ctx = self._ctx
        ctx.cases.leave()  # nobody is serving the person here (a refused write: it expires)
        employee, ctx.employee = ctx.employee, None
        if employee is not None:
            with (
                saving("sign_out", ctx.paths.database.parent),
                ctx.locked(),
                transaction(ctx.db),
            ):
                audit.append(ctx.db, actor_iin=employee.iin, action="sign_out")
            log.info("signed out")

    def set_language(self, lang: str) -> None:
        """Remember the employee's language for the next sign-in: a convenience, skipped on a
        disk that refuses the write (full, read-only), so that F2 still switches the screen."""
        ctx = self._ctx
        if ctx.employee is None:
            return
        try:
            with ctx.locked():
                ctx.staff.set_lang(ctx.employee.iin, lang)
        except sqlite3.OperationalError as exc:
            if not refused_write(exc):
                raise
            log.warning("the language not remembered: %s", exc)

    def open_drafts(self) -> list[ApplicationRecord]:
        """Drafts this employee left unfinished, to resume or abandon."""
        actor = self._ctx.actor()
        with self._ctx.locked():
            return self._ctx.journal.search.open_drafts(actor.iin)


__all__ = ["Session"]
