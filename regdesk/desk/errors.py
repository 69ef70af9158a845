"""The desk's own errors: a step that cannot be done as asked, said in the user's language.

Errors of the parts below (the registry, the key store, the journal, the vault) are their own
``UserError`` subclasses and reach the screen unchanged; these are the desk's decisions.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from regdesk.core.errors import UserError
from regdesk.core.rules import Finding
from regdesk.store import disk_state

log = logging.getLogger("regdesk.desk")


class DeskError(UserError):
    """A desk step that cannot be done as asked; the key says why."""


class NotSignedIn(DeskError):
    """A step that needs a signed-in employee (the idle lock or a sign-out came first)."""

    key = "desk.not_signed_in"


class NotAllowed(DeskError):
    """The employee's role does not allow this (``core.roles``): said with the role and what
    was asked, and who may do it."""

    key = "admin.not_allowed"

    def __init__(self, role: str, what: str) -> None:
        super().__init__(role=role, what=what)

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        role = t(f"role.{self.params['role']}", lang)
        what = t(f"admin.what.{self.params['what']}", lang)
        return t(self.key, lang, role=role, what=what)


class PasswordChangeRequired(DeskError):
    """The employee signed in with a one-time password and has not replaced it yet."""

    key = "admin.must_change_first"


class RulesBlock(DeskError):
    """The rules forbid the attachment on the basis chosen in the form."""

    key = "desk.rules_block"

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__()
        self.findings = list(findings)

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        parts = [t(f.key, lang, **dict(f.params)) for f in self.findings]
        return " ".join([t(self.key, lang), *parts])


class DistrictMissing(DeskError):
    """No district chosen: the register refuses an attachment without one, so it is never sent."""

    key = "desk.district_missing"


class DocumentsMissing(DeskError):
    """Required documents neither attached nor ticked as seen; named in the user's language."""

    key = "desk.documents_missing"

    def __init__(self, kinds: Sequence[str]) -> None:
        super().__init__(names=", ".join(kinds))
        self.kinds = list(kinds)

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        names = ", ".join(t(f"core.document.{kind}", lang) for kind in self.kinds)
        return t(self.key, lang, names=names)


class AttachNotRecorded(DeskError):
    """A scan stored in the vault whose record could not be written: said as what was kept.

    The database refused the write (its disk full or read-only, an I/O error); the scan's copy
    in the vault was removed (``vault_name`` empty) or, if even that failed, stayed as an orphan
    that ``regdesk doctor --clean`` removes. The application and everything saved before are
    unchanged; the original stays in the scanner folder.
    """

    key = "safety.attach_not_recorded"

    def __init__(self, name: str, cause: BaseException, *, vault_name: str = "") -> None:
        self.reason = _database_reason(cause)
        super().__init__(name=name, vault_name=vault_name)
        if vault_name:
            self.key = "safety.attach_not_recorded_orphan"

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        return t(self.key, lang, reason=t(self.reason, lang), **self.params)


class NotSaved(DeskError):
    """A step the database refused to write (its disk full, read-only or failing, or another
    desk holding it too long): its transaction rolled back, so nothing of the step was written.
    Said as what was and was not saved and what to do, in ``disk.not_saved.<step>`` (``disk.toml``);
    ``then``: a failure of the step's own that came first (a print that failed as well), said
    after it."""

    def __init__(
        self, step: str, cause: BaseException, folder: Path | None = None, **params: object
    ) -> None:
        self.reason = _database_reason(cause, folder)
        self.then: UserError | None = None
        super().__init__(f"disk.not_saved.{step}", **params)

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        text = t(self.key, lang, reason=t(self.reason, lang), **self.params)
        return text if self.then is None else f"{text} {self.then.message(lang)}"


_REFUSALS = (
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
)
"""SQLite's codes for a write the disk (or another desk) refused, not a mistake in the query."""


def refused_write(error: BaseException) -> bool:
    """Whether ``error`` is SQLite refusing a write for its disk or its lock (``_REFUSALS``)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    return isinstance(error, sqlite3.OperationalError) and name.startswith(_REFUSALS)


@contextmanager
def saving(
    step: str, folder: Path, *, then: UserError | None = None, **params: object
) -> Iterator[None]:
    """Run the block's writes; a write the database refuses becomes ``NotSaved(step)`` (the
    block's transaction has rolled back by then). ``folder``: the database's, looked at to say
    why when SQLite only says "I/O error" (a full or read-only disk may show so). ``then``: a
    failure of the step's own that came first (a print that failed), said after the words."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not refused_write(exc):
            raise
        # The error's text is SQLite's ("database or disk is full"): no IIN, no name.
        log.warning("%s not saved: %s (%s)", step, exc, exc.sqlite_errorname)
        refusal = NotSaved(step, exc, folder, **params)
        refusal.then = then
        raise refusal from exc


def _database_reason(cause: BaseException, folder: Path | None = None) -> str:
    """The catalogue key saying why the database refused a write; for an I/O error, what the
    file system of ``folder`` says of itself (read-only, or no room left)."""
    found = disk_state.refusal(cause, folder)
    return f"safety.reason_{found}" if found is not None else "safety.reason_io"


__all__ = [
    "AttachNotRecorded",
    "DeskError",
    "DistrictMissing",
    "DocumentsMissing",
    "NotAllowed",
    "NotSaved",
    "NotSignedIn",
    "PasswordChangeRequired",
    "RulesBlock",
    "refused_write",
    "saving",
]
