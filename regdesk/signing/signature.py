"""CMS (PKCS#7) SignedData: signing with an employee's key, and verifying any RSA signature,
ours or one made by NCA's Kalkan library.

Signatures are built and parsed with asn1crypto and computed and checked with cryptography's RSA
primitives. cryptography's own ``PKCS7SignatureBuilder`` always stamps the current clock as the
signing time and adds S/MIME capabilities; building the structure here lets the desk pass the
moment of signing (the same one it records in the journal) and keeps the output exactly the
RFC 5652 shape NCA's tools produce, and cryptography has no CMS verification at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from regdesk.core.clock import wall_utc
from regdesk.signing.certinfo import CertInfo
from regdesk.signing.errors import Problem, SignatureFormatError

if TYPE_CHECKING:
    from regdesk.signing.keystore import KeyStore
    from regdesk.signing.policy import SigningPolicy

_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha224": hashes.SHA224,
    "sha1": hashes.SHA1,
}


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of ``verify``: valid only when no problem is blocking."""

    valid: bool
    signer: CertInfo
    signing_time: datetime | None
    """The signer's claimed signing time (not a trusted time stamp)."""
    problems: list[Problem] = field(default_factory=list)
    content: bytes | None = field(default=None, repr=False)
    """The signed content when the CMS carries it (attached), else None."""


def sign(key_store: KeyStore, content: bytes, *, signing_time: datetime) -> bytes:
    """A detached CMS SignedData (DER) over ``content``: SHA-256, RSA PKCS#1 v1.5, with the
    contentType, signingTime and messageDigest signed attributes and the signer's certificate.

    ``signing_time`` must be timezone-aware; it is written to the second. The policy is not
    checked here: the caller checks it first (``SigningPolicy.check``).
    """
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    moment = signing_time.astimezone(UTC).replace(microsecond=0)
    # RFC 5652 11.3: UTCTime for 1950-2049, GeneralizedTime otherwise.
    time_value = (
        cms.Time({"utc_time": moment})
        if 1950 <= moment.year < 2050
        else cms.Time({"general_time": moment})
    )
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [time_value]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(content).digest()]}),
    ]
    # DER orders a SET OF by encoding; verifiers (OpenSSL) re-encode the set before checking.
    signed_attrs = cms.CMSAttributes(sorted(attributes, key=lambda a: a.dump()))
    signature = key_store.private_key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
    cert = _asn1_cert(key_store.certificate)
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": cert.issuer, "serial_number": cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cert, *(_asn1_cert(c) for c in key_store.chain)],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def read_cms(data: bytes) -> bytes:
    """DER from a CMS given as DER, PEM, or bare base64 (Kalkan's .cms files)."""
    stripped = data.strip()
    if stripped[:1] == b"\x30":
        return data
    if stripped.startswith(b"-----BEGIN"):
        lines = [ln for ln in stripped.splitlines() if not ln.startswith(b"-----")]
        stripped = b"".join(lines)
    try:
        return base64.b64decode(b"".join(stripped.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureFormatError() from None


def verify(
    cms_bytes: bytes,
    content: bytes | None = None,
    *,
    policy: SigningPolicy | None = None,
    employee_iin: str | None = None,
    at: datetime | None = None,
    use_ocsp: bool = True,
) -> VerifyResult:
    """Check a CMS SignedData: the signature value over the signed attributes, the message
    digest against the content (``content`` for a detached signature, else the attached one),
    and the signer's certificate under ``policy`` as of the signing time.

    Without a policy only the certificate's validity and purpose are checked, with a warning
    that no trusted CA was given. ``at`` is the moment used when the CMS has no signing time
    (default: now). ``use_ocsp`` False skips the OCSP request (e.g. when redisplaying old
    records). A CMS that cannot be read at all raises SignatureFormatError.
    """
    from regdesk.signing.policy import SigningPolicy

    der = read_cms(cms_bytes)
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise SignatureFormatError()
        signed_data = info["content"]
        encap = signed_data["encap_content_info"]
        attached = encap["content"].native if encap["content"] else None
        certs = [
            x509.load_der_x509_certificate(c.chosen.dump())
            for c in (signed_data["certificates"] or [])
            if c.name == "certificate"
        ]
        signer_infos = list(signed_data["signer_infos"])
    except (ValueError, TypeError, KeyError):
        raise SignatureFormatError() from None
    if len(signer_infos) != 1:
        raise SignatureFormatError("signing.verify.signer_count", count=len(signer_infos))
    signer_info = signer_infos[0]
    cert = _find_signer(signer_info, certs)
    data = content if content is not None else attached
    if data is None:
        raise SignatureFormatError("signing.verify.no_content")
    if not isinstance(data, bytes):
        raise SignatureFormatError()
    problems, signing_time = _check_signer_info(
        signer_info, cert, data, encap["content_type"].dotted
    )
    moment = signing_time or at or wall_utc()
    chosen = policy or SigningPolicy.basic()
    others = [c for c in certs if c != cert]
    problems.extend(
        chosen.check(
            cert, employee_iin=employee_iin, now=moment, intermediates=others, use_ocsp=use_ocsp
        )
    )
    return VerifyResult(
        valid=not any(p.blocking for p in problems),
        signer=CertInfo.from_certificate(cert),
        signing_time=signing_time,
        problems=problems,
        content=attached if isinstance(attached, bytes) else None,
    )


def _check_signer_info(
    signer_info: cms.SignerInfo, cert: x509.Certificate, data: bytes, content_type: str
) -> tuple[list[Problem], datetime | None]:
    problems: list[Problem] = []
    try:
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        hash_cls = _HASHES[digest_name]
    except KeyError:
        raise SignatureFormatError(
            "signing.verify.unsupported_algorithm",
            algorithm=signer_info["digest_algorithm"]["algorithm"].dotted,
        ) from None
    try:
        sig_algo = signer_info["signature_algorithm"].signature_algo
    except ValueError:
        sig_algo = ""
    if sig_algo != "rsassa_pkcs1v15":
        raise SignatureFormatError(
            "signing.verify.unsupported_algorithm",
            algorithm=signer_info["signature_algorithm"]["algorithm"].dotted,
        )
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureFormatError(
            "signing.verify.unsupported_algorithm",
            algorithm=cert.public_key_algorithm_oid.dotted_string,
        )
    signed_attrs = signer_info["signed_attrs"]
    signing_time: datetime | None = None
    if signed_attrs.native is None:
        to_verify = data  # no signed attributes: the signature is over the content itself
    else:
        values: dict[str, object] = {}
        for attr in signed_attrs:
            kind = attr["type"].native
            if attr["values"] and kind in {"message_digest", "content_type", "signing_time"}:
                values[kind] = attr["values"][0].native
        digest = hashlib.new(digest_name, data).digest()
        if values.get("message_digest") != digest:
            problems.append(Problem("signing.verify.digest_mismatch"))
        if "content_type" in values and signer_info["signed_attrs"] is not None:
            declared = next(
                a["values"][0].dotted for a in signed_attrs if a["type"].native == "content_type"
            )
            if declared != content_type:
                problems.append(Problem("signing.verify.content_type_mismatch"))
        when = values.get("signing_time")
        if isinstance(when, datetime):
            signing_time = when.astimezone(UTC)
        # The signature covers the attributes with the SET OF tag, not the [0] they are stored as.
        to_verify = signed_attrs.untag().dump()
    try:
        public_key.verify(
            signer_info["signature"].native, to_verify, padding.PKCS1v15(), hash_cls()
        )
    except InvalidSignature:
        problems.append(Problem("signing.verify.bad_signature"))
    return problems, signing_time


def _find_signer(signer_info: cms.SignerInfo, certs: list[x509.Certificate]) -> x509.Certificate:
    sid = signer_info["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.serial_number == wanted["serial_number"].native
                and _asn1_name(cert.issuer) == wanted["issuer"]
            ):
                return cert
        elif sid.name == "subject_key_identifier":
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return cert
    raise SignatureFormatError("signing.verify.signer_not_found")


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_name(name: x509.Name) -> asn1_x509.Name:
    return asn1_x509.Name.load(name.public_bytes())
