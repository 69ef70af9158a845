"""Rendering the talon: A5/A4 PDF (budget: median <= 100 ms), receipt text and ESC/POS.

Each renderer runs ``REGDESK_BENCH_REPEAT`` times (default 30) after one warm-up call, on a talon
and a refusal notice with every field filled; the first call in the process (imports, fonts read
from disk) is reported on its own, as it is what the first print of a session costs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from regdesk.printing.samples import make_refusal, make_talon

REPEAT = int(os.environ.get("REGDESK_BENCH_REPEAT", "30"))
BUDGET_MS = 100.0

TALON = make_talon(duplicate=True)
REFUSAL = make_refusal()


def _medians_ms(fn: Callable[[], object]) -> tuple[float, float]:
    """Median wall time and median CPU time of ``fn``, in milliseconds."""
    fn()
    wall, cpu = [], []
    for _ in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main() -> None:
    start = time.perf_counter()
    from regdesk.printing.pdf import render_pdf

    render_pdf(TALON)
    first = (time.perf_counter() - start) * 1000
    print(f"first talon PDF in the process (imports, fonts): {first:7.1f} ms")

    from regdesk.printing.documents import digest_fields
    from regdesk.printing.escpos import render_escpos
    from regdesk.printing.qr import parse_payload, payload_for, verify_payload
    from regdesk.printing.text import render_text

    cases: list[tuple[str, Callable[[], object]]] = [
        ("talon PDF A5 (duplicate)", lambda: render_pdf(TALON, "A5")),
        ("talon PDF A4", lambda: render_pdf(TALON, "A4")),
        ("refusal notice PDF A5", lambda: render_pdf(REFUSAL, "A5")),
        ("talon text 48 columns", lambda: render_text(TALON, 48)),
        ("talon text 32 columns", lambda: render_text(TALON, 32)),
        ("talon ESC/POS kz1048, 80 mm", lambda: render_escpos(TALON, 48)),
        ("talon ESC/POS raster, 80 mm", lambda: render_escpos(TALON, 48, kz1048=False)),
        (
            "QR payload make + parse + verify",
            lambda: verify_payload(parse_payload(payload_for(TALON)), digest_fields(TALON)),
        ),
    ]
    # CPU time is shown beside wall time: on a shared machine the wall time includes waiting
    # for a core, which the talon's own work does not cause.
    results = {}
    for name, fn in cases:
        wall, cpu = _medians_ms(fn)
        results[name] = wall
        print(f"{name:<34} median {wall:7.2f} ms wall, {cpu:7.2f} ms CPU  ({REPEAT} runs)")
    pdf = results["talon PDF A5 (duplicate)"]
    verdict = "within" if pdf <= BUDGET_MS else "OVER"
    print(
        f"talon PDF A5: {pdf:.1f} ms, {pdf / BUDGET_MS:.2f} of the {BUDGET_MS:.0f} ms budget"
        f" ({verdict})"
    )
