"""Backup and restore of a working clinic (issue 14): the drill, and what a backup must refuse.

The drill backs up while another workstation registers through the desk's use cases, restores the
copy into a new data folder, and checks it against the backup's moment: the audit chain, the
counts and numbers of the manifest, every scan. The registering thread and the backup are ordered
by events, never by sleeps: the backup's snapshot waits for a registration to commit beside it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import stat
import threading
from datetime import date
from pathlib import Path

import pytest
from desk_support import PINNED_AT, draft, signed_in

from regdesk import demo, version
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, KeyCheck
from regdesk.store import audit, schema
from regdesk.store.backup import (
    DATABASE,
    MANIFEST,
    DestinationNotEmpty,
    make_backup,
    make_checked_backup,
    open_read_only,
    read_manifest,
    verify_backup,
)
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.restore import BackupBroken, NewerSchema, NoKey, TargetNotEmpty, restore
from regdesk.store.vault import Vault

WAIT = 60.0
"""Seconds an event may take before the test fails (a bound on a hang, not a pause)."""


def unattached_adults(ws: demo.DemoWorkspace) -> list[str]:
    """Citizens of 20 to 55 whom the registry has attached nowhere: each can be registered."""
    population = ws.simulator.app.population
    year = PINNED_AT.year
    found = []
    for iin, person in sorted(population.persons.items()):
        born = date.fromisoformat(person["birth_date"])
        if (
            iin not in population.attachments
            and person["residency"] == "citizen"
            and person["life_status"] == "alive"
            and 20 <= year - born.year <= 55
        ):
            found.append(iin)
    return found


async def register_one(desk: Desk, iin: str, check: KeyCheck, scan: Path) -> str | None:
    """``iin`` registered at ``desk`` with ``scan`` attached; None when the desk's checks stop
    this person (the population is synthetic: a few are not registrable)."""
    lookup = await desk.intake.look_up(iin)
    if lookup.blocking:
        return None
    app_id = await draft(desk, iin)
    desk.form.attach(app_id, scan, "identity")
    return desk.registration.register(app_id, check)


def numbered(database: Path) -> list[tuple[str, str]]:
    """(number, IIN) of every application with a number, in number order."""
    with open_read_only(database) as conn:
        rows = conn.execute(
            "SELECT number, applicant_iin FROM applications WHERE number IS NOT NULL"
            " ORDER BY number_year, number_seq"
        ).fetchall()
    return [(str(n), str(i)) for n, i in rows]


async def test_restore_drill_backup_during_registrations(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    key: KeyCheck,
    receptionist: tuple[str, str, str, str],
    tmp_path: Path,
) -> None:
    scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    people = iter(unattached_adults(ws))
    before = 0
    for iin in people:
        before += await register_one(desk, iin, key, scan) is not None
        if before == 3:
            break
    assert before == 3

    first = threading.Event()
    snapshot_held = threading.Event()
    beside_snapshot = threading.Event()
    stop = threading.Event()
    during: list[tuple[str, str]] = []
    failures: list[BaseException] = []
    later = [iin for _, iin in zip(range(40), people, strict=False)]

    async def other_workstation() -> None:
        _role, iin, password, _name = receptionist
        async with signed_in(ws.config, clock, iin, password) as other:
            check = other.registration.open_key(ws.key_paths[iin], demo.KEY_PASSWORD)
            for person in later:
                if stop.is_set():
                    return
                number = await register_one(other, person, check, scan)
                if number is None:
                    continue
                during.append((number, person))
                first.set()
                if snapshot_held.is_set():
                    beside_snapshot.set()

    def run_other() -> None:
        try:
            asyncio.run(other_workstation())
        except BaseException as exc:
            failures.append(exc)
        finally:
            first.set()
            beside_snapshot.set()

    thread = threading.Thread(target=run_other)
    thread.start()
    try:
        assert first.wait(WAIT)

        def hold_snapshot() -> None:
            # The snapshot is fixed: a registration at the other desk must still commit.
            snapshot_held.set()
            assert beside_snapshot.wait(WAIT)

        paths = DataPaths(ws.config.data_path())
        dest = tmp_path / "backups" / "drill"
        manifest = make_backup(
            paths,
            dest,
            made_at=clock.now(),
            program_version=version(),
            on_snapshot=hold_snapshot,
        )
    finally:
        stop.set()
        thread.join(WAIT)
    assert not failures, failures
    assert not thread.is_alive()

    live = numbered(paths.database)
    in_backup = manifest.numbers[f"DEMO-{clock.now().year}"]
    # Registrations went on beside the backup: the live journal has numbers the copy has not.
    assert len(live) > in_backup >= before + 1
    assert [n for n, _ in live] == [f"DEMO-2026-{i:06d}" for i in range(1, len(live) + 1)]
    assert manifest.counts["applications"] == in_backup
    assert manifest.counts["scans"] == in_backup == manifest.counts["attachments"]

    report = verify_backup(dest, key_file=paths.vault_key)
    assert report.ok, report.problems
    assert report.scans_opened == in_backup

    restored = tmp_path / "restored" / "data"
    done = restore(dest, restored, actor_iin="cli:drill", key_file=paths.vault_key)
    assert done.scans_opened == in_backup

    db = open_db(restored / DATABASE)
    try:
        chain = audit.verify(db)
        assert chain.ok, chain.detail
        # The backup's chain, then the restore's own record appended to it.
        assert chain.count == manifest.audit_count + 1
        last = audit.recent(db, limit=1)[0]
        assert last.action == "admin.restore" and last.prev_hash == manifest.audit_last_hash
        counts = {
            t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("applications", "events", "attachments", "signatures", "outbox")
        }
        assert counts == {t: manifest.counts[t] for t in counts}
        counters = {
            f"{c}-{y}": s
            for c, y, s in db.conn.execute(
                "SELECT clinic_code, year, last_seq FROM number_counters"
            )
        }
        assert counters == manifest.numbers
        scans = db.conn.execute("SELECT vault_name, sha256 FROM attachments").fetchall()
    finally:
        db.conn.close()
    # The numbers up to the backup's moment, each for the same person as at the live desk.
    assert numbered(restored / DATABASE) == live[:in_backup]
    vault = Vault(restored / "vault", restored / "vault.key", 0)
    original = scan.read_bytes()
    assert len(scans) == in_backup
    assert all(vault.get(name, sha) == original for name, sha in scans)


async def test_restored_files_are_private_and_a_second_restore_is_refused(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock, tmp_path: Path
) -> None:
    scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    assert await register_one(desk, unattached_adults(ws)[0], key, scan)
    paths = DataPaths(ws.config.data_path())
    dest = tmp_path / "b"
    make_backup(paths, dest, made_at=clock.now(), program_version="t", include_key=True)
    for path in [dest, *dest.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))

    target = tmp_path / "new"
    restore(dest, target, actor_iin="cli:t")
    for path in [target, *target.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))

    # Over the live data folder, or over the restore just made: refused, nothing touched.
    for occupied in (paths.root, target):
        listing = sorted(p.name for p in occupied.iterdir())
        with pytest.raises(TargetNotEmpty) as refused:
            restore(dest, occupied, actor_iin="cli:t")
        assert "never writes over" in refused.value.message("en")
        assert sorted(p.name for p in occupied.iterdir()) == listing


async def test_a_backup_goes_only_into_a_new_folder(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, tmp_path: Path
) -> None:
    paths = DataPaths(ws.config.data_path())
    dest = tmp_path / "b"
    make_backup(paths, dest, made_at=clock.now(), program_version="t")
    manifest_before = (dest / MANIFEST).read_bytes()
    with pytest.raises(DestinationNotEmpty):
        make_backup(paths, dest, made_at=clock.now(), program_version="t")
    assert (dest / MANIFEST).read_bytes() == manifest_before
    # Nothing half made stays beside it.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


async def test_verify_finds_what_changed_in_a_backup(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock, tmp_path: Path
) -> None:
    scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    people = unattached_adults(ws)
    registered = [await register_one(desk, iin, key, scan) for iin in people[:4]]
    assert len([n for n in registered if n]) >= 2
    paths = DataPaths(ws.config.data_path())

    def fresh(name: str) -> Path:
        dest = tmp_path / name
        make_backup(paths, dest, made_at=clock.now(), program_version="t")
        assert verify_backup(dest, key_file=paths.vault_key).ok
        return dest

    # A scan's bytes flipped: its SHA-256 no longer matches.
    flipped = fresh("flipped")
    victim = sorted((flipped / "vault").iterdir())[0]
    blob = bytearray(victim.read_bytes())
    blob[-1] ^= 1
    victim.write_bytes(bytes(blob))
    keys = [p.key for p in verify_backup(flipped, key_file=paths.vault_key).problems]
    assert keys == ["backup.v_file_changed"]

    # A scan removed.
    lost = fresh("lost")
    sorted((lost / "vault").iterdir())[0].unlink()
    keys = [p.key for p in verify_backup(lost, key_file=paths.vault_key).problems]
    assert keys == ["backup.v_file_missing"]

    # Another key: the files are whole, the scans do not open.
    other_key = tmp_path / "other.key"
    Vault.create_key(other_key)
    keys = [p.key for p in verify_backup(fresh("key"), key_file=other_key).problems]
    assert keys and set(keys) == {"backup.v_scan_unreadable"}

    # No key at all: the scans cannot be vouched for.
    keys = [p.key for p in verify_backup(fresh("nokey"), key_file=None).problems]
    assert keys == ["backup.v_no_key"]

    # An audit record rewritten in the copy and the manifest's hash of the file forged to match:
    # the chain itself gives it away.
    forged = fresh("forged")
    database = forged / DATABASE
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE audit_log SET actor_iin = '000000000000' WHERE id = 2")
    data = json.loads((forged / MANIFEST).read_text(encoding="utf-8"))
    for entry in data["files"]:
        if entry["path"] == DATABASE:
            entry["sha256"] = hashlib.sha256(database.read_bytes()).hexdigest()
            entry["size"] = database.stat().st_size
    (forged / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    keys = [p.key for p in verify_backup(forged, key_file=paths.vault_key).problems]
    assert keys == ["backup.v_audit"]
    # A damaged page of the copy, its hash forged again: the integrity check finds it.
    damaged = fresh("damaged")
    database = damaged / DATABASE
    with sqlite3.connect(database) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'applications_iin'"
        ).fetchone()[0]
    blob = bytearray(database.read_bytes())
    start = (root - 1) * page
    blob[start : start + page] = b"\xff" * page
    database.write_bytes(bytes(blob))
    data = json.loads((damaged / MANIFEST).read_text(encoding="utf-8"))
    for entry in data["files"]:
        if entry["path"] == DATABASE:
            entry["sha256"] = hashlib.sha256(bytes(blob)).hexdigest()
    (damaged / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    keys = [p.key for p in verify_backup(damaged, key_file=paths.vault_key).problems]
    assert "backup.v_integrity" in keys

    # …and such a backup is not restored.
    with pytest.raises(BackupBroken):
        restore(forged, tmp_path / "from-forged", actor_iin="cli:t", key_file=paths.vault_key)
    assert not (tmp_path / "from-forged").exists()


async def test_restore_refuses_a_newer_schema_and_a_backup_without_its_key(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, tmp_path: Path
) -> None:
    paths = DataPaths(ws.config.data_path())
    dest = tmp_path / "b"
    make_backup(paths, dest, made_at=clock.now(), program_version="t")

    with pytest.raises(NoKey) as no_key:
        restore(dest, tmp_path / "r1", actor_iin="cli:t")
    assert "--key" in no_key.value.message("en")
    assert not (tmp_path / "r1").exists()

    data = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    data["schema_version"] = schema.SCHEMA_VERSION + 1
    data["program_version"] = "9.0.0"
    (dest / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(NewerSchema) as newer:
        restore(dest, tmp_path / "r2", actor_iin="cli:t", key_file=paths.vault_key)
    text = newer.value.message("en")
    assert "9.0.0" in text and f"up to {schema.SCHEMA_VERSION}" in text
    assert not (tmp_path / "r2").exists()
    assert read_manifest(dest).schema_version == schema.SCHEMA_VERSION + 1


def test_backup_of_an_older_schema_is_upgraded_on_restore(tmp_path: Path) -> None:
    # A data folder of schema 1 (the first release), backed up and restored by this version.
    live = DataPaths(tmp_path / "live")
    live.root.mkdir()
    conn = sqlite3.connect(live.database, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    for statement in schema.statements(schema.MIGRATION_1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    Vault.create_key(live.vault_key)
    at = PinnedClock(PINNED_AT, "Asia/Almaty").now()
    manifest = make_backup(live, tmp_path / "b", made_at=at, program_version="0.0.1")
    assert manifest.schema_version == 1
    assert manifest.made_at == "2026-11-25T10:30:00+05:00"
    done = restore(tmp_path / "b", tmp_path / "r", actor_iin="cli:t", key_file=live.vault_key)
    assert (done.schema_from, done.schema_to) == (1, schema.SCHEMA_VERSION)
    assert os.path.exists(tmp_path / "r" / "vault.key")


async def test_a_backup_checked_as_it_copies_finds_what_the_live_data_holds_wrong(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, clock: PinnedClock, tmp_path: Path
) -> None:
    scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    registered = [await register_one(desk, iin, key, scan) for iin in unattached_adults(ws)[:3]]
    assert len([n for n in registered if n]) >= 2
    paths = DataPaths(ws.config.data_path())
    with open_read_only(paths.database) as conn:
        scans = conn.execute("SELECT count(DISTINCT vault_name) FROM attachments").fetchone()[0]
    assert scans >= 2

    # Whole data: checked as copied, and the backup is the one a full verify accepts.
    good = tmp_path / "good"
    checked = make_checked_backup(paths, good, made_at=clock.now(), program_version="t")
    assert checked.ok, checked.problems
    assert checked.scans_opened == scans
    assert read_manifest(good) == checked.manifest
    assert checked.manifest.counts["scans"] == scans
    full = verify_backup(good, key_file=paths.vault_key)
    assert full.ok and full.scans_opened == scans

    # A scan damaged in the live vault: copied as it is, and found as it is copied.
    victim = sorted(paths.vault_dir.iterdir())[0]
    intact = victim.read_bytes()
    victim.write_bytes(intact[:-1] + bytes([intact[-1] ^ 1]))
    bad_scan = make_checked_backup(
        paths, tmp_path / "scan", made_at=clock.now(), program_version="t"
    )
    assert [p.key for p in bad_scan.problems] == ["backup.v_scan_unreadable"]
    assert bad_scan.problems[0].params["path"] == f"vault/{victim.name}"
    assert bad_scan.scans_opened == scans - 1
    victim.write_bytes(intact)

    # An audit record rewritten in the live database: the copy's chain gives it away.
    with sqlite3.connect(paths.database) as conn:
        conn.execute("UPDATE audit_log SET actor_iin = '000000000000' WHERE id = 2")
    forged = make_checked_backup(
        paths, tmp_path / "audit", made_at=clock.now(), program_version="t"
    )
    assert [p.key for p in forged.problems] == ["backup.v_audit"]
