"""Just enough of PKCS#12 (RFC 7292) to tell a wrong password from a key we cannot use.

cryptography (OpenSSL) answers "invalid password or PKCS12 data" both for a wrong password and for
a key store whose key it does not know, such as NCA's GOST keys. A receptionist told "wrong
password" about a GOST key would retype the right password forever, so this module checks the
container's MAC itself (a MAC that verifies proves the password) and decrypts the key bags far
enough to read the key's algorithm OID. Parsing is asn1crypto's; the KDF, HMAC and ciphers are
hashlib's and cryptography's primitives.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import ClassVar, Final

from asn1crypto import algos, core, pkcs12
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import (
    BlockCipherAlgorithm,
    Cipher,
    algorithms,
    modes,
)

from regdesk.signing.errors import NotAKeyStore, TooMuchWork

# GOST 34.310-2004 and GOST 2015 keys of NCA RK, and Russian GOST R 34.10 keys.
GOST_OID_PREFIXES: Final = ("1.2.398.3.10.", "1.2.643.")

# A key store states how many rounds its key derivations take (for the MAC and for each encrypted
# part), and opening it runs them: 2**31-1 ran for minutes. NCA RK's stores and OpenSSL's default
# state 2048, Windows 2000, Java's keytool 10,000; OWASP's figure for PBKDF2-SHA256 password
# storage is 600,000. A million per derivation accepts all of them with room to spare, and costs
# about a second (the PKCS#12 KDF below is a Python loop, and each password form runs it once).
MAX_ITERATIONS: Final = 1_000_000
# A store has a MAC and usually two encrypted parts (certificates, key); the whole store may ask
# for four derivations at the cap, so a file of many parts cannot add up to minutes either.
MAX_TOTAL_ITERATIONS: Final = 4 * MAX_ITERATIONS

_MAC_ID: Final = 3
_KEY_ID: Final = 1
_IV_ID: Final = 2


class _AlgorithmIdentifier(core.Sequence):
    _fields: ClassVar = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class _PrivateKeyInfoHead(core.Sequence):
    """PKCS#8 PrivateKeyInfo read without asn1crypto's per-algorithm parsing, which fails on
    algorithms it does not know (GOST): only the algorithm OID is needed here."""

    _fields: ClassVar = [
        ("version", core.Integer),
        ("private_key_algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
    ]


def _key_oid(der: bytes) -> str:
    return str(_PrivateKeyInfoHead.load(der)["private_key_algorithm"]["algorithm"].dotted)


class _Undecryptable(Exception):
    """A bag encrypted with a cipher we do not implement (RC2-40, RC4)."""


class _BadDecryption(Exception):
    """Decryption produced garbage: the password (or the data) is wrong."""


@dataclass(frozen=True)
class Contents:
    """What the decryptable part of a key store holds."""

    key_algorithms: tuple[str, ...]
    """Algorithm OIDs of the private keys that could be read."""
    unread_keys: int
    """Private key bags encrypted with a cipher this module does not implement."""
    bad_decryptions: int
    """Bags whose decryption failed its padding check: a wrong password or damage."""

    @property
    def gost(self) -> bool:
        return any(oid.startswith(GOST_OID_PREFIXES) for oid in self.key_algorithms)


def is_gost(oid: str) -> bool:
    return oid.startswith(GOST_OID_PREFIXES)


def parse(data: bytes, name: str = "") -> pkcs12.Pfx:
    """The PFX structure of ``data``; NotAKeyStore when it is not one."""
    try:
        pfx = pkcs12.Pfx.load(data, strict=False)
        if pfx["version"].native != "v3" or pfx["auth_safe"]["content_type"].native != "data":
            raise ValueError("not a password-integrity PFX")
        _ = pfx["auth_safe"]["content"].native
        _ = pfx["mac_data"].native
    except (ValueError, TypeError, KeyError):
        raise NotAKeyStore(file=name) from None
    return pfx


def check_work(pfx: pkcs12.Pfx, name: str = "", password: str | None = None) -> int:
    """The key-derivation rounds opening ``pfx`` takes; TooMuchWork past the caps above.

    Without a password only what is readable without one is counted (the MAC, each encrypted
    part, key bags in unencrypted parts); with it, key bags inside the parts this module can
    decrypt are counted too, since OpenSSL derives their keys as well. (Bags inside parts under
    RC2-40, which only OpenSSL decrypts, stay unseen; the file size limit bounds those.)
    """
    counts: list[int] = []
    mac_data = pfx["mac_data"]
    if mac_data.native is not None:
        counts.append(int(mac_data["iterations"].native or 1))
    try:
        infos = list(pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native))
    except (ValueError, TypeError):
        raise NotAKeyStore(file=name) from None
    for info in infos:
        kind = info["content_type"].native
        try:
            if kind == "data":
                bags = list(pkcs12.SafeContents.load(info["content"].native))
            elif kind == "encrypted_data":
                eci = info["content"]["encrypted_content_info"]
                alg = eci["content_encryption_algorithm"]
                counts.append(_iterations(alg))
                _check(counts, name)
                if password is None:
                    continue
                try:
                    raw = _decrypt(alg, eci["encrypted_content"].native, password)
                except (_Undecryptable, _BadDecryption):
                    continue
                bags = list(pkcs12.SafeContents.load(raw))
            else:
                continue
            for bag in bags:
                _bag_iterations(bag, counts)
        except (ValueError, TypeError, KeyError):
            raise NotAKeyStore(file=name) from None
        _check(counts, name)
    _check(counts, name)
    return sum(counts)


def _iterations(alg: algos.EncryptionAlgorithm) -> int:
    try:
        return int(alg.kdf_iterations)
    except (ValueError, KeyError, TypeError):
        return 0  # no KDF this module knows of: nothing of ours will run it


def _bag_iterations(bag: pkcs12.SafeBag, counts: list[int]) -> None:
    bag_id = bag["bag_id"].native
    if bag_id == "pkcs8_shrouded_key_bag":
        counts.append(_iterations(bag["bag_value"]["encryption_algorithm"]))
    elif bag_id == "safe_contents":
        for inner in bag["bag_value"]:
            _bag_iterations(inner, counts)


def _check(counts: list[int], name: str) -> None:
    for count in counts:
        if count > MAX_ITERATIONS:
            raise TooMuchWork(file=name, count=f"{count:,}", max=f"{MAX_ITERATIONS:,}")
    if sum(counts) > MAX_TOTAL_ITERATIONS:
        raise TooMuchWork(file=name, count=f"{sum(counts):,}", max=f"{MAX_TOTAL_ITERATIONS:,}")


def password_variants(password: str) -> list[bytes]:
    """The BMPString forms a PKCS#12 writer may have used for ``password``.

    RFC 7292 says UTF-16BE with a terminating NUL; OpenSSL 1.x treated each UTF-8 byte as one
    character, and an empty password is written either with or without the terminator.
    """
    variants = [password.encode("utf-16-be") + b"\0\0"]
    legacy = b"".join(b"\0" + bytes([c]) for c in password.encode("utf-8")) + b"\0\0"
    if legacy not in variants:
        variants.append(legacy)
    if not password:
        variants.append(b"")
    return variants


def kdf(hash_name: str, password: bytes, salt: bytes, id_: int, iterations: int, n: int) -> bytes:
    """The PKCS#12 key derivation function (RFC 7292, appendix B.2)."""
    u = hashlib.new(hash_name).digest_size
    v = hashlib.new(hash_name).block_size
    d = bytes([id_]) * v
    s = _fill(salt, v)
    p = _fill(password, v)
    i = bytearray(s + p)
    out = b""
    while len(out) < n:
        a = hashlib.new(hash_name, d + bytes(i)).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(hash_name, a).digest()
        out += a
        if len(out) >= n:
            break
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for j in range(0, len(i), v):
            block = (int.from_bytes(i[j : j + v], "big") + b + 1) % (1 << (8 * v))
            i[j : j + v] = block.to_bytes(v, "big")
    return out[:n]


def _fill(data: bytes, v: int) -> bytes:
    """``data`` repeated to the next multiple of ``v`` bytes (empty stays empty)."""
    if not data:
        return b""
    length = v * -(-len(data) // v)
    return (data * (length // len(data) + 1))[:length]


def verify_mac(pfx: pkcs12.Pfx, password: str, name: str = "") -> bool | None:
    """True when the password opens the MAC, False when it does not, None when there is no MAC
    (or it uses an algorithm not implemented here, such as PBMAC1)."""
    mac_data = pfx["mac_data"]
    if mac_data.native is None:
        return None
    hash_name = mac_data["mac"]["digest_algorithm"]["algorithm"].native
    if hash_name not in {"sha1", "sha224", "sha256", "sha384", "sha512"}:
        return None
    expected = mac_data["mac"]["digest"].native
    salt = mac_data["mac_salt"].native
    iterations = mac_data["iterations"].native or 1
    if iterations > MAX_ITERATIONS:
        raise TooMuchWork(file=name, count=f"{iterations:,}", max=f"{MAX_ITERATIONS:,}")
    content = pfx["auth_safe"]["content"].native
    size = hashlib.new(hash_name).digest_size
    for pw in password_variants(password):
        mac_key = kdf(hash_name, pw, salt, _MAC_ID, iterations, size)
        if hmac.compare_digest(hmac.new(mac_key, content, hash_name).digest(), expected):
            return True
    return False


def read_contents(pfx: pkcs12.Pfx, password: str, name: str = "") -> Contents:
    """Decrypt what can be decrypted and list the private keys' algorithms."""
    found: list[str] = []
    unread = 0
    bad = 0
    try:
        safe = pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native)
        infos = list(safe)
    except (ValueError, TypeError):
        raise NotAKeyStore(file=name) from None
    for info in infos:
        kind = info["content_type"].native
        try:
            if kind == "data":
                raw = info["content"].native
            elif kind == "encrypted_data":
                eci = info["content"]["encrypted_content_info"]
                raw = _decrypt(
                    eci["content_encryption_algorithm"], eci["encrypted_content"].native, password
                )
            else:
                continue
            bags = list(pkcs12.SafeContents.load(raw))
        except _Undecryptable:
            continue  # NCA puts only certificates under RC2-40; the key bag is 3DES
        except _BadDecryption:
            bad += 1
            continue
        except (ValueError, TypeError):
            raise NotAKeyStore(file=name) from None
        for bag in bags:
            u, b = _walk_bag(bag, password, found)
            unread, bad = unread + u, bad + b
    return Contents(tuple(found), unread, bad)


def _walk_bag(bag: pkcs12.SafeBag, password: str, found: list[str]) -> tuple[int, int]:
    bag_id = bag["bag_id"].native
    if bag_id == "key_bag":
        found.append(_key_oid(bag["bag_value"].dump()))
    elif bag_id == "pkcs8_shrouded_key_bag":
        value = bag["bag_value"]
        try:
            plain = _decrypt(
                value["encryption_algorithm"], value["encrypted_data"].native, password
            )
        except _Undecryptable:
            return 1, 0
        except _BadDecryption:
            return 0, 1
        try:
            found.append(_key_oid(plain))
        except (ValueError, TypeError):
            return 0, 1
    elif bag_id == "safe_contents":
        unread = bad = 0
        for inner in bag["bag_value"]:
            u, b = _walk_bag(inner, password, found)
            unread, bad = unread + u, bad + b
        return unread, bad
    return 0, 0


def _decrypt(alg: algos.EncryptionAlgorithm, data: bytes, password: str) -> bytes:
    try:
        kdf_name = alg.kdf
        cipher_name = alg.encryption_cipher
    except (ValueError, KeyError):
        raise _Undecryptable() from None
    if _iterations(alg) > MAX_ITERATIONS:
        raise _Undecryptable()  # check_work has already refused such a store by name
    if kdf_name == "pkcs12_kdf":
        if cipher_name != "tripledes":
            raise _Undecryptable()  # RC2-40 and RC4 are not among cryptography's primitives
        hash_name = alg.kdf_hmac
        attempts: list[tuple[BlockCipherAlgorithm, bytes]] = []
        for pw in password_variants(password):
            key = kdf(hash_name, pw, alg.kdf_salt, _KEY_ID, alg.kdf_iterations, alg.key_length)
            iv = kdf(hash_name, pw, alg.kdf_salt, _IV_ID, alg.kdf_iterations, 8)
            attempts.append((TripleDES(key), iv))
    elif kdf_name == "pbkdf2":
        key = hashlib.pbkdf2_hmac(
            alg.kdf_hmac, password.encode("utf-8"), alg.kdf_salt, alg.kdf_iterations, alg.key_length
        )
        iv = alg.encryption_iv
        cipher: BlockCipherAlgorithm
        if cipher_name.startswith("aes"):
            cipher = algorithms.AES(key)
        elif cipher_name == "tripledes":
            cipher = TripleDES(key)
        else:
            raise _Undecryptable()
        if alg.encryption_mode != "cbc":
            raise _Undecryptable()
        attempts = [(cipher, iv)]
    else:
        raise _Undecryptable()
    for cipher_alg, iv in attempts:
        decryptor = Cipher(cipher_alg, modes.CBC(iv)).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(cipher_alg.block_size).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            continue
    raise _BadDecryption()
