"""The attachment vault: scans kept inside the data folder, checked, hashed and encrypted at rest.

A scan is accepted only when its content (not its name) is a PDF, JPEG, PNG or TIFF and it is no
larger than ``storage.max_attachment_mb``. Its SHA-256 goes into the database; the file goes into
``vault/<random name>`` as ``nonce || AES-256-GCM(ciphertext and tag)``, with a fresh random 96-bit
nonce per file and the SHA-256 (hex) as associated data, so a stored file cannot be swapped for
another one's without the read failing. Reading back decrypts and checks the hash again.

The key is 32 random bytes in ``vault.key`` (mode 0600), made once by ``regdesk init``. Losing it
loses every scan: back it up together with the database, but not in the same place.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regdesk.core.errors import UserError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
MAGIC_READ = 8
"""How many leading bytes ``detect_type`` needs."""

_NAME = re.compile(r"^[0-9a-f]{32}$")


class VaultError(UserError):
    """A scan cannot be stored or read back."""

    key = "store.vault_unreadable"


class UnsupportedTypeError(VaultError):
    key = "store.vault_unsupported_type"


class TooLargeError(VaultError):
    key = "store.vault_too_large"


class UnreadableError(VaultError):
    key = "store.vault_unreadable"


class CorruptError(VaultError):
    """The stored file does not decrypt, or does not match its recorded hash."""

    key = "store.vault_corrupt"


class MissingError(VaultError):
    key = "store.vault_missing"


class KeyFileError(VaultError):
    """The vault key is missing or is not a vault key."""

    key = "store.vault_key_unusable"


@dataclass(frozen=True)
class StoredFile:
    """What the journal records about a stored scan."""

    vault_name: str
    sha256: str
    size: int
    media_type: str


def detect_type(head: bytes) -> str | None:
    """The media type of a file from its first bytes, or None when it is not an accepted type."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    return None


class Vault:
    """Encrypted scans in ``folder`` under the key in ``key_file``; ``max_bytes`` per scan."""

    def __init__(self, folder: Path, key_file: Path, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.key_file = Path(key_file)
        self.max_bytes = max_bytes
        self._key: bytes | None = None

    @staticmethod
    def create_key(key_file: Path) -> bool:
        """Write a new random key readable by the owner only; False when one is already there.

        An existing key is never replaced: that would make every stored scan unreadable.
        """
        key_file = Path(key_file)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        try:
            os.write(fd, secrets.token_bytes(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(key_file, 0o600)  # the umask may have narrowed it further, never widened
        return True

    def _aead(self) -> AESGCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if self._key is None:
            try:
                key = self.key_file.read_bytes()
            except OSError as exc:
                raise KeyFileError(path=str(self.key_file), detail=exc.strerror or "") from None
            if len(key) != KEY_BYTES:
                raise KeyFileError(path=str(self.key_file), detail=f"{len(key)} bytes, not 32")
            self._key = key
        return AESGCM(self._key)

    def put(self, source: Path) -> StoredFile:
        """Check, hash, encrypt and store the file at ``source``."""
        source = Path(source)
        try:
            size = source.stat().st_size
            if size > self.max_bytes:
                raise self._too_large(source.name, size)
            data = source.read_bytes()
        except OSError as exc:
            raise UnreadableError(name=source.name, detail=exc.strerror or str(exc)) from None
        return self.put_bytes(data, name=source.name)

    def put_bytes(self, data: bytes, *, name: str = "") -> StoredFile:
        """Check, hash, encrypt and store ``data`` (``name`` only appears in error messages)."""
        if len(data) > self.max_bytes:
            raise self._too_large(name, len(data))
        media_type = detect_type(data[:MAGIC_READ])
        if media_type is None:
            raise UnsupportedTypeError(name=name)
        digest = hashlib.sha256(data).hexdigest()
        aead = self._aead()
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = aead.encrypt(nonce, data, digest.encode("ascii"))
        self.folder.mkdir(parents=True, exist_ok=True)
        vault_name = secrets.token_hex(16)
        target = self.folder / vault_name
        partial = self.folder / f".{vault_name}.part"
        # Written aside and renamed, so a crash never leaves a half file under a recorded name.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, nonce + sealed)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, target)
        return StoredFile(
            vault_name=vault_name, sha256=digest, size=len(data), media_type=media_type
        )

    def get(self, vault_name: str, sha256: str) -> bytes:
        """The original bytes of a stored scan, after checking them against ``sha256``."""
        from cryptography.exceptions import InvalidTag

        if not _NAME.match(vault_name):
            raise MissingError(name=vault_name)
        try:
            blob = (self.folder / vault_name).read_bytes()
        except FileNotFoundError:
            raise MissingError(name=vault_name) from None
        except OSError as exc:
            raise UnreadableError(name=vault_name, detail=exc.strerror or str(exc)) from None
        if len(blob) < NONCE_BYTES + 16:
            raise CorruptError(name=vault_name)
        aead = self._aead()
        try:
            data = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], sha256.encode("ascii"))
        except InvalidTag:
            raise CorruptError(name=vault_name) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptError(name=vault_name)
        return data

    def remove(self, vault_name: str) -> None:
        """Delete a stored scan (e.g. one detached from a draft); a missing file is not an error."""
        if _NAME.match(vault_name):
            (self.folder / vault_name).unlink(missing_ok=True)

    def _too_large(self, name: str, size: int) -> TooLargeError:
        mb = 1024 * 1024
        return TooLargeError(
            name=name, size_mb=f"{size / mb:.1f}", max_mb=f"{self.max_bytes / mb:g}"
        )


def max_bytes(max_attachment_mb: float) -> int:
    """The byte limit for ``storage.max_attachment_mb``."""
    return int(max_attachment_mb * 1024 * 1024)
