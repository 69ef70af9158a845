"""The journal of applications: every application, its history, scans, signature, prints, survey.

This package is the only code that writes the ``applications`` table and the tables hanging off
it. Each state change is one ``BEGIN IMMEDIATE`` transaction that also writes the event (for the
journal and the time-norm report) and the audit record, so the three never disagree.

It is split by what each part serves; ``Journal(db)`` holds one of each, as attributes::

    journal = Journal(db)
    journal.search.get(app_id)              # search: get, get_by_number, find, open_drafts, …
    journal.drafts.create_draft(...)        # drafts: create/receive, form, fields, scans
    journal.registration.register(...)      # registration: number, signature, state changes
    journal.events.history(app_id)          # events: history and time-norm steps
    journal.issuance.record_print(...)      # issuance: prints and the survey
    journal.outbox.enqueue(...)             # outbox: messages waiting for the registry
    journal.corrections.annul(...)          # corrections: annulments, surveys entered later
    journal.same_person.registered(...)     # same_person: this IIN's other applications here
    journal.portal.receive(...)             # portal: receiving, the inbox, the signed payload
    journal.reports.step_histogram(...)     # reports: the reports' aggregates (issue 13)
    journal.portal_results.undelivered()    # portal_results: portal decisions and their delivery
    journal.open_cases.of_person(...)       # open_cases: who has a person open at a desk now

Each part is a ``JournalPart`` over the same database and can also be built alone
(``Search(db)``). To add a part (the portal's or the reports' queries): a module here with a
``JournalPart`` subclass, and one attribute for it in ``Journal.__init__``.

Timestamps are passed in as aware datetimes (``now``) and stored as UTC text; records give them
back as aware datetimes.
"""

from __future__ import annotations

from sqlite_utils import Database

from regdesk.store.journal.corrections import Corrections
from regdesk.store.journal.drafts import Drafts
from regdesk.store.journal.errors import (
    AlreadyRegisteredError,
    IllegalTransitionError,
    NotEditableError,
    NotFoundError,
    RegisteredByColleagueError,
)
from regdesk.store.journal.events import Events
from regdesk.store.journal.issuance import Issuance
from regdesk.store.journal.names import make_name_key, normalise_name_query
from regdesk.store.journal.open_cases import OpenCase, OpenCases
from regdesk.store.journal.outbox import Outbox, fresh_key
from regdesk.store.journal.part import JournalPart
from regdesk.store.journal.portal import (
    CheckFailure,
    InboxCounts,
    InboxEntry,
    InboxStatus,
    Portal,
    PortalArrival,
    PortalCheck,
    PortalFileRecord,
    PortalPayload,
)
from regdesk.store.journal.portal_results import PortalResults, ResultRow
from regdesk.store.journal.records import (
    AnnulmentRecord,
    ApplicationRecord,
    AttachmentRecord,
    EventKind,
    EventRecord,
    OutboxItem,
    PrintRecord,
    SignatureRecord,
    SurveyAnswer,
)
from regdesk.store.journal.registration import Registration, format_number
from regdesk.store.journal.reports import Reports
from regdesk.store.journal.same_person import OtherApplication, SamePerson
from regdesk.store.journal.search import Search

__all__ = [
    "AlreadyRegisteredError",
    "AnnulmentRecord",
    "ApplicationRecord",
    "AttachmentRecord",
    "CheckFailure",
    "Corrections",
    "Drafts",
    "EventKind",
    "EventRecord",
    "Events",
    "IllegalTransitionError",
    "InboxCounts",
    "InboxEntry",
    "InboxStatus",
    "Issuance",
    "Journal",
    "JournalPart",
    "NotEditableError",
    "NotFoundError",
    "OpenCase",
    "OpenCases",
    "OtherApplication",
    "Outbox",
    "OutboxItem",
    "Portal",
    "PortalArrival",
    "PortalCheck",
    "PortalFileRecord",
    "PortalPayload",
    "PortalResults",
    "PrintRecord",
    "RegisteredByColleagueError",
    "Registration",
    "Reports",
    "ResultRow",
    "SamePerson",
    "Search",
    "SignatureRecord",
    "SurveyAnswer",
    "format_number",
    "fresh_key",
    "make_name_key",
    "normalise_name_query",
]


class Journal:
    """The parts of the journal of applications in ``db`` (opened with ``store.db.open_db``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.search = Search(db)
        self.drafts = Drafts(db)
        self.registration = Registration(db)
        self.events = Events(db)
        self.issuance = Issuance(db)
        self.outbox = Outbox(db)
        self.corrections = Corrections(db)
        self.same_person = SamePerson(db)
        self.portal = Portal(db)
        self.reports = Reports(db)
        self.portal_results = PortalResults(db)
        self.open_cases = OpenCases(db)
