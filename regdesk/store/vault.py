"""The attachment vault: scans kept inside the data folder, checked, hashed and encrypted at rest.

A scan is accepted only when its content (not its name) is a PDF, JPEG, PNG or TIFF that opens
whole (``scan_check``: pypdf for a PDF, Pillow for an image) and it is no larger than
``storage.max_attachment_mb``; a file that starts right and does not open is "damaged". Its
SHA-256 goes into the database; the file goes into ``vault/<random name>`` as
``nonce || AES-256-GCM(ciphertext and tag)``, with a fresh random 96-bit nonce per file and the
SHA-256 (hex) as associated data, so a stored file cannot be swapped for another one's without
the read failing. Reading back decrypts and checks the hash again.

The key is 32 random bytes in ``vault.key`` (mode 0600), made once by ``regdesk init``. Losing it
loses every scan: back it up together with the database, but not in the same place.

A scan counts as stored only when every byte was written (``os.write`` may write fewer bytes than
asked, which is how a filling disk first shows), the file and the folder were fsynced, and the
file read back decrypts to the same SHA-256. Anything less is a ``NotStoredError`` and leaves no
file behind: a full disk once turned a 500,009-byte scan into 98,304 bytes reported as stored.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from regdesk.core.clock import wall_utc
from regdesk.core.errors import UserError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
MAGIC_READ = 8
"""How many leading bytes ``detect_type`` needs."""
SCAN_MODE = 0o660
"""A stored scan: its owner and the clinic's group, less what the umask takes away."""

_NAME = re.compile(r"^[0-9a-f]{32}$")
_PART = re.compile(r"^\.[0-9a-f]{32}\.part$")

STALE_PART_AGE = timedelta(minutes=15)
"""A ``.part`` file older than this was left by a writer that died (killed, power cut): storing
one scan takes seconds, and another terminal sharing the folder may be writing one right now, so
only old ones are removed."""

_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


class VaultError(UserError):
    """A scan cannot be stored or read back."""

    key = "store.vault_unreadable"


class UnsupportedTypeError(VaultError):
    key = "store.vault_unsupported_type"


class DamagedError(VaultError):
    """The file starts as a PDF or an image but does not open as one: cut short or broken."""

    key = "store.vault_damaged"


class TooLargeError(VaultError):
    key = "store.vault_too_large"


class UnreadableError(VaultError):
    key = "store.vault_unreadable"


class CorruptError(VaultError):
    """The stored file does not decrypt, or does not match its recorded hash."""

    key = "store.vault_corrupt"


class MissingError(VaultError):
    key = "store.vault_missing"


class NotStoredError(VaultError):
    """Writing a scan into the vault failed; nothing of it was kept."""

    key = "store.vault_not_stored"


class DiskFullError(NotStoredError):
    """The vault's disk (or the user's quota on it) is full; nothing of the scan was kept."""

    key = "store.vault_disk_full"


class VerifyFailedError(NotStoredError):
    """The scan written and read back is not the scan given: the disk lost or changed bytes."""

    key = "store.vault_verify_failed"


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


_KIND_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
}


def check_scan(data: bytes, *, name: str = "") -> str:
    """The media type of a scan that opens whole; ``UnsupportedTypeError`` or ``DamagedError``.

    What failed is logged (``regdesk.store``), the person is told the scan is damaged.
    """
    from regdesk.store import scan_check

    media_type = detect_type(data[:MAGIC_READ])
    if media_type is None:
        raise UnsupportedTypeError(name=name)
    try:
        scan_check.check(data, media_type)
    except scan_check.Damaged as exc:
        logging.getLogger("regdesk.store").info("scan %r is damaged: %s", name, exc)
        raise DamagedError(name=name, kind=_KIND_NAMES[media_type]) from None
    return media_type


class Vault:
    """Encrypted scans in ``folder`` under the key in ``key_file``; ``max_bytes`` per scan."""

    def __init__(
        self,
        folder: Path,
        key_file: Path,
        max_bytes: int,
        *,
        clock: Callable[[], datetime] = wall_utc,
        tidy: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.key_file = Path(key_file)
        self.max_bytes = max_bytes
        self._key: bytes | None = None
        # File times come from this machine's clock; tests pass a pinned one.
        self.clock = clock
        if tidy:
            self.remove_stale_parts()

    @classmethod
    def for_reading(cls, key_file: Path) -> Vault:
        """A vault used only to open sealed scans with the key in ``key_file`` (a backup's
        check): it stores nothing and tidies no folder."""
        return cls(Path(key_file).parent, key_file, 0, tidy=False)

    def check_key(self) -> None:
        """KeyFileError when the key file is missing or is not a vault key."""
        self._aead()

    def opens(self, blob: bytes, sha256: str) -> bool:
        """Whether ``blob`` (a vault file's bytes) decrypts to a scan hashing to ``sha256``."""
        return self._unseal(blob, sha256) is not None

    def sealed_for(self, blob: bytes | memoryview, sha256: str) -> bool:
        """Whether ``blob`` decrypts with this key as the scan sealed for ``sha256``: the
        authentication tag covers the hash (the associated data the vault seals each scan
        with), so bytes changed by one bit, or another scan's file, fail. Unlike ``opens`` the
        decrypted scan is not hashed again: that would only catch a scan sealed under a wrong
        hash by a holder of the key (a backup's check as it copies; ``opens`` for the rest)."""
        from cryptography.exceptions import InvalidTag

        if len(blob) < NONCE_BYTES + 16:
            return False
        try:
            self._aead().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], sha256.encode("ascii"))
        except (InvalidTag, ValueError):
            return False
        return True

    def remove_stale_parts(self) -> int:
        """Delete ``.part`` files older than ``STALE_PART_AGE``; how many were deleted.

        Best effort: a folder that cannot be listed now is reported when a scan is stored.
        """
        limit = (self.clock() - STALE_PART_AGE).timestamp()
        removed = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in entries:
            if not _PART.match(entry.name):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
        return removed

    @staticmethod
    def create_key(key_file: Path) -> bool:
        """Write a new random key readable by the owner only; False when one is already there.

        An existing key is never replaced: that would make every stored scan unreadable.
        """
        from regdesk.store.keyfile import create_key_file

        return create_key_file(key_file, KEY_BYTES)

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
        media_type = check_scan(data, name=name)
        digest = hashlib.sha256(data).hexdigest()
        aead = self._aead()
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = aead.encrypt(nonce, data, digest.encode("ascii"))
        vault_name = secrets.token_hex(16)
        try:
            self._write(vault_name, nonce + sealed, digest, name)
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                raise DiskFullError(name=name, folder=str(self.folder)) from None
            detail = exc.strerror or str(exc)
            raise NotStoredError(name=name, folder=str(self.folder), detail=detail) from None
        return StoredFile(
            vault_name=vault_name, sha256=digest, size=len(data), media_type=media_type
        )

    def _write(self, vault_name: str, blob: bytes, digest: str, name: str) -> None:
        """Write ``blob`` as ``vault_name`` durably, or leave nothing and raise.

        Written aside as ``.<name>.part`` and renamed, so a crash never leaves a half file under
        a recorded name; read back before the rename, so a name is never given to bad bytes.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / vault_name
        partial = self.folder / f".{vault_name}.part"
        # Shared with the clinic's group as far as the umask lets it (README, group sharing: the
        # program's umask 007 keeps everyone else out): a scan another member's desk stored must
        # open at this desk, in the portal inbox and in a backup any member makes. Sealed with
        # vault.key anyway; the key is what stays private.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SCAN_MODE)
        renamed = False
        try:
            try:
                write_all(fd, blob)
                os.fsync(fd)  # a full disk may first say so here (delayed allocation)
            finally:
                os.close(fd)
            self._read_back(partial, digest, name)
            os.replace(partial, target)
            renamed = True
            fsync_folder(self.folder)  # the rename itself must survive a power cut
        except BaseException:
            partial.unlink(missing_ok=True)
            if renamed:
                target.unlink(missing_ok=True)
            raise

    def _read_back(self, path: Path, digest: str, name: str) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            # Ask the kernel to drop its cached pages, so the check reads what the disk holds
            # where it can (a hint: some file systems keep them).
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            with os.fdopen(fd, "rb", closefd=False) as stream:
                blob = stream.read()
        finally:
            os.close(fd)
        if self._unseal(blob, digest) is None:
            raise VerifyFailedError(name=name, folder=str(self.folder))

    def _unseal(self, blob: bytes, digest: str) -> bytes | None:
        """The scan sealed in ``blob`` when it decrypts and hashes to ``digest``; else None."""
        from cryptography.exceptions import InvalidTag

        if len(blob) < NONCE_BYTES + 16:  # not even a nonce and a tag
            return None
        try:
            data = self._aead().decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], digest.encode("ascii")
            )
        except (InvalidTag, ValueError):
            return None
        return data if hashlib.sha256(data).hexdigest() == digest else None

    def get(self, vault_name: str, sha256: str) -> bytes:
        """The original bytes of a stored scan, after checking them against ``sha256``."""
        if not _NAME.match(vault_name):
            raise MissingError(name=vault_name)
        try:
            blob = (self.folder / vault_name).read_bytes()
        except FileNotFoundError:
            raise MissingError(name=vault_name) from None
        except OSError as exc:
            raise UnreadableError(name=vault_name, detail=exc.strerror or str(exc)) from None
        data = self._unseal(blob, sha256)
        if data is None:
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


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte of ``data`` to ``fd``.

    ``os.write`` returns how many bytes it wrote, which may be fewer than asked (a filling disk,
    a signal); the rest is written again, and the kernel then answers ENOSPC if the disk is full.
    A write that makes no progress at all is taken as a full disk rather than looped on.
    """
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def max_bytes(max_attachment_mb: float) -> int:
    """The byte limit for ``storage.max_attachment_mb``."""
    return int(max_attachment_mb * 1024 * 1024)
