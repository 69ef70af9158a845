"""``regdesk audit verify``: check the audit log's hash chain and report the first broken record.

Exit status 0 when the chain is intact (the count and the newest hash are printed, so that an admin
can note them as an anchor), 1 when a record was changed, removed or inserted, or when the anchor
given with ``--anchor`` is no longer in the chain. ``regdesk.store.audit`` says what the chain can
and cannot prove.
"""

from __future__ import annotations

import argparse
from typing import Any

from regdesk.cli import Context

EXIT_OK = 0
EXIT_BROKEN = 1


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("audit", help=t("store.audit_help"), description=t("store.audit_help"))
    p.set_defaults(handler=run)
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help=t("store.audit_verify_help"), description=t("store.audit_verify_help")
    )
    verify.add_argument("--anchor", metavar="HASH", help=t("store.audit_opt_anchor"))


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.common import open_existing_db
    from regdesk.store.audit import Problem, verify
    from regdesk.store.paths import DataPaths

    db = open_existing_db(ctx, DataPaths.for_config(ctx.config()).database)
    if db is None:
        return EXIT_BROKEN
    try:
        anchor = ns.anchor.strip().lower() if ns.anchor else None
        report = verify(db, anchor=anchor)
    finally:
        db.conn.close()
    if report.ok:
        ctx.say("store.audit_ok", count=report.count)
        if report.last_id is not None:
            ctx.say("store.audit_last", id=report.last_id, hash=report.last_hash)
        if anchor:
            ctx.say("store.audit_anchor_found")
        return EXIT_OK
    if report.problem is Problem.ANCHOR_MISSING:
        ctx.warn("store.audit_anchor_missing", count=report.count, hash=report.last_hash)
        return EXIT_BROKEN
    problem = ctx.t(f"store.audit_problem_{report.problem}") if report.problem else ""
    ctx.warn(
        "store.audit_broken",
        id=report.first_bad_id,
        problem=problem,
        detail=report.detail,
        count=report.count,
    )
    return EXIT_BROKEN
