"""What a certificate says about its owner, read the way NCA RK issues certificates.

NCA puts the IIN in SERIALNUMBER as ``IIN`` + 12 digits, a legal entity's BIN in OU as ``BIN`` +
12 digits, the surname in SURNAME, "SURNAME NAME" in CN, and the patronymic in GIVENNAME. The IIN
is taken as written: NCA's own test certificates carry IINs that fail the check digit, so nothing
here validates it as an IIN.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Purpose = Literal["signing", "authentication", "unknown"]

# NCA RK's role OIDs in the extended key usage (1.2.398.3.3.4.1.*).
ROLE_PREFIX: Final = "1.2.398.3.3.4."
ROLE_NAMES: Final[dict[str, str]] = {
    "1.2.398.3.3.4.1.1": "individual",
    "1.2.398.3.3.4.1.2": "employee",
    "1.2.398.3.3.4.1.2.1": "head",
    "1.2.398.3.3.4.1.2.2": "may_sign",
    "1.2.398.3.3.4.1.2.3": "financial",
    "1.2.398.3.3.4.1.2.4": "hr",
    "1.2.398.3.3.4.1.2.5": "staff",
    "1.2.398.3.3.4.1.2.6": "information_system",
}

_KEY_USAGE_FLAGS: Final = (
    ("digital_signature", "digital_signature"),
    ("non_repudiation", "content_commitment"),
    ("key_encipherment", "key_encipherment"),
    ("data_encipherment", "data_encipherment"),
    ("key_agreement", "key_agreement"),
    ("key_cert_sign", "key_cert_sign"),
    ("crl_sign", "crl_sign"),
)


@dataclass(frozen=True)
class CertInfo:
    """The owner, validity and purpose of one certificate, plus the certificate itself (DER)."""

    iin: str
    """From SERIALNUMBER without the ``IIN`` prefix; empty when absent. Not validated."""
    bin: str
    """From OU ``BIN…`` without the prefix; empty for an individual's certificate."""
    surname: str
    given_name: str
    patronymic: str
    common_name: str
    organisation: str
    role_oids: tuple[str, ...]
    """NCA role OIDs (1.2.398.3.3.4.…) from the extended key usage."""
    not_before: datetime
    not_after: datetime
    serial: str
    """The serial number in lower-case hex, as NCA's tools show it."""
    issuer: str
    """The issuer's name, RFC 4514."""
    subject: str
    key_usage: frozenset[str]
    """Key usage flags: digital_signature, non_repudiation, key_encipherment, …"""
    ext_key_usage: tuple[str, ...]
    """Extended key usage OIDs, role OIDs included."""
    purpose: Purpose
    email: str = ""
    key_algorithm: str = ""
    """``RSA-2048`` and the like; the OID when the algorithm is unknown to cryptography."""
    der: bytes = field(default=b"", repr=False)
    """The certificate in DER, so that a CertInfo alone can be checked against a CA."""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate, hex."""
        return hashlib.sha256(self.der).hexdigest()

    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @classmethod
    def from_certificate(cls, cert: x509.Certificate) -> CertInfo:
        """Read ``cert`` as NCA issues it."""
        from cryptography.hazmat.primitives.serialization import Encoding

        subject = cert.subject
        serialnumber = _first(subject, NameOID.SERIAL_NUMBER)
        iin = serialnumber[3:] if serialnumber.upper().startswith("IIN") else ""
        bin_ = ""
        for ou in _all(subject, NameOID.ORGANIZATIONAL_UNIT_NAME):
            if ou.upper().startswith("BIN"):
                bin_ = ou[3:]
                break
        cn = _first(subject, NameOID.COMMON_NAME)
        surname, given = _names(_first(subject, NameOID.SURNAME), cn)
        key_usage = _key_usage(cert)
        ekus = _ext_key_usage(cert)
        return cls(
            iin=iin,
            bin=bin_,
            surname=surname,
            given_name=given,
            patronymic=_first(subject, NameOID.GIVEN_NAME),
            common_name=cn,
            organisation=_first(subject, NameOID.ORGANIZATION_NAME),
            role_oids=tuple(o for o in ekus if o.startswith(ROLE_PREFIX)),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            serial=format(cert.serial_number, "x"),
            issuer=cert.issuer.rfc4514_string(),
            subject=subject.rfc4514_string(),
            key_usage=key_usage,
            ext_key_usage=ekus,
            purpose=_purpose(key_usage, ekus),
            email=_first(subject, NameOID.EMAIL_ADDRESS),
            key_algorithm=_key_algorithm(cert),
            der=cert.public_bytes(Encoding.DER),
        )


def _all(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = _all(name, oid)
    return values[0].strip() if values else ""


def _names(surname: str, cn: str) -> tuple[str, str]:
    """Surname and given name: CN is "SURNAME NAME"; SURNAME, when present, wins."""
    words = cn.split()
    if not surname:
        return (words[0] if words else ""), " ".join(words[1:])
    rest = list(words)
    for i, word in enumerate(rest):
        if word.casefold() == surname.casefold():
            del rest[i]
            break
    return surname, " ".join(rest)


def _key_usage(cert: x509.Certificate) -> frozenset[str]:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return frozenset()
    flags = {name for name, attr in _KEY_USAGE_FLAGS if getattr(ku, attr)}
    if ku.key_agreement:
        # encipher_only / decipher_only are defined only together with key_agreement.
        flags |= {n for n in ("encipher_only", "decipher_only") if getattr(ku, n)}
    return frozenset(flags)


def _ext_key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(oid.dotted_string for oid in eku)


def _purpose(key_usage: frozenset[str], ekus: tuple[str, ...]) -> Purpose:
    # NCA signing keys carry nonRepudiation (and emailProtection); authentication keys carry
    # clientAuth and keyEncipherment without nonRepudiation.
    if "non_repudiation" in key_usage and ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string not in ekus:
        return "signing"
    if ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string in ekus or "key_encipherment" in key_usage:
        return "authentication"
    return "unknown"


def _key_algorithm(cert: x509.Certificate) -> str:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return cert.public_key_algorithm_oid.dotted_string
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    return type(key).__name__.removeprefix("_").removesuffix("PublicKey")
