"""The outcomes of a registry request that a person may see.

The desk explains every failure of the registry with one of five outcomes, each a
``UserError`` whose catalogue text says what happened and what to do next:

- ``NotFound``: the registry answered that it has no such person (organisation, application).
- ``Unavailable``: no usable answer came (network, timeout, 5xx, busy); trying again may help.
- ``Refused``: the registry would not serve this workstation or this request (credentials,
  permissions, TLS certificates, a request it rejects); trying again will not help.
- ``BadAnswer``: an answer came but is not what the contract promises; it carries the request id
  so that the administrator can find it in the integration service's log.
- ``NotConfigured``: this workstation's ``[registry]`` settings cannot be used (a certificate file
  named there is missing, unreadable or without its key); nothing was sent.

Every outcome carries the request id of the last attempt when there was one.
"""

from __future__ import annotations

from regdesk.core.errors import UserError


class RegistryError(UserError):
    """The base of the registry's outcomes; ``request_id`` names the request in logs."""

    key = "registry.unavailable"

    def __init__(
        self, key: str | None = None, /, *, request_id: str = "", **params: object
    ) -> None:
        super().__init__(key, **params)
        self.request_id = request_id


class NotFound(RegistryError):
    """The registry has no record for what was asked (HTTP 404)."""

    key = "registry.not_found"


class Unavailable(RegistryError):
    """No usable answer: connection failed, timed out, or the service said it is down or busy.

    ``retry_after`` is the number of seconds the service asked to wait, when it said so.
    """

    key = "registry.unavailable"

    def __init__(
        self,
        key: str | None = None,
        /,
        *,
        request_id: str = "",
        retry_after: float | None = None,
        **params: object,
    ) -> None:
        super().__init__(key, request_id=request_id, **params)
        self.retry_after = retry_after


class Refused(RegistryError):
    """The registry refused this workstation or this request (401, 403, 4xx, TLS failure).

    ``status`` is the HTTP status (0 for a TLS failure) and ``code`` the contract's error code.
    """

    key = "registry.refused_credentials"

    def __init__(
        self,
        key: str | None = None,
        /,
        *,
        request_id: str = "",
        status: int = 0,
        code: str = "",
        **params: object,
    ) -> None:
        # status and code are parameters of the texts too ("rejected the request ({code})").
        super().__init__(key, request_id=request_id, status=status, code=code or "-", **params)
        self.status = status
        self.code = code


class BadAnswer(RegistryError):
    """An answer that breaks the contract; ``detail`` says how (no personal data in it).

    ``key`` names a more precise text, e.g. a 404 from a path the service does not have.
    """

    key = "registry.bad_answer"

    def __init__(
        self, detail: str, *, request_id: str, key: str = "registry.bad_answer", **params: object
    ) -> None:
        super().__init__(key, request_id=request_id or "-", **params)
        self.params["request_id"] = self.request_id
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message('en')} [{self.detail}]"


class TooLarge(BadAnswer):
    """An answer over the size the client accepts (``limit_mb``), e.g. a portal application
    whose files are too big: refused unread, so a huge answer cannot exhaust the memory."""

    def __init__(self, detail: str, *, request_id: str, limit_mb: str) -> None:
        super().__init__(
            detail, request_id=request_id, key="registry.bad_answer_too_large", limit_mb=limit_mb
        )


class NotConfigured(RegistryError):
    """The ``[registry]`` settings name a file that cannot be used; ``setting`` and ``path`` say
    which (nothing was sent)."""

    key = "registry.setting_file_missing"


__all__ = [
    "BadAnswer",
    "NotConfigured",
    "NotFound",
    "Refused",
    "RegistryError",
    "TooLarge",
    "Unavailable",
]
