"""The registry simulator: a real HTTP(S) server that speaks the contract, with injectable faults.

``regdesk registry-sim`` runs it in the foreground; the demo and the tests start it in a
background thread with ``start_simulator`` (or ``running_simulator``), which returns a
``SimulatorHandle`` with its URL, its token, the request log, and ways to inject faults.

It is asyncio with h11 (the HTTP/1.1 state machine under httpx, so it is always installed): one
event loop thread serves many keep-alive connections, a hung answer costs nothing but a waiting
coroutine, and TLS (optionally requiring client certificates) is the standard library's.

Faults, by rate (``Faults``) or one at a time for the next matching request (``Fault``): latency,
5xx answers (502/503/504), hung answers that never come, dropped connections, and malformed
answers (``GARBAGE_KINDS``: HTML, truncated JSON, a wrong type, a missing field, an invalid IIN,
an oversized body with or without Content-Length).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import random
import re
import ssl
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs, urlsplit

import h11

from regdesk.config import Registry
from regdesk.core.ids import BinError, IinError, parse_bin, parse_iin
from regdesk.registry import contract as c
from regdesk.registry.population import (
    CASES,
    DEFAULT_PERSONS,
    Population,
    build_population,
    sample_cases,
)

log = logging.getLogger("regdesk.registry.simulator")

VERSION: Final = "regdesk-registry-sim/1"
MAX_REQUEST_BODY: Final = 1 << 20
GARBAGE_KINDS: Final = (
    "html",
    "truncated",
    "wrong_type",
    "missing_field",
    "bad_iin",
    "oversized",
    "oversized_chunked",
)
FaultKind = Literal["status", "hang", "drop", "garbage", "drop_after_commit"]
_BASIS = re.compile(r"^[a-z_]{1,40}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class Faults:
    """Faults injected at random into every request of the contract (rates are 0..1)."""

    latency_ms: tuple[float, float] = (0.0, 0.0)
    """Each answer is delayed by a uniform draw from this range, in milliseconds."""
    fail_rate: float = 0.0
    """Share of requests answered 502, 503 or 504."""
    hang_rate: float = 0.0
    """Share of requests never answered (the client times out or cancels)."""
    garbage_rate: float = 0.0
    """Share of requests answered with a malformed body (one of ``GARBAGE_KINDS``)."""

    @staticmethod
    def parse_latency(text: str) -> tuple[float, float]:
        """``"50"`` or ``"50-200"`` (milliseconds) as a range."""
        low, _, high = text.partition("-")
        a = float(low)
        b = float(high) if high else a
        if a < 0 or b < a:
            raise ValueError(f"latency {text!r} is not A or A-B with 0 <= A <= B")
        return a, b


@dataclass(frozen=True)
class Fault:
    """One fault for the next request whose path starts with ``path`` (and has ``method``).

    ``status``: answer ``status`` (with ``retry_after`` as the Retry-After header); ``hang``: never
    answer; ``drop``: close the connection without answering; ``garbage``: answer with the
    ``garbage`` kind of malformed body; ``drop_after_commit``: do the work (record a POST), then
    close the connection without answering, as when an answer is lost on the way back.
    """

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    garbage: str = "html"
    path: str = ""
    method: str = ""


@dataclass
class LoggedRequest:
    """One request as the simulator saw it; tests count retries with these."""

    method: str
    path: str
    request_id: str
    idempotency_key: str | None
    client: str
    started: float
    status: int = 0
    fault: str = ""
    outcome: str = "pending"
    """answered, hung (still waiting), client_closed (the client gave up), dropped."""


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = c.JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunked: bool = False


def _json_bytes(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _error(status: int, code: str, message: str) -> _Reply:
    return _Reply(status, _json_bytes({"error": {"code": code, "message": message}}))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class SimulatorApp:
    """The registry's behaviour: population, recorded attachments, idempotency, portal, faults."""

    def __init__(
        self,
        *,
        seed: int = 0,
        persons: int = DEFAULT_PERSONS,
        clinic_bin: str = "",
        clinic_name: str = "Демо поликлиника",
        token: str = "",
        faults: Faults | None = None,
        state_file: Path | None = None,
        today: date | None = None,
        portal_applications: int = 4,
    ) -> None:
        self.population: Population = build_population(
            seed, persons, clinic_bin=clinic_bin, clinic_name=clinic_name, today=today
        )
        self.clinic_bin = self.population.clinic_bin
        self.clinic_name = clinic_name
        self.token = token
        self.faults = faults or Faults()
        self.today = today or date.today()
        self.rng = random.Random(f"regdesk-sim-faults/{seed}")
        self.seed = seed
        self.state_file = state_file
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self.log: deque[LoggedRequest] = deque(maxlen=100_000)
        self._person_cache: dict[str, bytes] = {}
        self.recorded: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.portal_status: dict[str, dict[str, Any]] = {}
        self._portal: dict[str, dict[str, Any]] | None = None
        self._portal_count = portal_applications
        self._portal_ca_pem = b""
        if state_file is not None and state_file.exists():
            self._load_state(state_file)
        for iin, record in self.recorded.items():
            self.population.attachments[iin] = record

    # -- control (any thread) -------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._queue.extend(faults)

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self.log)

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._queue):
                if path.startswith(fault.path) and fault.method in ("", method):
                    del self._queue[i]
                    return fault
        f = self.faults
        roll = self.rng.random()
        if roll < f.fail_rate:
            return Fault("status", status=self.rng.choice((502, 503, 504)))
        roll -= f.fail_rate
        if roll < f.hang_rate:
            return Fault("hang")
        roll -= f.hang_rate
        if roll < f.garbage_rate:
            return Fault("garbage", garbage=self.rng.choice(GARBAGE_KINDS))
        return None

    def latency(self) -> float:
        low, high = self.faults.latency_ms
        return 0.0 if high <= 0 else self.rng.uniform(low, high) / 1000

    # -- state ----------------------------------------------------------------------------

    def _load_state(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.recorded = dict(data.get("attachments", {}))
        self.idempotency = dict(data.get("idempotency", {}))
        self.portal_status = dict(data.get("portal", {}))

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        data = {
            "version": 1,
            "attachments": self.recorded,
            "idempotency": self.idempotency,
            "portal": self.portal_status,
        }
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_file)

    # -- authentication -------------------------------------------------------------------

    def authenticate(self, headers: dict[str, str], peer_cn: str) -> tuple[_Reply | None, str]:
        """None and the client's name when the request may proceed, else the 401 answer."""
        if self.token:
            given = headers.get("authorization", "")
            if not given:
                return _error(401, c.E_UNAUTHENTICATED, "bearer token required"), ""
            if given != f"Bearer {self.token}":
                return _error(401, c.E_UNAUTHENTICATED, "bearer token not accepted"), ""
        if peer_cn:
            return None, f"certificate:{peer_cn}"
        return None, "token" if self.token else "anonymous"

    # -- routing --------------------------------------------------------------------------

    def route(
        self, method: str, target: str, body: bytes, headers: dict[str, str], client: str
    ) -> _Reply:
        parts = urlsplit(target)
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] != ["v1"]:
            return _error(404, "no_route", "no such path")
        rest = segments[1:]
        get = method == "GET"
        if rest == ["health"] and get:
            return self._health(client)
        if len(rest) == 2 and rest[0] == "persons" and get:
            return self._person(rest[1])
        if len(rest) == 3 and rest[0] == "persons" and rest[2] == "attachment" and get:
            return self._attachment(rest[1])
        if len(rest) == 2 and rest[0] == "organisations" and get:
            return self._organisation(rest[1])
        if rest == ["attachments"] and method == "POST":
            return self._idempotent("attachments", headers, body, self._record_attachment)
        if rest[:2] == ["portal", "applications"]:
            if len(rest) == 2 and get:
                status = parse_qs(parts.query).get("status", ["new"])[0]
                return self._portal_list(status)
            if len(rest) == 3 and get:
                return self._portal_get(rest[2])
            if len(rest) == 4 and rest[3] == "result" and method == "POST":
                app_id = rest[2]
                return self._idempotent(
                    f"portal/{app_id}",
                    headers,
                    body,
                    lambda data: self._portal_result(app_id, data),
                )
        known = {"health", "persons", "organisations", "attachments", "portal"}
        if rest and rest[0] in known:
            return _error(405, "method_not_allowed", "method not allowed here")
        return _error(404, "no_route", "no such path")

    def _health(self, client: str) -> _Reply:
        return _Reply(
            200,
            _json_bytes(
                {"status": "ok", "version": VERSION, "time": _now().isoformat(), "client": client}
            ),
        )

    def _known_iin(self, text: str) -> tuple[str | None, _Reply | None]:
        try:
            if not (text.isascii() and text.isdigit()):
                raise IinError("non_digit", char="?")
            return parse_iin(text).value, None
        except IinError:
            return None, _error(400, c.E_INVALID_REQUEST, "not a valid IIN")

    def _person(self, text: str) -> _Reply:
        iin, bad = self._known_iin(text)
        if bad is not None or iin is None:
            return bad or _error(400, c.E_INVALID_REQUEST, "not a valid IIN")
        cached = self._person_cache.get(iin)
        if cached is None:
            record = self.population.persons.get(iin)
            if record is None:
                return _error(404, c.E_NOT_FOUND, "no person with this IIN")
            cached = self._person_cache[iin] = _json_bytes(record)
        return _Reply(200, cached)

    def _attachment(self, text: str) -> _Reply:
        iin, bad = self._known_iin(text)
        if bad is not None or iin is None:
            return bad or _error(400, c.E_INVALID_REQUEST, "not a valid IIN")
        if iin not in self.population.persons:
            return _error(404, c.E_NOT_FOUND, "no person with this IIN")
        record = self.population.attachments.get(iin)
        attachment = None
        if record is not None:
            attachment = {k: record[k] for k in ("clinic_bin", "clinic_name", "district", "since")}
        return _Reply(200, _json_bytes({"iin": iin, "attachment": attachment}))

    def _organisation(self, text: str) -> _Reply:
        try:
            if not (text.isascii() and text.isdigit()):
                raise BinError("non_digit", char="?")
            value = parse_bin(text).value
        except BinError:
            return _error(400, c.E_INVALID_REQUEST, "not a valid BIN")
        record = self.population.organisations.get(value)
        if record is None:
            return _error(404, c.E_NOT_FOUND, "no organisation with this BIN")
        return _Reply(200, _json_bytes(record))

    def _idempotent(self, scope: str, headers: dict[str, str], body: bytes, work: Any) -> _Reply:
        key = headers.get(c.IDEMPOTENCY_KEY.lower(), "")
        if not key or len(key) > 200:
            return _error(400, c.E_IDEMPOTENCY_KEY_REQUIRED, "Idempotency-Key header required")
        try:
            data = json.loads(body)
        except ValueError:
            return _error(400, c.E_INVALID_REQUEST, "body is not JSON")
        fingerprint = hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        slot = f"{scope}|{key}"
        stored = self.idempotency.get(slot)
        if stored is not None:
            if stored["fingerprint"] != fingerprint:
                return _error(
                    422, c.E_IDEMPOTENCY_CONFLICT, "this key was used with a different request"
                )
            return _Reply(
                stored["status"],
                stored["body"].encode(),
                headers=[(c.REPLAYED, "true")],
            )
        reply: _Reply = work(data)
        if 200 <= reply.status < 300:
            self.idempotency[slot] = {
                "fingerprint": fingerprint,
                "status": reply.status,
                "body": reply.body.decode(),
            }
            self._save_state()
        return reply

    def _record_attachment(self, data: object) -> _Reply:
        if not isinstance(data, dict):
            return _error(400, c.E_INVALID_REQUEST, "body must be an object")
        iin = data.get("iin")
        clinic_bin = data.get("clinic_bin")
        district = data.get("district")
        basis = data.get("basis")
        effective = data.get("effective_date")
        try:
            parse_iin(str(iin))
            parse_bin(str(clinic_bin))
            if not isinstance(iin, str) or not isinstance(clinic_bin, str):
                raise ValueError
            if isinstance(district, bool) or not isinstance(district, int):
                raise ValueError
            if not 1 <= district <= 9999:
                raise ValueError
            if not isinstance(basis, str) or not _BASIS.match(basis):
                raise ValueError
            if not isinstance(effective, str) or len(effective) != 10:
                raise ValueError
            effective_date = date.fromisoformat(effective)
        except (ValueError, IinError, BinError):
            return _error(400, c.E_INVALID_REQUEST, "iin, clinic_bin, district, basis, date")
        if clinic_bin != self.clinic_bin:
            return _error(403, c.E_FORBIDDEN, "this client may attach only to its own clinic")
        person = self.population.persons.get(iin)
        if person is None:
            return _error(404, c.E_NOT_FOUND, "no person with this IIN")
        if person["life_status"] == "dead":
            return _error(409, c.E_PERSON_DECEASED, "the person is dead")
        record = {
            "clinic_bin": clinic_bin,
            "clinic_name": self.clinic_name,
            "district": district,
            "since": effective_date.isoformat(),
        }
        # The simulator applies an attachment at once, whatever its effective date.
        self.recorded[iin] = record
        self.population.attachments[iin] = record
        receipt = {
            "attachment_id": f"ATT-{uuid.uuid4().hex[:12].upper()}",
            "iin": iin,
            "clinic_bin": clinic_bin,
            "district": district,
            "basis": basis,
            "effective_date": effective_date.isoformat(),
            "recorded_at": _now().isoformat(),
        }
        return _Reply(201, _json_bytes(receipt))

    # -- the portal -----------------------------------------------------------------------

    def portal(self) -> dict[str, dict[str, Any]]:
        """The portal's applications for the clinic, made (and signed) on first use."""
        if self._portal is None:
            self._portal, self._portal_ca_pem = _make_portal(self)
            for app_id, decided in self.portal_status.items():
                if app_id in self._portal:
                    self._portal[app_id]["status"] = decided["status"]
        return self._portal

    @property
    def portal_ca_pem(self) -> bytes:
        """The PEM certificate of the CA that issued the simulated applicants' signing keys."""
        self.portal()
        return self._portal_ca_pem

    def _portal_list(self, status: str) -> _Reply:
        if status not in ("new", "registered", "refused"):
            return _error(400, c.E_INVALID_REQUEST, "status is new, registered or refused")
        items = [
            {k: a[k] for k in ("id", "submitted_at", "service", "applicant_iin", "subject_iin")}
            | {"status": a["status"]}
            for a in self.portal().values()
            if a["status"] == status
        ]
        return _Reply(200, _json_bytes({"items": items}))

    def _portal_get(self, app_id: str) -> _Reply:
        app = self.portal().get(app_id)
        if app is None:
            return _error(404, c.E_NOT_FOUND, "no such application")
        return _Reply(200, _json_bytes(app))

    def _portal_result(self, app_id: str, data: object) -> _Reply:
        app = self.portal().get(app_id)
        if app is None:
            return _error(404, c.E_NOT_FOUND, "no such application")
        if not isinstance(data, dict) or data.get("outcome") not in ("registered", "refused"):
            return _error(400, c.E_INVALID_REQUEST, "outcome is registered or refused")
        outcome = data["outcome"]
        try:
            if outcome == "registered":
                if not isinstance(data.get("application_number"), str):
                    raise ValueError
                base64.b64decode(data["talon"], validate=True)
                base64.b64decode(data["talon_signature"], validate=True)
            elif not isinstance(data.get("reason_code"), str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return _error(400, c.E_INVALID_REQUEST, "result fields missing or malformed")
        if app["status"] != "new":
            return _error(409, c.E_ALREADY_DECIDED, "this application already has a result")
        app["status"] = outcome
        recorded_at = _now().isoformat()
        self.portal_status[app_id] = {"status": outcome, "result": data, "at": recorded_at}
        body = {"application_id": app_id, "status": outcome, "recorded_at": recorded_at}
        return _Reply(200, _json_bytes(body))


# -- malformed answers ------------------------------------------------------------------------


def _garbage(kind: str, reply: _Reply) -> _Reply:
    if kind == "html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        return _Reply(200, page, content_type="text/html")
    if kind == "truncated":
        return _Reply(200, reply.body[: max(1, len(reply.body) // 2)])
    if kind in ("oversized", "oversized_chunked"):
        padding = "x" * (2 << 20)
        body = reply.body.rstrip(b"}") + f',"padding":"{padding}"}}'.encode()
        return _Reply(200, body, chunked=kind == "oversized_chunked")
    try:
        data = json.loads(reply.body)
    except ValueError:
        data = {}
    if not isinstance(data, dict) or not data:
        data = {"unexpected": True}
    if kind == "bad_iin" and isinstance(data.get("iin"), str):
        iin = data["iin"]
        data["iin"] = iin[:11] + str((int(iin[11]) + 1) % 10)
    elif kind == "missing_field":
        del data[next(iter(data))]
    else:
        key = next((k for k, v in data.items() if isinstance(v, str)), next(iter(data)))
        data[key] = 12345 if isinstance(data[key], str) else "12345"
    return _Reply(200, _json_bytes(data))


# -- the portal's applications ----------------------------------------------------------------


def _make_portal(app: SimulatorApp) -> tuple[dict[str, dict[str, Any]], bytes]:
    """A few new applications from the population, signed by simulated applicants' keys."""
    from regdesk.registry.portal_keys import PortalSigner

    signer = PortalSigner.generate(seed=app.seed)
    cases = app.population.cases
    people = app.population.persons
    subjects: list[tuple[str, str, str]] = []  # (applicant, subject, relation)
    for iin in cases["adult"] + cases["attached_elsewhere_long_ago"]:
        subjects.append((iin, iin, "self"))
    for iin in cases["child"]:
        rep = people[iin]["representatives"][0]
        subjects.append((rep["iin"], iin, rep["relation"]))
    out: dict[str, dict[str, Any]] = {}
    year = app.today.year
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for n, (applicant, subject, relation) in enumerate(subjects[: app._portal_count], start=1):
        app_id = f"P-{year}-{n:06d}"
        submitted = (_now() - timedelta(hours=2 * n)).isoformat()
        form = {
            "id": app_id,
            "service": "attachment",
            "clinic_bin": app.clinic_bin,
            "applicant_iin": applicant,
            "subject_iin": subject,
            "relation": relation,
            "basis": "free_choice",
            "submitted_at": submitted,
        }
        payload = json.dumps(form, ensure_ascii=False, sort_keys=True).encode()
        person = people[applicant]
        name = " ".join(p for p in (person["surname"], person["first_name"]) if p)
        signature = signer.sign(payload, applicant, name)
        files = [
            {
                "name": "identity-document.pdf",
                "media_type": "application/pdf",
                "sha256": hashlib.sha256(pdf).hexdigest(),
                "content": base64.b64encode(pdf).decode(),
            }
        ]
        out[app_id] = {
            "id": app_id,
            "submitted_at": submitted,
            "service": "attachment",
            "status": "new",
            "applicant_iin": applicant,
            "subject_iin": subject,
            "relation": relation,
            "basis": "free_choice",
            "district": None,
            "phone": f"+7 701 {app.rng.randrange(100, 999)} {app.rng.randrange(1000, 9999)}",
            "payload": base64.b64encode(payload).decode(),
            "signature": base64.b64encode(signature).decode(),
            "files": files,
        }
    return out, signer.ca_pem


# -- the HTTP server --------------------------------------------------------------------------


class _Stream:
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


class _TlsStream(_Stream):
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


class _Server:
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
        stream = _Stream(raw_reader, raw_writer)
        reader = writer = stream
        try:
            if self.tls is not None:
                stream = reader = writer = _TlsStream(raw_reader, raw_writer, self.tls)
                await asyncio.wait_for(stream.handshake(), 10)
            peer_cn = _peer_cn(stream)
            while True:
                event = await _next_event(conn, reader)
                if not isinstance(event, h11.Request):
                    return
                body, too_big = await _read_body(conn, reader)
                if too_big:
                    await _send(
                        writer, conn, _error(413, c.E_INVALID_REQUEST, "body too large"), ""
                    )
                    return
                keep = await self._answer(conn, reader, writer, event, body, peer_cn)
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
        reader: _Stream,
        writer: _Stream,
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
        entry = LoggedRequest(
            method, path, rid, headers.get(c.IDEMPOTENCY_KEY.lower()), "", time.monotonic()
        )
        with app._lock:
            app.log.append(entry)
        delay = app.latency()
        if delay:
            await asyncio.sleep(delay)
        denied, client = app.authenticate(headers, peer_cn)
        entry.client = client
        if denied is not None:
            return await self._reply(writer, conn, entry, denied)
        fault = app._take_fault(method, path) if path.startswith(c.API + "/") else None
        entry.fault = (
            "" if fault is None else (fault.garbage if fault.kind == "garbage" else fault.kind)
        )
        if fault is not None and fault.kind == "hang":
            entry.outcome = "hung"
            with contextlib.suppress(ConnectionError, OSError):
                await reader.read(1)  # returns when the client closes the connection
            entry.outcome = "client_closed"
            return False
        if fault is not None and fault.kind == "drop":
            entry.outcome = "dropped"
            return False
        if fault is not None and fault.kind == "status":
            reply = _error(fault.status, c.E_UNAVAILABLE, "simulated failure")
            if fault.retry_after is not None:
                reply.headers.append(("Retry-After", fault.retry_after))
            return await self._reply(writer, conn, entry, reply)
        reply = app.route(method, target, body, headers, client)
        if fault is not None and fault.kind == "drop_after_commit":
            entry.status = reply.status
            entry.outcome = "dropped"
            return False
        if fault is not None and fault.kind == "garbage" and reply.status < 300:
            reply = _garbage(fault.garbage, reply)
        return await self._reply(writer, conn, entry, reply)

    async def _reply(
        self,
        writer: _Stream,
        conn: h11.Connection,
        entry: LoggedRequest,
        reply: _Reply,
    ) -> bool:
        entry.status = reply.status
        await _send(writer, conn, reply, entry.request_id)
        entry.outcome = "answered"
        return True


async def _next_event(conn: h11.Connection, reader: _Stream) -> Any:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
            continue
        return event


async def _read_body(conn: h11.Connection, reader: _Stream) -> tuple[bytes, bool]:
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


async def _send(writer: _Stream, conn: h11.Connection, reply: _Reply, rid: str) -> None:
    headers = [("content-type", f"{reply.content_type}; charset=utf-8"), ("server", VERSION)]
    if rid:
        headers.append((c.REQUEST_ID, rid))
    if not reply.chunked:
        headers.append(("content-length", str(len(reply.body))))
    headers.extend(reply.headers)
    out = conn.send(h11.Response(status_code=reply.status, headers=headers)) or b""
    if reply.chunked:
        for i in range(0, len(reply.body), 65536):
            out += conn.send(h11.Data(data=reply.body[i : i + 65536])) or b""
    elif reply.body:
        out += conn.send(h11.Data(data=reply.body)) or b""
    out += conn.send(h11.EndOfMessage()) or b""
    writer.write(out)
    await writer.drain()


def _peer_cn(stream: _Stream) -> str:
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


# -- running it -------------------------------------------------------------------------------


@dataclass
class SimulatorHandle:
    """A simulator running in a background thread; ``stop()`` (or ``with``) ends it."""

    url: str
    token: str
    app: SimulatorApp
    _server: _Server
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

    def clear_log(self) -> None:
        self.app.clear_log()

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


def server_tls(certfile: str, keyfile: str, client_ca: str | None = None) -> ssl.SSLContext:
    """A server TLS context; with ``client_ca`` a client certificate from that CA is required."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


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
) -> SimulatorHandle:
    """Start the simulator in a background thread; port 0 picks a free port.

    ``token``: the bearer token required (None: a random one; "": none required). ``certfile`` and
    ``keyfile`` serve HTTPS; ``client_ca`` also requires a client certificate issued by it.
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
    )
    tls = server_tls(certfile, keyfile or certfile, client_ca) if certfile else None
    server = _Server(app, host, port, tls)
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


__all__ = [
    "CASES",
    "GARBAGE_KINDS",
    "Fault",
    "Faults",
    "LoggedRequest",
    "SimulatorApp",
    "SimulatorHandle",
    "running_simulator",
    "sample_cases",
    "server_tls",
    "start_simulator",
]
