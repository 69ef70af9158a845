"""``regdesk restore SRC --data-dir NEW``: a backup restored into a new, empty data folder.

Never over data: NEW must not exist or be empty (``regdesk.store.restore``). The backup is
checked first (every file's SHA-256, the database, the audit chain, every scan); one made by a
newer schema is refused. A backup made without its key needs the key kept apart (``--key``).
Exit 0 restored; 1 refused (the words say why); 2 wrong usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from regdesk.cli import Context

EXIT_OK = 0
EXIT_REFUSED = 1


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("restore", help=t("restore.help"), description=t("restore.description"))
    p.add_argument("source", metavar="SRC", help=t("restore.opt_source"))
    p.add_argument("--data-dir", metavar="NEW", required=True, help=t("restore.opt_data_dir"))
    p.add_argument("--key", metavar="FILE", help=t("restore.opt_key"))
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.common import cli_actor
    from regdesk.core.errors import UserError
    from regdesk.store.restore import BackupBroken, restore

    source, target = Path(ns.source), Path(ns.data_dir)
    try:
        done = restore(
            source, target, actor_iin=cli_actor(), key_file=Path(ns.key) if ns.key else None
        )
    except BackupBroken as exc:
        for problem in exc.verification.problems:
            ctx.warn(problem.key, **problem.params)
        ctx.warn(exc.key, **exc.params)
        return EXIT_REFUSED
    except UserError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_REFUSED
    counts = done.manifest.counts
    ctx.say(
        "restore.done",
        path=str(done.data_dir),
        when=done.manifest.made_at,
        applications=counts.get("applications", 0),
        scans=done.scans_opened,
        audit=done.audit_count,
    )
    if done.schema_to != done.schema_from:
        ctx.say("restore.upgraded", old=done.schema_from, new=done.schema_to)
    ctx.say("restore.next", path=str(done.data_dir.resolve()))
    return EXIT_OK
