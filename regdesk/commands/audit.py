"""``regdesk audit verify``: check the audit log's hash chain and report the first broken record;
``regdesk audit admin``: the journal of administrative changes (an admin signs in), on screen or
as CSV, through the same use case as the desk's screen (``desk/staff_admin.py``).

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
    from regdesk.commands.signed_in import add_options

    admin = actions.add_parser(
        "admin", help=t("admin.cli.journal_help"), description=t("admin.cli.journal_help")
    )
    admin.add_argument("--csv", metavar="FILE", help=t("admin.cli.opt_csv"))
    admin.add_argument("--limit", type=int, default=50, metavar="N", help=t("admin.cli.opt_limit"))
    add_options(admin, ctx)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    if ns.audit_command == "admin":
        return _admin_journal(ns, ctx)
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


def _admin_journal(ns: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path

    from regdesk.commands.signed_in import Refused, signed_in
    from regdesk.core.errors import UserError
    from regdesk.desk.staff_admin import StaffAdmin, describe_action, describe_changes

    try:
        with signed_in(ns, ctx) as desk:
            admin = StaffAdmin(desk)
            try:
                if ns.csv:
                    path = admin.export_journal(ctx.lang, Path(ns.csv))
                    ctx.say("admin.journal_exported", path=str(path))
                    return EXIT_OK
                changes = admin.journal(limit=max(1, ns.limit))
            except UserError as exc:
                print(exc.message(ctx.lang), file=ctx.err)
                return EXIT_BROKEN
    except Refused as stop:
        return stop.code
    for c in changes:
        who = f"{c.actor_iin or ''} {c.actor_name}".strip()
        whom = f"{c.object_iin or ''} {c.object_name}".strip()
        line = f"{c.at:%Y-%m-%d %H:%M}  {who}  {describe_action(c.action, ctx.lang)}"
        if whom:
            line += f"  {whom}"
        if c.changes:
            line += f"  ({describe_changes(c.changes, ctx.lang)})"
        print(line, file=ctx.out)
    return EXIT_OK
