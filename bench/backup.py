"""Backup of a large journal while a desk registers (issue 14's target: a journal of 1,000,000
applications and 2 GB of scans backed up in at most 1.5 times a plain copy's time, while the
desks keep a registration p95 <= 100 ms).

The data folder is built once and kept under the system's temp folder: the applications of the
``journal`` benchmark (``REGDESK_BENCH_ROWS``, default 1,000,000), one audit record per
application on a valid chain, and ``REGDESK_BENCH_SCAN_MB`` megabytes of scans (default 2048)
in 2 MB files stored through the real vault, each attached to an application.
``REGDESK_BENCH_FRESH=1`` rebuilds it. The other desk's registrations stay in the kept journal,
which grows by some tens of thousands of applications a run.

Then, with another process registering through the journal as the desk does (draft, then the
numbered registration, each its own transaction), it times:

- a plain copy of the data folder (``cp -a`` and ``sync``): the yardstick;
- ``make_backup`` (the online backup in steps inside one snapshot, the scans, the manifest);
- ``make_checked_backup``, what ``regdesk backup`` runs: the same, checked as it is copied
  (``quick_check``, the counts and the audit chain of the copy in a thread and a process
  beside the scans' copying; every scan hashed, decrypted and written from one read);
- with ``REGDESK_BENCH_VERIFY=1``, ``verify_backup`` too (``regdesk backup verify``: every file
  read back, ``PRAGMA integrity_check``, the audit chain, every scan decrypted);

and the registrations' p50/p95/max alone and during each. The phases of the checked backup
(database copied, scans copied, checks done) are printed from the ``regdesk.backup`` log.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regdesk.core.application import Role
from regdesk.store import schema
from regdesk.store.audit import GENESIS, canonical_json, record_hash
from regdesk.store.backup import make_backup, make_checked_backup, verify_backup
from regdesk.store.db import open_db
from regdesk.store.journal import Journal
from regdesk.store.paths import DataPaths
from regdesk.store.vault import NONCE_BYTES, StoredFile, Vault, check_scan

ROWS = int(os.environ.get("REGDESK_BENCH_ROWS", "1000000"))
SCAN_MB = int(os.environ.get("REGDESK_BENCH_SCAN_MB", "2048"))
VERIFY = os.environ.get("REGDESK_BENCH_VERIFY") == "1"
SCAN_BYTES = 2 * 1024 * 1024
CLERK = "880101300123"
NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


def _folder() -> Path:
    root = Path(tempfile.gettempdir()) / "regdesk-bench"
    return root / f"backup-schema{schema.SCHEMA_VERSION}-{ROWS}-{SCAN_MB}mb"


def _scan(size: int) -> bytes:
    """A whole PDF of about ``size`` bytes (the vault opens every scan before keeping it)."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    pages = b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    page = b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    body = head + pages + page
    filler = b"%" + os.urandom(size // 2).hex().encode()[: max(0, size - len(body) - 200)] + b"\n"
    body += filler
    xref_at = len(body)
    offsets = [body.index(b"1 0 obj"), body.index(b"2 0 obj"), body.index(b"3 0 obj")]
    xref = b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return body + xref + trailer


def _seal(vault: Vault, scan: bytes) -> StoredFile:
    """``scan`` stored as ``Vault.put_bytes`` stores it (sealed, written, read back), without
    opening it again."""
    digest = hashlib.sha256(scan).hexdigest()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = vault._aead().encrypt(nonce, scan, digest.encode("ascii"))
    name = secrets.token_hex(16)
    vault._write(name, nonce + sealed, digest, "bench.pdf")
    return StoredFile(name, digest, len(scan), "application/pdf")


def build(folder: Path) -> DataPaths:
    """The benchmark's data folder (made once, then kept)."""
    from bench.journal import cache_path, generate

    paths = DataPaths(folder)
    if paths.database.exists() and (folder / "complete").exists():
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    journal_db = cache_path(ROWS)
    if not journal_db.exists() or os.environ.get("REGDESK_BENCH_FRESH") == "1":
        print(f"generating {ROWS:,} applications (once) ...", flush=True)
        journal_db.parent.mkdir(parents=True, exist_ok=True)
        generate(journal_db, ROWS)
    shutil.copyfile(journal_db, paths.database)
    Vault.create_key(paths.vault_key)
    vault = Vault(paths.vault_dir, paths.vault_key, SCAN_BYTES * 2)
    scans = max(1, SCAN_MB * 1024 * 1024 // SCAN_BYTES)
    print(f"storing {scans} scans of 2 MB and {ROWS:,} audit records (once) ...", flush=True)
    conn = sqlite3.connect(paths.database, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    app_ids = [r[0] for r in conn.execute(f"SELECT id FROM applications LIMIT {scans}")]
    scan = _scan(SCAN_BYTES)
    check_scan(scan)  # a scan the vault accepts; opened once here, not 1,024 times (0.3 s each)
    for app_id in app_ids:
        stored = _seal(vault, scan)
        conn.execute(
            "INSERT INTO attachments (application_id, doc_kind, original_name, media_type,"
            " size, sha256, vault_name, added_at, added_by) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                app_id,
                "identity",
                "bench.pdf",
                stored.media_type,
                stored.size,
                stored.sha256,
                stored.vault_name,
                NOW.isoformat(),
                CLERK,
            ),
        )
    prev = GENESIS
    at = NOW.isoformat(timespec="microseconds")
    batch: list[tuple[Any, ...]] = []
    for rid in range(1, ROWS + 1):
        detail = canonical_json({"application": rid})
        digest = record_hash(
            prev, at=at, actor_iin=CLERK, action="registered", object=f"app:{rid}", detail=detail
        )
        batch.append((rid, at, CLERK, "registered", f"app:{rid}", detail, prev, digest))
        prev = digest
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", batch)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    (folder / "complete").write_text("built\n", encoding="utf-8")
    return paths


def _register(database: str, ready: Any, stop: Any, out: Any) -> None:
    """Another desk: register one applicant after another until ``stop``; (start, seconds)."""
    db = open_db(Path(database))
    journal = Journal(db)
    samples: list[tuple[float, float]] = []
    n = 0
    ready.set()
    while not stop.is_set():
        n += 1
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        app_id = journal.drafts.create_draft(
            applicant_iin=f"7{os.getpid() % 1000:03d}{n:08d}",
            actor_iin=CLERK,
            role=Role.RECEPTIONIST,
            now=now,
        )
        journal.registration.register(
            app_id, clinic_code="EMH", actor_iin=CLERK, role=Role.RECEPTIONIST, now=now
        )
        samples.append((time.monotonic(), time.perf_counter() - t0))
    db.conn.close()
    out.put(samples)


def _figures(samples: list[float]) -> str:
    if not samples:
        return "no registrations"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{len(ordered)} registrations, p50 {statistics.median(ordered) * 1000:.1f} ms,"
        f" p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    t0 = time.perf_counter()
    paths = build(_folder())
    print(f"data folder ready in {time.perf_counter() - t0:.0f} s: {paths.root}", flush=True)
    db_mb = paths.database.stat().st_size / 1e6
    scans_mb = _size(paths.vault_dir) / 1e6
    print(f"size: {ROWS:,} applications, database {db_mb:.0f} MB, scans {scans_mb:.0f} MB")

    work = Path(tempfile.mkdtemp(prefix="regdesk-bench-backup-", dir=paths.root.parent))
    ctx = mp.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    writer = ctx.Process(target=_register, args=(str(paths.database), ready, stop, out))
    writer.start()
    try:
        ready.wait(60)
        phases: dict[str, tuple[float, float]] = {}
        start = time.monotonic()
        time.sleep(5)  # the writer alone, for its own baseline (a duration is what is measured)
        phases["alone"] = (start, time.monotonic())

        start = time.monotonic()
        subprocess.run(["cp", "-a", str(paths.root), str(work / "copy")], check=True)
        os.sync()
        phases["copy"] = (start, time.monotonic())

        start = time.monotonic()
        manifest = make_backup(
            paths, work / "backup", made_at=NOW, program_version="bench", include_key=True
        )
        os.sync()
        phases["backup"] = (start, time.monotonic())

        logging.basicConfig(level=logging.INFO, format="  %(message)s")
        start = time.monotonic()
        checked = make_checked_backup(
            paths, work / "checked", made_at=NOW, program_version="bench", include_key=True
        )
        os.sync()
        phases["backup+check"] = (start, time.monotonic())
        logging.getLogger().setLevel(logging.WARNING)
        if VERIFY:
            start = time.monotonic()
            report = verify_backup(work / "checked")
            phases["verify"] = (start, time.monotonic())
        # The yardstick again, its files now in the page cache as the backups' were.
        shutil.rmtree(work / "copy")
        start = time.monotonic()
        subprocess.run(["cp", "-a", str(paths.root), str(work / "copy")], check=True)
        os.sync()
        phases["copy again"] = (start, time.monotonic())
    finally:
        stop.set()
        samples: list[tuple[float, float]] = out.get(timeout=120)
        writer.join(60)
        shutil.rmtree(work, ignore_errors=True)

    seconds = {name: end - begin for name, (begin, end) in phases.items()}
    copy_s = seconds["copy"]
    assert checked.ok, checked.problems
    print(
        f"backed up {manifest.counts['applications']:,} applications,"
        f" {manifest.counts['scans']} scans; checked {checked.scans_opened} scans"
    )
    again_s = seconds["copy again"]
    print(f"plain copy (cp -a, sync): {copy_s:.1f} s first, {again_s:.1f} s again at the end")
    for name, what in (
        ("backup", "online copy + scans + manifest"),
        ("backup+check", "the same, checked as copied: regdesk backup"),
    ):
        print(
            f"{name} ({what}): {seconds[name]:.1f} s = {seconds[name] / copy_s:.2f}x the first"
            f" copy, {seconds[name] / again_s:.2f}x the last"
        )
    if VERIFY:
        assert report.ok, report.problems
        print(
            f"verify (regdesk backup verify: every file read back, integrity_check, audit"
            f" chain, scans): {seconds['verify']:.1f} s = {seconds['verify'] / copy_s:.2f}x"
        )
        both = seconds["backup"] + seconds["verify"]
        print(
            f"backup, then verify (what regdesk backup did before it checked as it copied):"
            f" {both:.1f} s = {both / copy_s:.2f}x the first copy, {both / again_s:.2f}x the last"
        )
    for name, (begin, end) in phases.items():
        during = [s for at, s in samples if begin <= at <= end]
        print(f"another desk registering, {name}: {_figures(during)}")
