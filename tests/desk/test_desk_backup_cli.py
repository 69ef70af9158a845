"""``regdesk status``, ``backup``, ``backup verify``, ``restore`` and ``doctor`` on a demo clinic.

Run through ``regdesk.cli.main`` with the clinic's clock pinned; the words checked are the
catalogue's, in the language asked for.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from desk_support import PINNED_AT, draft
from disk_filler import tmpfs

from regdesk import demo
from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, KeyCheck
from regdesk.i18n import t
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths


def cli(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    lang: str = "en",
) -> tuple[int, str, str]:
    code = main(["--lang", lang, "--config", ws.config.source, *args], clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


async def registered(ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck) -> str:
    app_id = await draft(desk, ws.samples["unattached"][0])
    desk.form.attach(app_id, ws.scan_dir / "udostoverenie-lichnosti.pdf", "identity")
    return desk.registration.register(app_id, key)


async def test_status_tells_the_age_of_the_last_verified_backup(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    await registered(ws, desk, key)
    clock = PinnedClock(PINNED_AT, "Asia/Almaty")
    code, out, err = cli(ws, clock, capsys, "status")
    assert code == 1
    assert "1 applications" in out
    assert "no verified backup yet (one is due every 26 h)" in err

    code, out, err = cli(ws, clock, capsys, "backup", str(tmp_path / "nightly"))
    assert code == 0, err
    assert "the state at 2026-11-25T10:30:00+05:00" in out
    assert "1 applications" in out and "1 scans" in out
    assert "all 1 scans open" in out
    assert "vault key was not put in the backup" in out
    manifest = json.loads((tmp_path / "nightly" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["made_at"] == "2026-11-25T10:30:00+05:00"
    assert manifest["schema_version"] >= 3 and manifest["key_included"] is False
    assert {f["path"] for f in manifest["files"]} >= {"regdesk.sqlite3"}
    assert not (tmp_path / "nightly" / "vault.key").exists()

    clock.advance(hours=25)
    code, out, err = cli(ws, clock, capsys, "status")
    assert code == 0
    assert "Last verified backup: 2026-11-25T10:30+05:00, 25.0 h ago (limit 26 h)." in out
    assert str((tmp_path / "nightly").resolve()) in out

    clock.advance(hours=2)
    code, out, err = cli(ws, clock, capsys, "status", lang="ru")
    assert code == 1
    assert "27.0 ч назад — старше допустимых 26 ч" in err

    # The backup is in the live audit log, with the hash it copied.
    db = open_db(DataPaths(ws.config.data_path()).database)
    try:
        record = next(r for r in audit.recent(db) if r.action == "admin.backup")
    finally:
        db.conn.close()
    assert record.detail is not None and record.detail["verified"] is True
    assert record.detail["audit_last_hash"] == manifest["audit"]["last_hash"]


async def test_a_good_backup_that_cannot_be_noted_says_so(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # Where the note goes, a folder stands: the backup is made and verified, the note is not.
    (DataPaths(ws.config.data_path()).root / "last-backup.json").mkdir()
    code, out, err = cli(ws, clock, capsys, "backup", str(tmp_path / "b"))
    assert code == 1
    assert "The backup checked as it was copied" in out
    assert "the note of it could not be written" in err
    code, out, err = cli(ws, clock, capsys, "status")
    assert code == 1 and "no verified backup yet" in err


async def test_backup_verify_and_restore_from_the_command_line(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    clock: PinnedClock,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    number = await registered(ws, desk, key)
    dest = tmp_path / "with-key"
    code, out, err = cli(ws, clock, capsys, "backup", str(dest), "--include-key")
    assert code == 0, err
    assert "vault key is inside this backup" in err
    assert t("backup.checked", "en", scans=1) in out
    assert (dest / "vault.key").stat().st_mode & 0o777 == 0o600

    code, out, err = cli(ws, clock, capsys, "backup", "verify", str(dest), lang="kk")
    assert code == 0, err
    assert t("backup.verified", "kk", scans=1) in out

    code, out, err = cli(ws, clock, capsys, "backup", "verify")
    assert code == 2
    assert "regdesk backup verify DEST" in err

    code, out, err = cli(ws, clock, capsys, "restore", str(dest), "--data-dir", str(ws.root))
    assert code == 1
    assert "never writes over existing data" in err

    target = tmp_path / "restored"
    code, out, err = cli(ws, clock, capsys, "restore", str(dest), "--data-dir", str(target))
    assert code == 0, err
    assert f'storage.data_dir = "{target.resolve()}"' in out
    db = open_db(target / "regdesk.sqlite3")
    try:
        assert db.conn.execute("SELECT number FROM applications").fetchall() == [(number,)]
        assert audit.verify(db).ok
    finally:
        db.conn.close()

    # A backup whose database was swapped is refused, in words, and nothing is made.
    (dest / "regdesk.sqlite3").write_bytes(b"not the database that was copied")
    code, out, err = cli(ws, clock, capsys, "restore", str(dest), "--data-dir", str(tmp_path / "x"))
    assert code == 1
    assert "does not match its SHA-256" in err and "was not restored" in err
    assert not (tmp_path / "x").exists()

    code, out, err = cli(ws, clock, capsys, "backup", "verify", str(tmp_path))
    assert code == 1
    assert "has no manifest.json" in err


async def test_doctor_finds_and_cleans_orphans_parts_originals_and_old_prints(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    clock: PinnedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await registered(ws, desk, key)
    paths = DataPaths(ws.config.data_path())
    vault = paths.vault_dir
    referenced = sorted(p for p in vault.iterdir())
    assert len(referenced) == 1
    clean_state = cli(ws, clock, capsys, "doctor")
    assert clean_state[0] == 0 and "All is well" in clean_state[1]

    long_ago = (clock.utc() - timedelta(hours=2)).timestamp()
    just_now = clock.utc().timestamp()

    def made(path: Path, when: float, data: bytes = b"x") -> Path:
        path.write_bytes(data)
        os.utime(path, (when, when))
        return path

    stale = made(vault / f".{'a' * 32}.part", long_ago)
    fresh = made(vault / f".{'b' * 32}.part", just_now)
    orphan = made(vault / ("c" * 32), long_ago)
    recent = made(vault / ("d" * 32), just_now)
    ws.prints_dir.mkdir(parents=True, exist_ok=True)
    printed = made(ws.prints_dir / "DEMO-2026-000001-talon.pdf", long_ago)
    os.utime(printed, (long_ago - 86400, long_ago - 86400))
    today_print = made(ws.prints_dir / "DEMO-2026-000002-talon.pdf", just_now)
    # A file of another program in the same folder is not ours to remove.
    foreign = made(ws.prints_dir / "README", long_ago - 86400)
    # A referenced scan lost from the vault.
    db = open_db(paths.database)
    try:
        db.conn.execute("UPDATE attachments SET vault_name = ? WHERE id = 1", ("e" * 32,))
    finally:
        db.conn.close()
    referenced[0].rename(vault / ("f" * 32))  # now an old orphan as well
    os.utime(vault / ("f" * 32), (long_ago, long_ago))

    code, out, err = cli(ws, clock, capsys, "doctor")
    assert code == 1
    assert f"Stale half-written file (its writer died): {stale}" in err
    assert f"A file perhaps being written right now (left alone): {fresh}" in err
    assert f"Orphan scan (no attachment refers to it): {orphan}" in err
    assert f"not yet recorded (left alone): {recent}" in err
    assert f"Lost scan: attachment #1 of application #1; the vault has no file {'e' * 32}." in err
    assert f"past its keep time: {printed}" in err
    assert str(today_print) not in err and str(foreign) not in err
    assert "4 files can be removed" in out
    assert stale.exists() and orphan.exists()  # nothing removed without --clean

    code, out, err = cli(ws, clock, capsys, "doctor", "--clean", lang="ru")
    assert code == 1  # the lost scan stays lost
    assert "Удалено файлов: 4." in out
    assert "Потеряно сканов: 1" in err
    assert not stale.exists() and not orphan.exists() and not printed.exists()
    assert not (vault / ("f" * 32)).exists()
    assert fresh.exists() and recent.exists() and today_print.exists() and foreign.exists()


async def test_doctor_lists_originals_the_vault_holds_when_they_should_be_removed(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    clock: PinnedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The demo keeps its sample scans; a clinic's config removes them once stored.
    await registered(ws, desk, key)
    config_file = Path(ws.config.source)
    text = config_file.read_text(encoding="utf-8").replace(
        'after_store = "keep"', 'after_store = "remove"'
    )
    config_file.write_text(text, encoding="utf-8")
    stored = ws.scan_dir / "udostoverenie-lichnosti.pdf"
    code, out, err = cli(ws, clock, capsys, "doctor", lang="kk")
    assert code == 1
    assert t("doctor.stored_original", "kk", path=str(stored)) in err
    others = [p for p in ws.scan_dir.iterdir() if p != stored]
    code, out, err = cli(ws, clock, capsys, "doctor", "--clean")
    assert code == 0 and "1 files removed" in out
    assert not stored.exists()
    assert all(p.exists() for p in others)


async def test_backup_onto_a_full_disk_blames_the_destination_not_the_journal(
    ws: demo.DemoWorkspace,
    desk: Desk,
    key: KeyCheck,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The copy's pages fill the backup's disk: ``regdesk backup`` says so in the reader's
    language and leaves nothing there; it used to say the live database was damaged and to
    restore it from a backup (exit 74)."""
    await registered(ws, desk, key)
    with tmpfs(tmp_path / "usb", "48k") as tiny:
        clock = PinnedClock(PINNED_AT, "Asia/Almaty")
        code, _out, err = cli(ws, clock, capsys, "backup", str(tiny / "nightly"), lang="ru")
        assert code == 1, err
        expected = t(
            "backup.dest_unusable",
            "ru",
            path=str(tiny / "nightly"),
            detail=os.strerror(errno.ENOSPC),
        )
        assert expected in err
        assert str(DataPaths.for_config(ws.config).database) not in err  # not the journal's fault
        assert list(tiny.iterdir()) == []
        code, _out, err = cli(ws, clock, capsys, "status")
        assert code == 1 and "no verified backup yet" in err  # a failed one does not count
