"""What a stored file looks like, told in text: pages and page size of a PDF, pixels of an image.

The inbox shows a portal application's files without a viewer (a terminal at 80×24): the
employee reads "PDF, 2 pages, 210×297 mm" or "PNG, 1240×1754 px" and sees at once whether the
identity document is a document. The same libraries as ``scan_check`` open the file; a file
that does not open is said so (``FilePreview.readable`` False), never raised.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from io import BytesIO

from regdesk.store.scan_check import MAX_PIXELS

POINTS_PER_MM = 72 / 25.4
"""PDF user space units (points) in a millimetre."""

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}

logging.getLogger("pypdf").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class FilePreview:
    """A file's first page described: how many pages, how large the first one is."""

    kind: str
    """PDF, PNG, JPEG, TIFF; the media type itself for anything else."""
    readable: bool
    """The file opened as its type says; False: damaged, or a type with no preview."""
    pages: int = 0
    width: int = 0
    height: int = 0
    unit: str = ""
    """``mm`` for a PDF page, ``px`` for an image; empty when unreadable."""


def describe(data: bytes, media_type: str) -> FilePreview:
    """``data`` opened as ``media_type``: its pages and first page's size, or unreadable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if media_type == "application/pdf":
            return _pdf(data)
        if media_type in _PILLOW_FORMATS:
            return _image(data, _PILLOW_FORMATS[media_type])
    return FilePreview(kind=media_type, readable=False)


def _pdf(data: bytes) -> FilePreview:
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(data), strict=False)
        pages = len(reader.pages)
        if pages < 1:
            return FilePreview("PDF", readable=False)
        box = reader.pages[0].mediabox
        width = round(float(box.width) / POINTS_PER_MM)
        height = round(float(box.height) / POINTS_PER_MM)
    except Exception:  # any failure of a parser on foreign bytes means "unreadable"
        return FilePreview("PDF", readable=False)
    return FilePreview("PDF", readable=True, pages=pages, width=width, height=height, unit="mm")


def _image(data: bytes, fmt: str) -> FilePreview:
    from PIL import Image, ImageSequence

    try:
        with Image.open(BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return FilePreview(fmt, readable=False)
            pages = sum(1 for _ in ImageSequence.Iterator(image))
    except Exception:  # as for a PDF: a file that does not open is unreadable
        return FilePreview(fmt, readable=False)
    return FilePreview(fmt, readable=True, pages=pages, width=width, height=height, unit="px")


__all__ = ["FilePreview", "describe"]
