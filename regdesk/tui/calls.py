"""Every call the screens make into the desk, in one module, each run off the UI thread.

A screen never calls the desk itself: it hands one of these functions to ``desk_call`` (base.py),
which runs it in a worker (a thread for the blocking ones, the desk's own event loop for the
registry's coroutines) and gives the result back on the UI thread. A read waits on the desk's
database lock, which a write may hold while SQLite waits for another terminal's transaction, so
not even a read may run on the UI thread. Keeping the calls here also keeps a rename of the desk's
API to one file.

Each function takes the desk first; what a screen needs at once is gathered into one frozen view,
so a screen makes one call where it used to make five.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from regdesk.core.rules import DocumentKind, Finding
    from regdesk.desk import (
        AdminChange,
        BackupAge,
        Desk,
        Detail,
        DistrictDetail,
        DistrictRecord,
        DistrictRow,
        DistrictSuggestion,
        InboxCounts,
        InboxPage,
        Issued,
        KeyCheck,
        Lookup,
        PortalCase,
        PrinterRow,
        Readiness,
        Report,
        ScanFile,
        StaffRow,
        TerminalRow,
    )

ApplicationRecord = Any
"""An application as the journal keeps it: the desk's package does not export the store's
record types, and the screens import nothing else of the desk."""
Employee = Any
"""The employee signed in (the store's record, as ``ApplicationRecord``)."""

# -- sign-in, session, language (Table 2 step 1) ---------------------------------------------


def sign_in(desk: Desk, iin: str, password: str) -> Employee:
    return desk.session.sign_in(iin, password)


def warm_up(desk: Desk) -> None:
    desk.session.warm_up()


def check_password(desk: Desk, password: str) -> bool:
    return desk.session.check_password(password)


def sign_out(desk: Desk) -> None:
    desk.session.sign_out()


def set_language(desk: Desk, lang: str) -> None:
    desk.session.set_language(lang)


def open_drafts(desk: Desk) -> list[ApplicationRecord]:
    return desk.session.open_drafts()


def tidy_prints(desk: Desk) -> int:
    """Printed files past their folder printer's ``keep_hours`` removed; how many."""
    return desk.upkeep.tidy_prints()


def backup_warning(desk: Desk) -> BackupAge | None:
    """For an admin: how old the last verified backup is, when older than the config allows."""
    return desk.upkeep.backup_warning()


def abandon(desk: Desk, app_id: int) -> None:
    desk.intake.abandon(app_id)


def begin_refusal(desk: Desk, app_id: int, step: str) -> None:
    """The refusal dialog opened: its step's clock starts (``refusal`` or ``no_data_refusal``)."""
    desk.intake.begin_step(app_id, step)


def begin_form(desk: Desk, app_id: int) -> None:
    """The form opened: step 5's clock starts."""
    desk.form.begin_step(app_id, "form_and_eds")


# -- the applicant (steps 3-4) ----------------------------------------------------------------


async def look_up(desk: Desk, iin: str) -> Lookup:
    return await desk.intake.look_up(iin)


def open_draft(desk: Desk, lookup: Lookup) -> Lookup:
    """The receptionist goes on (F9, F10): the application is opened now, not at the look-up."""
    return desk.intake.open_draft(lookup)


def refuse(desk: Desk, app_id: int, code: str, note: str) -> None:
    desk.intake.refuse(app_id, code, note)


# -- the person open at this desk, as the colleagues see it (issue 14) -------------------------


def keep_case_open(desk: Desk, iin: str | None, app_id: int | None) -> list[Finding]:
    """The heartbeat of the applicant screen: the person it shows (None: nobody) stays marked
    open at this desk; what the journal says of them now (a colleague's desk, a registration)."""
    return desk.context.cases.keep(iin, app_id)


def pause_case(desk: Desk) -> None:
    """The idle lock: this desk's mark goes until the employee unlocks."""
    desk.context.cases.pause()


def close_case(desk: Desk) -> None:
    """Back to the menu from the applicant: nobody is open at this desk any more."""
    desk.context.cases.leave()


# -- the form (step 5) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """What the form shows of a draft: its record, choices, scans and the rules' word."""

    record: ApplicationRecord
    documents: tuple[DocumentKind, ...]
    """The documents this applicant presents (the checklist and the scan kinds)."""
    districts: tuple[DistrictRecord, ...]
    suggestion: DistrictSuggestion
    """The district the address suggests (the one typed in the form, else the registered)."""
    attachments: tuple[Any, ...]
    representation: Representation | None = None
    """For a minor: who may represent them, and who does (None for an adult)."""


@dataclass(frozen=True)
class Representation:
    """A minor's representative on the form: the registry's parents offered, the choice made."""

    parents: tuple[Any, ...]
    """The parents and guardians the registry names (``core.person.Representative``)."""
    relations: tuple[str, ...]
    chosen: Any | None
    """``core.representation.ChosenRepresentative``, or None while nobody is chosen."""
    documents: tuple[DocumentKind, ...]
    """The documents asked for now (a guardian adds the appointing decision)."""


def representation(desk: Desk, app_id: int) -> Representation | None:
    from regdesk.core.person import RELATIONS

    record = desk.form.get(app_id)
    if not desk.form.needs_representative(record):
        return None
    return Representation(
        parents=tuple(desk.form.registry_representatives(record)),
        relations=RELATIONS,
        chosen=desk.form.representative(record),
        documents=tuple(desk.form.required_documents(record)),
    )


async def choose_representative(
    desk: Desk, app_id: int, iin: str, relation: str | None
) -> Representation | None:
    """A parent the registry names (``relation`` None) or another person by IIN, as the form
    chose; the representation as it now stands. DeskError says why one cannot represent."""
    from regdesk.core.person import RELATIONS

    chosen = next((r for r in RELATIONS if r == relation), None)
    await desk.form.choose_representative(app_id, iin, chosen)
    return representation(desk, app_id)


def open_form(desk: Desk, app_id: int) -> Form:
    """The draft as the form opens it."""
    record = desk.form.get(app_id)
    form = record.form or {}
    return Form(
        record=record,
        documents=tuple(desk.form.required_documents(record)),
        districts=tuple(desk.form.districts()),
        suggestion=desk.form.suggest_district(record, str(form.get("actual_address", ""))),
        attachments=tuple(desk.form.attachments(app_id)),
        representation=representation(desk, app_id),
    )


class LatestForm:
    """The form as last typed, for whichever save runs next to write.

    Saves that wait for the database (another terminal's transaction) may run in several
    threads and get the lock in any order; each writes the latest form, under a lock of its
    own, so the last write is always the last typing.
    """

    def __init__(self, app_id: int) -> None:
        self.app_id = app_id
        self.typed: dict[str, Any] | None = None
        self._written: dict[str, Any] | None = None
        self._lock = threading.Lock()


def districts(desk: Desk) -> list[DistrictRecord]:
    """The districts kept in the database, with today's doctor and nurse."""
    return desk.form.districts()


def suggest_district(desk: Desk, record: ApplicationRecord, address: str) -> DistrictSuggestion:
    """The district the address typed in the form falls in (or why none)."""
    return desk.form.suggest_district(record, address)


def save_form(desk: Desk, latest: LatestForm) -> None:
    with latest._lock:
        form = latest.typed
        if form is None or form == latest._written:
            return
        desk.form.save_form(latest.app_id, form)
        latest._written = form


def rules_on(desk: Desk, app_id: int, basis: str) -> list[Finding]:
    """The rules again on the basis the form now gives (what they say shows before signing)."""
    return desk.form.findings_for(desk.form.get(app_id), basis)


def attachments(desk: Desk, app_id: int) -> tuple[Any, ...]:
    return tuple(desk.form.attachments(app_id))


def check_saved(desk: Desk, latest: LatestForm, basis: str) -> Readiness:
    """Once the latest form is written: what would stop its registration."""
    save_form(desk, latest)
    return desk.form.readiness(desk.form.get(latest.app_id), basis)


def documents(desk: Desk, app_id: int) -> tuple[DocumentKind, ...]:
    """The documents this applicant presents (the kinds a scan may be)."""
    return tuple(desk.form.required_documents(desk.form.get(app_id)))


@dataclass(frozen=True)
class Scans:
    folder: Path
    files: tuple[ScanFile, ...]


def scans(desk: Desk) -> Scans:
    return Scans(desk.form.scan_folder(), tuple(desk.form.list_scans()))


def attach(desk: Desk, app_id: int, path: Path, kind: str) -> None:
    desk.form.attach(app_id, path, kind)


# -- EDS and registration (steps 5-6) ---------------------------------------------------------


@dataclass(frozen=True)
class Signing:
    """What the EDS dialog shows: the application under review and the key store offered."""

    record: ApplicationRecord
    attachments: tuple[Any, ...]
    key_hint: str


def open_signing(desk: Desk, app_id: int) -> Signing:
    return Signing(
        desk.form.get(app_id),
        tuple(desk.form.attachments(app_id)),
        desk.registration.key_store_hint(),
    )


def open_key(desk: Desk, path: str, password: str) -> KeyCheck:
    return desk.registration.open_key(path, password)


def register(desk: Desk, app_id: int, check: KeyCheck) -> str:
    return desk.registration.register(app_id, check)


# -- the result, printing, survey (steps 6-8) -------------------------------------------------


@dataclass(frozen=True)
class Result:
    record: ApplicationRecord
    preview: str


def result_of(desk: Desk, app_id: int) -> Result:
    return Result(desk.journal.get(app_id), desk.issuance.preview(app_id))


async def send_outbox(desk: Desk) -> int:
    return await desk.registration.flush_outbox()


def issue(desk: Desk, app_id: int, printer: str | None) -> Issued:
    return desk.issuance.issue(app_id, printer)


def save_survey(desk: Desk, app_id: int, q1: int, q2: int) -> None:
    desk.issuance.save_survey(app_id, q1, q2)


# -- the journal ------------------------------------------------------------------------------


def find(desk: Desk, query: str, state: str | None) -> list[tuple[Any, str]]:
    """The applications found, each with the reference its paper carries (number or refusal's)."""
    return [(r, desk.journal.reference(r)) for r in desk.journal.find(query, state=state)]


@dataclass(frozen=True)
class Entry:
    """An application opened from the journal, with its reference and its paper as text."""

    detail: Detail
    reference: str
    preview: str
    may_annul: bool = False
    """The employee may annul it (an admin, and it is registered or issued)."""


def entry(desk: Desk, app_id: int) -> Entry:
    from regdesk.core.application import State
    from regdesk.desk import ANNULLABLE

    detail = desk.journal.detail(app_id)
    state = detail.record.state
    # Only a decided application has a talon or a refusal notice to show; an annulled one has
    # the notice of its annulment.
    if state == State.ANNULLED:
        preview = desk.corrections.preview_notice(app_id)
    elif state in (State.REGISTERED, State.ISSUED, State.REFUSED):
        preview = desk.issuance.preview(app_id)
    else:
        preview = ""
    return Entry(
        detail,
        desk.journal.reference(detail.record),
        preview,
        may_annul=desk.corrections.may_annul() and state in ANNULLABLE,
    )


def reprint(desk: Desk, app_id: int, printer: str | None = None) -> Issued:
    """The application's paper again: the annulment notice of an annulled one."""
    from regdesk.core.application import State

    if desk.journal.get(app_id).state == State.ANNULLED:
        return desk.corrections.print_notice(app_id, printer)
    return desk.issuance.reprint(app_id, printer)


# -- corrections after the fact (issue 11) ----------------------------------------------------


def check_annulment(desk: Desk, app_id: int, reason: str, note: str) -> None:
    """The annulment asked is allowed (role, state, ground, note); DeskError says why not."""
    desk.corrections.check_request(app_id, reason, note)


def annul(desk: Desk, app_id: int, check: KeyCheck, *, reason: str, note: str) -> str:
    """Annul with the employee's key (the EDS dialog's signing step); the number back."""
    return desk.corrections.annul(app_id, reason, note, check)


def record_survey(desk: Desk, app_id: int, q1: int | None, q2: int | None) -> None:
    """The survey the applicant answered on paper, entered from the journal."""
    desk.corrections.record_survey(app_id, q1, q2)


# -- reports (issue 13) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportOnScreen:
    """A report and its text laid out for the screen's width (a year by day is thousands of
    lines: laid out here, off the UI thread)."""

    report: Report
    lines: list[str]


def report(
    desk: Desk,
    name: str,
    first: date,
    last: date,
    by: Literal["day", "week", "month"],
    lang: str,
    width: int,
) -> ReportOnScreen:
    """The report ``name`` over ``first``..``last``: the clinic's for an admin, a receptionist's
    own figures for a receptionist (``run_report`` decides by the signed-in employee's role)."""
    from regdesk.desk import Period, Scope, run_report

    made = run_report(desk.context, name, Period(first, last, by), Scope())
    return ReportOnScreen(made, report_lines(desk, made, lang, width))


def report_lines(desk: Desk, made: Report, lang: str, width: int) -> list[str]:
    """The report on screen again, in another language or at another width."""
    from regdesk.reporting.text import body_lines

    return body_lines(made, lang, width)


# -- the portal's applications (Table 1, actions 5-8) -----------------------------------------


def inbox_page(desk: Desk, which: str, offset: int, limit: int) -> InboxPage:
    """``limit`` rows of the inbox (``InboxStatus`` ``which``) from ``offset``, the earliest
    deadline first."""
    return desk.portal_inbox.page(which, offset=offset, limit=limit)


def inbox_counts(desk: Desk) -> InboxCounts:
    return desk.portal_inbox.counts()


async def open_portal(desk: Desk, app_id: int) -> PortalCase:
    """One portal application, the registry asked again now."""
    return await desk.portal_inbox.open(app_id)


# -- the own password, staff administration (issue 15) -----------------------------------------


def password_rules(desk: Desk) -> list[tuple[str, dict[str, object]]]:
    """The password policy in force, as catalogue keys and parameters."""
    return desk.session.password_rules()


def change_password(desk: Desk, old: str | None, new: str, again: str) -> None:
    desk.session.change_password(old, new, again)


def staff_accounts(desk: Desk) -> list[StaffRow]:
    return desk.staff_admin.accounts()


def add_employee(desk: Desk, iin: str, name: str, role: str) -> str:
    """A new account; its one-time password back (shown once)."""
    password = desk.staff_admin.add(iin, name, role)
    assert password is not None  # none given: one was made
    return password


def set_role(desk: Desk, iin: str, role: str) -> None:
    desk.staff_admin.set_role(iin, role)


def lock_employee(desk: Desk, iin: str) -> None:
    desk.staff_admin.lock(iin)


def unlock_employee(desk: Desk, iin: str) -> int:
    return desk.staff_admin.unlock(iin)


def reset_password(desk: Desk, iin: str) -> str:
    return desk.staff_admin.reset_password(iin)


def deactivate_employee(desk: Desk, iin: str) -> None:
    desk.staff_admin.deactivate(iin)


def waiting_terminals(desk: Desk) -> list[TerminalRow]:
    return desk.staff_admin.waiting_terminals()


def lift_terminal(desk: Desk, terminal: str | None, key: str) -> int:
    """Lift a terminal's sign-in delay: by its name, or by its key when no record names it."""
    if terminal is not None:
        return desk.staff_admin.lift_terminal(terminal)
    return desk.staff_admin.lift_terminal(key=key)


@dataclass(frozen=True)
class Printers:
    """This workstation's printers as the printers' screen shows them (``printers``)."""

    workstation: str
    rows: tuple[PrinterRow, ...]
    may_choose: bool
    """The employee may choose the workstation's default (an admin)."""


def printers(desk: Desk) -> Printers:
    setup = desk.printers
    return Printers(setup.workstation, tuple(setup.printers()), setup.may_choose())


def print_test_page(desk: Desk, name: str) -> Issued:
    return desk.printers.test_page(name)


def choose_printer(desk: Desk, name: str) -> Printers:
    """Make ``name`` this workstation's default; the list as it is now, to show."""
    desk.printers.choose_default(name)
    return printers(desk)


def admin_journal(desk: Desk) -> list[AdminChange]:
    return desk.staff_admin.journal()


def export_admin_journal(desk: Desk, lang: str) -> Path:
    return desk.staff_admin.export_journal(lang)


# -- the districts (issue 15): for a head or an admin ------------------------------------------


def district_rows(desk: Desk) -> list[DistrictRow]:
    return desk.districts.overview()


def district_detail(desk: Desk, number: int) -> DistrictDetail:
    return desk.districts.show(number)


def edit_district(desk: Desk, number: int, name: str, target: str, streets: str) -> bool:
    """The name, target size and streets as typed (one range a line); False: nothing changed.
    What cannot be read is said (``DeskError``) before anything is written."""
    from regdesk.desk import parse_ranges, parse_target

    ranges, size = parse_ranges(streets), parse_target(target)
    return desk.districts.edit(number, name=name, target=size, ranges=ranges)


def appoint_district(
    desk: Desk, number: int, post: str, full_name: str, day: str
) -> tuple[str, bool]:
    """The doctor (``post`` "doctor") or nurse from the day typed (DD.MM.YYYY): the day as
    read, and whether anything changed."""
    from regdesk.desk import parse_day

    from_day = parse_day(day)
    appoint = desk.districts.set_doctor if post == "doctor" else desk.districts.set_nurse
    return from_day.strftime("%d.%m.%Y"), appoint(number, full_name, from_day)


def begin_portal_registration(desk: Desk, app_id: int) -> None:
    """The EDS dialog of action 6 opened: its norm's clock starts."""
    desk.portal_decision.begin_step(app_id)


def portal_register(
    desk: Desk, app_id: int, check: KeyCheck, *, district: int | None, facts: Any
) -> str:
    """Action 6 with the employee's key: the number back; the signed talon queued for the
    portal. ``facts``: the registry's answer the screen showed (``PortalCase.facts``)."""
    return desk.portal_decision.register(app_id, check, district=district, facts=facts)


def portal_refuse(desk: Desk, app_id: int, code: str, note: str) -> None:
    """Action 7: the reason and note, queued for the portal with the decision."""
    desk.portal_decision.refuse(app_id, code, note)


@dataclass(frozen=True)
class PortalRound:
    """What one fetch-and-deliver round did (``portal_round``)."""

    received: int
    """New portal applications received (those that failed their check included)."""
    failed_check: int
    delivered: int
    """Decided results the portal took (or already held, the same)."""
    waiting: int
    """Results not taken this time (registry down or busy): tried again after the backoff."""
    held: int
    """Results stopped for a person: the portal holds another outcome or refuses the message."""
    problems: tuple[Any, ...]
    """``UserError``s of what could not be done: the list not fetched, an application not
    received this time (both tried again next round)."""


async def portal_round(desk: Desk) -> PortalRound:
    """Fetch and receive the portal's new applications, then send the decided results that are
    due; a failure of the first does not stop the second."""
    from regdesk.core.errors import UserError
    from regdesk.desk import DeliveryRound

    problems: list[UserError] = []
    received = failed_check = 0
    try:
        report = await desk.portal_intake.sync()
    except UserError as exc:
        problems.append(exc)
    else:
        received, failed_check = len(report.new), len(report.failed_check)
        problems += [e.error for e in report.errors]
        if report.stopped is not None:
            problems.append(report.stopped)
    try:
        sent = await desk.portal_decision.deliver_pending()
    except UserError as exc:  # the disk refused the outbox's writes (``NotSaved``)
        problems.append(exc)
        sent = DeliveryRound()
    return PortalRound(
        received=received,
        failed_check=failed_check,
        delivered=sent.delivered + sent.reconciled,
        waiting=sent.failed,
        held=sent.held,
        problems=tuple(problems),
    )
