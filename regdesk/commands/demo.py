"""``regdesk demo``: the whole desk in a throw-away workspace, and the desk itself (``regdesk``)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from regdesk.cli import Context
from regdesk.config import Config


def register(sub: Any, ctx: Context) -> None:
    p = sub.add_parser("demo", help=ctx.t("cli.demo_help"), description=ctx.t("cli.demo_help"))
    p.add_argument("--workspace", metavar="DIR", help=ctx.t("cli.demo_workspace"))
    p.set_defaults(handler=run)


def _log_to(folder: Path, ctx: Context, config: Config) -> None:
    # Tracebacks go to a file in the data folder, never to the receptionist's screen. A log that
    # cannot be opened (another user's file, a read-only folder) costs the log, not the desk.
    from regdesk import logs

    problem = logs.setup(folder, config.logging, config.work_hours.timezone)
    if problem is not None:
        ctx.warn("cli.log_unwritable", reason=problem)
    else:
        from regdesk import version

        logging.getLogger("regdesk").info("desk started, regdesk %s", version())


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk import demo
    from regdesk.desk import Desk
    from regdesk.tui.app import DeskApp

    ctx.say("cli.demo_preparing")
    workspace = demo.build(Path(ns.workspace) if ns.workspace else None, lang=ctx.lang)
    _log_to(workspace.root / "logs", ctx, workspace.config)
    demo.receive_portal_samples(workspace)
    desk = Desk(workspace.config)
    info = workspace.info()
    try:
        DeskApp(desk, demo=info, lang=ctx.lang).run()
    finally:
        desk.close()
        workspace.stop()
    ctx.say("cli.demo_done", path=str(workspace.root), prints=str(workspace.prints_dir))
    return 0


def run_desk(ns: argparse.Namespace, ctx: Context) -> int:
    """``regdesk`` with no subcommand: the desk for the configured clinic."""
    from regdesk.store.paths import DataPaths
    from regdesk.tui.app import DeskApp

    config = ctx.config()
    paths = DataPaths.for_config(config)
    if not paths.database.exists():
        ctx.warn("cli.desk_not_initialised", path=str(paths.database))
        return 78
    # Its log is the clinic's, set up for every run of the program (commands/oplog.py).
    # The app opens the database itself after its first paint: the sign-in screen comes first.
    app = DeskApp(config, lang=ctx.lang)
    try:
        app.run()
    finally:
        app.close_desk()
    return 0
