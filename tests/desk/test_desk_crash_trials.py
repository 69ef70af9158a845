"""kill -9 at random points of registration, printing and the outbox: 20 trials each (issue 14).

Each trial starts a desk process (``crash_trials_support``) that drives the use cases on the demo
clinic's real SQLite file and vault, with the registry simulator over loopback, and says on a
pipe what it has just done. The test picks one of those lines and a random extra moment after it
(both from a seeded RNG: the seed is printed, and ``REGDESK_CRASH_SEED=N`` replays a run), kills
the process with SIGKILL there, and then looks at what it left, as the next desk would find it:

- the database passes ``PRAGMA integrity_check`` and the audit chain verifies;
- the year's numbers are unique and without a gap, and every number a desk was given is there,
  with its signature and its outbox item (one transaction);
- every scan the journal names is in the vault and decrypts; whatever else the vault holds (an
  orphan scan, a ``.part``) and a printer folder's ``.part`` are what ``doctor`` reports, and its
  clean leaves exactly the referenced scans;
- a draft whose form was saved before the kill is offered at sign-in with that form, and the
  next trial's desk finishes it; a talon not recorded as printed is printed by the next one;
- after the outbox's trials and one flush that runs to the end, the registry simulator holds each
  registration exactly once.

No figure is asserted: a trial's point is the line it was killed after, not a time.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from crash_trials_support import FORM, PRELOAD, run
from desk_support import PINNED_AT, queued_attachment_key
from many_desks_support import people
from sqlite_utils import Database

from regdesk import demo
from regdesk.desk import Desk, KeyCheck
from regdesk.printing.printers import doctor_prints
from regdesk.store import audit
from regdesk.store.doctor import clean, examine
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

TRIALS = 20
POINTS: dict[str, Counter[str]] = {}
"""How many trials of each kind were killed after each kind of line (said at the end)."""
EXTRA_S = 0.03
"""The random extra after the chosen line: about one registration's work on this machine, so a
kill lands anywhere inside the step that follows the line."""
SILENT_S = 120.0
"""How long a desk may stay silent before the trial fails as hung (not a figure: a guard)."""


def _seed() -> int:
    given = os.environ.get("REGDESK_CRASH_SEED")
    return int(given) if given else random.SystemRandom().randrange(2**32)


@pytest.fixture
def rng() -> Iterator[random.Random]:
    seed = _seed()
    print(f"crash trials seed: {seed} (replay with REGDESK_CRASH_SEED={seed})")
    yield random.Random(seed)
    print(f"crash trials seed was {seed}")


def _forkserver() -> Any:
    """The fork server the desks come from, with the desk's modules imported once."""
    context = mp.get_context("forkserver")
    # "__main__" too: each desk would otherwise import pytest's own script (and pytest) anew.
    context.set_forkserver_preload(["__main__", *PRELOAD])
    return context


class Child:
    """A desk process and the lines it said."""

    def __init__(self, mode: str, params: dict[str, Any]) -> None:
        self._pipe, theirs = mp.Pipe()
        self.proc = _forkserver().Process(target=run, args=(mode, params, theirs), daemon=True)
        self.proc.start()
        theirs.close()
        self._ended = False
        self.lines: list[list[str]] = []

    def next_line(self) -> list[str] | None:
        """The next line the desk says, as words; None once it has said all."""
        if self._ended:
            return None
        try:
            assert self._pipe.poll(SILENT_S), f"the desk said nothing for {SILENT_S:g} s"
            words: list[str] = self._pipe.recv()
        except (EOFError, OSError):
            self._ended = True
            return None
        self.lines.append(words)
        assert words[0] != "error", f"the desk failed on its own:\n{words[1]}"
        return words

    def go(self) -> None:
        """Let the desk go on from the line it said last."""
        with contextlib.suppress(OSError):  # it has ended (after "done")
            self._pipe.send(True)

    def kill(self) -> int | None:
        """SIGKILL now; the lines said before it are read; the exit status."""
        self.proc.kill()
        self.proc.join()
        while self._pipe.poll(0) and self.next_line() is not None:
            pass
        self._pipe.close()
        return self.proc.exitcode

    def said(self, first: str) -> list[list[str]]:
        return [words for words in self.lines if words and words[0] == first]


def run_trial(mode: str, params: dict[str, Any], rng: random.Random, most: int) -> Child:
    """One desk killed after a random one of its first ``most`` lines of work (0: right after
    it said it is ready) and a random extra moment: none (the kill right behind the line), a
    few milliseconds, or up to ``EXTRA_S``."""
    child = Child(mode, params)
    first = child.next_line()
    assert first == ["ready"], f"the desk did not start: {first}"
    after = rng.randint(0, most)
    extra = rng.choice((0.0, rng.uniform(0, 0.005), rng.uniform(0, EXTRA_S)))
    for _ in range(after):
        child.go()
        words = child.next_line()
        if words is None or words == ["done"]:
            break
    child.go()
    time.sleep(extra)  # the kill's random point; nothing is timed or asserted on it
    status = child.kill()
    assert status in (-signal.SIGKILL, 0), f"the desk ended with {status}"
    point = child.lines[-1][0] if child.lines else "start"
    POINTS[mode] = POINTS.get(mode, Counter()) + Counter([point])
    return child


# -- what a kill may leave, and may not ------------------------------------------------------


@dataclass
class Found:
    """What the doctor found and cleaned over all trials (said at the end, for the report)."""

    orphans: int = 0
    parts: int = 0
    print_parts: int = 0
    drafts: int = 0


def check_database(ws: demo.DemoWorkspace, reported: dict[int, str]) -> set[str]:
    """Integrity, the audit chain, the numbers; the names of the scans the journal holds."""
    conn = sqlite3.connect(DataPaths.for_config(ws.config).database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        report = audit.verify(Database(conn))
        assert report.ok, f"the audit chain does not verify: {report}"
        rows = conn.execute(
            "SELECT a.id, a.number, a.number_year, a.number_seq, a.state,"
            " (SELECT count(*) FROM signatures s WHERE s.application_id = a.id),"
            " (SELECT count(*) FROM outbox o WHERE o.kind = 'attachment'"
            "  AND json_extract(o.payload, '$.application') = a.number)"
            " FROM applications a WHERE a.number IS NOT NULL",
        ).fetchall()
        scans = {str(name) for (name,) in conn.execute("SELECT vault_name FROM attachments")}
    finally:
        conn.close()
    numbers = {int(app_id): str(number) for app_id, number, *_ in rows}
    assert len(set(numbers.values())) == len(rows), "a number given twice"
    by_year: dict[int, list[int]] = {}
    for _id, _number, year, seq, state, signatures, queued in rows:
        by_year.setdefault(int(year), []).append(int(seq))
        assert state in ("registered", "issued")
        assert signatures == 1 and queued == 1, "a number without its signature or outbox item"
    for year, seqs in by_year.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"a gap in {year}'s numbers"
    for app_id, number in reported.items():
        assert numbers.get(app_id) == number, f"number {number} was given and is lost"
    return scans


def age(paths: list[Path], at: datetime) -> None:
    """Make files look written at ``at``: what a kill left is found by the doctor once it is
    older than a desk's work in progress (``STALE_PART_AGE``)."""
    for path in paths:
        os.utime(path, (at.timestamp(), at.timestamp()))


def check_vault_and_doctor(ws: demo.DemoWorkspace, scans: set[str], found: Found) -> None:
    """Every scan named decrypts; the rest of the vault and the printers' ``.part`` files are
    what the doctor reports, and its clean leaves the referenced scans alone."""
    paths = DataPaths.for_config(ws.config)
    vault = Vault(paths.vault_dir, paths.vault_key, 10 * 1024 * 1024, tidy=False)
    conn = sqlite3.connect(paths.database)
    try:
        for name, sha in conn.execute("SELECT vault_name, sha256 FROM attachments"):
            assert vault.get(name, sha)  # raises when missing or not decrypting
        on_disk = sorted(paths.vault_dir.iterdir()) if paths.vault_dir.exists() else []
        prints = sorted(p for p in ws.prints_dir.iterdir() if p.name.endswith(".part"))
        # The doctor looks an hour after the kill (the pinned clock): nothing is in progress.
        now = PINNED_AT + timedelta(hours=6)
        age([*on_disk, *prints], now - timedelta(hours=1))
        left = [p for p in on_disk if p.name not in scans]
        leftover_parts = {p for p in left if p.name.endswith(".part")}
        checkup = examine(
            paths,
            conn,
            now=now,
            old_prints=doctor_prints(ws.config.printing.printers, paths.root, now),
        )
        assert checkup.missing == []
        assert set(checkup.stale_parts) == leftover_parts
        assert set(checkup.orphans) == set(left) - leftover_parts
        assert set(checkup.old_prints) == set(prints)
        assert checkup.healthy == (not left and not prints)
        found.orphans += len(checkup.orphans)
        found.parts += len(checkup.stale_parts)
        found.print_parts += len(prints)
        if not checkup.healthy:
            done = clean(checkup, conn)
            assert done.failed == []
            assert done.removed == len(left) + len(prints)
        assert {p.name for p in on_disk if p.exists()} == scans
        assert examine(paths, conn, now=now).healthy
    finally:
        conn.close()


def check_drafts(desk: Desk, saved: set[int], found: Found) -> None:
    """A draft whose form was saved before the kill is offered at sign-in, with that form."""
    offered = {record.id: record for record in desk.session.open_drafts()}
    for app_id in saved:
        record = desk.form.get(app_id)
        if record.state == "draft":
            assert app_id in offered, f"draft {app_id} was saved and is not offered"
            assert offered[app_id].form == FORM
            found.drafts += 1


# -- the trials --------------------------------------------------------------------------------


def params(ws: demo.DemoWorkspace, staff: tuple[str, ...], trial: int) -> dict[str, Any]:
    """What every trial's desk needs; its clock a few minutes on from the last one (a lease a
    killed desk held on an outbox item has run out by then)."""
    at = PINNED_AT + timedelta(minutes=10 * trial)
    return {
        "config": str(ws.root / "config.toml"),
        "iin": staff[1],
        "password": staff[2],
        "key": ws.key_paths[staff[1]],
        "at": at.isoformat(),
    }


def said_numbers(child: Child) -> dict[int, str]:
    return {int(words[1]): words[2] for words in child.said("registered")}


async def test_kill_during_registration(
    ws: demo.DemoWorkspace,
    desk: Desk,
    receptionist: tuple[str, str, str, str],
    rng: random.Random,
    tmp_path: Path,
) -> None:
    iins = people(ws, PINNED_AT.date(), 3 * TRIALS)
    reported: dict[int, str] = {}
    saved: set[int] = set()
    found = Found()
    scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    for trial in range(TRIALS):
        job = {**params(ws, receptionist, trial), "scan": str(scan)}
        job["iins"] = iins[3 * trial : 3 * trial + 3]
        # Seven lines a registration (look-up, draft, form, the scan's part, stored and
        # recorded, the number), three of them.
        child = run_trial("register", job, rng, 21)
        reported |= said_numbers(child)
        saved |= {int(words[1]) for words in child.said("saved")}
        scans = check_database(ws, reported)
        check_vault_and_doctor(ws, scans, found)
        check_drafts(desk, saved, found)
    print(f"registration: killed after {dict(POINTS['register'])}; found {found}")
    # The trials did reach the places they are for: scans stored and not recorded, drafts left.
    assert len(reported) >= TRIALS // 2


async def registered(ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, count: int) -> list[int]:
    """``count`` applications registered at ``desk`` (their outbox items queued, not sent)."""
    done = []
    for iin in people(ws, PINNED_AT.date(), count):
        lookup = desk.intake.open_draft(await desk.intake.look_up(iin, FORM["basis"]))
        assert lookup.application_id is not None
        desk.form.save_form(lookup.application_id, FORM)
        desk.registration.register(lookup.application_id, key)
        done.append(lookup.application_id)
    return done


def written_prints(ws: demo.DemoWorkspace, app_id: int) -> int:
    conn = sqlite3.connect(DataPaths.for_config(ws.config).database)
    try:
        query = "SELECT count(*) FROM prints WHERE application_id = ? AND status = 'written'"
        return int(conn.execute(query, (app_id,)).fetchone()[0])
    finally:
        conn.close()


async def test_kill_during_printing(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    receptionist: tuple[str, str, str, str],
    rng: random.Random,
    tmp_path: Path,
) -> None:
    apps = await registered(ws, desk, key, 2 * TRIALS)
    numbers = {app_id: desk.form.get(app_id).number or "" for app_id in apps}
    found = Found()
    printed: set[int] = set()
    for trial in range(TRIALS):
        waiting = [a for a in apps if desk.form.get(a).state == "registered"]
        job = {**params(ws, receptionist, trial), "apps": waiting}
        # Five lines a talon (printing, rendered, its part, written, printed).
        child = run_trial("print", job, rng, 10)
        printed |= {int(words[1]) for words in child.said("printed")}
        check_database(ws, numbers)
        check_vault_and_doctor(ws, set(), found)
        for app_id in apps:
            record = desk.form.get(app_id)
            talon = ws.prints_dir / f"{record.number}-talon.pdf"
            if record.state == "issued":
                # Issued only with its print recorded, and the talon whole in the folder.
                assert talon.read_bytes().rstrip().endswith(b"%%EOF")
                assert written_prints(ws, app_id) >= 1
            else:
                assert app_id not in printed
                # A talon written but not recorded is whole too, and printed again next time.
                if talon.exists():
                    assert talon.read_bytes().rstrip().endswith(b"%%EOF")
    print(f"printing: killed after {dict(POINTS['print'])}; found {found}")
    assert printed


async def test_kill_during_the_outbox_flush(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    receptionist: tuple[str, str, str, str],
    rng: random.Random,
    tmp_path: Path,
) -> None:
    apps = await registered(ws, desk, key, 2 * TRIALS)
    numbers = {app_id: desk.form.get(app_id).number or "" for app_id in apps}
    delivered: set[int] = set()
    for trial in range(TRIALS):
        # Three lines an item (the answer, "delivered", and a round's end now and then).
        child = run_trial("flush", params(ws, receptionist, trial), rng, 6)
        delivered |= {int(words[1]) for words in child.said("delivered")}
        check_database(ws, numbers)
        with desk.context.locked():
            for item_id in delivered:
                item = desk.context.journal.outbox.get(item_id)
                assert item is not None and item.sent_at is not None
    # The flush restarted once more and left to finish: everything goes, nothing twice.
    last = run_trial("flush", params(ws, receptionist, TRIALS), random.Random(0), 10**6)
    assert last.lines[-1] == ["done"]
    with desk.context.locked():
        assert desk.context.journal.outbox.pending() == []
    app = ws.simulator.app
    bin_ = ws.config.clinic.bin
    held = {slot.split("|", 1)[1] for slot in app.idempotency if slot.startswith("attachments|")}
    # Each number's one key, the one its outbox item holds: none posted under another.
    assert held == {queued_attachment_key(ws, number) for number in numbers.values()}
    for app_id in apps:
        record = desk.form.get(app_id)
        assert app.recorded[record.applicant_iin]["clinic_bin"] == bin_
    print(f"outbox: killed after {dict(POINTS['flush'])}")
