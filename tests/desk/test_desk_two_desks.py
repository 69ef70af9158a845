"""The same person at two desks (issue 14): who has them open now, and the registration that
comes second.

Two ``Desk`` objects on the demo clinic's one database file are two workstations (each its own
connection); the last test runs them in two processes. The clock is pinned: a desk that died is
one whose heartbeat stopped, and its mark expires as the clock is moved, not as time passes.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from collections.abc import Iterable

import pytest
from desk_support import PINNED_AT, READY_FORM, assert_explained, journal_counts, signed_in
from two_desks_support import open_and_register

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.core.rules import Finding
from regdesk.desk import Desk, KeyCheck, Lookup
from regdesk.desk.open_cases import STALE_AFTER
from regdesk.desk.same_person import RegisteredMeanwhile
from regdesk.desk.terminal_name import ENV_VAR as WORKSTATION_ENV
from regdesk.i18n import LANGS
from regdesk.store.paths import DataPaths

Staff = tuple[str, ...]

COLLEAGUE_CODES = {"open_at_desk", "form_at_desk", "open_elsewhere"}


def _said(found: Iterable[Finding] | Lookup) -> dict[str, dict[str, str]]:
    """The colleague findings of a look-up (or of a heartbeat), by code."""
    findings = found.findings if isinstance(found, Lookup) else found
    return {f.code: dict(f.params) for f in findings if f.code in COLLEAGUE_CODES}


def _marks(ws: demo.DemoWorkspace) -> int:
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        return int(conn.execute("SELECT count(*) FROM open_cases").fetchone()[0])
    finally:
        conn.close()


async def test_two_desks_opening_one_person_see_each_other_and_neither_is_blocked(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    iin = ws.samples["unattached"][0]
    desk.context.workstation = "Окно 1"  # the fixture's desk started before the test
    first = await desk.intake.look_up(iin)  # 10:30 at window 1: nobody else yet
    assert _said(first.findings) == {}
    clock.advance(minutes=1)
    monkeypatch.setenv(WORKSTATION_ENV, "Окно 2")
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        second = await other.intake.look_up(iin)  # 10:31 at window 2
        # The second desk's card names the first: who, where, since when (clinic time).
        assert _said(second.findings) == {
            "open_at_desk": {"name": receptionist[3], "workstation": "Окно 1", "time": "10:30"}
        }
        assert second.blocking == () and second.suggested_refusal is None
        # The first desk's heartbeat brings the second one onto its card.
        assert _said(desk.context.cases.keep(iin)) == {
            "open_at_desk": {"name": admin[3], "workstation": "Окно 2", "time": "10:31"}
        }
        # The first goes on to the form: the second now reads "filling in an application".
        opened = desk.intake.open_draft(first)
        clock.advance(seconds=20)
        found = _said(other.context.cases.keep(iin))
        assert found == {
            "form_at_desk": {"name": receptionist[3], "workstation": "Окно 1", "time": "10:30"}
        }
        # The first's draft is not said a second time (the desk's line says it).
        assert "open_elsewhere" not in found
        # And a third look-up at the second desk, after the form was begun, sees it too.
        again = await other.intake.look_up(iin)
        assert "form_at_desk" in _said(again.findings) and again.blocking == ()
        # The first desk's own form says the colleague who has the person open.
        record = desk.form.get(opened.application_id or 0)
        on_form = _said(desk.form.findings_for(record, "free_choice"))
        assert on_form == {
            "open_at_desk": {"name": admin[3], "workstation": "Окно 2", "time": "10:31"}
        }


async def test_the_mark_goes_when_the_case_ends(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    key: KeyCheck,
) -> None:
    """Registered, refused, abandoned, signed out, locked, closed: the colleague's card stops
    naming this desk; a draft left by a lock or a sign-out is still said as a draft."""
    people = iter([*ws.samples["unattached"], *ws.samples["adult"]])
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:

        async def opened_here() -> tuple[str, int]:
            iin = next(people)
            lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
            assert lookup.application_id is not None
            desk.form.save_form(lookup.application_id, READY_FORM)
            assert "form_at_desk" in _said(other.context.cases.keep(iin))
            return iin, lookup.application_id

        def seen_there(iin: str) -> dict[str, dict[str, str]]:
            return _said(other.context.cases.keep(iin))

        iin, app_id = await opened_here()
        desk.registration.register(app_id, key)
        assert seen_there(iin) == {}

        iin, app_id = await opened_here()
        desk.intake.refuse(app_id, "other", "the applicant changed their mind")
        assert seen_there(iin) == {}

        iin, app_id = await opened_here()
        desk.intake.abandon(app_id)
        assert seen_there(iin) == {}

        # The idle lock: the mark goes, the draft stays a draft (said as one); unlocked, the
        # screen's next heartbeat writes the mark again with the time it was first opened.
        iin, app_id = await opened_here()
        clock.advance(minutes=5)
        desk.context.cases.pause()
        assert set(seen_there(iin)) == {"open_elsewhere"}
        desk.context.cases.keep(iin, app_id)
        assert seen_there(iin)["form_at_desk"]["time"] == "10:30"

        # Sign-out: the same.
        desk.session.sign_out()
        assert set(seen_there(iin)) == {"open_elsewhere"}
        assert _marks(ws) == 1  # only the other desk's own

    # The other desk closed (quit, hang-up): its mark went with it.
    assert _marks(ws) == 0


async def test_a_late_abandon_of_the_previous_person_keeps_the_next_ones_mark(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, admin: Staff
) -> None:
    first, second = ws.samples["unattached"][:2]
    previous = desk.intake.open_draft(await desk.intake.look_up(first))
    await desk.intake.look_up(second)  # the next person, while the abandon is still on its way
    desk.intake.abandon(previous.application_id or 0)
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        assert "open_at_desk" in _said(await other.intake.look_up(second))
        assert not _said(other.context.cases.keep(first))


async def test_a_dead_desks_mark_expires_and_a_living_one_keeps_its_own(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, receptionist: Staff, admin: Staff
) -> None:
    iin = ws.samples["unattached"][0]
    dead = Desk(ws.config, clock=clock)
    dead.session.sign_in(admin[1], admin[2])
    dead.intake.open_draft(await dead.intake.look_up(iin))
    # The desk dies without a word (power cut, kill -9): its connection just goes.
    dead.context.db.conn.close()
    await dead.aclose()

    assert "form_at_desk" in _said(await desk.intake.look_up(iin))
    clock.advance(STALE_AFTER)  # the last moment it counts: not seen for exactly the limit
    assert "form_at_desk" in _said(desk.context.cases.keep(iin))
    clock.advance(seconds=1)
    # Now it is a dead desk's: not said as open; its draft is still said as a draft.
    assert set(_said(desk.context.cases.keep(iin))) == {"open_elsewhere"}
    # ...and the write of a living desk cleared it away.
    assert _marks(ws) == 1

    # A living desk that keeps beating is never taken for a dead one, however long the form.
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        await other.intake.look_up(iin)
        for _ in range(30):  # ten minutes of heartbeats
            clock.advance(seconds=20)
            other.context.cases.keep(iin)
            assert "open_at_desk" in _said(desk.context.cases.keep(iin))
        assert _said(desk.context.cases.keep(iin))["open_at_desk"]["name"] == admin[3]


async def test_the_registration_that_comes_second_is_told_who_when_and_what_now(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    key: KeyCheck,
) -> None:
    iin = ws.samples["unattached"][0]
    typed = READY_FORM | {"phone": "+7 701 234 56 78", "actual_address": "Абай 10, 5"}
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        mine = desk.intake.open_draft(await desk.intake.look_up(iin))
        theirs = other.intake.open_draft(await other.intake.look_up(iin))
        desk.form.save_form(mine.application_id or 0, typed)
        other.form.save_form(theirs.application_id or 0, READY_FORM)
        clock.advance(minutes=3)  # 10:33: the colleague signs first
        other_key = other.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        number = other.registration.register(theirs.application_id or 0, other_key)
        clock.advance(minutes=1)
        with pytest.raises(RegisteredMeanwhile) as caught:
            desk.registration.register(mine.application_id or 0, key)
    error = caught.value
    assert_explained(error)
    assert error.other_id == theirs.application_id
    for lang in LANGS:
        text = error.message(lang)
        for part in (admin[3], number, "25.11.2026", "10:33"):
            assert part in text, (lang, part, text)
    assert "Esc" in error.message("en") and "journal" in error.message("en")
    # Nothing typed is lost: the draft keeps the form, and nothing was signed or numbered.
    record = desk.form.get(mine.application_id or 0)
    assert record.state == State.DRAFT and record.number is None
    assert {k: record.form[k] for k in typed} == typed  # type: ignore[index]
    counts = journal_counts(ws)
    assert counts["signatures"] == 1 and counts["outbox"] == 1


def test_two_processes_registering_one_person_give_one_number_and_say_why(
    ws: demo.DemoWorkspace, receptionist: Staff, admin: Staff
) -> None:
    iin = ws.samples["unattached"][0]
    context = mp.get_context("spawn")  # the simulator's thread must not be forked
    barrier = context.Barrier(2)
    results = context.Queue()
    staff = [receptionist, admin]
    processes = [
        context.Process(
            target=open_and_register,
            args=(
                str(ws.root / "config.toml"),
                (s[1], s[2]),
                ws.key_paths[s[1]],
                iin,
                PINNED_AT.isoformat(),
                barrier,
                results,
            ),
        )
        for s in staff
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=240) for _ in processes]
    finally:
        for process in processes:
            process.join(60)
            if process.is_alive():
                process.kill()
    assert not [o["raw"] for o in outcomes if "raw" in o]
    won = [o for o in outcomes if "number" in o]
    lost = [o for o in outcomes if "key" in o]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner = next(s for s in staff if s[1] == won[0]["who"])  # the queue's order is arrival
    said = lost[0]["said"]
    assert lost[0]["key"] == "two_desks.registered_meanwhile"
    for lang in LANGS:
        assert won[0]["number"] in said[lang] and winner[3] in said[lang]
        assert "25.11.2026" in said[lang] and "10:30" in said[lang]
    assert lost[0]["state"] == "draft" and lost[0]["form"]["phone"].startswith("+7 701")
    counts = journal_counts(ws)
    assert counts["signatures"] == 1 and counts["outbox"] == 1 and counts["applications"] == 2
