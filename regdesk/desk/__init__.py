"""The front desk's use cases: one module per step of the regulation's Table 2, no Textual.

=====================  ==================================================  =================
Table 2                what the desk does                                  module
=====================  ==================================================  =================
step 1                 sign in, lock and unlock, sign out, language,       ``session``
                       the drafts left unfinished
steps 3-4              the IIN, the registry's answer, the checks, the     ``intake``
                       motivated refusal before a number
step 5                 the form: fields, documents, district, scans        ``form``
steps 5-6              the key, the EDS signature, the number, the outbox  ``registration``
step 7                 a refusal found in the form (still ``intake``)      ``intake``
step 8                 the talon or the refusal notice: preview, print,    ``issuance``
                       reprint; the survey
—                      the journal: search, one application in detail      ``journal``
—                      corrections: a registration annulled, the survey    ``corrections``
                       entered afterwards (issue 11)
—                      reports: time norms, portal, outcomes, survey,      ``reports``
                       workload (issue 13), as tables and charts
Table 1 action 5       a portal application fetched, checked (signature,   ``portal_intake``
                       files, signer) and received, due in one working day
Table 1 actions 6-8    a portal application registered (with the signed    ``portal_decision``
                       electronic talon) or refused; the result sent back
—                      upkeep: old printed files removed at start, the     ``upkeep``
                       admin's warning of an overdue backup
Table 1, actions 5-7   the portal's applications by deadline, one opened   ``portal_inbox``
                       with the registry asked again
—                      staff administration, the admin journal (issue 15)  ``staff_admin``
—                      the policy in force: signing, registry, disk,       ``policy_view``
                       backup (issue 15); training keys and the mark       ``training``
—                      the districts, their doctors and nurses, attached   ``districts``
                       people against targets (issue 15)
=====================  ==================================================  =================

They share one ``DeskContext`` (``context``: config, database, clinic clock, who acts, the
lock) and are composed per workstation by ``Desk`` (``workstation``). Errors: ``errors``.
"""

from __future__ import annotations

from regdesk.core.districts import DistrictSuggestion
from regdesk.desk.context import Actor, DeskContext
from regdesk.desk.corrections import ANNULLABLE, SURVEY_STATES, Corrections
from regdesk.desk.districts import (
    DistrictAdmin,
    DistrictDetail,
    DistrictRow,
    parse_day,
    parse_ranges,
    parse_target,
)
from regdesk.desk.errors import (
    AttachNotRecorded,
    DeskError,
    DistrictMissing,
    DocumentsMissing,
    NotAllowed,
    NotSaved,
    NotSignedIn,
    PasswordChangeRequired,
    RulesBlock,
)
from regdesk.desk.form import ApplicationForm, Readiness, ScanFile
from regdesk.desk.intake import Intake, Lookup
from regdesk.desk.issuance import Issuance, Issued
from regdesk.desk.journal import Detail, JournalView
from regdesk.desk.open_cases import HEARTBEAT_SECONDS, OpenCases
from regdesk.desk.policy_view import (
    PolicyOverview,
    PolicyView,
    RegistryCheck,
    describe_policy,
    describe_registry,
)
from regdesk.desk.portal_decision import Delivery, DeliveryRound, PortalDecision, deliver_pending
from regdesk.desk.portal_inbox import PAGE as INBOX_PAGE
from regdesk.desk.portal_inbox import (
    InboxCounts,
    InboxPage,
    InboxRow,
    InboxStatus,
    PortalCase,
    PortalInbox,
    Urgency,
)
from regdesk.desk.printer_setup import PrinterRow, PrinterSetup
from regdesk.desk.registration import KeyCheck, Registration, key_folder_offer
from regdesk.desk.reports import REPORTS, Period, Report, ReportError, Scope, run_report
from regdesk.desk.session import Session
from regdesk.desk.staff_admin import (
    AdminChange,
    StaffAdmin,
    StaffRow,
    TerminalRow,
    describe_action,
    describe_changes,
)
from regdesk.desk.upkeep import BackupAge, Upkeep
from regdesk.desk.workstation import Desk
from regdesk.store.districts import AddressRange, Appointment, DistrictRecord

__all__ = [
    "ANNULLABLE",
    "HEARTBEAT_SECONDS",
    "INBOX_PAGE",
    "REPORTS",
    "SURVEY_STATES",
    "Actor",
    "AddressRange",
    "AdminChange",
    "ApplicationForm",
    "Appointment",
    "AttachNotRecorded",
    "BackupAge",
    "Corrections",
    "Delivery",
    "DeliveryRound",
    "Desk",
    "DeskContext",
    "DeskError",
    "Detail",
    "DistrictAdmin",
    "DistrictDetail",
    "DistrictMissing",
    "DistrictRecord",
    "DistrictRow",
    "DistrictSuggestion",
    "DocumentsMissing",
    "InboxCounts",
    "InboxPage",
    "InboxRow",
    "InboxStatus",
    "Intake",
    "Issuance",
    "Issued",
    "JournalView",
    "KeyCheck",
    "Lookup",
    "NotAllowed",
    "NotSaved",
    "NotSignedIn",
    "OpenCases",
    "PasswordChangeRequired",
    "Period",
    "PolicyOverview",
    "PolicyView",
    "PortalCase",
    "PortalDecision",
    "PortalInbox",
    "PrinterRow",
    "PrinterSetup",
    "Readiness",
    "Registration",
    "RegistryCheck",
    "Report",
    "ReportError",
    "RulesBlock",
    "ScanFile",
    "Scope",
    "Session",
    "StaffAdmin",
    "StaffRow",
    "TerminalRow",
    "Upkeep",
    "Urgency",
    "deliver_pending",
    "describe_action",
    "describe_changes",
    "describe_policy",
    "describe_registry",
    "key_folder_offer",
    "parse_day",
    "parse_ranges",
    "parse_target",
    "run_report",
]
