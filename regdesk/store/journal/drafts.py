"""Applications before registration: a front-desk draft, its form as typed, its fields and its
scans (Table 2, steps 3-5). A portal arrival is created by ``portal.Portal.receive`` and edited
here like a draft until it is decided.

Only a draft or a received application can change here (``NotEditableError`` otherwise).
"""

from __future__ import annotations

from datetime import date, datetime

from regdesk.core.application import Channel, Role, State
from regdesk.core.json_types import JsonObject
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.names import make_name_key
from regdesk.store.journal.part import ATTACHMENTS, JournalPart, dump_json, stored_value
from regdesk.store.journal.records import AttachmentRecord

# Fields of a draft that ``update`` may set (``stored_value`` says how each is stored).
_UPDATABLE = frozenset(
    {
        "surname",
        "first_name",
        "patronymic",
        "birth_date",
        "representative_iin",
        "basis",
        "district",
        "effective_date",
        "registry_data",
        "deadline",
    }
)


class Drafts(JournalPart):
    """Creating applications and editing them until registration."""

    def create_draft(
        self,
        *,
        applicant_iin: str,
        actor_iin: str,
        role: Role,
        now: datetime,
        registry_data: JsonObject | None = None,
        surname: str = "",
        first_name: str = "",
        patronymic: str = "",
        birth_date: date | None = None,
        representative_iin: str | None = None,
        basis: str | None = None,
    ) -> int:
        """Start a front-desk application (Table 2, steps 3-5) and return its id."""
        return self._create(
            channel=Channel.DESK,
            state=State.DRAFT,
            applicant_iin=applicant_iin,
            actor_iin=actor_iin,
            role=role,
            now=now,
            registry_data=registry_data,
            surname=surname,
            first_name=first_name,
            patronymic=patronymic,
            birth_date=birth_date,
            representative_iin=representative_iin,
            basis=basis,
            portal_id=None,
            deadline=None,
            form=None,
        )

    def save_form(self, app_id: int, form: JsonObject, now: datetime) -> None:
        """Save the form as typed so far (called as the receptionist types; no audit record)."""
        with transaction(self.db):
            self._check_editable(app_id)
            self.db.conn.execute(
                "UPDATE applications SET form = ?, updated_at = ? WHERE id = ?",
                (dump_json(form), utc_text(now), app_id),
            )

    def update(self, app_id: int, now: datetime, **fields: object) -> None:
        """Set fields of a draft or received application (names, basis, district, dates, …).

        Allowed fields: surname, first_name, patronymic, birth_date, representative_iin, basis,
        district, effective_date, registry_data, deadline. The name key follows the names.
        """
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not fields:
            return
        with transaction(self.db):
            self._check_editable(app_id)
            sets = [f"{name} = ?" for name in fields]
            params = [stored_value(name, value) for name, value in fields.items()]
            if {"surname", "first_name", "patronymic"} & set(fields):
                current = self._application(app_id)
                names = {
                    "surname": current.surname,
                    "first_name": current.first_name,
                    "patronymic": current.patronymic,
                }
                names.update({k: str(v or "") for k, v in fields.items() if k in names})
                sets.append("name_key = ?")
                params.append(make_name_key(**names))
            sets.append("updated_at = ?")
            params += [utc_text(now), app_id]
            self.db.conn.execute(f"UPDATE applications SET {', '.join(sets)} WHERE id = ?", params)

    # --- scans ---------------------------------------------------------------------------------

    def check_editable(self, app_id: int) -> None:
        """NotFoundError or NotEditableError unless the application's form can still change."""
        self._check_editable(app_id)

    def add_attachment(
        self,
        app_id: int,
        *,
        doc_kind: str,
        original_name: str,
        media_type: str,
        size: int,
        sha256: str,
        vault_name: str,
        actor_iin: str,
        now: datetime,
    ) -> int:
        """Record a scan already put into the vault (``Vault.put``); returns the attachment id."""
        with transaction(self.db):
            self._check_editable(app_id)
            cur = self.db.conn.execute(
                "INSERT INTO attachments (application_id, doc_kind, original_name, media_type,"
                " size, sha256, vault_name, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app_id,
                    doc_kind,
                    original_name,
                    media_type,
                    size,
                    sha256,
                    vault_name,
                    utc_text(now),
                    actor_iin,
                ),
            )
            self.db.conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ?", (utc_text(now), app_id)
            )
        return int(cur.lastrowid or 0)

    def remove_attachment(self, attachment_id: int, now: datetime) -> AttachmentRecord | None:
        """Detach a scan from a draft; returns what was removed (its vault file is the caller's)."""
        with transaction(self.db):
            found = self._attachments("id = ?", attachment_id)
            if not found:
                return None
            self._check_editable(found[0].application_id)
            self.db.conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
            self.db.conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ?",
                (utc_text(now), found[0].application_id),
            )
        return found[0]

    def attachments(self, app_id: int) -> list[AttachmentRecord]:
        """The scans of an application, in the order they were added."""
        return self._attachments("application_id = ?", app_id)

    def _attachments(self, where: str, value: int) -> list[AttachmentRecord]:
        return self._all(ATTACHMENTS, f"FROM attachments WHERE {where} ORDER BY id", (value,))
