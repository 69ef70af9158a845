"""The desk opened in a browser (``regdesk serve``): what it does differently from a terminal."""

from __future__ import annotations

import io

from textual.app import App

from regdesk.desk import Issued


def hand_over(app: App[object], issued: Issued) -> None:
    """A document printed on the browser printer: given to the browser as a PDF download, which
    the desk PC prints on its own printer. Nothing to do for any other printer."""
    if issued.data is None or not app.is_web:
        return
    app.deliver_binary(
        io.BytesIO(issued.data), save_filename=issued.file_name, mime_type="application/pdf"
    )
