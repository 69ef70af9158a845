"""A power cut that lost the last commits (issue 14, "Power loss"), as it leaves the clinic.

With ``[storage] durability = "normal"`` SQLite in WAL mode may lose the transactions committed
just before a power cut: the database opens as it was some commits earlier. What was already
said to the outside stays said: the register got the attachment the outbox sent right after
the registration's commit, and the audit checkpoint (a file of its own beside the database)
kept the records the database lost. The state is made here as the power cut leaves it — the
database file put back as it was before the registration (with no WAL), the checkpoint and the
register as they were after it — with no mock: real SQLite, the desk's own use cases, real
HTTP to the simulator on loopback, ``regdesk audit verify`` run as the admin runs it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from desk_support import draft, signed_in

from regdesk import demo
from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.core.rules import Severity
from regdesk.i18n import t
from regdesk.registry import contract
from regdesk.store.paths import DataPaths

Staff = tuple[str, str, str, str]


def snapshot(database: Path, copy: Path) -> None:
    """The database as a power cut can leave it: everything up to now in the main file (the
    WAL checkpointed into it), copied, with no WAL beside the copy."""
    conn = sqlite3.connect(database)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, "the WAL could not be checkpointed whole"
    finally:
        conn.close()
    shutil.copyfile(database, copy)


def lose_tail(database: Path, before: Path) -> None:
    """The commits made since ``before`` lost: the file put back, its WAL and index gone."""
    for side in ("-wal", "-shm"):
        Path(f"{database}{side}").unlink(missing_ok=True)
    shutil.copyfile(before, database)


def newest_audit_record(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return int(conn.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    finally:
        conn.close()


def verified(ws: demo.DemoWorkspace, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``regdesk audit verify`` says (in English), which must be that the log is broken."""
    capsys.readouterr()
    config_file = str(ws.root / "config.toml")
    assert main(["--config", config_file, "--lang", "en", "audit", "verify"]) == 1
    said = capsys.readouterr()
    return said.out + said.err


def in_register(ws: demo.DemoWorkspace, iin: str) -> object:
    """What the register holds as ``iin``'s attachment now (None: attached nowhere)."""
    return ws.simulator.app.population.attachments.get(iin)


def attachment_posts(ws: demo.DemoWorkspace) -> list[tuple[str | None, int]]:
    """The attachments posted to the register: (idempotency key, status answered), in order."""
    return [
        (r.idempotency_key, r.status)
        for r in ws.simulator.requests()
        if r.method == "POST" and r.path == contract.ATTACHMENTS
    ]


async def test_a_number_issued_again_after_a_power_cut_attaches_its_new_person(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = DataPaths.for_config(ws.config).database
    before = tmp_path / "before.sqlite3"
    person_a, person_b = ws.samples["unattached"][:2]
    _, iin, password, _ = receptionist

    async with signed_in(ws.config, clock, iin, password) as desk:
        key = desk.registration.open_key(ws.key_paths[iin], demo.KEY_PASSWORD)
        snapshot(database, before)
        number_a = desk.registration.register(await draft(desk, person_a), key)
        # The outbox sends right after the commit: the register has A before the power cut.
        assert await desk.registration.flush_outbox() == 1
    assert ws.simulator.app.recorded[person_a]["clinic_bin"] == ws.config.clinic.bin
    # The records the power cut takes: those after the copy, up to A's registration.
    lost = {"first": newest_audit_record(before) + 1, "last": newest_audit_record(database)}

    lose_tail(database, before)
    # Before anyone works again: the log ends below what the checkpoint says was committed.
    words = verified(ws, capsys)
    assert "BROKEN" in words
    assert t("powerloss.audit_power_cut", "en", **lost) in words, words

    async with signed_in(ws.config, clock, iin, password) as desk:
        key = desk.registration.open_key(ws.key_paths[iin], demo.KEY_PASSWORD)
        number_b = desk.registration.register(await draft(desk, person_b), key)
        # Numbers stay without gaps: the lost registration's number is the next one again.
        assert number_b == number_a
        assert await desk.registration.flush_outbox() == 1
        # A, back at the desk: the register has them attached here, the journal has nothing
        # of them, and the desk will not register them again (what README "Power loss" says).
        found = {f.code: f.severity for f in (await desk.intake.look_up(person_a)).findings}
        assert found.get("already_attached_here") is Severity.BLOCK, found
        assert "registered_here" not in found

    # The register took B's attachment as a new request, not as a repeat of A's (whose key
    # it still keeps, with A's body): both were recorded, each under its own key.
    posts = attachment_posts(ws)
    assert [status for _, status in posts] == [201, 201], posts
    key_a, key_b = (k for k, _ in posts)
    assert key_a != key_b
    for k in (key_a, key_b):
        # Readable for an admin: the clinic's BIN and the number come first.
        assert k is not None and k.startswith(f"{ws.config.clinic.bin}:{number_a}:")
    assert ws.simulator.app.recorded[person_b]["clinic_bin"] == ws.config.clinic.bin
    # A stays attached in the register under a number the journal now gives to B.
    assert ws.simulator.app.recorded[person_a]["clinic_bin"] == ws.config.clinic.bin

    # The desk's first record after the power cut found the log cut and marked it in the
    # checkpoint (an alarm): verify says so, and still names the power cut and the same records.
    words = verified(ws, capsys)
    assert "BROKEN" in words
    assert t("powerloss.audit_power_cut", "en", **lost) in words, words


async def test_an_annulment_lost_to_a_power_cut_and_made_again_is_the_one_the_register_has(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: Staff,
    admin: Staff,
    tmp_path: Path,
) -> None:
    database = DataPaths.for_config(ws.config).database
    before = tmp_path / "before.sqlite3"
    person = ws.samples["unattached"][0]
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        app_id = await draft(desk, person)
        number = desk.registration.register(app_id, key)
        assert await desk.registration.flush_outbox() == 1

    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        snapshot(database, before)
        assert head.corrections.annul(app_id, "duplicate", "", check) == number
        assert await head.registration.flush_outbox() == 1
    assert in_register(ws, person) is None

    lose_tail(database, before)

    # The journal has the registration again, not its annulment: the admin annuls it again,
    # on the same ground. The register knows that annulment's key and gives its receipt back,
    # rather than refusing a second one for a person no longer attached here.
    async with signed_in(ws.config, clock, admin[1], admin[2]) as head:
        assert head.form.get(app_id).state == "registered"
        check = head.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
        assert head.corrections.annul(app_id, "duplicate", "", check) == number
        assert await head.registration.flush_outbox() == 1
        with head.context.locked():
            assert head.context.journal.outbox.pending() == []
    annulments = [
        (r.idempotency_key, r.status)
        for r in ws.simulator.requests()
        if r.method == "POST" and r.path == contract.ANNULMENTS
    ]
    assert len(annulments) == 2 and annulments[0] == annulments[1], annulments
    assert annulments[0][1] == 200
    assert in_register(ws, person) is None
