"""One registration transaction: number, state change, event and audit record (budget: <= 5 ms).

Times ``Journal.registration.register`` as the desk calls it (BEGIN IMMEDIATE … COMMIT) on a
database file in WAL mode in a fresh temp folder, after a journal of a few thousand earlier
applications, in four cases: ``[storage] durability = "normal"`` (``synchronous=NORMAL``, the
default) and ``"full"`` (``synchronous=FULL``: every commit synced), each without the audit key
(the public hash chain) and with it (each record an HMAC, ``audit.checkpoint`` rewritten beside
the key before each commit, as on every database ``regdesk init`` made). The cases run in turn,
``ROUNDS`` rounds of a slice each, so that the machine's load falls on all of them alike; the
load average is printed at the start and the end, with each case's median and p95 and the
ratios of the medians. The drafts are created beforehand (with ``"normal"``) and not timed;
their creation is reported too, since the desk does it once per applicant.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from regdesk.core.application import Role
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import Journal
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

REGISTRATIONS = 500
ROUNDS = 10
EARLIER = 5000
CLERK = "880101300123"
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
SIGNATURE = {
    "signer_iin": CLERK,
    "signer_name": "Сейітова Айгүл",
    "cert_serial": "4a3f9c01",
    "cert_issuer": "CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)",
    "content_sha256": "ab" * 32,
    "canonical": b"{}" * 400,
    "cms": b"\x30\x82" + b"\x00" * 2500,
}
CASES = [(d, keyed) for keyed in (False, True) for d in ("normal", "full")]


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    median = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95)] * 1000
    return f"median {median:.2f} ms, p95 {p95:.2f} ms"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _name(durability: str, keyed: bool) -> str:
    return f"{durability:<6} {'keyed + checkpoint' if keyed else 'unkeyed':<18}"


@dataclass
class Case:
    """One database of the bench, ready to register its drafts."""

    db: Database
    journal: Journal
    drafts: list[int]
    creating: list[float]
    plain: list[float] = field(default_factory=list)
    signed: list[float] = field(default_factory=list)


def _prepare(folder: Path, durability: str, keyed: bool) -> Case:
    """The earlier journal and the drafts, written with ``"normal"`` (not timed but the drafts),
    then the database opened again with ``durability``; keyed as ``regdesk init`` keys it."""
    paths = DataPaths(folder)
    db = open_db(paths.database, "normal")
    journal = Journal(db)
    for i in range(EARLIER):
        earlier = journal.drafts.create_draft(
            applicant_iin=f"9{i:011d}", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW
        )
        journal.registration.register(
            earlier, clinic_code="EMH", actor_iin=CLERK, role=Role.RECEPTIONIST, now=NOW
        )
    if keyed:
        Vault.create_key(paths.audit_key)
        audit.start_keying(db, actor_iin=None, at=NOW)
    drafts: list[int] = []
    creating: list[float] = []
    for i in range(REGISTRATIONS):
        t0 = time.perf_counter()
        drafts.append(
            journal.drafts.create_draft(
                applicant_iin=f"8{i:011d}",
                actor_iin=CLERK,
                role=Role.RECEPTIONIST,
                now=NOW,
                surname="Әлімжанова",
                first_name="Гүлнұр",
                patronymic="Серікқызы",
                registry_data={"iin": f"8{i:011d}", "alive": True},
            )
        )
        creating.append(time.perf_counter() - t0)
    db.conn.close()
    db = open_db(paths.database, durability)
    return Case(db, Journal(db), drafts, creating)


def _register(case: Case, first: int, count: int) -> None:
    for i in range(first, first + count):
        moment = NOW + timedelta(seconds=i)
        signature = dict(SIGNATURE, signed_at=moment) if i % 2 else None
        t0 = time.perf_counter()
        case.journal.registration.register(
            case.drafts[i],
            clinic_code="EMH",
            actor_iin=CLERK,
            role=Role.RECEPTIONIST,
            now=moment,
            signature=signature,
        )
        elapsed = time.perf_counter() - t0
        (case.signed if signature else case.plain).append(elapsed)


def main() -> None:
    print(f"load average at start: {_load()}")
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-") as root:
        cases = {(d, keyed): _prepare(Path(root) / f"{d}-{keyed}", d, keyed) for d, keyed in CASES}
        print(f"load average after the set-up: {_load()}")
        step = REGISTRATIONS // ROUNDS
        for n in range(ROUNDS):
            # Each round in another order, so that no case always follows the same one.
            order = CASES[n % len(CASES) :] + CASES[: n % len(CASES)]
            for which in order:
                _register(cases[which], n * step, step)
        medians: dict[tuple[str, bool], float] = {}
        for (durability, keyed), case in cases.items():
            chain = audit.verify(case.db)
            mode = case.db.conn.execute("PRAGMA journal_mode").fetchone()[0]
            name = _name(durability, keyed)
            print(
                f"-- {name} journal mode {mode}, {EARLIER:,} earlier registrations,"
                f" audit chain {'intact' if chain.ok else 'BROKEN'}"
            )
            both = case.plain + case.signed
            print(
                f"{name} register x{len(both)} (number, state, event, audit):"
                f" {_stats(both)} (budget 5 ms)"
            )
            print(f"{'':<26} without a signature row: {_stats(case.plain)}")
            print(f"{'':<26} with a signature row:    {_stats(case.signed)}")
            print(f"{'':<26} create_draft (row, event, audit): {_stats(case.creating)}")
            medians[(durability, keyed)] = statistics.median(both)
            case.db.conn.close()
    base = medians[("normal", False)]
    for durability, keyed in CASES[1:]:
        ratio = medians[(durability, keyed)] / base
        print(
            f"median {_name(durability, keyed)} / normal unkeyed: {ratio:.1f}x"
            f" ({base * 1000:.2f} ms → {medians[(durability, keyed)] * 1000:.2f} ms)"
        )
    full_keyed = medians[("full", True)] / medians[("normal", True)]
    print(f"median full / normal, both keyed + checkpoint: {full_keyed:.1f}x")
    print(f"load average at end: {_load()}")
