"""Running the simulator in a background thread: ``start_simulator`` and its ``SimulatorHandle``."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from regdesk.config import Registry
from regdesk.registry.population import DEFAULT_PERSONS
from regdesk.registry.sim.app import SimulatorApp
from regdesk.registry.sim.faults import Fault, Faults
from regdesk.registry.sim.request_log import LoggedRequest
from regdesk.registry.sim.server import Server, server_tls


@dataclass
class SimulatorHandle:
    """A simulator running in a background thread; ``stop()`` (or ``with``) ends it."""

    url: str
    token: str
    app: SimulatorApp
    _server: Server
    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread

    @property
    def clinic_bin(self) -> str:
        return self.app.clinic_bin

    @property
    def cases(self) -> dict[str, list[str]]:
        return self.app.population.cases

    @property
    def open_connections(self) -> int:
        return self._server.open_connections

    def requests(self) -> list[LoggedRequest]:
        """The request log, oldest first."""
        return self.app.requests()

    def wait_for(
        self, predicate: Callable[[list[LoggedRequest]], bool], timeout: float = 5.0
    ) -> list[LoggedRequest]:
        """The request log once ``predicate(log)`` holds; TimeoutError after ``timeout`` s.

        It blocks the calling thread: from a coroutine whose own requests must progress
        meanwhile, call it through ``asyncio.to_thread``.
        """
        return self.app.log.wait_for(predicate, timeout)

    def wait_for_requests(
        self, n: int, timeout: float = 5.0, *, prefix: str = "/v1/"
    ) -> list[LoggedRequest]:
        """The requests under ``prefix`` once ``n`` of them have ended (answered, dropped, or
        closed by the client): the server marks a request answered only after flushing its reply,
        which may be after the client has read it."""

        def settled(log: list[LoggedRequest]) -> bool:
            mine = [r for r in log if r.path.startswith(prefix)]
            return len(mine) >= n and all(r.ended for r in mine[:n])

        log = self.wait_for(settled, timeout)
        return [r for r in log if r.path.startswith(prefix)]

    def clear_log(self) -> None:
        self.app.clear_log()

    def portal_results(self) -> dict[str, dict[str, Any]]:
        """The results the portal received, by application id (``sim.portal.Portal.results``)."""
        return self.app.portal.results()

    def inject(self, *faults: Fault) -> None:
        """Faults for the next matching requests, in order."""
        self.app.inject(*faults)

    def set_faults(self, faults: Faults) -> None:
        self.app.faults = faults

    def settings(self, **overrides: Any) -> Registry:
        """A ``[registry]`` section pointing at this simulator (short timeouts for tests)."""
        values: dict[str, Any] = {
            "base_url": self.url,
            "token": self.token,
            "connect_timeout": 2.0,
            "read_timeout": 5.0,
        }
        values.update(overrides)
        return replace(Registry(), **values)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def shutdown() -> None:
            await self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(shutdown()))
        self._thread.join(10)

    def wait(self) -> None:
        """Block until the simulator stops (Ctrl+C reaches the caller between polls)."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: int = 0,
    persons: int = DEFAULT_PERSONS,
    clinic_bin: str = "",
    clinic_name: str = "Демо поликлиника",
    token: str | None = None,
    faults: Faults | None = None,
    state_file: Path | str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    client_ca: str | None = None,
    today: date | None = None,
    portal: dict[str, Any] | None = None,
) -> SimulatorHandle:
    """Start the simulator in a background thread; port 0 picks a free port.

    ``token``: the bearer token required (None: a random one; "": none required). ``certfile`` and
    ``keyfile`` serve HTTPS; ``client_ca`` also requires a client certificate issued by it.
    ``portal``: options of the portal's applications (``sim.portal.Portal``: ``cases``,
    ``rate_per_hour``, ``clock``, ``file_bytes``, ``huge_bytes``).
    """
    app = SimulatorApp(
        seed=seed,
        persons=persons,
        clinic_bin=clinic_bin,
        clinic_name=clinic_name,
        token=uuid.uuid4().hex if token is None else token,
        faults=faults,
        state_file=Path(state_file) if state_file else None,
        today=today,
        portal=portal,
    )
    tls = server_tls(certfile, keyfile or certfile, client_ca) if certfile else None
    server = Server(app, host, port, tls)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(server.close())
            loop.close()

    thread = threading.Thread(target=run, name="registry-sim", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        raise failure[0]
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if ":" in host else host
    return SimulatorHandle(
        url=f"{scheme}://{shown}:{server.port}",
        token=app.token,
        app=app,
        _server=server,
        _loop=loop,
        _thread=thread,
    )


@contextlib.contextmanager
def running_simulator(**options: Any) -> Iterator[SimulatorHandle]:
    """``start_simulator(**options)`` for a ``with`` block: the helper for tests of other parts.

    Example::

        with running_simulator(persons=300) as sim:
            client = RegistryClient(sim.settings())
    """
    handle = start_simulator(**options)
    try:
        yield handle
    finally:
        handle.stop()
