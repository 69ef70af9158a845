"""An employee's NCA RK key store (.p12), opened with its password.

The password is used and dropped: it is never stored, logged, or put into an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto.pkcs12 import Pfx
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from regdesk.signing import p12
from regdesk.signing.certinfo import CertInfo
from regdesk.signing.errors import (
    FileUnreadable,
    GostKey,
    NoPrivateKey,
    NotAKeyStore,
    UnsupportedKey,
    WrongPassword,
)


@dataclass(frozen=True)
class KeyStore:
    """The private key, its certificate and what the certificate says about its owner."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    """Other certificates in the store (NCA's usually has none)."""
    info: CertInfo
    name: str = ""
    """The file's name, for messages."""


def open_key_store(path: Path, password: str) -> KeyStore:
    """Open the key store at ``path``; a KeyStoreError subclass says what is wrong."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileUnreadable(file=str(path), reason=exc.strerror or type(exc).__name__) from None
    return load_key_store(data, password, name=Path(path).name)


def load_key_store(data: bytes, password: str, *, name: str = "") -> KeyStore:
    """Open a key store from its bytes (see ``open_key_store``)."""
    pfx = p12.parse(data, name)
    if p12.verify_mac(pfx, password) is False:
        raise WrongPassword(file=name)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode("utf-8") or None)
    except (ValueError, UnsupportedAlgorithm):
        # OpenSSL gives one answer for a wrong password, an unknown key and damage: find out.
        raise _diagnose(pfx, password, name) from None
    if key is None:
        raise NoPrivateKey(file=name)
    if cert is None:
        raise NoPrivateKey(file=name)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UnsupportedKey(file=name, algorithm=type(key).__name__.lstrip("_"))
    return KeyStore(
        private_key=key,
        certificate=cert,
        chain=tuple(extra),
        info=CertInfo.from_certificate(cert),
        name=name,
    )


def _diagnose(pfx: Pfx, password: str, name: str) -> Exception:
    contents = p12.read_contents(pfx, password, name)
    gost = [oid for oid in contents.key_algorithms if p12.is_gost(oid)]
    if gost:
        return GostKey(file=name, algorithm=gost[0])
    if contents.key_algorithms:
        return UnsupportedKey(file=name, algorithm=contents.key_algorithms[0])
    if contents.bad_decryptions:
        return WrongPassword(file=name)
    if contents.unread_keys:
        return UnsupportedKey(file=name, algorithm="?")
    if p12.verify_mac(pfx, password) is True:
        return NoPrivateKey(file=name)
    return NotAKeyStore(file=name)
