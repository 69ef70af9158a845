"""What several subcommands share: the audit actor of the command line, opening the database,
the refusal of a database whose schema is not this program's.

Heavy modules are imported inside the functions, as in the subcommands themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
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


EXIT_SCHEMA_OLD = 75
"""The database is older than this regdesk: an administrator runs ``regdesk upgrade``
(sysexits EX_TEMPFAIL: it works again once that is done)."""
EXIT_SCHEMA_NEW = 74
"""The database was written by a newer regdesk (sysexits EX_IOERR, as for one that cannot be
opened): this program must not touch it."""

NO_LIVE_SCHEMA = frozenset(
    {"init", "upgrade", "demo", "registry-sim", "registry", "key", "restore"}
)
"""Commands that run whatever the schema of the clinic's database: the two that make it current,
and those that do not open it (the demo has its own; a restore makes a new one)."""


def schema_refusal(ns: argparse.Namespace, ctx: Context) -> int | None:
    """For the desk and every command that uses the clinic's database: its exit code after
    saying why, when the database's schema is not this program's; None when it may go on.

    Checked before anything else so that no desk migrates a database by opening it (only
    ``regdesk upgrade`` does, after a backup) and nobody types a password for nothing.
    """
    from regdesk.config import ConfigError
    from regdesk.store import schema
    from regdesk.store.paths import DataPaths

    command = getattr(ns, "command", None)
    if command in NO_LIVE_SCHEMA or (command == "backup" and ns.dest == "verify"):
        return None
    try:
        path = DataPaths.for_config(ctx.config()).database
        found = schema.file_version(path) if path.is_file() else None
    except (ConfigError, OSError):
        return None  # the command says what is wrong with the config or the folder
    if found is None or found in (0, schema.SCHEMA_VERSION):
        return None  # missing, unreadable or new: the command opening it says what to do
    if found > schema.SCHEMA_VERSION:
        ctx.warn("store.schema_too_new", path=str(path), found=found, known=schema.SCHEMA_VERSION)
        return EXIT_SCHEMA_NEW
    ctx.warn("deploy.schema_too_old", path=str(path), found=found, needed=schema.SCHEMA_VERSION)
    return EXIT_SCHEMA_OLD


def where_help(ctx: Context) -> str:
    """For ``regdesk --help``: which config file this run reads and why (``--config``,
    ``REGDESK_CONFIG`` or the default location), whether it is there, and the data folder."""
    import textwrap

    from regdesk import config as cfg

    path = ctx.config_path or cfg.default_path()
    t = ctx.t
    try:
        present = path.is_file()
    except OSError:  # a folder on the way that cannot be entered
        present = None
    if not present:
        state = t("deploy.where_missing" if present is False else "deploy.where_unreadable")
        data = t("deploy.where_data_unknown")
    else:
        try:
            data = str(ctx.config().data_path())
            state = t("deploy.where_found")
        except (cfg.ConfigError, OSError):
            state = t("deploy.where_unreadable")
            data = t("deploy.where_data_unknown")
    text = t(
        "deploy.where",
        path=str(path),
        source=t(f"deploy.where_from_{ctx.config_from}", default=str(cfg.default_path())),
        state=state,
        data=data,
    )
    lines = []
    for line in text.splitlines():
        # The explanation (indented) is wrapped; a line naming a path is kept whole, to copy.
        if line.startswith(" "):
            line = textwrap.fill(
                line, 79, subsequent_indent="    ", break_long_words=False, break_on_hyphens=False
            )
        lines.append(line)
    return "\n".join(lines)
