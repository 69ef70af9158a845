"""Secret key files in the data folder (the vault key, and any other key kept beside it): made
once, never replaced, and their permissions in one place.

Two deployments are documented (README, "Deployment"): the data folder owned by one service
account (keys 0600), or shared by the clinic's group (keys 0640 or 0660, the group kept). So a
key's **group** bits are the clinic's choice and are kept; only access by **every other user**
of the server is taken away, and said. A new key is made owner-only (0600); a clinic that shares
by group opens it to the group with ``chmod g+r``, and ``regdesk init`` keeps that.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from regdesk.store.vault import write_all

NEW_KEY_MODE = 0o600
"""A new key: the owner only, whatever the umask."""
OTHERS = 0o007
"""The permission bits of every user who is neither the owner nor in the file's group."""


def create_key_file(path: Path, size: int) -> bool:
    """Write ``size`` random bytes to the new file ``path`` (0600); False when one is already
    there. An existing key is never replaced: what it sealed would become unreadable."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_KEY_MODE)
    except FileExistsError:
        return False
    try:
        try:
            write_all(fd, secrets.token_bytes(size))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        path.unlink(missing_ok=True)  # a short key would later read as "not a key"
        raise
    os.chmod(path, NEW_KEY_MODE)  # the umask may have narrowed it further, never widened
    return True


@dataclass(frozen=True)
class KeyAccess:
    """An existing key's permissions, before and after ``secure_key_file``."""

    before: int
    after: int
    group: str
    """The file's group by name (its number when the system has no name for it)."""

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def group_shared(self) -> bool:
        """The clinic's group may read the key (the group-sharing deployment)."""
        return bool(self.after & stat.S_IRGRP)


def secure_key_file(path: Path) -> KeyAccess:
    """Take every other user's access away from the key at ``path`` (a key readable by all of
    the server's users is a key given away), keeping the owner's and the group's."""
    info = os.stat(path)
    before = stat.S_IMODE(info.st_mode)
    after = before & ~OTHERS
    if after != before:
        os.chmod(path, after)
    return KeyAccess(before, after, _group_name(info.st_gid))


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


__all__ = ["KeyAccess", "create_key_file", "secure_key_file"]
