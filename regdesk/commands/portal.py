"""``regdesk portal sync|list|show``: the portal's applications from the command line.

``sync`` fetches the portal's new applications now (``desk.portal_intake``) and sends the
results decided since (``desk.portal_decision.deliver_pending``). Exit codes as
``regdesk lookup``: 0 done, 4 the registry cannot be reached, 5 a bad answer, 6 refused, 78 the
``[registry]`` settings name a file that cannot be used; 1 no usable database.

``list`` and ``show`` read the journal. What they show of one application is built by one
function, ``fields`` (the table, the JSON and ``show`` all read it): the decision and its
delivery are added there.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.core.clock import ClinicClock
    from regdesk.desk.context import DeskContext
    from regdesk.store.journal import InboxEntry

EXIT_OK = 0
EXIT_FAILED = 1
FORMATS = ("table", "json")


def register(sub: Any, ctx: Context) -> None:
    from regdesk.store.journal.portal import InboxStatus

    t = ctx.t
    p = sub.add_parser("portal", help=t("portal.cli.help"), description=t("portal.cli.help"))
    commands = p.add_subparsers(dest="portal_command", metavar="COMMAND", required=True)
    sync = commands.add_parser(
        "sync", help=t("portal.cli.sync_help"), description=t("portal.cli.sync_help")
    )
    sync.set_defaults(handler=run)
    listing = commands.add_parser(
        "list", help=t("portal.cli.list_help"), description=t("portal.cli.list_help")
    )
    listing.add_argument(
        "--status",
        choices=[s.value for s in InboxStatus],
        default=InboxStatus.PENDING.value,
        help=t("portal.cli.opt_status"),
    )
    listing.add_argument(
        "--format", choices=FORMATS, default="table", help=t("portal.cli.opt_format")
    )
    listing.add_argument("--limit", type=int, default=200, help=t("portal.cli.opt_limit"))
    listing.set_defaults(handler=run)
    show = commands.add_parser(
        "show", help=t("portal.cli.show_help"), description=t("portal.cli.show_help")
    )
    show.add_argument("reference", metavar="ID", help=t("portal.cli.arg_id"))
    show.add_argument("--format", choices=FORMATS, default="table", help=t("portal.cli.opt_format"))
    show.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.common import cli_actor, open_existing_db
    from regdesk.core.application import Role
    from regdesk.core.errors import UserError
    from regdesk.desk import Actor, DeskContext
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    db = open_existing_db(ctx, DataPaths.for_config(config).database)
    if db is None:
        return EXIT_FAILED
    desk = DeskContext(config, clock=ctx.clock(), db=db)
    desk.operator = Actor(cli_actor(), Role.SYSTEM)
    try:
        if ns.portal_command == "sync":
            return _sync(ctx, desk)
        if ns.portal_command == "list":
            return _list(ns, ctx, desk)
        return _show(ns, ctx, desk)
    except UserError as exc:
        print(exc.message(ctx.lang), file=ctx.err)
        return EXIT_FAILED
    finally:
        db.conn.close()


# -- sync -------------------------------------------------------------------------------------


def _sync(ctx: Context, desk: DeskContext) -> int:
    import asyncio

    from regdesk.commands.lookup import exit_code, report
    from regdesk.desk.portal_decision import DeliveryRound, deliver_pending
    from regdesk.desk.portal_intake import PortalIntake, SyncReport, failure_text
    from regdesk.registry.errors import RegistryError

    async def main() -> tuple[SyncReport, DeliveryRound]:
        try:
            received = await PortalIntake(desk).sync()
            # The results decided since go back too, as the desk's timer sends them.
            return received, await deliver_pending(desk)
        finally:
            await desk.aclose()

    try:
        result, sent = asyncio.run(main())
    except RegistryError as exc:
        return report(exc, ctx)
    if sent != DeliveryRound():
        ctx.say(
            "portal_decision.cli.sent",
            delivered=sent.delivered + sent.reconciled,
            waiting=sent.failed,
            held=sent.held,
        )
    ctx.say(
        "portal.cli.sync_done",
        new=len(result.new),
        failed=len(result.failed_check),
        here=result.already_here,
        errors=len(result.errors),
    )
    with desk.locked():
        for app_id in result.failed_check:
            check = desk.journal.portal.check(app_id)
            entry = desk.journal.portal.entry(app_id)
            ctx.say("portal.cli.sync_failed_one", id=app_id, portal_id=entry.portal_id)
            for failure in check.failures:
                print("  - " + failure_text(failure, ctx.lang), file=ctx.out)
    for error in result.errors:
        ctx.warn("portal.cli.sync_error_one", portal_id=error.portal_id)
        print("  " + error.error.message(ctx.lang), file=ctx.err)
    if result.stopped is not None:
        ctx.warn("portal.cli.sync_stopped")
        return report(result.stopped, ctx)
    first = next((e.error for e in result.errors if isinstance(e.error, RegistryError)), None)
    if first is not None:
        return exit_code(first)
    return EXIT_FAILED if result.errors else EXIT_OK


# -- list and show ----------------------------------------------------------------------------


def _moment(clock: ClinicClock, value: Any) -> str | None:
    """A stored moment in the clinic's zone with its offset (ISO 8601), or None."""
    return clock.local(value).isoformat(timespec="seconds") if value is not None else None


def fields(entry: InboxEntry, clock: ClinicClock) -> dict[str, Any]:
    """What the CLI shows of one portal application (the JSON as it is; the table reads it).

    Times are in the clinic's zone with the offset; ``status`` is the application's state;
    ``overdue`` is judged at the clock's now.
    """
    check = entry.portal_check
    return {
        "id": entry.id,
        "portal_id": entry.portal_id,
        "applicant_iin": entry.applicant_iin,
        "name": entry.full_name,
        "representative_iin": entry.representative_iin,
        "received": _moment(clock, entry.received_at),
        "deadline": _moment(clock, entry.deadline),
        "status": entry.state.value,
        "overdue": entry.overdue(clock.now()),
        "check": {"ok": check.ok, "failures": list(check.codes)},
        "number": entry.number,
        "refusal_code": entry.refusal_code,
        "decided": _moment(clock, entry.decided_at),
        "delivered": _moment(clock, entry.delivered_at),
    }


def _short(moment: str | None) -> str:
    """``YYYY-MM-DD HH:MM`` of an ISO moment (the table's width), or a dash."""
    return moment[:16].replace("T", " ") if moment else "-"


def _mark(data: dict[str, Any], t: Any) -> str:
    if data["overdue"]:
        return str(t("portal.cli.mark_overdue"))
    if not data["check"]["ok"]:
        return str(t("portal.cli.mark_failed"))
    if data["status"] != "received" and data["delivered"] is None:
        return str(t("portal.cli.mark_undelivered"))
    return ""


def _list(ns: argparse.Namespace, ctx: Context, desk: DeskContext) -> int:
    import json

    clock = ctx.clock()
    with desk.locked():
        entries = desk.journal.portal.inbox(
            status=ns.status, now=clock.now(), limit=max(1, ns.limit)
        )
    rows = [fields(e, clock) for e in entries]
    if ns.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=ctx.out)
        return EXIT_OK
    if not rows:
        ctx.say("portal.cli.list_empty")
        return EXIT_OK
    t = ctx.t
    header = (
        t("portal.cli.col_id"),
        t("portal.cli.col_received"),
        t("portal.cli.col_deadline"),
        t("portal.cli.col_status"),
        t("portal.cli.col_applicant"),
        "",
    )
    table = [header] + [
        (
            str(r["id"]),
            _short(r["received"]),
            _short(r["deadline"]),
            t(f"portal.state.{r['status']}"),
            r["applicant_iin"],
            _mark(r, t),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=ctx.out
        )
    return EXIT_OK


def _find(desk: DeskContext, reference: str) -> InboxEntry | None:
    from regdesk.store.journal import NotFoundError

    portal = desk.journal.portal
    ref = reference.strip()
    record = desk.journal.search.get_by_portal_id(ref)
    if record is not None:
        return portal.entry(record.id)
    if ref.isdigit():
        try:
            return portal.entry(int(ref))
        except NotFoundError:
            return None
    return None


def _show(ns: argparse.Namespace, ctx: Context, desk: DeskContext) -> int:
    import json

    from regdesk.desk.portal_intake import failure_text

    clock = ctx.clock()
    with desk.locked():
        entry = _find(desk, ns.reference)
        if entry is None:
            ctx.warn("portal.cli.not_found", reference=ns.reference)
            return EXIT_FAILED
        sent = desk.journal.portal.payload(entry.id)
        files = desk.journal.drafts.attachments(entry.id)
    data = fields(entry, clock)
    data["relation"] = sent.relation
    data["submitted"] = _moment(clock, sent.submitted_at)
    data["signer"] = dict(sent.check.signer)
    data["files"] = [
        {"name": f.original_name, "media_type": f.media_type, "size": f.size, "sha256": f.sha256}
        for f in files
    ]
    if ns.format == "json":
        data["check"]["words"] = [failure_text(f, ctx.lang) for f in sent.check.failures]
        print(json.dumps(data, ensure_ascii=False, indent=2), file=ctx.out)
        return EXIT_OK
    t = ctx.t
    lines = [
        (t("portal.cli.col_id"), f"{data['id']} ({data['portal_id']})"),
        (t("portal.cli.col_applicant"), f"{data['applicant_iin']} {data['name']}".strip()),
        (t("portal.cli.col_received"), _short(data["received"])),
        (t("portal.cli.col_deadline"), f"{_short(data['deadline'])} {_mark(data, t)}".strip()),
        (t("portal.cli.col_status"), t(f"portal.state.{data['status']}")),
    ]
    if data["representative_iin"]:
        relation = t(f"representative.relation_{sent.relation}")
        lines.append(
            (t("portal.cli.col_representative"), f"{data['representative_iin']} ({relation})")
        )
    if data["number"]:
        lines.append((t("portal.cli.col_number"), data["number"]))
    if data["signer"].get("iin"):
        signer = data["signer"]
        lines.append((t("portal.cli.col_signer"), f"{signer['iin']} {signer.get('name', '')}"))
    lines.append((t("portal.cli.col_delivered"), _short(data["delivered"])))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}", file=ctx.out)
    if sent.check.ok:
        ctx.say("portal.cli.check_ok")
    else:
        ctx.say("portal.cli.check_failed")
        for failure in sent.check.failures:
            print("  - " + failure_text(failure, ctx.lang), file=ctx.out)
    if data["files"]:
        ctx.say("portal.cli.files")
        for f in data["files"]:
            print(f"  {f['name']}  {f['media_type']}  {f['size']} B", file=ctx.out)
    return EXIT_OK
