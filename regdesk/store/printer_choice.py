"""Which configured printer a workstation prints on by default, chosen by an admin in the desk.

The printers are a machine's (its config: a queue, a host, a folder); the choice among them is a
setting of the clinic's, kept in the database per workstation name so it survives restarts and
is the same for every desk started under that name. A choice naming a printer the workstation's
config no longer has is ignored by the reader (``desk.printer_choice``), not deleted: the config
may come back.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from regdesk.store import audit
from regdesk.store.db import transaction, utc_text


def chosen(db: Database, workstation: str) -> str | None:
    """The printer chosen for ``workstation``, if one was."""
    row = db.execute(
        "SELECT printer FROM workstation_printers WHERE workstation = ?", [workstation]
    ).fetchone()
    return str(row[0]) if row else None


def choose(db: Database, workstation: str, printer: str, *, actor: str, at: datetime) -> None:
    """Make ``printer`` the default of ``workstation``; the audit keeps before and after."""
    with transaction(db):
        before = chosen(db, workstation)
        db.execute(
            "INSERT INTO workstation_printers (workstation, printer, changed_at, changed_by)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (workstation) DO UPDATE SET"
            " printer = excluded.printer, changed_at = excluded.changed_at,"
            " changed_by = excluded.changed_by",
            [workstation, printer, utc_text(at), actor],
        )
        audit.append(
            db,
            actor_iin=actor,
            action="admin.printer_default",
            object=f"workstation:{workstation}",
            detail={"before": {"printer": before}, "after": {"printer": printer}},
            at=at,
        )


__all__ = ["choose", "chosen"]
