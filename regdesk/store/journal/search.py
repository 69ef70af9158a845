"""Finding applications: by id, number or its tail, portal id, IIN or its prefix, name prefix,
state and dates.

Every criterion of ``find`` has an index (``tests/store/test_store_journal.py`` reads the plans).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from regdesk.core.application import State
from regdesk.store.db import utc_text
from regdesk.store.journal.names import PREFIX_END, normalise_name_query
from regdesk.store.journal.part import APPLICATIONS, JournalPart
from regdesk.store.journal.records import ApplicationRecord


class Search(JournalPart):
    """Reading applications (no writes)."""

    def _many(self, sql: str, params: Sequence[object]) -> list[ApplicationRecord]:
        """The applications of ``sql``, a whole query (so a test can read its plan)."""
        return [APPLICATIONS.read(r) for r in self.db.conn.execute(sql, params)]

    def get(self, app_id: int) -> ApplicationRecord:
        """The application ``app_id``; ``NotFoundError`` when there is none."""
        return self._application(app_id)

    def get_by_number(self, number: str) -> ApplicationRecord | None:
        """The application registered under ``number``, or None (e.g. a talon's QR code checked)."""
        return self._first(APPLICATIONS, "FROM applications WHERE number = ?", (number.strip(),))

    def get_by_portal_id(self, portal_id: str) -> ApplicationRecord | None:
        """The application that arrived from the portal as ``portal_id``, or None."""
        return self._first(APPLICATIONS, "FROM applications WHERE portal_id = ?", (portal_id,))

    def find(
        self,
        *,
        iin: str | None = None,
        iin_prefix: str | None = None,
        number: str | None = None,
        number_seq: int | None = None,
        number_year: int | None = None,
        name_prefix: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        state: State | str | None = None,
        limit: int = 50,
    ) -> list[ApplicationRecord]:
        """Applications matching every criterion given, at most ``limit``.

        ``iin_prefix`` matches IINs starting with those digits; ``number_seq`` (optionally with
        ``number_year``) is a number's tail, the sequence within its year.
        ``name_prefix`` matches the start of "surname first patronymic", whatever the case and
        whether typed with Kazakh or Russian letters (``names``); results are then in name
        order. Otherwise the newest come first. ``date_from`` is inclusive and ``date_to``
        exclusive, on ``created_at``. Every criterion has an index.
        """
        where: list[str] = []
        params: list[object] = []
        if iin is not None:
            where.append("applicant_iin = ?")
            params.append(iin.strip())
        if iin_prefix is not None:
            # A range on the index; ':' is the character after '9'.
            where.append("applicant_iin >= ? AND applicant_iin < ?")
            params += [iin_prefix.strip(), iin_prefix.strip() + ":"]
        if number is not None:
            where.append("number = ?")
            params.append(number.strip())
        if number_seq is not None:
            where.append("number_seq = ?")
            params.append(number_seq)
        if number_year is not None:
            where.append("number_year = ?")
            params.append(number_year)
        prefix = normalise_name_query(name_prefix) if name_prefix is not None else ""
        if prefix:
            where.append("name_key >= ? AND name_key < ?")
            params += [prefix, prefix + PREFIX_END]
        if date_from is not None:
            where.append("created_at >= ?")
            params.append(utc_text(date_from))
        if date_to is not None:
            where.append("created_at < ?")
            params.append(utc_text(date_to))
        if state is not None:
            where.append("state = ?")
            params.append(State(state).value)
        sql = f"SELECT {APPLICATIONS.columns} FROM applications"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY name_key, id" if prefix else " ORDER BY created_at DESC, id DESC"
        sql += " LIMIT ?"
        params.append(limit)
        return self._many(sql, params)

    def list_recent(
        self, limit: int = 50, state: State | str | None = None
    ) -> list[ApplicationRecord]:
        """The newest applications, optionally in one state."""
        return self.find(state=state, limit=limit)

    def open_drafts(self, actor_iin: str) -> list[ApplicationRecord]:
        """Drafts this employee started and has not finished, the most recently touched first."""
        return self._many(
            f"SELECT {APPLICATIONS.columns} FROM applications WHERE created_by = ? AND state = ?"
            " ORDER BY updated_at DESC, id DESC",
            (actor_iin, State.DRAFT.value),
        )

    def count_by_state(self) -> dict[State, int]:
        """How many applications are in each state (for an overview)."""
        rows = self.db.conn.execute("SELECT state, count(*) FROM applications GROUP BY state")
        return {State(s): int(n) for s, n in rows}
