"""The operational log of every run of the program: set up here once, for the desk and for every
command that has a data folder (README, "The operational log": one file for every desk and
command of the clinic).

Each run writes its start (the command's name and the program's version) and its outcome (the
exit code, or the error that ended it with its traceback); what the command does on the way
(prints, the outbox, the registry's errors) goes to the same file through ``logging``. The
command's arguments are never written: they may hold an IIN, a name or a path that says whose.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regdesk.cli import Context

log = logging.getLogger("regdesk.command")

OWN_LOG = frozenset({"demo", "registry-sim"})
"""Runs that are not the clinic's: the demo logs into its own workspace (``commands/demo.py``),
the registry's simulator is a stand-in for a service elsewhere."""


def command_name(ns: argparse.Namespace) -> str:
    """``desk``, ``backup``, ``talon print``, ``portal sync``…: the command, never its values."""
    command = getattr(ns, "command", None)
    if command is None:
        return "desk"
    if command == "backup" and getattr(ns, "dest", None) == "verify":
        return "backup verify"
    key = command.replace("-", "_")
    action = getattr(ns, f"{key}_command", None) or getattr(ns, f"{key}_action", None)
    return f"{command} {action}" if isinstance(action, str) else command


def logged(ns: argparse.Namespace, ctx: Context, run: Callable[[], int]) -> int:
    """``run()``'s exit code, its start and outcome in the data folder's log when it has one.

    A log that cannot be opened costs the log, never the command: the reason goes to the
    terminal and the command runs. ``regdesk init`` making the folder logs its outcome there.
    """
    from regdesk import logs, version

    name = command_name(ns)
    if getattr(ns, "command", None) in OWN_LOG:
        return run()
    started = _start(ctx)
    if started:
        log.info("%s started, regdesk %s", name, version())
    try:
        code = run()
    except BaseException as exc:
        if started:
            log.error("%s ended by %s", name, type(exc).__name__, exc_info=True)
        logs.stop()
        raise
    if not started and _start(ctx):  # `regdesk init` has just made the folder
        started = True
    if started:
        log.info("%s ended: exit %d", name, code)
    logs.stop()
    return code


def _start(ctx: Context) -> bool:
    """Send this process's log to the clinic's data folder, if the config names one that is
    there; False without a log (no folder yet, a config the command itself reports on)."""
    from regdesk import logs
    from regdesk.config import ConfigError
    from regdesk.store.paths import DataPaths

    try:
        config = ctx.config()
        paths = DataPaths.for_config(config)
        if not paths.root.is_dir():  # nothing is made before `regdesk init` makes the folder
            return False
    except (ConfigError, OSError):
        return False
    problem = logs.setup(paths.logs_dir, config.logging, config.work_hours.timezone)
    if problem is not None:
        ctx.warn("cli.log_unwritable", reason=problem)
        return False
    return True
