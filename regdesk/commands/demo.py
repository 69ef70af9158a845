"""``regdesk demo``: the whole desk in a throw-away workspace."""

from __future__ import annotations

import argparse
from typing import Any

from regdesk.cli import Context


def register(sub: Any, ctx: Context) -> None:
    p = sub.add_parser("demo", help=ctx.t("cli.demo_help"), description=ctx.t("cli.demo_help"))
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    ctx.warn("cli.demo_unavailable")
    return 1
