"""An application's history: state changes (written by the parts that make them) and the start
and end of the time-norm steps, which the time-norm report measures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from regdesk.core.application import Role
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal.part import EVENTS, JournalPart
from regdesk.store.journal.records import EventRecord


class Events(JournalPart):
    """The events of applications."""

    def history(self, app_id: int) -> list[EventRecord]:
        """The history of an application, oldest first."""
        return self._all(EVENTS, "FROM events WHERE application_id = ? ORDER BY at, id", (app_id,))

    def record_step(
        self,
        app_id: int,
        step: str,
        kind: Literal["step_start", "step_end"],
        actor_iin: str,
        role: Role,
        now: datetime,
    ) -> None:
        """Note the start or end of a time-norm step (e.g. 'registry_request')."""
        if kind not in ("step_start", "step_end"):
            raise ValueError(f"not a step event: {kind!r}")
        with transaction(self.db):
            self._state(app_id)
            self._event(app_id, utc_text(now), actor_iin, role, kind, step, None, None, None, None)
