"""The registry's HTTP client (httpx): what the desk and the CLI call to ask the registry.

``RegistryClient`` is async, for Textual workers; ``SyncRegistryClient`` runs it on a private
event loop for the command line. Every call either returns a typed answer (``models``) or raises
one of the four outcomes of ``errors``; an invalid IIN or BIN raises the core's ``IinError`` /
``BinError`` before anything is sent.

Only safe requests are repeated: GETs, and POSTs that carry an ``Idempotency-Key`` (the service
returns the first result for a repeated key). They are repeated after a connection failure, a
timeout, a dropped connection, or a 429/502/503/504, with exponential backoff and jitter; a
``Retry-After`` is honoured up to ``retry_after_cap`` seconds, and a longer one ends the attempts
at once with an ``Unavailable`` that says how long to wait.

A call has one overall deadline (``[registry] deadline``) over its attempts, waits and answers:
httpx's read timeout counts from one chunk to the next, so a registry that trickles its answer a
byte at a time would otherwise hold the desk for ever. Past it, the call ends as any timeout does.

Cancelling the task that awaits a call (``asyncio.CancelledError``) stops it at once and closes
the connection it was using.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import random
import ssl
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import httpx

from regdesk.config import Registry
from regdesk.core.clock import wall_utc
from regdesk.core.ids import parse_bin, parse_iin
from regdesk.registry import contract as c
from regdesk.registry.errors import BadAnswer, NotFound, Refused, TooLarge, Unavailable
from regdesk.registry.models import (
    AnnulmentReceipt,
    Attachment,
    AttachmentReceipt,
    ContractError,
    Health,
    Organisation,
    Person,
    PortalApplication,
    PortalApplicationItem,
    PortalOutcome,
    PortalResultReceipt,
    parse_annulment_receipt,
    parse_attachment_answer,
    parse_attachment_receipt,
    parse_health,
    parse_organisation,
    parse_person,
    parse_portal_application,
    parse_portal_list,
    parse_portal_receipt,
)
from regdesk.registry.tls import client_context, tls_refusal

log = logging.getLogger("regdesk.registry")

T = TypeVar("T")

MAX_BODY: Final = 1 << 20
"""The largest answer accepted (1 MiB); a person's record is a few kilobytes."""
MAX_PORTAL_BODY: Final = 64 << 20
"""The largest portal application accepted, scans included (64 MiB)."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits between half and all of base * factor^n."""

    base: float = 0.25
    factor: float = 2.0
    cap: float = 4.0
    retry_after_cap: float = 5.0
    """The longest Retry-After honoured; a longer one ends the attempts (the user is told)."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        full = min(self.cap, self.base * self.factor**attempt)
        return full / 2 + self.rng.uniform(0, full / 2)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    request_id: str


def _refused_connection(exc: BaseException) -> bool:
    """True when the address answered that nothing listens there (not a silence, not a timeout)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or (
            isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, (when - wall_utc()).total_seconds())
    except (TypeError, ValueError):
        return None


class RegistryClient:
    """The registry contract over HTTP; create one per workstation and close it with ``aclose``.

    ``settings`` is the ``[registry]`` section; relative certificate paths are taken from
    ``base_dir`` (the config file's folder). ``transport`` replaces the network, for tools only.
    A certificate file of the settings that cannot be used raises ``NotConfigured`` here.
    """

    def __init__(
        self,
        settings: Registry,
        *,
        base_dir: Path | None = None,
        backoff: Backoff | None = None,
        max_body: int = MAX_BODY,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.backoff = backoff or Backoff()
        self.max_body = max_body
        headers = {"Accept": c.JSON, "User-Agent": "regdesk"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        verify: ssl.SSLContext | bool = True
        if settings.base_url.startswith("https:"):
            verify = client_context(settings, base_dir)
        self._base_url = settings.base_url.rstrip("/")
        self._host = urlsplit(settings.base_url).hostname or settings.base_url
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            headers=headers,
            verify=verify,
            timeout=httpx.Timeout(
                settings.read_timeout, connect=settings.connect_timeout, pool=settings.read_timeout
            ),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        )

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        await self._http.aclose()

    # -- the contract --------------------------------------------------------------------------

    async def person(self, iin: str) -> Person:
        """The person with this IIN; ``NotFound`` when the state database has no record."""
        value = parse_iin(iin).value
        answer = await self._call("GET", c.PERSON.format(iin=value), c.PERSON)
        return self._parse(answer, lambda d: parse_person(d, value))

    async def attachment(self, iin: str) -> Attachment | None:
        """The person's current attachment, None when attached nowhere; ``NotFound``: no person."""
        value = parse_iin(iin).value
        answer = await self._call("GET", c.PERSON_ATTACHMENT.format(iin=value), c.PERSON_ATTACHMENT)
        return self._parse(answer, lambda d: parse_attachment_answer(d, value))

    async def organisation(self, bin: str) -> Organisation:
        """The organisation with this BIN; ``NotFound`` when the register has none."""
        value = parse_bin(bin).value
        answer = await self._call(
            "GET",
            c.ORGANISATION.format(bin=value),
            c.ORGANISATION,
            not_found="registry.organisation_not_found",
        )
        return self._parse(answer, lambda d: parse_organisation(d, value))

    async def record_attachment(
        self,
        iin: str,
        clinic_bin: str,
        district: int,
        basis: str,
        effective_date: date,
        idempotency_key: str,
    ) -> AttachmentReceipt:
        """Record the person's attachment to the clinic; a repeated key returns the first receipt.

        Use one key per application (its number is a good one), so that a retry after a lost
        answer, here or after a restart of the desk, never records the attachment twice.
        """
        body = {
            "iin": parse_iin(iin).value,
            "clinic_bin": parse_bin(clinic_bin).value,
            "district": district,
            "basis": basis,
            "effective_date": effective_date.isoformat(),
        }
        answer = await self._call(
            "POST", c.ATTACHMENTS, c.ATTACHMENTS, body=body, idempotency_key=idempotency_key
        )
        replayed = answer.headers.get(c.REPLAYED, "").lower() == "true"
        return self._parse(answer, lambda d: parse_attachment_receipt(d, replayed))

    async def annul_attachment(
        self,
        iin: str,
        clinic_bin: str,
        application_number: str,
        reason_code: str,
        idempotency_key: str,
    ) -> AnnulmentReceipt:
        """Annul the attachment this clinic recorded for the person by mistake (issue 11); the
        register goes back to the person's attachment before it. A repeated key returns the
        first receipt, so the outbox may retry after a lost answer."""
        body = {
            "iin": parse_iin(iin).value,
            "clinic_bin": parse_bin(clinic_bin).value,
            "application_number": application_number,
            "reason_code": reason_code,
        }
        answer = await self._call(
            "POST", c.ANNULMENTS, c.ANNULMENTS, body=body, idempotency_key=idempotency_key
        )
        replayed = answer.headers.get(c.REPLAYED, "").lower() == "true"
        return self._parse(answer, lambda d: parse_annulment_receipt(d, replayed))

    async def portal_list(self, status: str = "new") -> list[PortalApplicationItem]:
        """The portal's applications for this clinic in ``status`` (new ones by default)."""
        path = f"{c.PORTAL_APPLICATIONS}?status={status}"
        answer = await self._call("GET", path, c.PORTAL_APPLICATIONS)
        return self._parse(answer, parse_portal_list)

    async def portal_get(self, application_id: str) -> PortalApplication:
        """One portal application with its signed payload and documents."""
        path = c.PORTAL_APPLICATION.format(id=_path_id(application_id))
        answer = await self._call(
            "GET",
            path,
            c.PORTAL_APPLICATION,
            not_found="registry.application_not_found",
            max_body=max(self.max_body, MAX_PORTAL_BODY),
        )
        return self._parse(answer, lambda d: parse_portal_application(d, application_id))

    async def portal_result(
        self,
        application_id: str,
        outcome: PortalOutcome,
        *,
        idempotency_key: str,
        application_number: str | None = None,
        reason_code: str | None = None,
        reason_text: str | None = None,
        talon: bytes | None = None,
        talon_signature: bytes | None = None,
    ) -> PortalResultReceipt:
        """Post the result of a portal application: registered (with the signed talon) or refused.

        ``talon`` is the electronic talon's bytes and ``talon_signature`` the employee's detached
        CMS signature over them; a refusal carries ``reason_code`` and ``reason_text``.
        """
        import base64

        if outcome == "registered" and not (application_number and talon and talon_signature):
            raise ValueError("a registered result needs the number, the talon and its signature")
        if outcome == "refused" and not reason_code:
            raise ValueError("a refused result needs a reason code")
        body: dict[str, Any] = {"outcome": outcome}
        if application_number is not None:
            body["application_number"] = application_number
        if reason_code is not None:
            body["reason_code"] = reason_code
            body["reason_text"] = reason_text or ""
        if talon is not None:
            body["talon"] = base64.b64encode(talon).decode("ascii")
        if talon_signature is not None:
            body["talon_signature"] = base64.b64encode(talon_signature).decode("ascii")
        path = c.PORTAL_RESULT.format(id=_path_id(application_id))
        answer = await self._call(
            "POST",
            path,
            c.PORTAL_RESULT,
            body=body,
            idempotency_key=idempotency_key,
            not_found="registry.application_not_found",
        )
        replayed = answer.headers.get(c.REPLAYED, "").lower() == "true"
        return self._parse(answer, lambda d: parse_portal_receipt(d, replayed))

    async def health(self) -> Health:
        """The service's health; needs valid credentials, so it checks them too."""
        answer = await self._call("GET", c.HEALTH, c.HEALTH)
        return self._parse(answer, parse_health)

    # -- the machinery -------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        label: str,
        *,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        not_found: str = "registry.not_found",
        max_body: int | None = None,
    ) -> _Answer:
        """One request with its retries, returning a 2xx answer or raising an outcome."""
        if method != "GET" and not idempotency_key:
            raise ValueError("a POST to the registry needs an idempotency key")
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        attempts = 1 + max(0, self.settings.retries)
        limit = max_body or self.max_body
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.settings.deadline
        for attempt in range(attempts):
            request_id = uuid.uuid4().hex
            headers = {c.REQUEST_ID: request_id}
            if idempotency_key:
                headers[c.IDEMPOTENCY_KEY] = idempotency_key
            if content is not None:
                headers["Content-Type"] = c.JSON
            delay: float | None = None
            deadline = asyncio.timeout_at(ends)
            try:
                async with deadline:
                    answer = await self._once(method, path, headers, content, limit, request_id)
            except TimeoutError:
                log.info("registry %s %s: past the deadline (%s)", method, label, request_id)
                failure = Unavailable("registry.unavailable_timeout", request_id=request_id)
                if deadline.expired():
                    raise failure from None
            except (httpx.TransportError, ssl.SSLError) as exc:
                # httpcore lets an SSLError raised while reading (a TLS 1.3 alert such as
                # "certificate required") escape unwrapped, so it is caught here too.
                refusal = tls_refusal(
                    exc,
                    host=self._host,
                    client_cert=bool(self.settings.client_cert),
                    request_id=request_id,
                )
                if refusal is not None:
                    log.warning(
                        "registry %s %s: TLS failure %s (%s)", method, label, refusal.key, exc
                    )
                    raise refusal from None
                log.info("registry %s %s: %s (%s)", method, label, type(exc).__name__, request_id)
                if isinstance(exc, httpx.TimeoutException):
                    failure = Unavailable("registry.unavailable_timeout", request_id=request_id)
                elif _refused_connection(exc):
                    failure = Unavailable(
                        "registry.unavailable_refused", request_id=request_id, url=self._base_url
                    )
                else:
                    failure = Unavailable("registry.unavailable", request_id=request_id)
            else:
                if answer.status not in c.RETRYABLE_STATUSES:
                    return self._check(answer, not_found, label)
                wait = _retry_after(answer.headers)
                log.info("registry %s %s: %d (%s)", method, label, answer.status, request_id)
                failure = Unavailable(
                    "registry.unavailable_busy" if wait else "registry.unavailable",
                    request_id=answer.request_id,
                    retry_after=wait,
                    seconds=round(wait or 0),
                )
                if wait is not None and wait > self.backoff.retry_after_cap:
                    raise failure
                delay = wait
            if attempt + 1 >= attempts:
                raise failure
            pause = self.backoff.delay(attempt) if delay is None else delay
            if loop.time() + pause >= ends:
                raise failure  # no time left for another attempt: say why the last one failed
            await asyncio.sleep(pause)
        raise AssertionError("the loop returns or raises")

    async def _once(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        content: bytes | None,
        limit: int,
        request_id: str,
    ) -> _Answer:
        async with self._http.stream(method, path, headers=headers, content=content) as response:
            answered_id = response.headers.get(c.REQUEST_ID) or request_id
            length = response.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise _too_large(f"body of {length} bytes is over the limit", answered_id, limit)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_large("body over the size limit", answered_id, limit)
                chunks.append(chunk)
            return _Answer(response.status_code, response.headers, b"".join(chunks), answered_id)

    def _check(self, answer: _Answer, not_found: str, label: str) -> _Answer:
        status = answer.status
        if status in (200, 201):
            return answer
        code = _error_code(answer)
        rid = answer.request_id
        if status == 404:
            # A 404 without the contract's error body is a wrong URL or a proxy's page, not
            # "no data": refusing an applicant on it would be wrong.
            if code != c.E_NOT_FOUND:
                url = self._base_url + label
                log.warning("registry bad answer (%s): 404 without not_found from %s", rid, url)
                raise BadAnswer(
                    "404 without the contract's not_found error",
                    request_id=rid,
                    key="registry.bad_answer_no_route",
                    url=url,
                )
            raise NotFound(not_found, request_id=rid)
        if status == 401:
            raise Refused("registry.refused_credentials", request_id=rid, status=401, code=code)
        if status == 403:
            raise Refused("registry.refused_permission", request_id=rid, status=403, code=code)
        if 400 <= status < 500:
            raise Refused("registry.refused_request", request_id=rid, status=status, code=code)
        if status >= 500:
            raise Unavailable("registry.unavailable", request_id=rid)
        raise _bad(f"unexpected status {status}", rid)

    def _parse(self, answer: _Answer, parser: Callable[[object], T]) -> T:
        data = _json(answer)
        try:
            return parser(data)
        except ContractError as exc:
            raise _bad(str(exc), answer.request_id) from None


def _path_id(application_id: str) -> str:
    if not application_id or not all(ch.isalnum() or ch in "-_" for ch in application_id):
        raise ValueError("an application id is letters, digits, dashes and underscores")
    return application_id


def _bad(detail: str, request_id: str) -> BadAnswer:
    log.warning("registry bad answer (%s): %s", request_id, detail)
    return BadAnswer(detail, request_id=request_id)


def _too_large(detail: str, request_id: str, limit: int) -> TooLarge:
    log.warning("registry bad answer (%s): %s", request_id, detail)
    return TooLarge(detail, request_id=request_id, limit_mb=f"{limit / (1 << 20):g}")


def _json(answer: _Answer) -> object:
    kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != c.JSON:
        raise _bad(f"content type {kind or 'none'} instead of JSON", answer.request_id)
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):
        raise _bad("body is not valid JSON", answer.request_id) from None


def _error_code(answer: _Answer) -> str:
    try:
        data = json.loads(answer.body)
        code = data["error"]["code"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return ""
    return code if isinstance(code, str) and len(code) <= 64 else ""


class SyncRegistryClient:
    """``RegistryClient`` for code without an event loop (the CLI): the same calls, blocking.

    Ctrl+C during a call cancels it (the connection is closed) and raises KeyboardInterrupt.
    """

    def __init__(self, settings: Registry, **options: Any) -> None:
        self._runner = asyncio.Runner()
        self._settings = settings
        self._options = options
        self._client: RegistryClient | None = None

    def run(self, call: Callable[[RegistryClient], Awaitable[T]]) -> T:
        """Run ``call(async_client)`` to completion, e.g. several requests with asyncio.gather."""
        client = self._client
        if client is None:
            client = self._client = RegistryClient(self._settings, **self._options)

        async def main() -> T:
            return await call(client)

        return self._runner.run(main())

    def person(self, iin: str) -> Person:
        return self.run(lambda cl: cl.person(iin))

    def attachment(self, iin: str) -> Attachment | None:
        return self.run(lambda cl: cl.attachment(iin))

    def organisation(self, bin: str) -> Organisation:
        return self.run(lambda cl: cl.organisation(bin))

    def record_attachment(
        self,
        iin: str,
        clinic_bin: str,
        district: int,
        basis: str,
        effective_date: date,
        idempotency_key: str,
    ) -> AttachmentReceipt:
        return self.run(
            lambda cl: cl.record_attachment(
                iin, clinic_bin, district, basis, effective_date, idempotency_key
            )
        )

    def annul_attachment(
        self,
        iin: str,
        clinic_bin: str,
        application_number: str,
        reason_code: str,
        idempotency_key: str,
    ) -> AnnulmentReceipt:
        return self.run(
            lambda cl: cl.annul_attachment(
                iin, clinic_bin, application_number, reason_code, idempotency_key
            )
        )

    def portal_list(self, status: str = "new") -> list[PortalApplicationItem]:
        return self.run(lambda cl: cl.portal_list(status))

    def portal_get(self, application_id: str) -> PortalApplication:
        return self.run(lambda cl: cl.portal_get(application_id))

    def portal_result(
        self, application_id: str, outcome: PortalOutcome, **options: Any
    ) -> PortalResultReceipt:
        return self.run(lambda cl: cl.portal_result(application_id, outcome, **options))

    def health(self) -> Health:
        return self.run(lambda cl: cl.health())

    def close(self) -> None:
        """Close the connections and the private event loop."""
        if self._client is not None:
            client = self._client
            self._client = None
            self._runner.run(client.aclose())
        self._runner.close()

    def __enter__(self) -> SyncRegistryClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["MAX_BODY", "Backoff", "RegistryClient", "SyncRegistryClient"]
