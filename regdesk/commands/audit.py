"""``regdesk audit verify``: check the audit log's hash chain and report the first broken record;
``regdesk audit admin``: the journal of administrative changes (an admin signs in), on screen or
as CSV, through the same use case as the desk's screen (``desk/staff_admin.py``).

Exit status 0 when the chain is intact (the count and the newest hash are printed, so that an admin
can note them as an anchor), 1 when a record was changed, forged, removed or inserted, the log was
cut or emptied (against the checkpoint), the key or the checkpoint cannot be used, or the anchor
given with ``--anchor`` is no longer in the chain. The key's and the checkpoint's paths are
printed. ``regdesk.store.audit`` says what the chain can and cannot prove.

``regdesk audit reseal``: after an admin has looked into a checkpoint's problem (missing, not
authentic, an alarm, a cut), start a new checkpoint from a new record that says what was wrong
with the old one. Refused while a record of the chain itself is broken or the key is unusable.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from sqlite_utils import Database

    from regdesk.store.audit import AuditReport
    from regdesk.store.paths import DataPaths

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
    actions.add_parser(
        "reseal", help=t("audit_key.reseal_help"), description=t("audit_key.reseal_help")
    )
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
    from regdesk.store.audit import verify
    from regdesk.store.paths import DataPaths

    db = open_existing_db(ctx, DataPaths.for_config(ctx.config()).database)
    if db is None:
        return EXIT_BROKEN
    try:
        if ns.audit_command == "reseal":
            return _reseal(ctx, db)
        anchor = ns.anchor.strip().lower() if ns.anchor else None
        report = verify(db, anchor=anchor)
    finally:
        db.conn.close()
    return say_report(ctx, report, anchor)


def say_report(ctx: Context, report: AuditReport, anchor: str | None = None) -> int:
    """Print what ``verify`` found, in the user's language; the exit status."""
    from regdesk.store.audit import Problem
    from regdesk.store.audit_key_words import detail_words

    if report.key_file is not None:
        ctx.say("audit_key.files", key=str(report.key_file), checkpoint=str(report.checkpoint_file))
    if report.keyed_from is not None:
        ctx.say("audit_key.keyed_from", id=report.keyed_from)
    for notice in report.notices:
        ctx.warn(notice.key, **notice.params)
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
    if report.chain_break:
        forged = report.problem is Problem.FORGED
        ctx.warn(
            "store.audit_broken",
            id=report.first_bad_id,
            problem=ctx.t(
                "audit_key.problem_forged" if forged else f"store.audit_problem_{report.problem}"
            ),
            detail=report.detail,
            count=report.count,
        )
        return EXIT_BROKEN
    if report.problem is Problem.ALARM:
        ctx.warn(f"audit_key.alarm_{report.params.get('reason')}", **report.params)
    else:
        params = dict(report.params)
        if "detail" in params:  # the key's or checkpoint's problem, in the reader's language
            params["detail"] = detail_words(str(params["detail"]), ctx.lang)
        ctx.warn(f"audit_key.problem_{report.problem}", **params)
    lost = _lost_to_power_cut(report)
    if lost is not None:
        ctx.warn("powerloss.audit_power_cut", first=lost[0], last=lost[1])
    return EXIT_BROKEN


def _lost_to_power_cut(report: AuditReport) -> tuple[int, int] | None:
    """The records a power cut may have lost, when ``report`` is what such a cut leaves: the
    database ending below the checkpoint's committed record (a cut, or the alarm an append
    wrote on finding it). With ``durability = "normal"`` neither the database nor the
    checkpoint is synced at a commit, so the database can come back older than the checkpoint.
    A cut below the record keying starts from is not that: that record was never the tail."""
    from regdesk.store.audit import Problem
    from regdesk.store.audit_seal import AlarmReason

    p = report.params
    if report.problem is Problem.ALARM and p.get("reason") == str(AlarmReason.CUT):
        found, expected = p.get("found"), p.get("expected")
    elif report.problem is Problem.CUT and "path" in p:
        found, expected = p.get("count"), p.get("expected")
    else:
        return None
    if not isinstance(found, int) or not isinstance(expected, int) or found >= expected:
        return None
    return found + 1, expected


def _reseal(ctx: Context, db: Database) -> int:
    """A new checkpoint from a new record, once the admin has looked into the old one's problem."""
    from regdesk.commands.common import cli_actor
    from regdesk.store import audit
    from regdesk.store.audit import Problem

    report = audit.verify(db)
    if report.ok:
        ctx.say("audit_key.reseal_not_needed", count=report.count)
        return EXIT_OK
    mendable = {
        Problem.CHECKPOINT_MISSING,
        Problem.CHECKPOINT_UNREADABLE,
        Problem.CHECKPOINT_NOT_AUTHENTIC,
        Problem.ALARM,
        Problem.CUT,
    }
    if report.problem not in mendable or report.keyed_from is None:
        say_report(ctx, report)
        ctx.warn("audit_key.reseal_refused")
        return EXIT_BROKEN
    try:
        new_id = audit.reseal(
            db,
            actor_iin=cli_actor(),
            action="audit.resealed",
            detail={"problem": str(report.problem), "found": report.detail, **report.params},
        )
    except audit.AuditKeyError as exc:
        ctx.warn(exc.key, **exc.params)
        return EXIT_BROKEN
    ctx.say("audit_key.resealed", id=new_id, problem=report.detail)
    return EXIT_OK


def ensure_keyed(ctx: Context, db: Database, paths: DataPaths) -> bool:
    """``regdesk init``'s part: the audit key made, or kept, by the same helpers and under the
    same permission policy as the vault key, and the log switched to keyed hashes with its first
    checkpoint; False (said) when that cannot be done."""
    from regdesk.commands.init import keep_key_access
    from regdesk.store import audit
    from regdesk.store.keyfile import create_key_file

    if audit.seal_of(db.conn) is not None and not paths.audit_key.exists():
        # A new key could not check the records already keyed, nor seal new ones for them.
        ctx.warn("audit_key.init_key_lost", path=str(paths.audit_key))
        return False
    if create_key_file(paths.audit_key, audit.KEY_BYTES):
        ctx.say("audit_key.init_key_created", path=str(paths.audit_key))
    else:
        keep_key_access(ctx, paths.audit_key)
    try:
        first = audit.start_keying(db, actor_iin="init", at=ctx.clock().utc())
    except audit.AuditKeyError as exc:
        ctx.warn(exc.key, **exc.params)
        return False
    if first is not None:
        ctx.say("audit_key.init_keyed", id=first, checkpoint=str(paths.audit_checkpoint))
    return True


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
