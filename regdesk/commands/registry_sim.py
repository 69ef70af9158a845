"""``regdesk registry-sim``: the registry simulator in the foreground."""

from __future__ import annotations

import argparse
from typing import Any

from regdesk.cli import Context


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser(
        "registry-sim", help=t("registry.sim_help"), description=t("registry.sim_help")
    )
    p.add_argument("--host", default="127.0.0.1", help=t("registry.sim_opt_host"))
    p.add_argument("--port", type=int, default=8650, help=t("registry.sim_opt_port"))
    p.add_argument("--seed", type=int, default=0, help=t("registry.sim_opt_seed"))
    p.add_argument("--persons", type=int, default=2000, help=t("registry.sim_opt_persons"))
    p.add_argument("--state", metavar="FILE", help=t("registry.sim_opt_state"))
    p.add_argument("--latency-ms", metavar="A[-B]", default="0", help=t("registry.sim_opt_latency"))
    p.add_argument("--fail-rate", type=float, default=0.0, help=t("registry.sim_opt_fail_rate"))
    p.add_argument("--hang-rate", type=float, default=0.0, help=t("registry.sim_opt_hang_rate"))
    p.add_argument(
        "--garbage-rate", type=float, default=0.0, help=t("registry.sim_opt_garbage_rate")
    )
    p.add_argument("--token", default=None, help=t("registry.sim_opt_token"))
    p.add_argument("--clinic-bin", default="", metavar="BIN", help=t("registry.sim_opt_clinic_bin"))
    p.add_argument("--cert", metavar="PEM", help=t("registry.sim_opt_cert"))
    p.add_argument("--key", metavar="PEM", help=t("registry.sim_opt_key"))
    p.add_argument("--client-ca", metavar="PEM", help=t("registry.sim_opt_client_ca"))
    p.add_argument("--sample", action="store_true", help=t("registry.sim_opt_sample"))
    p.add_argument(
        "--portal-rate", type=float, default=0.0, metavar="N", help=t("portal.sim.opt_rate")
    )
    p.add_argument("--portal-cases", metavar="CASE,…", help=t("portal.sim.opt_cases"))
    p.add_argument(
        "--portal-huge-mb", type=float, default=21.0, metavar="MB", help=t("portal.sim.opt_huge")
    )
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    import json

    from regdesk.core.ids import BinError, parse_bin
    from regdesk.registry.population import CASE_DESCRIPTIONS, CASES, sample_cases
    from regdesk.registry.sim import Faults, start_simulator

    if ns.sample:
        cases = sample_cases(ns.seed, ns.persons)
        for case in CASES:
            line = {"case": case, "description": CASE_DESCRIPTIONS[case], "iins": cases[case]}
            print(json.dumps(line, ensure_ascii=False), file=ctx.out)
        return 0
    try:
        latency = Faults.parse_latency(ns.latency_ms)
        for name in ("fail_rate", "hang_rate", "garbage_rate"):
            if not 0.0 <= getattr(ns, name) <= 1.0:
                raise ValueError(f"--{name.replace('_', '-')} must be between 0 and 1")
        if ns.clinic_bin:
            parse_bin(ns.clinic_bin)
        if bool(ns.cert) != bool(ns.key) or (ns.client_ca and not ns.cert):
            raise ValueError("--cert and --key go together; --client-ca needs them")
        if not 0 <= ns.port <= 65535 or ns.persons < 0:
            raise ValueError("--port is 0-65535 and --persons is not negative")
        portal = _portal_options(ns)
    except BinError as exc:
        ctx.warn("registry.sim_bad_option", detail=f"--clinic-bin: {exc.message(ctx.lang)}")
        return 2
    except ValueError as exc:
        ctx.warn("registry.sim_bad_option", detail=str(exc))
        return 2
    faults = Faults(
        latency_ms=latency,
        fail_rate=ns.fail_rate,
        hang_rate=ns.hang_rate,
        garbage_rate=ns.garbage_rate,
    )
    try:
        handle = start_simulator(
            ns.host,
            ns.port,
            seed=ns.seed,
            persons=ns.persons,
            clinic_bin=ns.clinic_bin,
            token=ns.token,
            faults=faults,
            state_file=ns.state,
            certfile=ns.cert,
            keyfile=ns.key,
            client_ca=ns.client_ca,
            portal=portal,
        )
    except OSError as exc:
        ctx.warn("registry.sim_bad_option", detail=str(exc))
        return 1
    ctx.say(
        "registry.sim_listening",
        url=handle.url,
        persons=len(handle.app.population.persons),
        clinic_bin=handle.clinic_bin,
        token=handle.token or "-",
    )
    ctx.out.flush()
    import signal

    # A service manager stops it with SIGTERM; end as cleanly as on Ctrl+C.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: handle.stop())
    try:
        handle.wait()
    except KeyboardInterrupt:
        handle.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
    ctx.say("registry.sim_stopped")
    return 0


def _portal_options(ns: argparse.Namespace) -> dict[str, Any]:
    """The portal's options from ``--portal-*``; ValueError saying what is wrong."""
    from regdesk.registry.sim.portal import CASES

    if not 0 <= ns.portal_rate <= 3600:
        raise ValueError("--portal-rate is applications per hour, from 0 to 3600")
    if not 0.001 <= ns.portal_huge_mb <= 512:
        raise ValueError("--portal-huge-mb is from 0.001 to 512")
    options: dict[str, Any] = {
        "rate_per_hour": ns.portal_rate,
        "huge_bytes": int(ns.portal_huge_mb * (1 << 20)),
    }
    if ns.portal_cases is not None:
        cases = [c.strip() for c in ns.portal_cases.split(",") if c.strip()]
        unknown = [c for c in cases if c not in CASES]
        if unknown:
            raise ValueError(f"--portal-cases: unknown {unknown}; known: {', '.join(CASES)}")
        options["cases"] = cases
    return options
