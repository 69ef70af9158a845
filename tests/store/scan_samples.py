"""Real scans for the store tests: PDFs written by pypdf, images encoded by Pillow.

The vault opens every scan before it keeps it, so the tests' samples are whole files of each type
(and the damaged ones are cut or forged from these).
"""

from __future__ import annotations

import random
from io import BytesIO

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject


def pdf(*, pages: int = 1, padding: int = 0) -> bytes:
    """A whole PDF of ``pages`` A4 pages, each drawing a square; ``padding`` bytes of comment in
    the first page's content make it as large as a test needs."""
    writer = PdfWriter()
    for number in range(pages):
        page = writer.add_blank_page(595, 842)
        content = DecodedStreamObject()
        comment = b"%" + b"x" * padding + b"\n" if number == 0 and padding else b""
        content.set_data(b"0 0 1 rg 10 10 100 100 re f\n" + comment)
        page[NameObject("/Contents")] = writer._add_object(content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def image(fmt: str, size: tuple[int, int] = (16, 12), *, noise: bool = False) -> bytes:
    """A whole image in ``fmt`` (JPEG, PNG, TIFF); ``noise`` makes it hard to compress."""
    if noise:
        rng = random.Random(size[0] * 7919 + size[1])
        picture = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        picture = Image.new("L", size, 128)
    out = BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


SAMPLES = {
    "application/pdf": pdf(),
    "image/jpeg": image("JPEG"),
    "image/png": image("PNG"),
    "image/tiff": image("TIFF"),
}
"""One small whole scan of each accepted type."""


def damaged() -> dict[str, bytes]:
    """Files that start like a scan and are none (issue 11, item 16), by what is wrong."""
    whole_pdf = pdf(padding=400)
    rng = random.Random(16)
    jpeg = image("JPEG", (32, 24), noise=True)
    png = image("PNG", (32, 24), noise=True)
    return {
        "9-byte %PDF-1.4": b"%PDF-1.4\n",
        "PDF cut at 200 bytes": whole_pdf[:200],
        "PDF cut before its end": whole_pdf[: len(whole_pdf) - 40],
        "%PDF- and random bytes": b"%PDF-" + rng.randbytes(3000),
        "%PDF- random bytes and %%EOF": b"%PDF-1.7\n" + rng.randbytes(3000) + b"\n%%EOF\n",
        "PDF without pages": _pdf_without_pages(),
        "JPEG cut in half": jpeg[: len(jpeg) // 2],
        "JPEG header and random bytes": jpeg[:20] + rng.randbytes(2000),
        "PNG cut in half": png[: len(png) // 2],
        "TIFF header only": b"II*\x00\x08\x00\x00\x00" + b"\x01" * 40,
    }


def _pdf_without_pages() -> bytes:
    out = BytesIO()
    PdfWriter().write(out)
    return out.getvalue()
