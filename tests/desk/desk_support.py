"""Helpers of the desk tests (a module of its own: conftest files are not imported by tests)."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from regdesk import demo
from regdesk.config import Config
from regdesk.core.clock import PinnedClock
from regdesk.core.errors import UserError
from regdesk.desk import Desk
from regdesk.i18n import LANGS, catalogue
from regdesk.store.paths import DataPaths

PINNED_AT = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
"""The desk tests' "now": 10:30 in Almaty on Wednesday 25.11.2026, outside the attachment
campaign (1 September to 1 November). The demo workspace is built around it: its keys are valid
from a day before to a year after."""


def attachment_key(clinic_bin: str, number: str) -> re.Pattern[str]:
    """The rule of an attachment's idempotency key: the clinic's BIN and the number, for an
    admin to read, then a random part of 12 lowercase hex digits drawn when it was queued."""
    return re.compile(rf"{re.escape(clinic_bin)}:{re.escape(number)}:[0-9a-f]{{12}}")


def queued_attachment_key(ws: demo.DemoWorkspace, number: str) -> str:
    """The idempotency key the outbox holds for ``number``'s attachment (read through a
    separate connection), checked against the rule."""
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        (key,) = conn.execute(
            "SELECT idempotency_key FROM outbox"
            " WHERE kind = 'attachment' AND json_extract(payload, '$.application') = ?",
            (number,),
        ).fetchone()
    finally:
        conn.close()
    assert attachment_key(ws.config.clinic.bin, number).fullmatch(key), key
    return str(key)


def journal_counts(ws: demo.DemoWorkspace) -> dict[str, int]:
    """Rows of the journal's tables, read through a separate connection (as another terminal)."""
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        tables = ("applications", "events", "attachments", "signatures", "prints", "outbox")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def assert_explained(error: BaseException) -> None:
    """A UserError whose text exists in kk, ru and en, fully formatted, with no key showing."""
    assert isinstance(error, UserError), f"{type(error).__name__} is not a UserError: {error!r}"
    entry = catalogue().get(error.key)
    assert entry is not None, f"no catalogue entry for {error.key}"
    texts = {}
    for lang in LANGS:
        assert entry.get(lang), f"{error.key} has no {lang} text"
        text = error.message(lang)
        assert text.strip()
        assert error.key not in text
        assert "{" not in text and "}" not in text, f"unformatted field in {text!r}"
        assert "Traceback" not in text
        texts[lang] = text
    # Three languages, three texts (a copy of English in the kk slot would slip through otherwise).
    assert len(set(texts.values())) == 3, texts


def with_registry(config: Config, **changes: Any) -> Config:
    """The same clinic with its ``[registry]`` section changed (timeouts, URL, token)."""
    return dataclasses.replace(config, registry=dataclasses.replace(config.registry, **changes))


@asynccontextmanager
async def signed_in(
    config: Config, clock: PinnedClock, iin: str, password: str
) -> AsyncIterator[Desk]:
    """Another workstation (or the same one restarted) with an employee signed in."""
    desk = Desk(config, clock=clock)
    desk.session.sign_in(iin, password)
    try:
        yield desk
    finally:
        await desk.aclose()
        desk.close()


READY_FORM: dict[str, str] = {
    "basis": "free_choice",
    "district": "1",
    "documents_seen": "identity",
}
"""An adult's form with all that signing needs: a basis, a district, the identity document seen."""


async def draft(desk: Desk, iin: str, form: Mapping[str, str] = READY_FORM) -> int:
    """``iin`` looked up at ``desk``, its draft opened and ``form`` saved in it: the draft's id."""
    lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
    app_id = lookup.application_id
    assert app_id is not None
    desk.form.save_form(app_id, form)
    return app_id
