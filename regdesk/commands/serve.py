"""``regdesk serve``: the desk in a browser (regdesk/serve), one desk process per browser tab."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from regdesk.cli import Context


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return port


def _address(text: str) -> str:
    from regdesk.config import SHAPES

    try:
        SHAPES["serve.host"](text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def register(sub: Any, ctx: Context) -> None:
    p = sub.add_parser("serve", help=ctx.t("serve.help"), description=ctx.t("serve.help"))
    p.add_argument("--host", type=_address, metavar="ADDRESS", help=ctx.t("serve.opt_host"))
    p.add_argument("--port", type=_port, metavar="PORT", help=ctx.t("serve.opt_port"))
    p.set_defaults(handler=run)


def run(ns: argparse.Namespace, ctx: Context) -> int:
    import ssl

    from regdesk.config import ConfigError, serve_exposure_problem
    from regdesk.serve.server import DeskServer, desk_command, tls_context
    from regdesk.store.paths import DataPaths

    config = ctx.config()
    paths = DataPaths.for_config(config)
    if not paths.database.exists():
        ctx.warn("cli.desk_not_initialised", path=str(paths.database))
        return 78
    host = ns.host or config.serve.host
    port = ns.port or config.serve.port
    # --host is held to the same rule as serve.host: elsewhere than loopback only with a public
    # https address and TLS (here or at a proxy).
    problem = serve_exposure_problem(config.serve, host)
    if problem is not None:
        raise ConfigError(config.source, *problem)
    context = None
    if config.serve.tls_cert:
        cert, key = config.resolve(config.serve.tls_cert), config.resolve(config.serve.tls_key)
        try:
            context = tls_context(cert, key)
        except (OSError, ssl.SSLError) as exc:
            detail = getattr(exc, "strerror", None) or str(exc)
            ctx.warn("serve.tls_unusable", cert=str(cert), key=str(key), detail=detail)
            return 78
    # The server's own lines (refused origins, sessions opened and closed) go to the desks' log,
    # set up for every command (commands/oplog.py).
    command = desk_command(Path(config.source), ctx.lang)
    server = DeskServer(config, command, host=host, port=port, ssl_context=context)
    maximum = config.serve.max_sessions

    def ready(url: str) -> None:
        ctx.say("serve.listening", url=url, max=maximum)
        ctx.out.flush()

    try:
        server.run(ready=ready)
    except OSError as exc:
        ctx.warn("serve.cannot_listen", host=host, port=port, detail=exc.strerror or str(exc))
        return 69  # sysexits EX_UNAVAILABLE
    return 0
