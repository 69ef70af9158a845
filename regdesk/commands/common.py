"""What several subcommands share: the audit actor of the command line, opening the database.

Heavy modules are imported inside the functions, as in the subcommands themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from sqlite_utils import Database

    from regdesk.cli import Context


def cli_actor() -> str:
    """The audit actor of a change made from the command line: ``cli:<os user>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def open_existing_db(ctx: Context, path: Path) -> Database | None:
    """The database at ``path``, or None after saying why not (missing: run init; unusable)."""
    from regdesk.core.errors import UserError
    from regdesk.store.db import open_db

    if not path.exists():
        ctx.warn("store.no_database", path=str(path))
        return None
    try:
        return open_db(path)
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return None
