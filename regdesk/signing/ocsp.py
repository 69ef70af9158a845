"""Asking an OCSP responder (RFC 6960) whether a certificate is revoked, with a short timeout.

The request and the response are built and parsed with cryptography's ``x509.ocsp``; the answer
is trusted only when it is signed by the certificate's issuer or by a responder certificate that
the issuer gave the OCSP-signing purpose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from regdesk.core.clock import wall_utc

# A responder's clock may run a little ahead of ours.
_CLOCK_SKEW = timedelta(minutes=5)


class OcspUnavailable(Exception):
    """The responder could not be reached or did not answer in time."""


class OcspBadAnswer(Exception):
    """The responder answered, but not with a response we can trust for this certificate."""


@dataclass(frozen=True)
class OcspAnswer:
    status: Literal["good", "revoked", "unknown"]
    revocation_time: datetime | None = None
    reason: str = ""


def query(
    url: str,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    timeout: float,
    now: datetime | None = None,
) -> OcspAnswer:
    """The responder's answer about ``cert``; raises OcspUnavailable or OcspBadAnswer.

    The answer's freshness is judged at ``now`` (default: the machine's clock, as the answer
    has just been fetched).
    """
    import httpx

    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    try:
        reply = httpx.post(
            url,
            content=request.public_bytes(serialization.Encoding.DER),
            headers={"Content-Type": "application/ocsp-request"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise OcspUnavailable(type(exc).__name__) from None
    if reply.status_code != 200:
        raise OcspUnavailable(f"HTTP {reply.status_code}")
    try:
        response = ocsp.load_der_ocsp_response(reply.content)
    except ValueError:
        raise OcspBadAnswer("not an OCSP response") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspBadAnswer(response.response_status.name)
    if response.serial_number != cert.serial_number:
        raise OcspBadAnswer("the answer is about another certificate")
    _check_signature(response, issuer)
    now = now or wall_utc()
    if response.this_update_utc > now + _CLOCK_SKEW:
        raise OcspBadAnswer("the answer is from the future")
    if response.next_update_utc is not None and response.next_update_utc < now - _CLOCK_SKEW:
        raise OcspBadAnswer("the answer is out of date")
    status = response.certificate_status
    if status == ocsp.OCSPCertStatus.GOOD:
        return OcspAnswer("good")
    if status == ocsp.OCSPCertStatus.REVOKED:
        reason = response.revocation_reason
        return OcspAnswer(
            "revoked", response.revocation_time_utc, reason.value if reason is not None else ""
        )
    return OcspAnswer("unknown")


def _check_signature(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> None:
    signer = _responder(response, issuer)
    key = signer.public_key()
    hash_alg = response.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and hash_alg is not None:
            key.verify(
                response.signature, response.tbs_response_bytes, padding.PKCS1v15(), hash_alg
            )
        elif isinstance(key, ec.EllipticCurvePublicKey) and hash_alg is not None:
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(hash_alg))
        else:
            raise OcspBadAnswer("unsupported responder key")
    except InvalidSignature:
        raise OcspBadAnswer("bad signature") from None


def _responder(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate:
    if _names_responder(response, issuer):
        return issuer
    for candidate in response.certificates:
        if not _names_responder(response, candidate):
            continue
        try:
            candidate.verify_directly_issued_by(issuer)
            eku = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in eku:
            return candidate
    raise OcspBadAnswer("the responder is not authorised by the issuer")


def _names_responder(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return bool(response.responder_name == cert.subject)
    return hashlib.sha1(_key_bits(cert)).digest() == response.responder_key_hash


def _key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's contents, which the responder key hash is taken over."""
    from asn1crypto import keys

    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return bytes(keys.PublicKeyInfo.load(spki)["public_key"].contents[1:])
