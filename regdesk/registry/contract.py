"""Names the client and the simulator share: paths, headers, error codes (docs/registry-api.md)."""

from __future__ import annotations

from typing import Final

API: Final = "/v1"
"""The prefix of every path of this version of the contract."""

PERSON: Final = API + "/persons/{iin}"
PERSON_ATTACHMENT: Final = API + "/persons/{iin}/attachment"
ORGANISATION: Final = API + "/organisations/{bin}"
ATTACHMENTS: Final = API + "/attachments"
ANNULMENTS: Final = API + "/attachments/annulments"
"""An attachment this clinic recorded by mistake, annulled (issue 11)."""
PORTAL_APPLICATIONS: Final = API + "/portal/applications"
PORTAL_APPLICATION: Final = API + "/portal/applications/{id}"
PORTAL_RESULT: Final = API + "/portal/applications/{id}/result"
HEALTH: Final = API + "/health"

REQUEST_ID: Final = "X-Request-Id"
"""Sent by the client with a fresh id per attempt; echoed (or assigned) by the service."""
IDEMPOTENCY_KEY: Final = "Idempotency-Key"
"""Required on every POST; a repeat with the same key gets the first result back."""
REPLAYED: Final = "Idempotent-Replayed"
"""Set to "true" on an answer that repeats the stored result of an earlier request."""

JSON: Final = "application/json"

RETRYABLE_STATUSES: Final = frozenset({429, 502, 503, 504})
"""Statuses after which a safe request may be repeated (the service is busy or a gateway failed)."""

# Error codes of the error body {"error": {"code": ..., "message": ...}, "request_id": ...}.
E_UNAUTHENTICATED: Final = "unauthenticated"
E_FORBIDDEN: Final = "forbidden"
E_NOT_FOUND: Final = "not_found"
E_INVALID_REQUEST: Final = "invalid_request"
E_IDEMPOTENCY_KEY_REQUIRED: Final = "idempotency_key_required"
E_IDEMPOTENCY_CONFLICT: Final = "idempotency_conflict"
E_PERSON_DECEASED: Final = "person_deceased"
E_ALREADY_DECIDED: Final = "already_decided"
E_NOT_ATTACHED_HERE: Final = "not_attached_here"
"""An annulment for a person whose current attachment is not to the asking clinic."""
E_TOO_MANY_REQUESTS: Final = "too_many_requests"
E_UNAVAILABLE: Final = "unavailable"
E_INTERNAL: Final = "internal"
