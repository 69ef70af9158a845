"""The QR payload of a talon or a refusal notice: compact, checkable, with no IIN in clear.

A payload reads ``RD1/T/CLINIC-2026-000001/123456789012/20261125/<digest>``:

- ``RD1`` the format and its version;
- ``T`` (talon), ``R`` (refusal notice) or ``A`` (notice of an annulled registration);
- the application number, or for a refusal before registration its refusal reference
  (CLINIC-2026-R000004, ``documents.refusal_reference``);
- the clinic's BIN and the document's date (registration date of a talon, refusal date);
- a digest: the first 16 bytes, base32 without padding, of SHA-256 over the canonical fields below.

The digest binds the paper to the journal's record. It covers the fields above and what the QR
does not show: the IIN, the attachment's district and effective date (talon) or the refusal code
(notice), and the SHA-256 of the signed content of the application's EDS signature when there is
one. Whoever holds the journal recomputes it from the record and compares. Whoever holds only the
QR learns the number, BIN and date; the IIN cannot be searched for by trying candidate IINs against
the digest, because it is mixed with the signature's hash (256 bits they do not know). A refusal
before registration has no signature, so there the IIN of someone already suspected could be
confirmed that way; that notice carries the IIN printed in clear beside the QR anyway.

The separators and the alphabet (upper-case letters, digits, ``/`` and ``-``) keep the payload in
the QR alphanumeric mode, so the code stays small on a 58 mm receipt.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from regdesk.core.errors import UserError

if TYPE_CHECKING:
    from regdesk.printing.documents import Document

VERSION = "RD1"
SEPARATOR = "/"
DIGEST_BYTES = 16

DocKind = Literal["talon", "refusal", "annulment"]
_KIND_CODE: dict[str, str] = {"talon": "T", "refusal": "R", "annulment": "A"}
_CODE_KIND: dict[str, DocKind] = {"T": "talon", "R": "refusal", "A": "annulment"}

# Finds a payload inside other text (PDF metadata, extracted page text, a scanner's output).
PAYLOAD_RE = re.compile(r"RD1/[TRA]/[A-Za-z0-9-]{1,40}/\d{12}/\d{8}/[A-Z2-7]{26}")


class PayloadError(UserError):
    """The text is not a regdesk QR payload."""

    key = "printing.payload_invalid"


@dataclass(frozen=True)
class DigestFields:
    """What the digest covers; built from a document when printing, from the journal to check."""

    kind: DocKind
    reference: str
    """The application number, or the refusal reference of a refusal before registration."""
    clinic_bin: str
    date: dt.date
    iin: str
    signature_sha256: str = ""
    """Hex SHA-256 of the signed content of the application's signature; empty when unsigned."""
    district: int | None = None
    """Talon: the district number, when one was assigned."""
    effective_date: dt.date | None = None
    """Talon: the day the attachment takes effect."""
    reason_code: str = ""
    """Refusal, annulment: the reason code."""

    def canonical(self) -> bytes:
        """The bytes the digest is computed over: one field a line, in a fixed order."""
        parts = (
            VERSION,
            _KIND_CODE[self.kind],
            self.reference,
            self.clinic_bin,
            self.date.isoformat(),
            self.iin,
            self.signature_sha256.lower(),
            "" if self.district is None else str(self.district),
            self.effective_date.isoformat() if self.effective_date else "",
            self.reason_code,
        )
        return "\n".join(parts).encode("utf-8")


@dataclass(frozen=True)
class Payload:
    """A parsed QR payload."""

    kind: DocKind
    reference: str
    clinic_bin: str
    date: dt.date
    digest: str

    def text(self) -> str:
        return SEPARATOR.join(
            (
                VERSION,
                _KIND_CODE[self.kind],
                self.reference,
                self.clinic_bin,
                self.date.strftime("%Y%m%d"),
                self.digest,
            )
        )


def digest(fields: DigestFields) -> str:
    """The digest of ``fields``: 16 bytes of SHA-256, base32 (26 characters, no padding)."""
    raw = hashlib.sha256(fields.canonical()).digest()[:DIGEST_BYTES]
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def payload_from_fields(fields: DigestFields) -> Payload:
    return Payload(fields.kind, fields.reference, fields.clinic_bin, fields.date, digest(fields))


def payload_for(doc: Document) -> str:
    """The payload text of a talon or refusal notice."""
    from regdesk.printing.documents import digest_fields

    return payload_from_fields(digest_fields(doc)).text()


def parse_payload(text: str) -> Payload:
    """The payload in ``text`` (surrounding text and line breaks inside it are ignored).

    PayloadError when there is none.
    """
    found = PAYLOAD_RE.search(text)
    if found is None:
        # A receipt wraps the payload over lines; it has no spaces, so joining them is safe.
        found = PAYLOAD_RE.search("".join(text.split()))
    if found is None:
        raise PayloadError()
    _, kind, reference, bin_, day, dig = found.group(0).split(SEPARATOR)
    try:
        when = dt.date(int(day[:4]), int(day[4:6]), int(day[6:8]))
    except ValueError:
        raise PayloadError() from None
    return Payload(_CODE_KIND[kind], reference, bin_, when, dig)


def mismatches(payload: Payload, fields: DigestFields) -> tuple[str, ...]:
    """The names of what differs between ``payload`` and the journal's ``fields``.

    ``kind``, ``number``, ``bin`` and ``date`` are compared as printed; ``digest`` means that
    something the QR does not show (the IIN, the district, the signature...) differs.
    """
    bad: list[str] = []
    if payload.kind != fields.kind:
        bad.append("kind")
    if payload.reference != fields.reference:
        bad.append("number")
    if payload.clinic_bin != fields.clinic_bin:
        bad.append("bin")
    if payload.date != fields.date:
        bad.append("date")
    if not hmac.compare_digest(payload.digest, digest(fields)):
        bad.append("digest")
    return tuple(bad)


def verify_payload(payload: Payload, fields: DigestFields) -> bool:
    """True when the payload is the one the journal's ``fields`` give."""
    return not mismatches(payload, fields)
