"""Password hashing: Argon2id in the PHC string format (``store.staff`` keeps the accounts).

Passwords are hashed with Argon2id (memory-hard, DESIGN.md "Data and safety rules") and stored in
the PHC string format that other Argon2 libraries read too::

    $argon2id$v=19$m=32768,t=2,p=1$<salt, base64 without padding>$<hash, base64 without padding>

The cost parameters travel inside each hash, so ``DEFAULT_PARAMS`` can be raised in a later
release: old hashes still verify with the parameters they were made with, and a successful sign-in
re-hashes the password with the current ones.
"""

from __future__ import annotations

import base64
import hmac
import os
import unicodedata
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class HashParams:
    """Argon2id cost parameters (RFC 9106 names: m in KiB, t passes, p lanes)."""

    memory_kib: int = 32768
    iterations: int = 2
    lanes: int = 1


DEFAULT_PARAMS = HashParams()
"""What new hashes use: 32 MiB, 2 passes, 1 lane, about 100 ms on the 2-core clinic machines
(``python -m bench staff_hash`` measures it). Raise it here; stored hashes keep their own."""

SALT_BYTES = 16
HASH_BYTES = 32
ARGON2_VERSION = 19

# Bounds for parameters read back from the database: a corrupted or planted hash string must not
# make a sign-in allocate gigabytes or spin for minutes.
_MAX_MEMORY_KIB = 1 << 21
_MAX_ITERATIONS = 64
_MAX_LANES = 16


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _password_bytes(password: str) -> bytes:
    # NFKC so that the same password typed on different keyboards (composed or decomposed
    # Kazakh and Russian letters, full-width digits) gives the same bytes (NIST SP 800-63B 5.1.1.2).
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def _argon2id(password: bytes, salt: bytes, params: HashParams, length: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    kdf = Argon2id(
        salt=salt,
        length=length,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(password)


def hash_password(password: str, params: HashParams = DEFAULT_PARAMS) -> str:
    """A new PHC-format Argon2id hash of ``password`` with a fresh random salt."""
    salt = os.urandom(SALT_BYTES)
    digest = _argon2id(_password_bytes(password), salt, params, HASH_BYTES)
    return (
        f"$argon2id$v={ARGON2_VERSION}"
        f"$m={params.memory_kib},t={params.iterations},p={params.lanes}"
        f"${_b64encode(salt)}${_b64encode(digest)}"
    )


@dataclass(frozen=True)
class ParsedHash:
    """The parts of a stored hash string."""

    params: HashParams
    salt: bytes
    digest: bytes


def parse_hash(encoded: str) -> ParsedHash:
    """The parameters, salt and digest of a PHC Argon2id string; ValueError when it is not one."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "" or parts[1] != "argon2id":
        raise ValueError("not an argon2id hash")
    if parts[2] != f"v={ARGON2_VERSION}":
        raise ValueError(f"unsupported argon2 version {parts[2]!r}")
    fields: dict[str, int] = {}
    for item in parts[3].split(","):
        name, eq, value = item.partition("=")
        if not eq or name in fields or not value.isdigit():
            raise ValueError(f"bad parameter {item!r}")
        fields[name] = int(value)
    if set(fields) != {"m", "t", "p"}:
        raise ValueError("parameters must be m, t and p")
    params = HashParams(memory_kib=fields["m"], iterations=fields["t"], lanes=fields["p"])
    if not (
        1 <= params.lanes <= _MAX_LANES
        and 8 * params.lanes <= params.memory_kib <= _MAX_MEMORY_KIB
        and 1 <= params.iterations <= _MAX_ITERATIONS
    ):
        raise ValueError(f"parameters out of range: {parts[3]}")
    try:
        salt, digest = _b64decode(parts[4]), _b64decode(parts[5])
    except ValueError:
        raise ValueError("salt or hash is not base64") from None
    if len(salt) < 8 or len(digest) < 16:
        raise ValueError("salt or hash too short")
    return ParsedHash(params, salt, digest)


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the stored hash; False for a malformed hash string.

    The comparison takes the same time wherever the digests differ.
    """
    try:
        parsed = parse_hash(encoded)
    except ValueError:
        return False
    candidate = _argon2id(_password_bytes(password), parsed.salt, parsed.params, len(parsed.digest))
    return hmac.compare_digest(candidate, parsed.digest)


def needs_rehash(encoded: str, params: HashParams = DEFAULT_PARAMS) -> bool:
    """Whether a stored hash was made with other parameters than ``params`` (or is unreadable)."""
    try:
        return parse_hash(encoded).params != params
    except ValueError:
        return True


@cache
def dummy_hash(params: HashParams) -> str:
    # Verified against when there is no real hash (unknown or invalid IIN), so that such a
    # sign-in spends the same time as a real one and timing does not tell which IINs exist.
    # Random bytes in place of a digest: nothing matches it, and making it costs nothing.
    return (
        f"$argon2id$v={ARGON2_VERSION}"
        f"$m={params.memory_kib},t={params.iterations},p={params.lanes}"
        f"${_b64encode(os.urandom(SALT_BYTES))}${_b64encode(os.urandom(HASH_BYTES))}"
    )


__all__ = [
    "DEFAULT_PARAMS",
    "HashParams",
    "ParsedHash",
    "dummy_hash",
    "hash_password",
    "needs_rehash",
    "parse_hash",
    "verify_password",
]
