"""Portal applications put into a demo workspace's journal, for the inbox's tests.

An application is recorded as the desk's receiving records it (``Journal.portal.receive``: the
state RECEIVED, the payload as signed, the check on receipt, its deadline from the clinic's
working calendar) with its files in the vault, so the inbox reads it as one fetched from the
portal.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from regdesk import demo
from regdesk.config import Config
from regdesk.core.calendar import WorkCalendar
from regdesk.core.json_types import JsonValue
from regdesk.store.db import open_db
from regdesk.store.journal import (
    CheckFailure,
    Journal,
    PortalArrival,
    PortalCheck,
    PortalFileRecord,
)
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault


def calendar(config: Config) -> WorkCalendar:
    hours = config.work_hours
    return WorkCalendar.from_settings(hours.start, hours.end, hours.timezone)


def a4_pdf(pages: int = 1) -> bytes:
    """A real PDF of ``pages`` A4 pages (210 × 297 mm)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(text=f"Identity document, page {n + 1}")
    return bytes(pdf.output())


def png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` × ``height`` pixels."""
    return demo._png(width, height, 90)


def receive(
    ws: demo.DemoWorkspace,
    *,
    portal_id: str,
    subject_iin: str,
    received: datetime,
    applicant_iin: str | None = None,
    relation: str = "self",
    names: tuple[str, str, str] = ("", "", ""),
    files: tuple[tuple[str, bytes], ...] = (("identity-document.pdf", a4_pdf()),),
    failures: tuple[CheckFailure, ...] = (),
) -> int:
    """Record a portal application received at ``received`` (checked and passed, unless
    ``failures`` are given); its id in the journal."""
    config = ws.config
    paths = DataPaths.for_config(config)
    db = open_db(paths.database)
    try:
        applicant = applicant_iin or subject_iin
        form: dict[str, JsonValue] = {
            "id": portal_id,
            "service": "attachment",
            "clinic_bin": config.clinic.bin,
            "applicant_iin": applicant,
            "subject_iin": subject_iin,
            "relation": relation,
            "basis": "free_choice",
            "district": None,
            "submitted_at": received.isoformat(),
        }
        vault = Vault(paths.vault_dir, paths.vault_key, 10 * 1024 * 1024)
        stored = []
        for name, data in files:
            kept = vault.put_bytes(data, name=name)
            stored.append(
                PortalFileRecord(name, kept.media_type, kept.size, kept.sha256, kept.vault_name)
            )
        signer = {"iin": applicant, "name": " ".join(n for n in names if n)}
        arrival = PortalArrival(
            portal_id=portal_id,
            submitted_at=received,
            applicant_iin=subject_iin,
            representative_iin=applicant if applicant != subject_iin else None,
            relation=relation,
            basis="free_choice",
            requested_district=None,
            phone="+7 701 555 12 34",
            payload=json.dumps(form, ensure_ascii=False, sort_keys=True).encode(),
            signature=b"",
            check=PortalCheck.failed(failures, signer),
            files=tuple(stored),
            form=form,
            surname=names[0],
            first_name=names[1],
            patronymic=names[2],
        )
        deadline = calendar(config).next_working_day_deadline(received)
        app_id, _new = Journal(db).portal.receive(arrival, now=received, deadline=deadline)
    finally:
        db.conn.close()
    return app_id


def database(ws: demo.DemoWorkspace) -> Path:
    return DataPaths.for_config(ws.config).database
