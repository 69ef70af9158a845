"""The desk's own errors: a step that cannot be done as asked, said in the user's language.

Errors of the parts below (the registry, the key store, the journal, the vault) are their own
``UserError`` subclasses and reach the screen unchanged; these are the desk's decisions.
"""

from __future__ import annotations

from collections.abc import Sequence

from regdesk.core.errors import UserError
from regdesk.core.rules import Finding


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


def _database_reason(cause: BaseException) -> str:
    """The catalogue key saying why the database refused a write."""
    name = getattr(cause, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or "full" in str(cause):
        return "safety.reason_full"
    if name.startswith("SQLITE_READONLY") or "readonly" in str(cause):
        return "safety.reason_readonly"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(cause):
        return "safety.reason_busy"
    return "safety.reason_io"


__all__ = [
    "AttachNotRecorded",
    "DeskError",
    "DistrictMissing",
    "DocumentsMissing",
    "NotAllowed",
    "NotSignedIn",
    "PasswordChangeRequired",
    "RulesBlock",
]
