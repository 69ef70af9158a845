"""``Desk``: one workstation, composed of one context and one use case per step of Table 2."""

from __future__ import annotations

from sqlite_utils import Database

from regdesk.config import Config
from regdesk.core.clock import ClinicClock
from regdesk.desk.context import DeskContext
from regdesk.desk.corrections import Corrections
from regdesk.desk.districts import DistrictAdmin
from regdesk.desk.form import ApplicationForm
from regdesk.desk.intake import Intake
from regdesk.desk.issuance import Issuance
from regdesk.desk.journal import JournalView
from regdesk.desk.policy_view import PolicyView
from regdesk.desk.portal_decision import PortalDecision
from regdesk.desk.portal_inbox import PortalInbox
from regdesk.desk.portal_intake import PortalIntake
from regdesk.desk.printer_setup import PrinterSetup
from regdesk.desk.registration import Registration
from regdesk.desk.session import Session
from regdesk.desk.staff_admin import StaffAdmin
from regdesk.desk.upkeep import Upkeep
from regdesk.store.staff import Employee


class Desk:
    """The use cases of one workstation, sharing its context (config, database, clock, who).

    ``desk.session`` (step 1), ``desk.intake`` (steps 3-4), ``desk.form`` (step 5),
    ``desk.registration`` (steps 5-6), ``desk.issuance`` (step 8), ``desk.journal``,
    ``desk.corrections`` (annulment, the survey afterwards), ``desk.staff_admin`` (the
    admin's staff accounts and the journal of administrative changes); the portal (Table 1):
    ``desk.portal_intake`` (action 5: the portal's applications fetched and received),
    ``desk.portal_decision`` (actions 6-8: register or refuse, the result sent back),
    ``desk.portal_inbox`` (the applications by deadline, one opened).
    """

    def __init__(
        self,
        config: Config,
        *,
        clock: ClinicClock | None = None,
        db: Database | None = None,
        terminal: str | None = None,
    ) -> None:
        self.config = config
        # ``terminal``: this workstation's id for the sign-in throttle; None reads it from the
        # environment (``desk.terminal.terminal_id``: browser, SSH client, or host and user).
        self.context = DeskContext(config, clock=clock, db=db, terminal=terminal)
        self.clock = self.context.clock
        """The clinic's clock: the screens show every time in clinic time through it."""
        self.session = Session(self.context)
        self.intake = Intake(self.context)
        self.form = ApplicationForm(self.context)
        self.registration = Registration(self.context, self.form)
        self.issuance = Issuance(self.context)
        self.journal = JournalView(self.context)
        self.corrections = Corrections(self.context)
        self.portal_decision = PortalDecision(self.context)
        self.upkeep = Upkeep(self.context)
        self.portal_inbox = PortalInbox(self.context)
        self.staff_admin = StaffAdmin(self.context)
        self.printers = PrinterSetup(self.context)
        """This workstation's printers: the list, a test page, the default (issue 15)."""
        self.policy_view = PolicyView(self.context)
        self.districts = DistrictAdmin(self.context)
        """The districts and their doctors: read by all, changed by a head or an admin."""
        self.portal_intake = PortalIntake(self.context)
        """Table 1 action 5: fetching and receiving the portal's applications."""

    @property
    def terminal(self) -> str:
        """This workstation's id: the key its failed sign-ins are throttled under."""
        return self.context.terminal

    @property
    def employee(self) -> Employee | None:
        """The employee signed in at this workstation, if any."""
        return self.context.employee

    def close(self) -> None:
        self.context.close()

    async def aclose(self) -> None:
        await self.context.aclose()


__all__ = ["Desk"]
