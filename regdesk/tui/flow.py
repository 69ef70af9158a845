"""Table 2 from the applicant's answer to the next applicant, driven from one place.

The applicant screen looks the person up (steps 3-4); from there one flow object opens either
the motivated refusal (step 4) or the form (step 5, whose EDS dialog is step 6), then the
result (steps 6-8), and hands the next applicant's IIN back, if one was scanned on the result
screen. Each screen only says how it ended, by a typed result; none of them opens the next step.
The flow runs in a worker of the applicant screen, so closing that screen (sign-out, "other
employee" at the lock) ends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regdesk.tui.screens.form import FormScreen
from regdesk.tui.screens.refuse import RefuseScreen
from regdesk.tui.screens.result import ResultScreen

if TYPE_CHECKING:
    from regdesk.tui.app import DeskApp


class AttachFlow:
    """One applicant's way through the steps after the look-up."""

    def __init__(self, app: DeskApp) -> None:
        self.app = app

    async def refuse(self, app_id: int, suggested: str | None) -> str | None:
        """Step 4: the motivated refusal, then its result. The next applicant's IIN (``""``
        when none was scanned) once done; ``None`` when the receptionist went back."""
        refusal = RefuseScreen(app_id, suggested, before_registration=True)
        if not await self.app.push_screen_wait(refusal):
            return None
        return await self._result(app_id)

    async def fill(self, app_id: int) -> str | None:
        """Steps 5-6: the form and its EDS dialog, then the result; as ``refuse``."""
        if not await self.app.push_screen_wait(FormScreen(app_id)):
            return None
        return await self._result(app_id)

    async def _result(self, app_id: int) -> str:
        return await self.app.push_screen_wait(ResultScreen(app_id))
