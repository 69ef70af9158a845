"""``regdesk registry check``: can this workstation reach the registry, and is it let in?"""

from __future__ import annotations

import argparse
from typing import Any

from regdesk.cli import Context


def register(sub: Any, ctx: Context) -> None:
    p = sub.add_parser(
        "registry", help=ctx.t("registry.group_help"), description=ctx.t("registry.group_help")
    )
    actions = p.add_subparsers(dest="registry_action", metavar="ACTION")
    check = actions.add_parser(
        "check", help=ctx.t("registry.check_help"), description=ctx.t("registry.check_help")
    )
    check.set_defaults(handler=run_check)

    def no_action(ns: argparse.Namespace, ctx: Context) -> int:
        p.print_help(ctx.err)
        return 2

    p.set_defaults(handler=no_action)


def run_check(ns: argparse.Namespace, ctx: Context) -> int:
    import time
    from urllib.parse import urlsplit

    from regdesk.commands.lookup import client_for, report
    from regdesk.core.clock import wall_utc
    from regdesk.registry.errors import RegistryError

    settings = ctx.config().registry
    url = settings.base_url
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        ctx.warn("registry.check_plain_http")
    with client_for(ctx) as client:
        started = time.perf_counter()
        try:
            health = client.health()
        except RegistryError as exc:
            ctx.warn("registry.check_failed", url=url)
            return report(exc, ctx)
    ms = round((time.perf_counter() - started) * 1000)
    ctx.say("registry.check_ok", url=url, version=health.version, client=health.client, ms=ms)
    # The machine's own clock against the registry's: the skew is the machine's, not the clinic's.
    skew = abs((health.time - wall_utc()).total_seconds())
    if skew > 120:
        ctx.warn("registry.check_clock", seconds=round(skew))
    return 0
