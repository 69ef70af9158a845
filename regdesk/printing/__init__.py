"""The talon of attachment and the refusal notice: layout, renderers and printers.

- ``documents``: ``TalonData`` and ``RefusalData``, the plain data a document shows;
- ``qr``: the verifiable QR payload (``payload_for``, ``parse_payload``, ``verify_payload``);
- ``pdf``: ``render_pdf`` (A5/A4, Kazakh and Russian side by side);
- ``text`` and ``escpos``: ``render_text`` and ``render_escpos`` for 80 and 58 mm receipts;
- ``printers``: ``print_document`` through CUPS, a raw network printer or into a folder.

Nothing here reads the database; the caller (the desk, ``regdesk talon``) builds the document
and records the print in the journal.
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
"""DejaVu Sans, shipped with the package (see ``fonts/README.md``)."""
