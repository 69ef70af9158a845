"""An employee's NCA RK key store (.p12), opened with its password.

The password is used and dropped: it is never stored, logged, or put into an error.
"""

from __future__ import annotations

import errno
import os
import stat
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
    IsDevice,
    IsFolder,
    IsPipe,
    NoPrivateKey,
    NotAKeyStore,
    TooLarge,
    UnsupportedKey,
    WrongPassword,
)

MAX_KEY_STORE_BYTES = 1024 * 1024
"""NCA RK's key stores are 3-7 KB (a key and one or two certificates); a megabyte leaves room
for any store with a long chain, and keeps a wrong choice (a disk image, a video) out of memory."""


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
    data = read_key_file(Path(path))
    return load_key_store(data, password, name=Path(path).name)


def read_key_file(path: Path) -> bytes:
    """The bytes of the key store file at ``path``, refusing anything but a small regular file.

    A FIFO would block the open and the read for ever, a link to /dev/zero never ends, and a huge
    file would be read whole: the file is opened without blocking and judged by ``fstat`` (of
    what was opened, not of a name that could change between a check and the open).
    """
    file = str(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise IsPipe(file=file) from None
        if exc.errno == errno.EISDIR:
            raise IsFolder(file=file) from None
        raise FileUnreadable(file=file, reason=exc.strerror or type(exc).__name__) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsFolder(file=file)
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            raise IsPipe(file=file)
        if not stat.S_ISREG(mode):
            raise IsDevice(file=file)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_KEY_STORE_BYTES:  # the size may change after fstat: count what is read
            chunk = os.read(fd, 64 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_KEY_STORE_BYTES:
            total = max(size, os.fstat(fd).st_size)
            raise TooLarge(file=file, size_mb=_mb(total), max_mb=_mb(MAX_KEY_STORE_BYTES))
        return b"".join(chunks)
    except OSError as exc:
        raise FileUnreadable(file=file, reason=exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def load_key_store(data: bytes, password: str, *, name: str = "") -> KeyStore:
    """Open a key store from its bytes (see ``open_key_store``)."""
    pfx = p12.parse(data, name)
    p12.check_work(pfx, name)  # before any derivation runs
    if p12.verify_mac(pfx, password, name) is False:
        raise WrongPassword(file=name)
    p12.check_work(pfx, name, password)  # key bags inside encrypted parts too, before OpenSSL
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
    if p12.verify_mac(pfx, password, name) is True:
        return NoPrivateKey(file=name)
    return NotAKeyStore(file=name)
