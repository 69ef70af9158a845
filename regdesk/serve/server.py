"""The browser desk's web server: textual-serve's ``Server`` with a clinic's guards.

textual-serve serves a page (xterm.js) whose websocket starts the served command for each
connection and relays the terminal both ways. Its server accepts a websocket from any page,
any number of them, over plain http only, and its page loads a web font from the internet;
``DeskServer`` keeps its routes and its per-connection process handling and adds:

- the ``Host`` of every request and the ``Origin`` of every websocket must be the desk's own
  address (``serve.public_url``, or the loopback names): a page from elsewhere open on a desk PC
  cannot start a desk (403);
- at most ``serve.max_sessions`` desks at once; one more gets a page that says so (503);
- our own page template (texts from the catalogue, nothing loaded from outside the server),
  with a Content-Security-Policy that keeps it so;
- https/wss when ``serve.tls_cert`` is set;
- each desk started knows its browser's address as its terminal (``REGDESK_TERMINAL``), so the
  sign-in throttle slows down the desk PC where wrong passwords are typed (``desk.terminal``).
"""

from __future__ import annotations

import logging
import shlex
import ssl
import sys
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from regdesk.config import Config, is_loopback
from regdesk.desk.terminal import TERMINAL_ENV, web_terminal
from regdesk.i18n import LANGS, t

log = logging.getLogger("regdesk.serve")

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
"""Our own script (desk.js), beside textual-serve's static folder (xterm.js, its font)."""

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

_TERMINAL: ContextVar[str | None] = ContextVar("regdesk_serve_terminal", default=None)
"""The terminal of the websocket being handled (each is its own task, so its own context)."""


def desk_command(config_file: Path, lang: str | None = None) -> str:
    """The shell command textual-serve runs for each browser tab: this Python's regdesk on the
    same config, with ``exec`` so the shell gives way to it (one process per session)."""
    args = [sys.executable, "-m", "regdesk", "--config", str(config_file)]
    if lang:
        args += ["--lang", lang]
    return "exec " + shlex.join(args)


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` as a browser writes it in ``Origin`` (no default
    port, lower case)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{scheme}://{host}{port}"


@dataclass(frozen=True)
class Address:
    """Where the desk is reached: the URL browsers open, and what their requests may carry."""

    public_url: str
    """The base of every URL in the page (no trailing slash)."""
    origins: frozenset[str]
    """``Origin`` values allowed on the websocket."""
    hosts: frozenset[str]
    """``Host`` values allowed on every request (``name:port`` as the browser sends it)."""

    @classmethod
    def of(cls, config: Config, host: str, port: int, tls: bool) -> Address:
        scheme = "https" if tls else "http"
        local = [f"{scheme}://{name}:{port}" for name in LOOPBACK_NAMES]
        if is_loopback(host) and host not in ("127.0.0.1", "localhost", "::1"):
            local.append(f"{scheme}://{host}:{port}")
        public = config.serve.public_url.rstrip("/")
        urls = [public] if public else []
        if not public or is_loopback(urlsplit(public).hostname or ""):
            urls += local  # on this machine, any of its loopback names
        origins = frozenset(_origin(u) for u in urls)
        hosts = frozenset(o.split("://", 1)[1] for o in origins)
        # Behind a proxy the Host is the public one (the README's snippets pass it on); the
        # machine itself may still open the loopback address directly.
        hosts |= {f"{name}:{port}" for name in LOOPBACK_NAMES}
        return cls(public_url=public or local[0], origins=origins, hosts=hosts)


def page_texts(first: str) -> list[dict[str, str]]:
    """The page's own words in every language, the clinic's first."""
    keys = ("loading", "ended", "restart", "busy_title", "busy_text", "refused")
    order = [first, *(lang for lang in LANGS if lang != first)]
    return [{"lang": lang, **{k: t(f"serve.{k}", lang) for k in keys}} for lang in order]


CSP = (
    "default-src 'self'; connect-src 'self' {ws}; img-src 'self' data:; "
    # textual.js adds xterm's styles as <style> elements; no script runs inline.
    "style-src 'self' 'unsafe-inline'; script-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class DeskServer(Server):
    """textual-serve's server for the desk, with the guards the module docstring lists."""

    def __init__(
        self,
        config: Config,
        command: str,
        *,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.address = Address.of(config, host, port, tls=ssl_context is not None)
        super().__init__(
            command,
            host=host,
            port=port,
            title="regdesk",
            public_url=self.address.public_url,
            templates_path=TEMPLATES,
        )
        self.config = config
        self.ssl_context = ssl_context
        self.max_sessions = config.serve.max_sessions
        self.sessions = 0
        """Websockets (desks) open now."""
        self.texts = page_texts(config.languages.default)

    # textual-serve starts ``self.command`` for each websocket: read in the websocket's own task,
    # it carries that browser's terminal for the desk's sign-in throttle.
    @property
    def command(self) -> str:
        terminal = _TERMINAL.get()
        if terminal is None:
            return self._command
        return f"export {TERMINAL_ENV}={shlex.quote(terminal)}; {self._command}"

    @command.setter
    def command(self, value: str) -> None:
        self._command = value

    def client_address(self, request: web.Request) -> str | None:
        """The browser's address: the peer's, or behind a proxy the one it appended last to
        ``X-Forwarded-For`` (the earlier ones are the browser's word, anybody can write them)."""
        if self.config.serve.behind_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            if forwarded:
                return forwarded
        return request.remote

    # -- the aiohttp application --------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.router.add_get("/favicon.ico", self._no_icon)
        app.router.add_static("/desk-static", STATIC, name="desk-static")
        return app

    async def _no_icon(self, request: web.Request) -> web.Response:
        # Browsers ask for it on every page; an empty answer keeps the log and console clean.
        return web.Response(status=204)

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Every request: addressed to the desk's own name (no DNS rebinding onto it), and
        answered with headers that keep the page to this server."""
        if request.host.lower() not in self.address.hosts:
            log.warning("refused a request for host %r", request.host)
            raise web.HTTPMisdirectedRequest(text=self._words("refused"))
        response = await handler(request)
        ws = self.address.public_url.replace("http", "ws", 1)
        response.headers.setdefault("Content-Security-Policy", CSP.format(ws=ws))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _words(self, key: str, **params: object) -> str:
        return "\n".join(text[key].format(**params) for text in self.texts)

    def _websocket_url(self, request: web.Request) -> str:
        base = self.address.public_url
        if not self.config.serve.public_url:
            # Loopback: the name the browser used (127.0.0.1 or localhost), so Origin matches.
            base = f"{urlsplit(base).scheme}://{request.host}"
        return base.replace("http", "ws", 1) + str(request.app.router["websocket"].url_for())

    async def handle_index(self, request: web.Request) -> web.Response:
        if self.sessions >= self.max_sessions:
            return self._busy(request)
        static = str(request.app.router["static"].url_for(filename="/")).rstrip("/") + "/"
        ours = str(request.app.router["desk-static"].url_for(filename="/")).rstrip("/") + "/"
        context: dict[str, Any] = {
            "static_url": static,
            "desk_static_url": ours,
            "websocket_url": self._websocket_url(request),
            "font_size": 16,
            "texts": self.texts,
            "lang": self.texts[0]["lang"],
        }
        return aiohttp_jinja2.render_template("desk.html", request, context)

    def _busy(self, request: web.Request) -> web.Response:
        context = {"texts": self.texts, "max": self.max_sessions, "lang": self.texts[0]["lang"]}
        response = aiohttp_jinja2.render_template("busy.html", request, context, status=503)
        response.headers["Retry-After"] = "30"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin", "").lower()
        if origin not in self.address.origins:
            log.warning("refused a websocket from origin %r", origin)
            raise web.HTTPForbidden(text=self._words("refused"))
        if self.sessions >= self.max_sessions:
            raise web.HTTPServiceUnavailable(
                text=self._words("busy_text", max=self.max_sessions), headers={"Retry-After": "30"}
            )
        # Counted before the first await, so two tabs at once cannot both take the last place.
        self.sessions += 1
        log.info("desk session opened (%d of %d)", self.sessions, self.max_sessions)
        _TERMINAL.set(web_terminal(self.client_address(request)))
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1
            log.info("desk session closed (%d of %d)", self.sessions, self.max_sessions)

    async def on_startup(self, app: web.Application) -> None:
        log.info("serving the desk on %s", self.address.public_url)

    # -- running ------------------------------------------------------------------------------

    def run(self, ready: Callable[[str], None] | None = None) -> None:
        """Serve until SIGINT or SIGTERM; ``ready`` is told the address once it listens."""
        url = self.address.public_url + "/"
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            ssl_context=self.ssl_context,
            # aiohttp "prints" once its sites listen: the moment to say where the desk is.
            print=(lambda _message: ready(url)) if ready is not None else None,
            access_log=None,
            handle_signals=True,
        )


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The server's TLS context from a PEM chain and its key; OSError/SSLError when unusable."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
