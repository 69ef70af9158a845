"""A data folder whose disk fills up or turns read-only while a desk works (issue 14).

Real file systems, no injected failure: the data folder is a small tmpfs that the test fills, or
an ext4 image that an error turns read-only (``errors=remount-ro``, triggered through ext4's own
``trigger_fs_error``: ``mount -o remount,ro`` is refused while a desk holds the database open).
Each step the database refuses is said in words (what was and was not saved, what to do),
leaves nothing half-written (the journal's rows, the audit chain, the vault, the database's
integrity), the desk goes on, and the same step succeeds once the disk is fixed; the outbox
keeps its items and sends them by itself at its next round.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
from desk_support import READY_FORM, attachment_key, draft, signed_in
from disk_support import fill, refused, remount, snapshot, turn_read_only

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.desk import NotSaved
from regdesk.store.paths import DataPaths

TYPED = {**READY_FORM, "phone": "+7 701 123 45 67"}


def attachments_recorded(idempotency: dict[str, object], clinic_bin: str, number: str) -> int:
    """How many attachments of ``number`` the register keeps a key of (its slots are
    ``scope|key``)."""
    rule = attachment_key(clinic_bin, number)
    scope = "attachments|"
    return sum(1 for s in idempotency if s.startswith(scope) and rule.fullmatch(s[len(scope) :]))


async def test_a_full_data_disk_half_writes_nothing_and_every_step_works_again(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
    small_disk: Path,
) -> None:
    sim = ws.simulator.app
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        app_id = await draft(desk, ws.samples["unattached"][0])
        done_id = await draft(desk, ws.samples["unattached"][1])
        desk.form.attach(app_id, ws.scan_dir / "udostoverenie-lichnosti.pdf", "identity")
        number = desk.registration.register(done_id, key)
        before = snapshot(ws)
        assert len(before.vault) == 1

        filler = fill(desk, small_disk)
        with pytest.raises(NotSaved) as form:
            desk.form.save_form(app_id, TYPED)
        text = refused(form.value).message("en")
        assert text.startswith("The form was not saved: the disk holding the database is full.")
        assert "Saved: the application as it was at its last save" in text
        assert "Форма не сохранена: диск, на котором лежит база данных, заполнен" in (
            form.value.message("ru")
        )
        assert desk.form.get(app_id).form == READY_FORM

        with pytest.raises(NotSaved) as signing:
            desk.registration.register(app_id, key)
        text = refused(signing.value).message("en")
        assert "Not saved: the signature and the number (no number was given" in text
        assert desk.form.get(app_id).number is None

        with pytest.raises(NotSaved) as looking:
            await desk.intake.look_up(ws.samples["unattached"][2])
        assert "the registry's answer is not shown" in refused(looking.value).message("en")

        # The talon reaches the demo's printer folder (another disk) and is not recorded.
        with pytest.raises(NotSaved) as printing:
            desk.issuance.issue(done_id)
        text = refused(printing.value).message("en")
        assert text.startswith("The document went to the printer “files”, but its print was not")
        assert "not yet marked as handed over" in text
        assert desk.form.get(done_id).state == "registered"

        # The outbox cannot note a thing: it says nothing to the receptionist and keeps all.
        assert await desk.registration.flush_outbox() == 0
        assert not attachments_recorded(sim.idempotency, ws.config.clinic.bin, number)

        filler.unlink()
        assert snapshot(ws) == before  # nothing half-written, on any of the steps

        # Space is back: each step again, as the receptionist presses it again.
        desk.form.save_form(app_id, TYPED)
        assert desk.form.get(app_id).form == TYPED
        second = desk.registration.register(app_id, key)
        assert second == f"DEMO-{clock.today().year}-000002"  # no number lost to the full disk
        assert (await desk.intake.look_up(ws.samples["unattached"][2])).person is not None
        assert not desk.issuance.issue(done_id).failed
        assert desk.form.get(done_id).state == "issued"
        assert await desk.registration.flush_outbox() == 2  # by itself, at its next round
        for sent in (number, second):
            assert attachments_recorded(sim.idempotency, ws.config.clinic.bin, sent) == 1


async def test_a_print_that_fails_on_the_full_disk_says_both(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
    small_disk: Path,
) -> None:
    # The printer's folder on the data disk too: neither the talon nor its record fit.
    printers = tuple(
        dataclasses.replace(p, folder=str(small_disk / "prints"))
        for p in ws.config.printing.printers
    )
    config = dataclasses.replace(
        ws.config, printing=dataclasses.replace(ws.config.printing, printers=printers)
    )
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        app_id = await draft(desk, ws.samples["unattached"][0])
        desk.registration.register(app_id, key)
        before = snapshot(ws)
        filler = fill(desk, small_disk)
        with pytest.raises(NotSaved) as printing:
            desk.issuance.issue(app_id)
        text = refused(printing.value).message("en")
        assert text.startswith("The document was not printed on “files”, and the failed print")
        assert text.endswith("No space left on device")  # the printer's side, said after
        assert printing.value.message("ru").startswith("Документ не напечатан на принтере «files»")
        filler.unlink()
        assert not [p for p in (small_disk / "prints").glob("*") if p.is_file()]
        assert snapshot(ws) == before
        assert not desk.issuance.issue(app_id).failed
        assert desk.form.get(app_id).state == "issued"


async def test_a_data_disk_turning_read_only_is_said_and_the_draft_waits(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
    breakable_disk: Path,
    ext4_image: Path,
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        app_id = await draft(desk, ws.samples["unattached"][0])
        done_id = await draft(desk, ws.samples["unattached"][1])
        desk.registration.register(done_id, key)
        turn_read_only(breakable_disk)

        with pytest.raises(NotSaved) as form:
            desk.form.save_form(app_id, TYPED)
        text = refused(form.value).message("en")
        assert text.startswith("The form was not saved: the disk holding the database is read-only")
        assert "доступен только для чтения" in form.value.message("ru")
        with pytest.raises(NotSaved) as signing:
            desk.registration.register(app_id, key)
        assert "no number was given" in refused(signing.value).message("en")
        with pytest.raises(NotSaved):
            desk.issuance.issue(done_id)
        assert await desk.registration.flush_outbox() == 0
        # The desk goes on: what is stored can still be read.
        assert desk.form.get(app_id).form == READY_FORM
        assert desk.form.get(done_id).state == "registered"

    remount(ws.config, ext4_image)
    before = snapshot(ws)
    assert before.rows["applications"] == 2 and before.rows["signatures"] == 1
    # The desk started again: the draft is offered as last saved, and registers.
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        assert [r.id for r in desk.session.open_drafts()] == [app_id]
        desk.form.save_form(app_id, TYPED)
        key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        assert desk.registration.register(app_id, key).endswith("-000002")
        assert await desk.registration.flush_outbox() == 2
    conn = sqlite3.connect(DataPaths.for_config(ws.config).database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
