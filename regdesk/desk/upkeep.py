"""The desk's share of keeping the data folder clean and safe: no step of Table 2.

- Printed files older than their folder printer's ``keep_hours`` are removed (they hold names
  and IINs): when the desk starts and then every hour while it runs (a desk left open for days
  must not keep them).
- An admin's menu says when the last verified backup is older than ``[backup] max_age_hours``
  (``regdesk backup`` makes one; the schedule is the system's).
"""

from __future__ import annotations

import logging

from regdesk.desk.context import DeskContext
from regdesk.store.backup import BackupAge, backup_age

log = logging.getLogger("regdesk.desk")


class Upkeep:
    """Start-up tidying and the backup warning of one workstation."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def tidy_prints(self) -> int:
        """Remove printed files past their time; how many. Never raises: a folder that cannot
        be tidied now is logged and left for ``regdesk doctor``."""
        from regdesk.printing.printers import remove_old_prints

        ctx = self._ctx
        try:
            removed, failed = remove_old_prints(
                ctx.config.printing.printers, ctx.paths.root, ctx.clock.utc()
            )
        except OSError as exc:
            log.warning("printed files not tidied: %s", exc)
            return 0
        for failure in failed:
            log.warning("a printed file could not be removed: %s", failure)
        if removed:
            log.info("removed %d printed files past their keep_hours", removed)
        return removed

    def backup_age(self) -> BackupAge:
        """How old the last verified backup of this clinic's data folder is."""
        ctx = self._ctx
        return backup_age(ctx.paths, ctx.now(), ctx.config.backup.max_age_hours)

    def backup_warning(self) -> BackupAge | None:
        """The backup's age when it is overdue and an admin is signed in; else None."""
        employee = self._ctx.employee
        if employee is None or employee.role != "admin":
            return None
        age = self.backup_age()
        return age if age.overdue else None


__all__ = ["BackupAge", "Upkeep"]
