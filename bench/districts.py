"""The districts' attached counts over a million applications (issue 15): what the head's list
and the form's suggestion (when the ranges of several districts hold an address) read.

Uses the journal benchmark's million applications (``bench/journal.py`` builds and keeps them),
copied, with a registry answer kept on a tenth of them: half of those attach the person to this
clinic in one of 12 districts, the rest elsewhere. Prints the median and p95 of
``Districts.counts`` and of ``suggest_district`` with overlapping districts (which counts).
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import time
from pathlib import Path

from bench.journal import ROWS, cache_path, generate
from regdesk.config import District
from regdesk.core.clock import wall_utc
from regdesk.core.districts import suggest_district
from regdesk.store.db import open_db, transaction
from regdesk.store.districts import Districts
from regdesk.store.schema import SCHEMA_VERSION

BIN = "040340004179"
RUNS = 15


def _prepare() -> Path:
    source = cache_path(ROWS)
    # An older schema's million serves as well: the copy is migrated forward when opened.
    older = sorted(
        source.parent.glob(f"journal-schema*-{ROWS}.sqlite3"), key=lambda p: p.stat().st_mtime
    )
    if not source.exists() and older:
        source = older[-1]
    if not source.exists():
        source.parent.mkdir(parents=True, exist_ok=True)
        generate(source, ROWS)
    target = source.with_name(f"districts-schema{SCHEMA_VERSION}-{ROWS}.sqlite3")
    if target.exists():
        return target
    shutil.copyfile(source, target)
    db = open_db(target, upgrade=True)  # brings the copy to the current schema
    rng = random.Random(20261202)
    rows = db.conn.execute("SELECT id FROM applications WHERE id % 10 = 0").fetchall()
    with transaction(db):
        for (app_id,) in rows:
            here = rng.random() < 0.5
            answer = {
                "person": None,
                "attachment": {
                    "clinic_bin": BIN if here else "990340004179",
                    "clinic_name": "",
                    "district": 1 + int(rng.random() * 12),
                    "since": "2015-01-01",
                },
            }
            db.conn.execute(
                "UPDATE applications SET registry_data = ? WHERE id = ?",
                (json.dumps(answer), app_id),
            )
    db.conn.execute("ANALYZE")
    config = [District(n, addresses=(f"Абай {n}00-{n}99", "Шевченко")) for n in range(1, 13)]
    Districts(db).import_config(config, wall_utc(), source="bench")
    db.conn.close()
    return target


def _figures(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms ({len(ms)} runs)"


def main() -> None:
    path = _prepare()
    db = open_db(path)
    districts = Districts(db)
    counts: dict[int, int] = {}
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        counts = districts.counts(BIN)
        samples.append(time.perf_counter() - started)
    print(f"counts over {ROWS:,} applications: {_figures(samples)}")
    print(f"  attached: {sum(counts.values()):,} in {len(counts)} districts")
    records = districts.records(None)
    suggest = []
    for _ in range(RUNS):
        started = time.perf_counter()
        got = suggest_district(
            records,
            actual="ул. Шевченко 5",
            full=lambda: {n for n, c in districts.counts(BIN).items() if c >= 10_000},
        )
        suggest.append(time.perf_counter() - started)
    print(f"suggestion with 12 overlapping districts: {_figures(suggest)} (→ {got.district})")
    db.conn.close()


if __name__ == "__main__":
    main()
