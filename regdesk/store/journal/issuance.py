"""Issuing the result (Table 2, step 7): every print of a talon or refusal notice, and the
applicant's answers to the survey (Annex 3).
"""

from __future__ import annotations

from datetime import datetime

from regdesk.store import audit
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.part import PRINTS, SURVEYS, JournalPart
from regdesk.store.journal.records import PrintRecord, SurveyAnswer


class Issuance(JournalPart):
    """Prints and survey answers of applications."""

    def record_print(
        self,
        app_id: int,
        *,
        document: str,
        printer: str,
        format: str,
        by_iin: str,
        now: datetime,
        status: str = "queued",
        detail: str | None = None,
        duplicate: bool | None = None,
    ) -> int:
        """Note a print of the talon or refusal notice (with an audit record); returns its id.

        ``duplicate`` defaults to ``printed_before(app_id, document)``.
        """
        with transaction(self.db):
            self._state(app_id)
            if duplicate is None:
                duplicate = self.printed_before(app_id, document)
            cur = self.db.conn.execute(
                "INSERT INTO prints (application_id, document, printer, format, at, by_iin,"
                " status, detail, duplicate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app_id,
                    document,
                    printer,
                    format,
                    utc_text(now),
                    by_iin,
                    status,
                    detail,
                    int(duplicate),
                ),
            )
            print_id = int(cur.lastrowid or 0)
            audit.append(
                self.db,
                actor_iin=by_iin,
                action="print",
                object=f"application:{app_id}",
                detail={
                    "document": document,
                    "printer": printer,
                    "duplicate": bool(duplicate),
                    "print_id": print_id,
                },
                at=now,
            )
        return print_id

    def printed_before(self, app_id: int, document: str) -> bool:
        """Whether ``document`` of the application was printed (not failed) before: a duplicate."""
        row = self.db.conn.execute(
            "SELECT 1 FROM prints WHERE application_id = ? AND document = ?"
            " AND status != 'failed' LIMIT 1",
            (app_id, document),
        ).fetchone()
        return row is not None

    def update_print(self, print_id: int, *, status: str, detail: str | None = None) -> None:
        """Record what became of a print job ('written' or 'failed', with a reason)."""
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE prints SET status = ?, detail = ? WHERE id = ?", (status, detail, print_id)
            )

    def prints(self, app_id: int) -> list[PrintRecord]:
        """The prints of an application, oldest first."""
        return self._all(PRINTS, "FROM prints WHERE application_id = ? ORDER BY id", (app_id,))

    def save_survey(self, app_id: int, q1: int | None, q2: int | None, now: datetime) -> None:
        """Store the applicant's answers to the two survey questions (Annex 3: 1, 2 or 3)."""
        for q in (q1, q2):
            if q is not None and q not in (1, 2, 3):
                raise ValueError(f"a survey answer is 1, 2 or 3, not {q!r}")
        with transaction(self.db):
            self._state(app_id)
            self.db.conn.execute(
                "INSERT INTO survey_answers (application_id, q1, q2, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (application_id) DO UPDATE SET q1 = excluded.q1, q2 = excluded.q2,"
                " at = excluded.at",
                (app_id, q1, q2, utc_text(now)),
            )

    def survey(self, app_id: int) -> SurveyAnswer | None:
        """The applicant's survey answers, or None when none were given."""
        return self._first(SURVEYS, "FROM survey_answers WHERE application_id = ?", (app_id,))
