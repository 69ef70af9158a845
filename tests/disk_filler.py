"""A real small file system mounted for a test, and filled to its last byte, for the full-disk
tests."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (mount's ``size=``, e.g. ``48k``) mounted on ``where`` (made if
    missing) for the block, unmounted after; the test is skipped with mount's reason where the
    machine does not allow it (it needs root or CAP_SYS_ADMIN)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill_disk(folder: Path) -> Path:
    """Fill the file system of ``folder`` until it refuses another byte; the filler file."""
    filler = folder / "filler"
    # Unbuffered: a write cut short by the full disk leaves nothing behind for close() to flush
    # (that flush failed in its turn whenever the disk filled part-way through a write).
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler
