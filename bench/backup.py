"""Backup of a large journal while a desk registers (issue 14's target: a journal of 1,000,000
applications and 2 GB of scans backed up in at most 1.5 times a plain copy's time, while the
desks keep a registration p95 <= 100 ms).

The data folder is built once and kept under the system's temp folder: the applications of the
``journal`` benchmark (``REGDESK_BENCH_ROWS``, default 1,000,000), ``REGDESK_BENCH_AUDIT_PER_APP``
audit records per application (default 4, what the desk writes per person registered) on a
valid chain keyed from its first record with an audit key and checkpoint beside the database,
as a clinic's log is, and ``REGDESK_BENCH_SCAN_MB`` megabytes of scans (default 2048) in 2 MB
files stored through the real vault, each attached to an application.
``REGDESK_BENCH_FRESH=1`` rebuilds it; a kept folder of an older schema is upgraded in place.
Each run starts from the same journal: the database as it was first kept (``<folder>.journal.base``
beside the folder) is copied back, so the other desk's registrations of a run are gone at the
next one and runs of two versions of the code back up the same data.

Then, with another process registering through the journal as the desk does (draft, then the
numbered registration, each its own transaction; ``REGDESK_BENCH_PACE_MS`` apart, default 0:
one after another, which keeps about a core busy), it times, in turn and each with the data
folder in the page cache (read once before; the previous phase's output removed and synced):

- a plain copy of the data folder (``cp -a`` and ``sync``): the yardstick, ``ROUNDS + 1`` times;
- ``make_checked_backup``, what ``regdesk backup`` runs (the online backup inside one snapshot,
  the scans, the manifest, checked as it is copied: ``quick_check``, the counts and the audit
  chain of the copy beside the scans' copying; every scan hashed, decrypted and written from one
  read), ``REGDESK_BENCH_ROUNDS`` times (default 3), between the copies;
- ``make_backup`` (the same without the check) once, with its keys;
- the restore drill: that backup restored into a new data folder (``regdesk restore``: the
  whole backup verified, then copied), the restored log's ``audit verify`` and its counts and
  numbers held against the manifest;
- with ``REGDESK_BENCH_VERIFY=1``, ``verify_backup`` too (``regdesk backup verify``: every file
  read back, ``PRAGMA integrity_check``, the audit chain, every scan decrypted);

with the load averages before and after each phase and its CPU seconds (a copy waits mostly on
the disk; the checked backup's checks are CPU, which 2 shared cores cannot hide behind the
copying), the medians and their ratio, the other
desk's registrations' p50/p95/max alone and during each kind of phase, and at the end the audit
chain's walk alone on the live journal, in one process and split over the cores, in turn. The
checked backup's phases (database copied, scans copied, checks done) are printed from the
``regdesk.backup`` log.
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from regdesk.core.application import Role
from regdesk.store import audit_seal, schema
from regdesk.store.audit import GENESIS, canonical_json, record_hash
from regdesk.store.backup import (
    Manifest,
    Verification,
    make_backup,
    make_checked_backup,
    verify_backup,
)
from regdesk.store.db import open_db
from regdesk.store.journal import Journal
from regdesk.store.paths import DataPaths
from regdesk.store.restore import Restored, restore
from regdesk.store.vault import NONCE_BYTES, StoredFile, Vault, check_scan

ROWS = int(os.environ.get("REGDESK_BENCH_ROWS", "1000000"))
AUDIT_PER_APP = int(os.environ.get("REGDESK_BENCH_AUDIT_PER_APP", "4"))
"""Audit records per application: a desk writes about 4 for each person it registers (the
look-up, the draft, the registration, the outbox's result; ``bench many_desks`` counts them)."""
SCAN_MB = int(os.environ.get("REGDESK_BENCH_SCAN_MB", "2048"))
VERIFY = os.environ.get("REGDESK_BENCH_VERIFY") == "1"
_T = TypeVar("_T")
ROUNDS = int(os.environ.get("REGDESK_BENCH_ROUNDS", "3"))
PACE = int(os.environ.get("REGDESK_BENCH_PACE_MS", "0")) / 1000
"""The other desk's pause between registrations (0: one after another, a core's worth of work)."""
SCAN_BYTES = 2 * 1024 * 1024
CLERK = "880101300123"
NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


def _folder() -> Path:
    root = Path(tempfile.gettempdir()) / "regdesk-bench"
    return root / f"backup-schema{schema.SCHEMA_VERSION}-{ROWS}-{SCAN_MB}mb-keyed{AUDIT_PER_APP}"


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


def _upgrade_older(folder: Path) -> None:
    """A kept folder of an older schema (``backup-schemaN-…``, complete) upgraded in place and
    renamed to ``folder``, as ``regdesk upgrade`` migrates a clinic's database: building a new
    one takes long, and the migrations are what a clinic's journal goes through too."""
    if os.environ.get("REGDESK_BENCH_FRESH") == "1" or folder.exists():
        return
    rest = folder.name.removeprefix(f"backup-schema{schema.SCHEMA_VERSION}")
    older = []
    for candidate in folder.parent.glob(f"backup-schema*{rest}"):
        version = candidate.name.removeprefix("backup-schema").removesuffix(rest)
        old = version.isdigit() and int(version) < schema.SCHEMA_VERSION
        if old and (candidate / "complete").exists():
            older.append((int(version), candidate))
    if not older:
        return
    found, candidate = max(older)
    print(f"upgrading the kept data folder of schema {found} (once) ...", flush=True)
    base = Path(f"{candidate}.{BASE}")
    if base.exists():  # the journal as first kept is what gets upgraded (``_reset``)
        database = DataPaths(candidate).database
        for extra in ("-wal", "-shm"):
            Path(f"{database}{extra}").unlink(missing_ok=True)
        shutil.copyfile(base, database)
        base.unlink()
    open_db(DataPaths(candidate).database, upgrade=True).conn.close()
    candidate.rename(folder)


BASE = "journal.base"
"""The kept database's first state, beside the data folder (``_reset``)."""


def _reset(paths: DataPaths) -> None:
    """The kept database put back as it was when first kept, so that every run backs up the
    same journal (the other desk's registrations of the last run are gone) and runs of two
    versions compare. The base is kept beside the data folder, not in it."""
    base = paths.root.parent / f"{paths.root.name}.{BASE}"
    for extra in ("-wal", "-shm"):
        Path(f"{paths.database}{extra}").unlink(missing_ok=True)
    if not base.exists():
        conn = sqlite3.connect(paths.database)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        shutil.copyfile(paths.database, f"{base}.part")
        os.replace(f"{base}.part", base)
        shutil.copyfile(paths.audit_checkpoint, f"{base}.checkpoint")
    else:
        shutil.copyfile(base, paths.database)
        # The checkpoint outside the database goes back with it: one ahead of the database
        # would read as a cut log.
        shutil.copyfile(f"{base}.checkpoint", paths.audit_checkpoint)


def build(folder: Path) -> DataPaths:
    """The benchmark's data folder (made once, then kept)."""
    from bench.journal import cache_path, generate

    _upgrade_older(folder)
    paths = DataPaths(folder)
    if paths.database.exists() and (folder / "complete").exists():
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    Path(f"{folder}.{BASE}").unlink(missing_ok=True)
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
    print(
        f"storing {scans} scans of 2 MB and {ROWS * AUDIT_PER_APP:,} keyed audit records"
        " (once) ...",
        flush=True,
    )
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
    # Keyed from the first record, as a clinic's log is since ``regdesk init``: the walk checks
    # an HMAC per record, not the public SHA-256.
    key = secrets.token_bytes(audit_seal.KEY_BYTES)
    fd = os.open(paths.audit_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    key_id = audit_seal.key_id(key)
    conn.execute(
        "INSERT INTO audit_seal (id, keyed_from, key_id, at) VALUES (1, 1, ?, ?)",
        (key_id, NOW.isoformat()),
    )
    prev = GENESIS
    at = NOW.isoformat(timespec="microseconds")
    batch: list[tuple[Any, ...]] = []
    actions = ("registry.lookup", "application.draft", "registered", "outbox.sent")
    records = ROWS * AUDIT_PER_APP
    for rid in range(1, records + 1):
        app = (rid - 1) // AUDIT_PER_APP + 1
        action = actions[(rid - 1) % AUDIT_PER_APP % len(actions)]
        detail = canonical_json({"application": app})
        digest = record_hash(
            prev, at=at, actor_iin=CLERK, action=action, object=f"app:{app}", detail=detail, key=key
        )
        batch.append((rid, at, CLERK, action, f"app:{app}", detail, prev, digest))
        prev = digest
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", batch)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    tail = audit_seal.Tail(records, prev)
    audit_seal.write_checkpoint(
        paths.audit_checkpoint,
        audit_seal.Checkpoint(1, key_id, tail, None, (), None, seq=1),
        key,
        durable=True,
        in_place=False,
    )
    (folder / "complete").write_text("built\n", encoding="utf-8")
    return paths


def _register(database: str, ready: Any, stop: Any, out: Any) -> None:
    """Another desk: register one applicant after another until ``stop``; (start, seconds)."""
    db = open_db(Path(database))
    journal = Journal(db)
    samples: list[tuple[float, float]] = []
    n = 0
    # IINs no kept journal holds: "month" 13-99 (the generated applicants' are real dates, and
    # the registrations of earlier runs are gone with ``_reset``).
    month = 13 + secrets.randbelow(87)
    ready.set()
    while not stop.is_set():
        n += 1
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        app_id = journal.drafts.create_draft(
            applicant_iin=f"99{month}{n:08d}",
            actor_iin=CLERK,
            role=Role.RECEPTIONIST,
            now=now,
        )
        journal.registration.register(
            app_id, clinic_code="EMH", actor_iin=CLERK, role=Role.RECEPTIONIST, now=now
        )
        samples.append((time.monotonic(), time.perf_counter() - t0))
        if PACE:
            stop.wait(PACE)
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


def _load() -> str:
    """``uptime``'s load averages (1, 5, 15 minutes)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _warm(folder: Path) -> None:
    """Every file of ``folder`` read once, so that each phase starts with it in the page cache."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                while fh.read(16 * 1024 * 1024):
                    pass


def _settle(*leftovers: Path) -> None:
    """The previous phase's output removed and the disk's write-back done, so that no phase
    pays for another's dirty pages."""
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    os.sync()


@dataclass
class _Phase:
    name: str
    kind: str
    begin: float
    end: float
    load_before: str
    load_after: str
    cpu: float
    """CPU seconds of this process and the children it waited for (cp, the walk's workers; not
    the registering desk, still running)."""

    @property
    def seconds(self) -> float:
        return self.end - self.begin


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _drill(root: Path, manifest: object) -> str:
    """The restored folder checked as a drill does: ``audit verify`` passes, and the journal
    holds what the manifest says (applications, the numbers given); what was found, in words."""
    from regdesk.store import audit

    assert isinstance(manifest, Manifest)
    db = open_db(DataPaths(root).database)
    try:
        report = audit.verify(db)
        assert report.ok, report
        conn = db.conn
        apps = conn.execute("SELECT count(*) FROM applications").fetchone()[0]
        numbers = {
            f"{code}-{year}": last
            for code, year, last in conn.execute(
                "SELECT clinic_code, year, last_seq FROM number_counters"
            )
        }
    finally:
        db.conn.close()
    assert apps == manifest.counts["applications"], (apps, manifest.counts)
    assert numbers == manifest.numbers, (numbers, manifest.numbers)
    return (
        f"audit verify passes ({report.count:,} records, the restore's own included),"
        f" {apps:,} applications and the last numbers as in the manifest"
    )


def _walk_alone(paths: DataPaths) -> None:
    """The audit chain's walk alone on the live journal (read-only), in one process as before
    and split over worker processes as ``audit.verify`` walks a long log now, in turn."""
    from regdesk.store import audit_walk
    from regdesk.store.backup import open_read_only

    sealing = audit_walk.Sealing(audit_seal.read_key(paths.audit_key), 1)
    with open_read_only(paths.database) as conn:
        for label, workers in (("in one process (before)", 1), ("split (now)", None)) * 2:
            load = _load()
            start = time.perf_counter()
            walked = audit_walk.walk(conn, sealing, None, workers=workers)
            took = time.perf_counter() - start
            assert isinstance(walked, audit_walk.Walked), walked
            print(
                f"audit chain walk alone, {label}: {walked.count:,} records in {took:.1f} s"
                f" ({walked.walkers} processes; load {load})"
            )


def main() -> None:
    t0 = time.perf_counter()
    paths = build(_folder())
    _reset(paths)
    print(f"data folder ready in {time.perf_counter() - t0:.0f} s: {paths.root}", flush=True)
    db_mb = paths.database.stat().st_size / 1e6
    scans_mb = _size(paths.vault_dir) / 1e6
    print(f"size: {ROWS:,} applications, database {db_mb:.0f} MB, scans {scans_mb:.0f} MB")
    print(f"cores: {os.cpu_count()}; load (1/5/15 min) at the start: {_load()}", flush=True)
    pace = f"{PACE * 1000:.0f} ms apart" if PACE else "one after another"
    print(f"another desk registers all along, {pace} (REGDESK_BENCH_PACE_MS)")

    work = Path(tempfile.mkdtemp(prefix="regdesk-bench-backup-", dir=paths.root.parent))
    ctx = mp.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    writer = ctx.Process(target=_register, args=(str(paths.database), ready, stop, out))
    writer.start()
    phases: list[_Phase] = []

    def phase(name: str, kind: str, run: Callable[[], _T]) -> _T:
        load = _load()
        cpu = _cpu()
        start = time.monotonic()
        result = run()
        os.sync()
        phases.append(_Phase(name, kind, start, time.monotonic(), load, _load(), _cpu() - cpu))
        done = phases[-1]
        print(
            f"  {name}: {done.seconds:.1f} s, CPU {done.cpu:.1f} s"
            f" (load {done.load_before} -> {done.load_after})",
            flush=True,
        )
        return result

    def copy(target: Path) -> None:
        subprocess.run(["cp", "-a", str(paths.root), str(target)], check=True)

    def checked(target: Path) -> Verification:
        logging.getLogger().setLevel(logging.INFO)
        try:
            return make_checked_backup(
                paths, target, made_at=NOW, program_version="bench", include_key=True
            )
        finally:
            logging.getLogger().setLevel(logging.WARNING)

    reports: list[Verification] = []
    try:
        ready.wait(60)
        phase("alone", "alone", lambda: time.sleep(5))  # the writer's own baseline
        _warm(paths.root)
        print(
            f"phases in turn, each with the data folder in the page cache (warm) and the previous"
            f" phase's output removed and synced; {ROUNDS} rounds:",
            flush=True,
        )
        logging.basicConfig(level=logging.WARNING, format="    %(message)s")
        for n in range(1, ROUNDS + 1):
            _settle()
            target = work / f"copy-{n}"
            phase(f"copy {n}", "copy", partial(copy, target))
            _settle(target)
            target = work / f"checked-{n}"
            reports.append(phase(f"regdesk backup {n}", "checked", partial(checked, target)))
            if n < ROUNDS or not VERIFY:
                _settle(work / f"checked-{n}")
        _settle()
        phase(f"copy {ROUNDS + 1}", "copy", lambda: copy(work / "copy-last"))
        _settle(work / "copy-last")
        manifest = phase(
            "backup unchecked",
            "backup",
            lambda: make_backup(
                paths, work / "backup", made_at=NOW, program_version="bench", include_key=True
            ),
        )
        # The restore drill: the unchecked backup (with its keys) restored into a new data
        # folder as ``regdesk restore`` does (it verifies the whole backup first: every file
        # read back, integrity_check, the audit chain, every scan), then the restored log
        # verified and its counts and numbers held against the manifest.
        restored = phase(
            "restore",
            "restore",
            lambda: restore(work / "backup", work / "restored", actor_iin=CLERK),
        )
        drill = _drill(work / "restored", manifest)
        _settle(work / "backup")
        _settle(work / "restored")
        verified = None
        if VERIFY:
            verified = phase("verify", "verify", lambda: verify_backup(work / f"checked-{ROUNDS}"))
    finally:
        stop.set()
        samples: list[tuple[float, float]] = out.get(timeout=120)
        writer.join(60)
        shutil.rmtree(work, ignore_errors=True)

    for report in reports:
        assert report.ok, report.problems
    assert isinstance(manifest, Manifest)
    print(
        f"backed up {manifest.counts['applications']:,} applications, {manifest.counts['scans']}"
        f" scans, {manifest.audit_count:,} audit records; checked {reports[-1].scans_opened} scans"
    )
    copies = [p.seconds for p in phases if p.kind == "copy"]
    backups = [p.seconds for p in phases if p.kind == "checked"]
    copy_s, checked_s = statistics.median(copies), statistics.median(backups)
    for label, kind, times in (
        ("plain copy (cp -a, sync)", "copy", copies),
        ("regdesk backup (checked as copied)", "checked", backups),
    ):
        cpu = statistics.median(p.cpu for p in phases if p.kind == kind)
        runs = " / ".join(f"{s:.1f}" for s in times)
        print(f"{label}, warm: {runs} s; median {statistics.median(times):.1f} s, CPU {cpu:.1f} s")
    pairs = " ".join(f"{b / c:.2f}" for b, c in zip(backups, copies, strict=False))
    print(
        f"ratio regdesk backup / plain copy (medians): {checked_s / copy_s:.2f}x (goal <= 1.5);"
        f" each backup against the copy before it: {pairs}"
    )
    plain = next(p for p in phases if p.kind == "backup")
    print(
        f"backup unchecked (online copy + scans + manifest): {plain.seconds:.1f} s"
        f" = {plain.seconds / copy_s:.2f}x the median copy"
    )
    took = next(p for p in phases if p.kind == "restore").seconds
    assert isinstance(restored, Restored)
    print(
        f"restore drill (regdesk restore of the unchecked backup: the backup verified whole,"
        f" then copied): {took:.1f} s = {took / copy_s:.2f}x the median copy; {drill}"
    )
    if verified is not None:
        assert isinstance(verified, Verification) and verified.ok, verified
        took = next(p for p in phases if p.kind == "verify").seconds
        print(
            f"verify (regdesk backup verify: every file read back, integrity_check, audit"
            f" chain, scans): {took:.1f} s = {took / copy_s:.2f}x the median copy"
        )
    for kind in ("alone", "copy", "checked", "backup", "restore", "verify"):
        during = [
            s for at, s in samples for p in phases if p.kind == kind and p.begin <= at <= p.end
        ]
        if any(p.kind == kind for p in phases):
            print(f"another desk registering, {kind}: {_figures(during)}")
    _walk_alone(paths)
    print(f"load (1/5/15 min) at the end: {_load()}")
