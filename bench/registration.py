"""One registration transaction: number, state change, event and audit record (budget: <= 5 ms).

Times ``Journal.registration.register`` 500 times on a database file in WAL mode in a fresh temp
folder, after a journal of a few thousand earlier applications, as the desk calls it (BEGIN
IMMEDIATE … COMMIT), once with ``[storage] durability = "normal"`` (``synchronous=NORMAL``,
the default) and once with ``"full"`` (``synchronous=FULL``: every commit synced), and prints the
ratio of the medians. The drafts are created beforehand and not timed; their creation is
reported too, since the desk does it once per applicant.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from regdesk.core.application import Role
from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.journal import Journal

REGISTRATIONS = 500
EARLIER = 5000
CLERK = "880101300123"
SIGNATURE = {
    "signer_iin": CLERK,
    "signer_name": "Сейітова Айгүл",
    "cert_serial": "4a3f9c01",
    "cert_issuer": "CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)",
    "content_sha256": "ab" * 32,
    "canonical": b"{}" * 400,
    "cms": b"\x30\x82" + b"\x00" * 2500,
}


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    median = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95)] * 1000
    return f"median {median:.2f} ms, p95 {p95:.2f} ms"


def main() -> None:
    medians = {durability: _run(durability) for durability in ("normal", "full")}
    print(
        f"durability full / normal: {medians['full'] / medians['normal']:.1f}x"
        f" the median registration ({medians['normal'] * 1000:.2f} ms →"
        f" {medians['full'] * 1000:.2f} ms)"
    )


def _run(durability: str) -> float:
    """Time the registrations with ``durability``; print the figures, return the median."""
    print(f"-- [storage] durability = {durability!r}")
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-") as folder:
        db = open_db(Path(folder) / "regdesk.sqlite3", durability)
        mode = db.conn.execute("PRAGMA journal_mode").fetchone()[0]
        journal = Journal(db)
        now = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
        for i in range(EARLIER):
            earlier = journal.drafts.create_draft(
                applicant_iin=f"9{i:011d}", actor_iin=CLERK, role=Role.RECEPTIONIST, now=now
            )
            journal.registration.register(
                earlier, clinic_code="EMH", actor_iin=CLERK, role=Role.RECEPTIONIST, now=now
            )
        drafts: list[int] = []
        creating: list[float] = []
        for i in range(REGISTRATIONS):
            t0 = time.perf_counter()
            drafts.append(
                journal.drafts.create_draft(
                    applicant_iin=f"8{i:011d}",
                    actor_iin=CLERK,
                    role=Role.RECEPTIONIST,
                    now=now,
                    surname="Әлімжанова",
                    first_name="Гүлнұр",
                    patronymic="Серікқызы",
                    registry_data={"iin": f"8{i:011d}", "alive": True},
                )
            )
            creating.append(time.perf_counter() - t0)
        registering: list[float] = []
        with_signature: list[float] = []
        for i, app_id in enumerate(drafts):
            moment = now + timedelta(seconds=i)
            signature = dict(SIGNATURE, signed_at=moment) if i % 2 else None
            t0 = time.perf_counter()
            journal.registration.register(
                app_id,
                clinic_code="EMH",
                actor_iin=CLERK,
                role=Role.RECEPTIONIST,
                now=moment,
                signature=signature,
            )
            elapsed = time.perf_counter() - t0
            (with_signature if signature else registering).append(elapsed)
        chain = "intact" if audit.verify(db).ok else "BROKEN"
        print(f"journal mode {mode}, {EARLIER:,} earlier registrations, audit chain {chain}")
        print(
            f"register x{REGISTRATIONS} (number, state, event, audit):"
            f" {_stats(registering + with_signature)} (budget 5 ms)"
        )
        print(f"  without a signature row: {_stats(registering)}")
        print(f"  with a signature row:    {_stats(with_signature)}")
        print(f"create_draft (row, event, audit): {_stats(creating)}")
        db.conn.close()
    return statistics.median(registering + with_signature)
