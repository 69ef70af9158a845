"""``regdesk policy [--registry]``: the policy in force, as the desk's policy screen shows it.

Signs in first (``--as IIN``, ``--password-stdin``): only an admin may read it
(``desk/policy_view.py``). ``--registry`` also checks the registry over the network.
Exit 0, or 1 when refused or when the registry check failed.
"""

from __future__ import annotations

import argparse
from typing import Any

from regdesk.cli import Context


def register(sub: Any, ctx: Context) -> None:
    from regdesk.commands.signed_in import add_options

    t = ctx.t
    p = sub.add_parser("policy", help=t("policy.cli_help"), description=t("policy.cli_help"))
    p.add_argument("--registry", action="store_true", help=t("policy.cli_opt_registry"))
    add_options(p, ctx)
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    from regdesk.commands.signed_in import Refused, signed_in
    from regdesk.core.errors import UserError
    from regdesk.desk.policy_view import (
        PolicyView,
        RegistryCheck,
        describe_policy,
        describe_registry,
    )

    tr = ctx.t
    try:
        with signed_in(ns, ctx) as desk:
            view = PolicyView(desk)
            try:
                overview = view.overview()
                check: RegistryCheck | None = None
                if ns.registry:

                    async def checked() -> RegistryCheck:
                        try:
                            return await view.check_registry()
                        finally:
                            await desk.aclose()

                    check = asyncio.run(checked())
            except UserError as exc:
                print(exc.message(ctx.lang), file=ctx.err)
                return 1
    except Refused as stop:
        return stop.code
    print(tr("policy.title"), file=ctx.out)
    for line in describe_policy(overview, tr):
        print(line, file=ctx.out)
    print(file=ctx.out)
    unchecked = "policy.registry_unchecked_cli"
    for line in describe_registry(overview.registry_url, check, tr, unchecked):
        print(line, file=ctx.out)
    return 1 if check is not None and not check.ok else 0
