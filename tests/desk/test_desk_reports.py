"""The reports of issue 13 over a journal built here with a pinned clock.

Every expected number is worked out by hand in the comments from the journal the test writes,
not read off what the code prints. The journal is written with the store's own writers (the
same calls the desk's use cases make), into a real SQLite file, at the moments given.

The journal (March 2026, clinic time, Asia/Almaty = UTC+5; durations in seconds):

====  ======  ================  ========  =====  ==========================  =================
app   who     opened            registry  form   then                        survey q1/q2
====  ======  ================  ========  =====  ==========================  =================
A1    Anna    Mon 2 Mar 10:00   12        10     free_choice d1, issue 2     3 / 3
A2    Anna    Mon 2 Mar 11:00   100       14     residence_change d2, iss 5  2 / –
A3    Bolat   Tue 3 Mar 09:30   30        –      no data: refused (step 4)   1 / 1
                                                 after a 10 s dialog
A4    Bolat   Tue 3 Mar 14:00   45        20     free_choice d1, then        –
                                                 refused (step 7, 30 s)
A5    Anna    Wed 4 Mar 16:00   20        open   abandoned: form unfinished  –
A6    Anna    Sun 1 Mar 00:20   5         10     free_choice d2, issue 3     3 / 2
A7    Bolat   Mon 9 Mar 10:00   50        12     newborn d1, issue 4,        –
                                                 annulled 10 Mar (duplicate)
A8    Anna    Fri 27 Feb 15:00  10        –      (before the period)         –
A9    Bolat   Thu 5 Mar 17:00   10        10     free_choice d1, issue       3 / 3
                                                 Thu 17:30 → Fri 10:00
A10   Bolat   Fri 6 Mar 12:00   8         12     free_choice d2, issue       –
                                                 Fri 12:30 → Tue 10 13:00
====  ======  ================  ========  =====  ==========================  =================

A6 is opened at 00:20 on 1 March in the clinic, which is 19:20 on 28 February in UTC.

The portal (Nauryz 2026: Saturday 21 to Wednesday 25 March are days off):

- P1 received Fri 20 Mar 10:00 → due Thu 26 Mar 10:00; registered by Anna Thu 26 Mar 11:30
  (free_choice d1): late by 1 h 30 min, in working time too; its talon delivered at 11:31.
- P2 received Fri 20 Mar 10:00 → due Thu 26 Mar 10:00; refused by Bolat (deceased) on
  Wed 25 Mar 15:00, a day off: in time.
- P3 received Fri 20 Mar 16:00 → due Thu 26 Mar 16:00; registered by Bolat Fri 27 Mar 09:30
  (residence_change d2): late by 17 h 30 min of wall time, 2 h 30 min of working time
  (Thu 16:00-18:00 and Fri 09:00-09:30).
- P4 received Thu 26 Mar 20:00, after hours → due Fri 27 Mar 18:00; pending.
- P5 received Tue 24 Mar 11:00, a day off → due Thu 26 Mar 18:00; pending, overdue on Friday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.config import Config, Storage
from regdesk.core.application import Role, State
from regdesk.core.calendar import WorkCalendar
from regdesk.core.clock import PinnedClock, zone
from regdesk.desk import REPORTS, Period, Report, ReportError, Scope, run_report
from regdesk.desk.context import Actor, DeskContext
from regdesk.desk.reports import HELP_KEYS, Table
from regdesk.i18n import catalogue
from regdesk.store.db import transaction, utc_text
from regdesk.store.journal import Journal
from regdesk.store.journal.portal import PortalArrival, PortalCheck

ALMATY = zone("Asia/Almaty")
ANNA = "111111111111"
BOLAT = "222222222222"
HEAD = "333333333333"
R = Role.RECEPTIONIST
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ALMATY)  # type: ignore[misc]


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


@dataclass
class Clinic:
    """The journal the tests read, with the numbers its registrations got."""

    ctx: DeskContext
    numbers: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def journal(self) -> Journal:
        return self.ctx.journal

    def report(self, name: str, by: str = "week", scope: Scope | None = None) -> Report:
        return run_report(self.ctx, name, Period(*MARCH, by), scope or Scope())  # type: ignore[arg-type]

    # -- writing the journal as the desk does --------------------------------------------------

    def person(self) -> str:
        """A new applicant's IIN-like number: each application is a different person."""
        return f"9001013{len(self.ids):05d}"

    def open(self, name: str, who: str, opened: datetime) -> int:
        app = self.journal.drafts.create_draft(
            applicant_iin=self.person(), actor_iin=who, role=R, now=opened
        )
        self.ids[name] = app
        return app

    def step(self, app: int, step: str, who: str, start: datetime, end: datetime | None) -> None:
        self.journal.events.record_step(app, step, "step_start", who, R, start)
        if end is not None:
            self.journal.events.record_step(app, step, "step_end", who, R, end)

    def register(self, name: str, who: str, when: datetime, basis: str, district: int) -> None:
        self.numbers[name] = self.journal.registration.register(
            self.ids[name],
            clinic_code="C1",
            actor_iin=who,
            role=R,
            now=when,
            basis=basis,
            district=district,
        )

    def move(self, name: str, to: State, who: str, when: datetime, reason: str = "") -> None:
        self.journal.registration.transition(
            self.ids[name], to, actor_iin=who, role=R, reason_code=reason or None, now=when
        )

    def desk(
        self,
        name: str,
        who: str,
        opened: datetime,
        registry: float,
        form: float | None = None,
        *,
        form_open: bool = False,
        basis: str = "free_choice",
        district: int = 1,
    ) -> int:
        """Open, ask the registry (``registry`` s), fill the form (``form`` s) and register."""
        app = self.open(name, who, opened)
        self.step(app, "registry_request", who, opened, opened + s(registry))
        form_start = opened + s(registry) + s(3)
        if form is not None:
            self.step(app, "form_and_eds", who, form_start, form_start + s(form))
            self.register(name, who, form_start + s(form), basis, district)
        elif form_open:
            self.step(app, "form_and_eds", who, form_start, None)
        return app

    def issue(self, name: str, who: str, start: datetime, end: datetime) -> None:
        self.step(self.ids[name], "issue", who, start, end)
        self.move(name, State.ISSUED, who, end)

    def survey(self, name: str, q1: int | None, q2: int | None, when: datetime) -> None:
        self.journal.issuance.save_survey(self.ids[name], q1, q2, when)

    def portal(self, name: str, received: datetime, deadline: datetime, basis: str) -> None:
        arrival = PortalArrival(
            portal_id=f"portal-{name}",
            submitted_at=received,
            applicant_iin=self.person(),
            representative_iin=None,
            relation="self",
            basis=basis,
            requested_district=None,
            phone="",
            payload=b"{}",
            signature=b"",
            check=PortalCheck(ok=True),
        )
        self.ids[name], _ = self.journal.portal.receive(arrival, now=received, deadline=deadline)

    def delivered(self, name: str, when: datetime) -> None:
        # The portal's confirmation of the result, as the delivery of results records it.
        with transaction(self.journal.db):
            self.journal.db.conn.execute(
                "UPDATE applications SET delivered_at = ? WHERE id = ?",
                (utc_text(when), self.ids[name]),
            )


@pytest.fixture
def clinic(tmp_path: Path) -> Clinic:
    clock = PinnedClock(at(2026, 3, 27, 12, 0))  # Friday 27 March, noon
    ctx = DeskContext(Config(storage=Storage(data_dir=str(tmp_path))), clock=clock)
    ctx.operator = Actor("cli:head", Role.ADMIN)
    c = Clinic(ctx)
    c.desk("A1", ANNA, at(2026, 3, 2, 10, 0), 12, 10)
    c.issue("A1", ANNA, at(2026, 3, 2, 10, 1, 0), at(2026, 3, 2, 10, 1, 2))
    c.survey("A1", 3, 3, at(2026, 3, 2, 10, 1, 5))
    c.desk("A2", ANNA, at(2026, 3, 2, 11, 0), 100, 14, basis="residence_change", district=2)
    c.issue("A2", ANNA, at(2026, 3, 2, 11, 3, 0), at(2026, 3, 2, 11, 3, 5))
    c.survey("A2", 2, None, at(2026, 3, 2, 11, 3, 9))
    a3 = c.desk("A3", BOLAT, at(2026, 3, 3, 9, 30), 30)
    c.step(a3, "no_data_refusal", BOLAT, at(2026, 3, 3, 9, 30, 40), at(2026, 3, 3, 9, 30, 50))
    c.move("A3", State.REFUSED, BOLAT, at(2026, 3, 3, 9, 30, 50), "no_data")
    c.survey("A3", 1, 1, at(2026, 3, 3, 9, 31))
    a4 = c.desk("A4", BOLAT, at(2026, 3, 3, 14, 0), 45, 20)
    c.step(a4, "refusal", BOLAT, at(2026, 3, 3, 14, 5, 0), at(2026, 3, 3, 14, 5, 30))
    c.move("A4", State.REFUSED, BOLAT, at(2026, 3, 3, 14, 5, 30), "data_mismatch")
    c.desk("A5", ANNA, at(2026, 3, 4, 16, 0), 20, form_open=True)
    c.move("A5", State.ABANDONED, ANNA, at(2026, 3, 4, 16, 30))
    c.desk("A6", ANNA, at(2026, 3, 1, 0, 20), 5, 10, district=2)
    c.issue("A6", ANNA, at(2026, 3, 1, 0, 21, 0), at(2026, 3, 1, 0, 21, 3))
    c.survey("A6", 3, 2, at(2026, 3, 1, 0, 21, 9))
    c.desk("A7", BOLAT, at(2026, 3, 9, 10, 0), 50, 12, basis="newborn")
    c.issue("A7", BOLAT, at(2026, 3, 9, 10, 2, 0), at(2026, 3, 9, 10, 2, 4))
    c.journal.corrections.annul(
        c.ids["A7"],
        reason_code="duplicate",
        note="",
        actor_iin=HEAD,
        role=Role.ADMIN,
        now=at(2026, 3, 10, 11, 0),
        # The store keeps the annulment's signed bytes as given; signing is the desk's part.
        signature={
            "signer_iin": HEAD,
            "signer_name": "Head",
            "cert_serial": "1",
            "cert_issuer": "CN=test",
            "content_sha256": "0" * 64,
            "canonical": b"{}",
            "cms": b"cms",
        },
    )
    c.desk("A8", ANNA, at(2026, 2, 27, 15, 0), 10, 10)
    c.desk("A9", BOLAT, at(2026, 3, 5, 17, 0), 10, 10)
    c.issue("A9", BOLAT, at(2026, 3, 5, 17, 30), at(2026, 3, 6, 10, 0))
    c.survey("A9", 3, 3, at(2026, 3, 6, 10, 0, 5))
    c.desk("A10", BOLAT, at(2026, 3, 6, 12, 0), 8, 12, district=2)
    c.issue("A10", BOLAT, at(2026, 3, 6, 12, 30), at(2026, 3, 10, 13, 0))

    c.portal("P1", at(2026, 3, 20, 10, 0), at(2026, 3, 26, 10, 0), "free_choice")
    c.register("P1", ANNA, at(2026, 3, 26, 11, 30), "free_choice", 1)
    c.delivered("P1", at(2026, 3, 26, 11, 31))
    c.portal("P2", at(2026, 3, 20, 10, 0), at(2026, 3, 26, 10, 0), "free_choice")
    c.move("P2", State.REFUSED, BOLAT, at(2026, 3, 25, 15, 0), "deceased")
    c.portal("P3", at(2026, 3, 20, 16, 0), at(2026, 3, 26, 16, 0), "residence_change")
    c.register("P3", BOLAT, at(2026, 3, 27, 9, 30), "residence_change", 2)
    c.portal("P4", at(2026, 3, 26, 20, 0), at(2026, 3, 27, 18, 0), "free_choice")
    c.portal("P5", at(2026, 3, 24, 11, 0), at(2026, 3, 26, 18, 0), "free_choice")
    return c


def test_the_calendar_agrees_with_the_days_off_this_journal_relies_on() -> None:
    # The premises of the comments above, from the Kazakh calendar (not from the reports).
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2026, 3, 9))  # 8 March fell on a Sunday
    assert [d.day for d in cal.working_days(date(2026, 3, 20), date(2026, 3, 27))] == [20, 26, 27]
    assert cal.next_working_day_deadline(at(2026, 3, 20, 10, 0)) == at(2026, 3, 26, 10, 0)
    assert cal.next_working_day_deadline(at(2026, 3, 20, 16, 0)) == at(2026, 3, 26, 16, 0)
    assert cal.next_working_day_deadline(at(2026, 3, 26, 20, 0)) == at(2026, 3, 27, 18, 0)
    assert cal.next_working_day_deadline(at(2026, 3, 24, 11, 0)) == at(2026, 3, 26, 18, 0)


def table(report: Report, key: str) -> Table:
    return next(t for t in report.tables if t.key == f"report_data.table.{key}")


def rows(report: Report, key: str) -> list[tuple[object, ...]]:
    return list(table(report, key).rows)


def by_first(report: Report, key: str) -> dict[object, tuple[object, ...]]:
    return {r[0]: r[1:] for r in rows(report, key)}


# -- time norms ---------------------------------------------------------------------------------


def test_time_norms_for_the_clinic(clinic: Clinic) -> None:
    norms = by_first(clinic.report("norms"), "norms")
    # (count, unfinished, median, p90, share within, over)
    # registry: 5 8 10 12 20 30 45 50 100 → median the 5th (20), p90 the 9th; 100 > 90 s.
    assert norms["core.step.registry_request"] == (9, 0, s(20), s(100), 8 / 9, 1)
    # form: 10 10 10 12 12 14 20 (A5 unfinished) → median the 4th, p90 the 7th; 20 > 15 s.
    assert norms["core.step.form_and_eds"] == (7, 1, s(12), s(20), 6 / 7, 1)
    assert norms["core.step.no_data_refusal"] == (1, 0, s(10), s(10), 1.0, 0)
    assert norms["core.step.refusal"] == (1, 0, s(30), s(30), 1.0, 0)
    # issue: 2 3 4 5, A9 16 h 30 min (within: due Fri 17:30), A10 4 days 30 min (due Tue 10
    # March 12:30 after the 9 March day off; ended 13:00: over).
    assert norms["core.step.issue"] == (6, 0, s(4), s(347_400), 5 / 6, 1)
    # P2: received Fri 20 10:00, refused Wed 25 15:00: 5 days 5 hours, before its deadline.
    assert norms["core.step.portal_refusal"] == (1, 0, s(450_000), s(450_000), 1.0, 0)
    # P1's talon: received Fri 20 10:00, delivered Thu 26 11:31 (6 days 1 h 31 min), after its
    # deadline. P3's is not delivered yet.
    assert norms["core.step.portal_issue"] == (1, 0, s(523_860), s(523_860), 0.0, 1)
    for step in ("sign_in", "choose_service", "register", "portal_register"):
        assert norms[f"core.step.{step}"] == (0, 0, None, None, None, 0)


def test_time_norms_by_week_count_the_after_midnight_case_on_its_clinic_day(
    clinic: Clinic,
) -> None:
    weeks = {(r[0], r[1]): r[2:] for r in rows(clinic.report("norms"), "norms_by_period")}
    # A6 at 00:20 on Sunday 1 March: the week of Monday 23 February, not of 28 Feb in UTC.
    assert weeks[(date(2026, 2, 23), "core.step.registry_request")] == (
        1,
        0,
        s(5),
        s(5),
        1.0,
        0,
    )
    # Week of 2 March: 8 10 12 20 30 45 100 → the 4th and the 7th.
    assert weeks[(date(2026, 3, 2), "core.step.registry_request")] == (
        7,
        0,
        s(20),
        s(100),
        6 / 7,
        1,
    )
    assert weeks[(date(2026, 3, 9), "core.step.registry_request")] == (1, 0, s(50), s(50), 1.0, 0)
    assert weeks[(date(2026, 3, 16), "core.step.portal_refusal")][0] == 1
    days = {(r[0], r[1]) for r in rows(clinic.report("norms", "day"), "norms_by_period")}
    assert (date(2026, 3, 1), "core.step.registry_request") in days
    assert (date(2026, 2, 28), "core.step.registry_request") not in days


def test_the_slowest_cases_name_their_applications(clinic: Clinic) -> None:
    slow = [r for r in rows(clinic.report("norms"), "slowest")]
    registry = [r[1:] for r in slow if r[0] == "core.step.registry_request"]
    n = clinic.numbers
    assert registry == [
        (n["A2"], ANNA, at(2026, 3, 2, 11, 0), s(100)),
        (n["A7"], BOLAT, at(2026, 3, 9, 10, 0), s(50)),
        (n["A4"], BOLAT, at(2026, 3, 3, 14, 0), s(45)),
        (f"#{clinic.ids['A3']}", BOLAT, at(2026, 3, 3, 9, 30), s(30)),  # refused: no number
        (f"#{clinic.ids['A5']}", ANNA, at(2026, 3, 4, 16, 0), s(20)),
    ]
    issue = [(r[1], r[4]) for r in slow if r[0] == "core.step.issue"]
    assert issue == [
        (n["A10"], s(347_400)),
        (n["A9"], s(59_400)),
        (n["A2"], s(5)),
        (n["A7"], s(4)),
        (n["A6"], s(3)),
    ]
    form = [r[1] for r in slow if r[0] == "core.step.form_and_eds"]
    # 20, 14, then the two of 12 s (the earlier start first), then the earliest of 10 s.
    assert form == [n["A4"], n["A2"], n["A10"], n["A7"], n["A6"]]


def test_the_slowest_cases_of_a_year_are_found_the_same_way(clinic: Clinic) -> None:
    # A year is read from the longest down, a month by sorting it: the same rules apply.
    def slowest(first: date, last: date, step: str) -> list[object]:
        report = run_report(clinic.ctx, "norms", Period(first, last, "month"))
        return [r[1] for r in rows(report, "slowest") if r[0] == f"core.step.{step}"]

    year = (date(2026, 1, 1), date(2026, 12, 31))
    for step in ("registry_request", "issue"):  # A8's 10 s request is not among the five
        assert slowest(*year, step) == slowest(*MARCH, step)
    # Of the form's 10 s cases the earliest is now A8's (27 February), not A6's (1 March).
    n = clinic.numbers
    assert slowest(*year, "form_and_eds") == [n["A4"], n["A2"], n["A10"], n["A7"], n["A8"]]


def test_time_norms_of_one_employee_and_one_district(clinic: Clinic) -> None:
    anna = by_first(clinic.report("norms", scope=Scope(employee_iin=ANNA)), "norms")
    # Anna's registry requests: 5 12 20 100.
    assert anna["core.step.registry_request"] == (4, 0, s(12), s(100), 3 / 4, 1)
    district = by_first(clinic.report("norms", scope=Scope(district=1)), "norms")
    # District 1: A1 12, A4 45, A7 50, A9 10 → 10 12 45 50.
    assert district["core.step.registry_request"] == (4, 0, s(12), s(50), 1.0, 0)


def test_the_norms_are_quoted_and_the_durations_charted(clinic: Clinic) -> None:
    report = clinic.report("norms")
    norms = dict(report.norms)
    assert norms["core.step.registry_request"] == "report_data.norm.registry_request"
    assert len(norms) == 11
    chart = next(c for c in report.charts if c.key.endswith("durations.registry_request"))
    # Bins of 18 s up to 180 s: 5 8 10 12 | 20 30 | 45 50 | 100.
    assert chart.kind == "histogram"
    assert chart.labels[:3] == ("0–18", "18–36", "36–54")
    assert chart.values == (4, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0)


# -- the portal --------------------------------------------------------------------------------


def test_portal_decisions_within_one_working_day(clinic: Clinic) -> None:
    report = clinic.report("portal")
    # (received, decided, in time, late, share in time) by week of receipt.
    assert by_first(report, "portal") == {
        date(2026, 3, 16): (3, 3, 1, 2, 1 / 3),  # P1 late, P2 in time, P3 late
        date(2026, 3, 23): (2, 0, 0, 0, None),  # P4, P5 pending
    }
    n = clinic.numbers
    assert rows(report, "portal_late") == [
        (
            n["P3"],
            at(2026, 3, 20, 16, 0),
            at(2026, 3, 26, 16, 0),
            at(2026, 3, 27, 9, 30),
            timedelta(hours=17, minutes=30),
            timedelta(hours=2, minutes=30),
        ),
        (
            n["P1"],
            at(2026, 3, 20, 10, 0),
            at(2026, 3, 26, 10, 0),
            at(2026, 3, 26, 11, 30),
            timedelta(hours=1, minutes=30),
            timedelta(hours=1, minutes=30),
        ),
    ]
    # Now (Friday noon): P4 due today at 18:00, P5 overdue since Thursday 18:00.
    assert rows(report, "portal_now") == [(at(2026, 3, 27, 12, 0), 2, 1, 1)]


def test_portal_figures_of_one_employee_are_their_decisions(clinic: Clinic) -> None:
    report = clinic.report("portal", scope=Scope(employee_iin=ANNA))
    assert by_first(report, "portal") == {date(2026, 3, 16): (1, 1, 0, 1, 0.0)}
    assert [r[0] for r in rows(report, "portal_late")] == [clinic.numbers["P1"]]


# -- outcomes ----------------------------------------------------------------------------------


def test_registrations_by_basis_district_and_channel(clinic: Clinic) -> None:
    report = clinic.report("outcomes")
    feb23, mar2, mar9, mar23 = (
        date(2026, 2, 23),
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 23),
    )
    assert rows(report, "registrations_by_basis") == [
        (feb23, "core.basis.free_choice", 1),  # A6, 00:20 on 1 March
        (mar2, "core.basis.free_choice", 4),  # A1 A4 A9 A10
        (mar2, "core.basis.residence_change", 1),  # A2
        (mar9, "core.basis.newborn", 1),  # A7 (annulled later, but it was registered)
        (mar23, "core.basis.free_choice", 1),  # P1
        (mar23, "core.basis.residence_change", 1),  # P3
    ]
    assert rows(report, "registrations_by_district") == [
        (feb23, 2, 1),
        (mar2, 1, 3),
        (mar2, 2, 2),
        (mar9, 1, 1),
        (mar23, 1, 1),
        (mar23, 2, 1),
    ]
    assert rows(report, "registrations_by_channel") == [
        (feb23, "channel.desk", 1),
        (mar2, "channel.desk", 5),
        (mar9, "channel.desk", 1),
        (mar23, "channel.portal", 2),
    ]
    # Anna registered A1, A2, A6 and, from the portal, P1.
    anna = clinic.report("outcomes", scope=Scope(employee_iin=ANNA))
    assert rows(anna, "registrations_by_channel") == [
        (feb23, "channel.desk", 1),
        (mar2, "channel.desk", 2),
        (mar23, "channel.portal", 1),
    ]
    district = clinic.report("outcomes", scope=Scope(district=2))
    assert rows(district, "registrations_by_basis") == [
        (feb23, "core.basis.free_choice", 1),  # A6
        (mar2, "core.basis.free_choice", 1),  # A10
        (mar2, "core.basis.residence_change", 1),  # A2
        (mar23, "core.basis.residence_change", 1),  # P3
    ]


def test_refusals_keep_step_4_and_step_7_apart_and_annulments_apart(clinic: Clinic) -> None:
    report = clinic.report("outcomes")
    assert rows(report, "refusals") == [
        (date(2026, 3, 2), 4, "channel.desk", "report_data.refusal.no_data", 1),  # A3
        (date(2026, 3, 2), 7, "channel.desk", "report_data.refusal.data_mismatch", 1),  # A4
        (date(2026, 3, 23), 4, "channel.portal", "report_data.refusal.deceased", 1),  # P2
    ]
    assert rows(report, "annulments") == [(date(2026, 3, 9), "core.annul_reason.duplicate", 1)]
    bolat = clinic.report("outcomes", scope=Scope(employee_iin=BOLAT))
    assert [r[1] for r in rows(bolat, "refusals")] == [4, 7, 4]
    assert rows(bolat, "annulments") == []  # the head annulled A7, not Bolat


# -- Annex 3 -----------------------------------------------------------------------------------


def test_survey_shares_and_services_without_an_answer(clinic: Clinic) -> None:
    report = clinic.report("survey")
    # Services with a result in March: A1 A2 A6 A7 A9 A10 issued, A3 A4 P2 refused: 9.
    # q1: A1 3, A2 2, A3 1, A6 3, A9 3; none from A4 A7 A10 P2.
    # q2: A1 3, A3 1, A6 2, A9 3; none from A2 A4 A7 A10 P2.
    assert by_first(report, "survey") == {
        "report_data.survey.q1": (9, 1, 1, 3, 1 / 5, 1 / 5, 3 / 5, 4),
        "report_data.survey.q2": (9, 1, 1, 2, 1 / 4, 1 / 4, 2 / 4, 5),
    }
    weeks = {(r[0], r[1]): r[2:] for r in rows(report, "survey_by_period")}
    assert weeks[(date(2026, 2, 23), "report_data.survey.q2")] == (1, 0, 1, 0, 0.0, 1.0, 0.0, 0)
    anna = by_first(clinic.report("survey", scope=Scope(employee_iin=ANNA)), "survey")
    assert anna["report_data.survey.q1"] == (3, 0, 1, 2, 0.0, 1 / 3, 2 / 3, 0)  # A1 A2 A6


# -- workload ----------------------------------------------------------------------------------


def test_workload_by_hour_weekday_and_employee(clinic: Clinic) -> None:
    report = clinic.report("workload")
    hours = dict(rows(report, "by_hour"))
    assert {h: n for h, n in hours.items() if n} == {
        0: 1,
        9: 1,
        10: 4,
        11: 2,
        12: 1,
        14: 1,
        16: 2,
        17: 1,
        20: 1,
    }
    assert [r[1] for r in rows(report, "by_weekday")] == [3, 3, 1, 2, 4, 0, 1]  # Mon … Sun
    assert {(r[0], r[2]): r[3] for r in rows(report, "by_employee")} == {
        (BOLAT, "channel.desk"): 5,
        (ANNA, "channel.desk"): 4,
        ("system", "channel.portal"): 5,
    }
    chart = next(c for c in report.charts if c.key == "report_data.chart.by_hour")
    assert chart.values[10] == 4 and sum(chart.values) == 14


def test_workload_periods_are_clinic_dates(clinic: Clinic) -> None:
    def opened(first: date, last: date) -> int:
        report = run_report(clinic.ctx, "workload", Period(first, last))
        return sum(n for _, n in rows(report, "by_hour"))  # type: ignore[misc]

    # A6 (00:20 on 1 March, 28 February in UTC) is March's; February has A8 alone.
    assert opened(date(2026, 2, 1), date(2026, 2, 28)) == 1
    assert opened(date(2026, 3, 1), date(2026, 3, 1)) == 1


# -- words -------------------------------------------------------------------------------------


def test_every_title_header_label_and_definition_is_in_the_catalogue(clinic: Clinic) -> None:
    keys = set(HELP_KEYS) | {f"report_data.report.{name}" for name in REPORTS}
    for name in REPORTS:
        report = clinic.report(name)
        keys |= {k for pair in report.norms for k in pair}
        for t in report.tables:
            keys |= {t.key, *(c.key for c in t.columns)}
            for row in t.rows:
                keys |= {str(v) for v, c in zip(row, t.columns, strict=True) if c.kind == "key"}
        for chart in report.charts:
            keys |= {chart.key, *(chart.labels if chart.label_keys else ())}
            keys |= {chart.unit} if chart.unit else set()
    known = catalogue()
    assert sorted(k for k in keys if k not in known) == []
    assert len(keys) > 100


# -- how the journal is read -------------------------------------------------------------------


JOURNAL_TABLES = ("applications", "events", "step_times", "survey_answers", "a", "e", "t", "d", "s")
"""The journal's tables that grow with it, by name and by the aliases the reports' SQL gives."""


def test_no_report_scans_a_whole_table(clinic: Clinic) -> None:
    # Every statement the reports run, for the clinic, one employee and one district, is read
    # back with EXPLAIN QUERY PLAN: the journal's big tables are searched through an index,
    # never scanned whole (a scan of a year's journal would miss the bench's budget).
    statements: list[str] = []
    conn = clinic.ctx.db.conn
    conn.set_trace_callback(statements.append)
    try:
        for scope in (Scope(), Scope(employee_iin=ANNA), Scope(district=1)):
            for name in REPORTS:
                clinic.report(name, "month", scope)
                year = Period(date(2026, 1, 1), date(2026, 12, 31), "month")
                run_report(clinic.ctx, name, year, scope)
    finally:
        conn.set_trace_callback(None)
    selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 5 * 3 * 2
    scans = {}
    for sql in selects:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        whole = [p for p in plan if p.split(" ")[:2] in (["SCAN", t] for t in JOURNAL_TABLES)]
        if whole:
            scans[sql] = whole
    assert scans == {}


# -- who sees what -----------------------------------------------------------------------------


def test_a_receptionist_sees_only_their_own_figures(clinic: Clinic) -> None:
    clinic.ctx.operator = Actor(ANNA, Role.RECEPTIONIST)
    report = clinic.report("workload")
    assert report.scope == Scope(employee_iin=ANNA)
    assert {r[0] for r in rows(report, "by_employee")} == {ANNA}
    assert sum(n for _, n in rows(report, "by_hour")) == 4  # type: ignore[misc]
    with pytest.raises(ReportError) as err:
        clinic.report("norms", scope=Scope(employee_iin=BOLAT))
    assert err.value.key == "report_data.error.own_figures_only"
    # A head sees everybody's figures, or one employee's when asked.
    clinic.ctx.operator = Actor(HEAD, Role.HEAD)
    assert sum(n for _, n in rows(clinic.report("workload"), "by_hour")) == 14  # type: ignore[misc]
    assert clinic.report("workload", scope=Scope(employee_iin=BOLAT)).scope.employee_iin == BOLAT


def test_every_report_runs_on_an_empty_journal(tmp_path: Path) -> None:
    ctx = DeskContext(
        Config(storage=Storage(data_dir=str(tmp_path))), clock=PinnedClock(at(2026, 3, 10, 12))
    )
    ctx.operator = Actor("cli:head", Role.ADMIN)
    for name in REPORTS:
        report = run_report(ctx, name, Period(*MARCH, "month"))
        assert report.name == name and report.generated_at == at(2026, 3, 10, 12)
        assert report.tables


def test_bad_requests_are_explained(clinic: Clinic) -> None:
    with pytest.raises(ReportError) as err:
        run_report(clinic.ctx, "nope", Period(*MARCH))
    assert "norms, portal" in err.value.message("en")
    with pytest.raises(ReportError) as err:
        run_report(clinic.ctx, "norms", Period(date(2026, 3, 2), date(2026, 3, 1)))
    assert err.value.key == "report_data.error.bad_period"
