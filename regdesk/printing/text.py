"""The talon and the refusal notice as plain text for receipt printers.

An 80 mm printer prints 48 characters a line in its standard font, a 58 mm one 32. The Kazakh
text comes first, then the Russian, then the verification code (a receipt has no room for two
columns). ``render_escpos`` in ``escpos.py`` sends these same lines.
"""

from __future__ import annotations

import textwrap

from regdesk.printing.documents import Document
from regdesk.printing.layout import PAPER_LANGS, Sheet, sheet
from regdesk.printing.qr import payload_for

WIDTHS = (48, 32)
"""Characters per line: 80 mm and 58 mm paper."""


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _center(text: str, width: int) -> list[str]:
    return [line.center(width).rstrip() for line in _wrap(text, width)]


def sheet_lines(page: Sheet, width: int) -> list[str]:
    """One language's block of a receipt, ``width`` characters wide."""
    rule = "-" * width
    lines: list[str] = []
    lines += _center(page.clinic_name, width)
    for line in page.clinic_lines:
        lines += _center(line, width)
    lines.append(rule)
    lines += _center(page.title, width)
    if page.duplicate_mark:
        lines += _center(f"*** {page.duplicate_mark} ***", width)
    lines.append(rule)
    for label, value in page.fields:
        one = f"{label}: {value}"
        if len(one) <= width:
            lines.append(one)
        else:
            lines += _wrap(f"{label}:", width)
            lines += _wrap(value, width, "  ")
    for heading, text in page.paragraphs:
        lines.append("")
        lines += _wrap(f"{heading}:", width)
        lines += _wrap(text, width)
    lines.append("")
    lines.append(f"{page.signature_label}: " + "_" * max(4, width // 2))
    lines.append(page.stamp_label)
    return lines


def mark_lines(mark: str, width: int) -> list[str]:
    """A document's mark (``TalonData.mark``) as a banner: a rule of ``#``, the words centred,
    a rule; nothing for a document without one."""
    if not mark:
        return []
    bar = "#" * width
    return [bar, *_center(mark, width), bar]


def render_lines(doc: Document, width: int = 48, mark: bool = True) -> list[str]:
    """The receipt as lines of at most ``width`` characters: kk block, ru block, the code.

    A document's mark opens and closes the receipt; ``mark=False`` leaves it to the caller
    (``render_escpos`` prints it in bold)."""
    if width < 24:
        raise ValueError(f"a receipt line of {width} characters is too narrow")
    kk, ru = (sheet(doc, lang) for lang in PAPER_LANGS)
    banner = mark_lines(doc.mark, width) if mark else []
    lines = banner + sheet_lines(kk, width)
    lines.append("=" * width)
    lines += sheet_lines(ru, width)
    lines.append("=" * width)
    lines += _wrap(f"{kk.qr_caption} / {ru.qr_caption}:", width)
    lines += _wrap(payload_for(doc), width)
    return lines + banner


def render_text(doc: Document, width: int = 48) -> str:
    """The receipt as text with a final newline (48 columns for 80 mm, 32 for 58 mm)."""
    return "\n".join(render_lines(doc, width)) + "\n"
