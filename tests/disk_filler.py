"""Filling a real (small, test-mounted) file system to its last byte, for the full-disk tests."""

from __future__ import annotations

import errno
from pathlib import Path


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
