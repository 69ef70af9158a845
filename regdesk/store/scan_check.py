"""Opening a scan before it is accepted: its first bytes name a type, this proves the rest.

A file that starts like a PDF or an image may still be nothing a person can read: cut short by a
scanner that lost its connection, or a few bytes with the right beginning. Such a "scan" once
satisfied the identity-document requirement. So the whole file is opened with a maintained
library, as a viewer would:

- a PDF with pypdf: parsed, its end-of-file marker present (a file cut short loses it), at least
  one page, and every page's content read;
- a JPEG, PNG or TIFF with Pillow: decoded to the last pixel (``load``), every page of a
  multi-page TIFF, after checking the pixel count against ``MAX_PIXELS`` so that a small file
  that unpacks into gigabytes is refused before it is unpacked.

``check`` returns the page count or raises ``Damaged`` (what failed, for the log; the person is
told "damaged" in their language by the vault's ``DamagedError``).
"""

from __future__ import annotations

import logging
import warnings
from io import BytesIO

MAX_PIXELS = 50_000_000
"""Pixels of one page at most: an A4 page scanned at 600 dpi has 35 million."""

MAX_PAGES = 500
"""Pages of one scan at most (a TIFF's frames, a PDF's pages)."""

EOF_WINDOW = 2048
"""The end-of-file marker of a whole PDF is within this many bytes of its end."""

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}

# pypdf reports what it repairs through logging; without a handler Python would print those
# warnings on the terminal, under the TUI. They go wherever the application's log goes.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


class Damaged(ValueError):
    """The file does not open as the type its first bytes claim; the text says what failed."""


def check(data: bytes, media_type: str) -> int:
    """Open ``data`` as ``media_type`` completely; its page count, or ``Damaged``."""
    with warnings.catch_warnings():
        # The libraries warn of what they repair (bad EXIF, ...) on stderr, which is under the
        # TUI: not here. Whether the file opens is the answer.
        warnings.simplefilter("ignore")
        if media_type == "application/pdf":
            return _pdf(data)
        if media_type in _PILLOW_FORMATS:
            return _image(data, _PILLOW_FORMATS[media_type])
    raise Damaged(f"no check for {media_type}")


def _pdf(data: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%%EOF" not in data[-EOF_WINDOW:]:
        raise Damaged("no %%EOF marker at the end: the file was cut short")
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Damaged("encrypted with a password")
        pages = len(reader.pages)
        if pages < 1:
            raise Damaged("no pages")
        if pages > MAX_PAGES:
            raise Damaged(f"{pages} pages, more than {MAX_PAGES}")
        for page in reader.pages:
            contents = page.get_contents()
            if contents is not None:
                contents.get_data()
    except Damaged:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        # pypdf's own errors, and what its parser lets through from a malformed object.
        raise Damaged(f"{type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise Damaged("objects nested without end") from None
    return pages


def _image(data: bytes, fmt: str) -> int:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    frames = 0
    try:
        with warnings.catch_warnings():
            # Pillow warns of a large image before refusing a larger one: both refuse here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[fmt]) as image:
                for frame in ImageSequence.Iterator(image):
                    frames += 1
                    if frames > MAX_PAGES:
                        raise Damaged(f"more than {MAX_PAGES} pages")
                    width, height = frame.size
                    if width * height > MAX_PIXELS:
                        raise Damaged(f"{width}x{height} pixels, more than {MAX_PIXELS}")
                    frame.load()
    except Damaged:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,  # Pillow's plugins raise it for a malformed header
        EOFError,
    ) as exc:
        raise Damaged(f"{type(exc).__name__}: {exc}") from None
    if frames < 1:
        raise Damaged("no image")
    return frames


__all__ = ["MAX_PAGES", "MAX_PIXELS", "Damaged", "check"]
