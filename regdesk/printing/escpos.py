"""ESC/POS bytes for network and USB receipt printers (Epson TM-T20/T88 and their many clones).

With the Kazakh code page (``kz1048=True``) the receipt is text: ``ESC t 53`` selects PC/RK1048,
the lines of ``text.render_lines`` are encoded with Python's ``kz1048`` codec, the QR code is
printed by the printer itself (``GS ( k``), and the paper is cut. A printer without that code page
(``kz1048=False`` in the config) gets the same lines drawn as a bitmap (``GS v 0``) with the
shipped DejaVu font, so Kazakh letters print on any ESC/POS printer that takes raster images.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from regdesk.core.errors import UserError
from regdesk.printing import FONT_DIR
from regdesk.printing.documents import Document
from regdesk.printing.qr import payload_for
from regdesk.printing.text import mark_lines, render_lines

if TYPE_CHECKING:
    from PIL import Image as PILImage

ESC = b"\x1b"
GS = b"\x1d"
INIT = ESC + b"@"
CODEPAGE_KZ1048 = ESC + b"t" + bytes([53])
"""ESC t 53: the PC/RK1048 (Kazakh) character table."""
CUT = GS + b"V" + bytes([66, 0])
"""GS V 66 0: feed to the cutter and cut (a partial cut where the printer has one)."""
ALIGN_LEFT = ESC + b"a\x00"
ALIGN_CENTER = ESC + b"a\x01"
BOLD_ON = ESC + b"E\x01"
BOLD_OFF = ESC + b"E\x00"
DOUBLE_HEIGHT = GS + b"!\x01"
"""GS ! 1: characters twice as tall, as wide as usual (so a line still holds ``width``)."""
NORMAL_SIZE = GS + b"!\x00"

DOTS = {48: 576, 32: 384}
"""Printable dots a line at 203 dpi: 72 mm of 80 mm paper, 48 mm of 58 mm paper."""

RASTER_BAND = 256
"""Rows a GS v 0 command carries; long images are sent in bands, as printers' buffers are small."""


class RasterUnavailable(UserError):
    """Drawing a receipt as an image needs Pillow, which is not installed."""

    key = "printing.raster_unavailable"


def encode_kz1048(text: str) -> bytes:
    """``text`` in code page kz1048; letters it lacks lose their accents, the rest become '?'."""
    try:
        return text.encode("kz1048")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("kz1048")
        except UnicodeEncodeError:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out += base.encode("kz1048", errors="replace") if base else b"?"
    return bytes(out)


def qr_command(payload: str, module: int) -> bytes:
    """GS ( k: store ``payload`` as a model 2 QR code with error level M and print it."""

    def fn(*body: int | bytes) -> bytes:
        data = b"".join(bytes([b]) if isinstance(b, int) else b for b in body)
        return GS + b"(k" + len(data).to_bytes(2, "little") + data

    data = payload.encode("ascii")
    return b"".join(
        (
            fn(49, 65, 50, 0),  # fn 65: model 2
            fn(49, 67, module),  # fn 67: module size in dots
            fn(49, 69, 49),  # fn 69: error correction M
            fn(49, 80, 48, data),  # fn 80: store the data
            fn(49, 81, 48),  # fn 81: print it
        )
    )


def render_escpos(doc: Document, width: int = 48, kz1048: bool = True) -> bytes:
    """The receipt as ESC/POS bytes for a ``width``-column (48: 80 mm, 32: 58 mm) printer."""
    if width not in DOTS:
        raise ValueError(f"receipt width {width} is not one of {sorted(DOTS)}")
    if not kz1048:
        lines = render_lines(doc, width)
        return INIT + raster(lines, payload_for(doc), DOTS[width]) + b"\n" * 3 + CUT
    lines = render_lines(doc, width, mark=False)
    body = b"\n".join(encode_kz1048(line) for line in lines) + b"\n"
    qr = ALIGN_CENTER + qr_command(payload_for(doc), 6 if width == 48 else 4) + ALIGN_LEFT
    banner = mark_command(doc.mark, width)
    return INIT + CODEPAGE_KZ1048 + banner + body + b"\n" + qr + b"\n" + banner + b"\n" * 2 + CUT


def mark_command(mark: str, width: int) -> bytes:
    """A document's mark in bold, double-height letters between two rules (empty without one),
    printed at the head and the foot of the receipt, after the QR code, so a torn-off piece
    still carries it."""
    lines = mark_lines(mark, width)
    if not lines:
        return b""
    rule, words = lines[0], lines[1:-1]
    big = b"\n".join(encode_kz1048(line) for line in words)
    return (
        encode_kz1048(rule)
        + b"\n"
        + BOLD_ON
        + DOUBLE_HEIGHT
        + big
        + b"\n"
        + NORMAL_SIZE
        + BOLD_OFF
        + encode_kz1048(rule)
        + b"\n"
    )


def raster_image(lines: list[str], payload: str, dots: int) -> PILImage.Image:
    """The receipt drawn as a black-on-white image ``dots`` wide (the text, then the QR code)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise RasterUnavailable() from None
    import segno

    font_file = str(FONT_DIR / "DejaVuSans.ttf")
    probe = ImageFont.truetype(font_file, 100)
    widest = max((probe.getlength(line) for line in lines if line), default=1.0)
    size = max(10, min(24, int(100 * (dots - 4) / widest)))
    font = ImageFont.truetype(font_file, size)
    line_h = int(size * 1.25)

    code = segno.make(payload, error="m", micro=False, mask=0)
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    module = max(2, min(6, (dots // 2) // len(matrix)))
    qr_px = module * len(matrix)

    height = line_h * len(lines) + line_h + qr_px + line_h
    img = Image.new("L", (dots, height), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((2, i * line_h), line, font=font, fill=0)
    top = line_h * (len(lines) + 1)
    left = (dots - qr_px) // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = left + c * module, top + r * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
    return img


def raster(lines: list[str], payload: str, dots: int) -> bytes:
    """GS v 0 commands printing ``raster_image``, in bands of ``RASTER_BAND`` rows."""
    img = raster_image(lines, payload, dots)
    # Mode "1" packs 8 pixels a byte, most significant first, as GS v 0 wants; the threshold
    # maps dark pixels to 1 bits, which the printer burns black.
    bits = img.point(lambda v: 255 if v < 128 else 0, mode="1")
    row_bytes = dots // 8
    data = bits.tobytes()
    out = bytearray()
    for start in range(0, bits.height, RASTER_BAND):
        rows = min(RASTER_BAND, bits.height - start)
        out += GS + b"v0\x00"
        out += row_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")
        out += data[start * row_bytes : (start + rows) * row_bytes]
    return bytes(out)
