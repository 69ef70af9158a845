"""``regdesk lookup IIN``: what the registry knows about a person, or the outcome in words.

Exit codes: 0 found, 2 invalid IIN (nothing sent), 3 not found, 4 unavailable, 5 bad answer,
6 refused, 78 the ``[registry]`` settings name a file that cannot be used (nothing sent).

The client's log lines (a bad answer's details, TLS failures) go to the data folder's log file
when there is one, never to the terminal: the person at the terminal reads the outcome in words.
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
    """A ``SyncRegistryClient`` for the config's ``[registry]``, paths taken from its folder.

    While it is open, the client's warnings go to the data folder's log file (when ``regdesk
    init`` has made the folder), not to the terminal.
    """
    from pathlib import Path

    from regdesk import logs
    from regdesk.registry.client import SyncRegistryClient
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    base_dir = Path(config.source).parent if config.source else None
    paths = DataPaths.for_config(config)
    if paths.root.is_dir():  # a look-up before init makes no folder for its log
        # An unwritable log must not stop a look-up: the reason goes to the terminal.
        problem = logs.setup(paths.logs_dir, config.logging, config.work_hours.timezone)
        if problem is not None:
            ctx.warn("cli.log_unwritable", reason=problem)
    try:
        with SyncRegistryClient(config.registry, base_dir=base_dir) as client:
            yield client
    finally:
        logs.stop()


def run(ns: argparse.Namespace, ctx: Context) -> int:
    import asyncio
    import dataclasses
    import json

    from regdesk.core.ids import IinError, parse_iin
    from regdesk.registry.errors import RegistryError
    from regdesk.registry.present import format_lines, person_lines

    try:
        iin = parse_iin(ns.iin)
    except IinError as exc:
        ctx.warn("registry.lookup_invalid_iin", detail=exc.message(ctx.lang))
        return EXIT_INVALID
    if iin.remapped:
        ctx.warn("registry.lookup_remapped")
    with client_for(ctx) as client:
        try:
            person, attachment = client.run(
                lambda cl: asyncio.gather(cl.person(iin.value), cl.attachment(iin.value))
            )
        except RegistryError as exc:
            return report(exc, ctx)
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
