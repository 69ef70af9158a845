"""The simulator's HTTP/1.1 server: asyncio with h11, TLS through memory BIOs, faults applied.

One event loop thread serves many keep-alive connections, a hung answer costs nothing but a
waiting coroutine, and TLS (optionally requiring client certificates) is the standard library's.
h11 is the HTTP/1.1 state machine (a declared dependency, also the one under httpx).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import time
import uuid
from typing import Any, Final
from urllib.parse import urlsplit

import h11

from regdesk.registry import contract as c
from regdesk.registry.sim.app import VERSION, SimulatorApp
from regdesk.registry.sim.faults import Fault, garbage
from regdesk.registry.sim.replies import Reply, error
from regdesk.registry.sim.request_log import LoggedRequest

log = logging.getLogger("regdesk.registry.sim")

MAX_REQUEST_BODY: Final = 1 << 20
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Stream:
    """A plain connection: what the server reads from and writes to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def read(self, n: int) -> bytes:
        return await self.reader.read(n)

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    async def drain(self) -> None:
        await self.writer.drain()

    def peercert(self) -> dict[str, Any] | None:
        return None

    def close(self) -> None:
        self.writer.close()


class TlsStream(Stream):
    """TLS over a plain connection through memory BIOs, so that every alert reaches the peer."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext
    ) -> None:
        super().__init__(reader, writer)
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_side=True)

    async def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def _fill(self) -> bool:
        data = await self.reader.read(65536)
        if not data:
            self.incoming.write_eof()
            return False
        self.incoming.write(data)
        return True

    async def handshake(self) -> None:
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush()
                if not await self._fill():
                    raise ConnectionError("closed during the TLS handshake") from None
            except ssl.SSLError:
                # The alert (unknown CA, certificate required) is in the outgoing BIO: send it.
                with contextlib.suppress(ConnectionError, OSError):
                    await self._flush()
                raise
        await self._flush()

    async def read(self, n: int) -> bytes:
        while True:
            try:
                return self.tls.read(n)
            except ssl.SSLWantReadError:
                await self._flush()
                if not await self._fill():
                    return b""
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    def write(self, data: bytes) -> None:
        self.tls.write(data)

    async def drain(self) -> None:
        await self._flush()

    def peercert(self) -> dict[str, Any] | None:
        return self.tls.getpeercert() or None


class Server:
    """asyncio + h11 serving ``SimulatorApp`` on one event loop."""

    def __init__(self, app: SimulatorApp, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.tls = tls
        self.server: asyncio.AbstractServer | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self.open_connections = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_quiet_exceptions)
        # TLS is done here rather than by asyncio, whose handshake failures drop the TLS alert:
        # a client refused for its certificate must learn why, as from any real server.
        self.server = await asyncio.start_server(
            self._connection, self.host, self.port, backlog=512
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 1)

    async def _connection(
        self, raw_reader: asyncio.StreamReader, raw_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        self.open_connections += 1
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=16 << 10)
        stream = Stream(raw_reader, raw_writer)
        try:
            if self.tls is not None:
                stream = TlsStream(raw_reader, raw_writer, self.tls)
                await asyncio.wait_for(stream.handshake(), 10)
            peer_cn = _peer_cn(stream)
            while True:
                event = await _next_event(conn, stream)
                if not isinstance(event, h11.Request):
                    return
                body, too_big = await _read_body(conn, stream)
                if too_big:
                    reply = error(413, c.E_INVALID_REQUEST, "body too large")
                    reply.headers.append(("Connection", "close"))  # the rest of it is not read
                    await _send(stream, conn, reply, "")
                    await _discard_rest(stream)
                    return
                keep = await self._answer(conn, stream, event, body, peer_cn)
                if not keep or conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, ssl.SSLError, OSError, TimeoutError):
            return
        finally:
            self.open_connections -= 1
            if task is not None:
                self.tasks.discard(task)
            stream.close()

    async def _answer(
        self,
        conn: h11.Connection,
        stream: Stream,
        request: h11.Request,
        body: bytes,
        peer_cn: str,
    ) -> bool:
        """Answer one request; False when the connection must be closed."""
        app = self.app
        method = request.method.decode("ascii", "replace")
        target = request.target.decode("ascii", "replace")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers}
        rid = headers.get(c.REQUEST_ID.lower(), "")
        if not _REQUEST_ID.match(rid):
            rid = uuid.uuid4().hex
        path = urlsplit(target).path
        denied, client = app.authenticate(headers, peer_cn)
        entry = LoggedRequest(
            method, path, rid, headers.get(c.IDEMPOTENCY_KEY.lower()), client, time.monotonic()
        )
        app.log.add(entry)
        delay = app.schedule.latency()
        if delay:
            await asyncio.sleep(delay)
        if denied is not None:
            return await self._reply(stream, conn, entry, denied)
        fault = app.schedule.take(method, path) if path.startswith(c.API + "/") else None
        if fault is not None:
            app.log.update(entry, fault=fault.label)
        if fault is not None and fault.kind == "hang":
            app.log.update(entry, outcome="hung")
            with contextlib.suppress(ConnectionError, OSError):
                await stream.read(1)  # returns when the client closes the connection
            app.log.update(entry, outcome="client_closed")
            return False
        if fault is not None and fault.kind == "drop":
            app.log.update(entry, outcome="dropped")
            return False
        if fault is not None and fault.kind == "status":
            reply = error(fault.status, c.E_UNAVAILABLE, "simulated failure")
            if fault.retry_after is not None:
                reply.headers.append(("Retry-After", fault.retry_after))
            return await self._reply(stream, conn, entry, reply)
        reply = app.route(method, target, body, headers, client)
        if fault is not None and fault.kind == "drop_after_commit":
            app.log.update(entry, status=reply.status, outcome="dropped")
            return False
        if fault is not None and fault.kind == "garbage" and reply.status < 300:
            reply = garbage(fault.garbage, reply)
        trickle = fault if fault is not None and fault.kind.startswith("trickle") else None
        return await self._reply(stream, conn, entry, reply, trickle)

    async def _reply(
        self,
        stream: Stream,
        conn: h11.Connection,
        entry: LoggedRequest,
        reply: Reply,
        trickle: Fault | None = None,
    ) -> bool:
        self.app.log.update(entry, status=reply.status)
        if trickle is None:
            await _send(stream, conn, reply, entry.request_id)
            self.app.log.update(entry, outcome="answered")
            return True
        try:
            await _send(stream, conn, reply, entry.request_id, trickle)
        except (ConnectionError, OSError):
            self.app.log.update(entry, outcome="client_closed")
            return False
        self.app.log.update(entry, outcome="answered")
        return True


async def _next_event(conn: h11.Connection, reader: Stream) -> Any:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
            continue
        return event


async def _read_body(conn: h11.Connection, reader: Stream) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await _next_event(conn, reader)
        if isinstance(event, h11.Data):
            size += len(event.data)
            if size > MAX_REQUEST_BODY:
                return b"", True
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return b"".join(chunks), False
        else:
            raise h11.RemoteProtocolError("connection ended inside a request")


async def _discard_rest(reader: Stream, limit: float = 2.0) -> None:
    """Read and drop what the client is still sending, until it closes (at most ``limit`` s).

    Closing with its body unread would reset the connection, and the client could lose the 413
    it is about to read; servers linger like this before closing for the same reason.
    """
    with contextlib.suppress(TimeoutError, ConnectionError, OSError, ssl.SSLError):
        async with asyncio.timeout(limit):
            while await reader.read(65536):
                pass


async def _send(
    writer: Stream, conn: h11.Connection, reply: Reply, rid: str, trickle: Fault | None = None
) -> None:
    headers = [("content-type", f"{reply.content_type}; charset=utf-8"), ("server", VERSION)]
    if rid:
        headers.append((c.REQUEST_ID, rid))
    if not reply.chunked:
        headers.append(("content-length", str(len(reply.body))))
    headers.extend(reply.headers)
    head = conn.send(h11.Response(status_code=reply.status, headers=headers)) or b""
    out = b""
    if reply.chunked:
        for i in range(0, len(reply.body), 65536):
            out += conn.send(h11.Data(data=reply.body[i : i + 65536])) or b""
    elif reply.body:
        out += conn.send(h11.Data(data=reply.body)) or b""
    out += conn.send(h11.EndOfMessage()) or b""
    if trickle is None:
        writer.write(head + out)
        await writer.drain()
        return
    slow = head + out if trickle.kind == "trickle_headers" else out
    if trickle.kind == "trickle_body":
        writer.write(head)
        await writer.drain()
    for i in range(len(slow)):
        await asyncio.sleep(trickle.every)
        writer.write(slow[i : i + 1])
        await writer.drain()


def _peer_cn(stream: Stream) -> str:
    cert = stream.peercert()
    if not cert:
        return ""
    for rdn in cert.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return "unnamed"


def _quiet_exceptions(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Clients that fail the TLS handshake or vanish are the point of some tests, not news.
    exc = context.get("exception")
    if isinstance(exc, ssl.SSLError | ConnectionError | OSError):
        return
    log.debug("simulator loop: %s", context.get("message"))


def server_tls(certfile: str, keyfile: str, client_ca: str | None = None) -> ssl.SSLContext:
    """A server TLS context; with ``client_ca`` a client certificate from that CA is required."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context
