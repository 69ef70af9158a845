"""``regdesk lookup IIN``: what the registry knows about a person, or the outcome in words.

A look-up is a view of a person's data: the employee signs in first (``--as IIN`` and the
password, or ``--password-stdin``; ``commands/signed_in.py``) and the look-up is the desk's own
(``Intake.look_up``), audited as at the desk (``registry_lookup``, and ``person_view`` when the
registry knew the person) in that employee's name.

Exit codes: 0 found, 1 the sign-in refused, 2 invalid IIN (nothing sent), 3 not found,
4 unavailable, 5 bad answer, 6 refused, 74 no database (run ``regdesk init``), 78 the
``[registry]`` settings name a file that cannot be used (nothing sent).

The client's log lines (a bad answer's details, TLS failures) go to the data folder's log file
when there is one (``commands/oplog.py``, as for every command), never to the terminal: the
person at the terminal reads the outcome in words.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.registry.errors import RegistryError

EXIT_FOUND = 0
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_UNAVAILABLE = 4
EXIT_BAD_ANSWER = 5
EXIT_REFUSED = 6
EXIT_NOT_CONFIGURED = 78


def register(sub: Any, ctx: Context) -> None:
    p = sub.add_parser(
        "lookup", help=ctx.t("registry.lookup_help"), description=ctx.t("registry.lookup_help")
    )
    p.add_argument("iin", metavar="IIN", help=ctx.t("registry.lookup_arg_iin"))
    p.add_argument("--json", action="store_true", help=ctx.t("registry.lookup_opt_json"))
    from regdesk.commands.signed_in import add_options

    add_options(p, ctx)
    p.set_defaults(handler=run)


def exit_code(error: RegistryError) -> int:
    """The exit code of an outcome, shared by ``lookup`` and ``registry check``."""
    from regdesk.registry.errors import BadAnswer, NotConfigured, NotFound, Refused

    if isinstance(error, NotConfigured):
        return EXIT_NOT_CONFIGURED
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, BadAnswer):
        return EXIT_BAD_ANSWER
    if isinstance(error, Refused):
        return EXIT_REFUSED
    return EXIT_UNAVAILABLE


def report(error: RegistryError, ctx: Context) -> int:
    """Say the outcome (and the request id for the administrator); return its exit code."""
    from regdesk.registry.errors import BadAnswer

    print(error.message(ctx.lang), file=ctx.err)
    if error.request_id and not isinstance(error, BadAnswer):
        ctx.warn("registry.request_id", request_id=error.request_id)
    return exit_code(error)


@contextlib.contextmanager
def client_for(ctx: Context) -> Iterator[Any]:
    """A ``SyncRegistryClient`` for the config's ``[registry]``, paths taken from its folder."""
    from pathlib import Path

    from regdesk.registry.client import SyncRegistryClient

    config = ctx.config()
    base_dir = Path(config.source).parent if config.source else None
    with SyncRegistryClient(config.registry, base_dir=base_dir) as client:
        yield client


def run(ns: argparse.Namespace, ctx: Context) -> int:
    from regdesk.commands.signed_in import act_signed_in
    from regdesk.core.ids import IinError, parse_iin

    try:
        iin = parse_iin(ns.iin)
    except IinError as exc:
        ctx.warn("registry.lookup_invalid_iin", detail=exc.message(ctx.lang))
        return EXIT_INVALID
    if iin.remapped:
        ctx.warn("registry.lookup_remapped")
    return act_signed_in(ns, ctx, lambda desk: _show(ns, ctx, desk, iin.value))


def _show(ns: argparse.Namespace, ctx: Context, desk: Any, iin: str) -> int:
    """Look ``iin`` up as the signed-in employee and print what the registry knows."""
    import dataclasses
    import json

    from regdesk.registry.errors import NotFound, RegistryError
    from regdesk.registry.present import format_lines, person_lines

    try:
        lookup = _look_up(desk, iin)
    except RegistryError as exc:
        return report(exc, ctx)
    person, attachment = lookup.person, lookup.attachment
    if person is None:
        return report(NotFound(), ctx)
    if ns.json:
        data = {
            "person": dataclasses.asdict(person),
            "attachment": None if attachment is None else dataclasses.asdict(attachment),
        }
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str), file=ctx.out)
    else:
        lines = person_lines(person, attachment, ctx.lang, ctx.clock().today())
        print(format_lines(lines), file=ctx.out)
    return EXIT_FOUND


def _look_up(desk: Any, iin: str) -> Any:
    """The desk's look-up (audited in the signed-in employee's name), its client closed after."""
    import asyncio

    from regdesk.desk.intake import Intake

    async def once() -> Any:
        try:
            return await Intake(desk).look_up(iin)
        finally:
            await desk.aclose()

    return asyncio.run(once())
