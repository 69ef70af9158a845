"""Opening a scan before the vault keeps it (issue 11, item 16): a 20-page PDF and a 5 MB JPEG.

Budget: median <= 100 ms for the PDF and <= 300 ms for the JPEG (one scan is attached at a time,
in a worker thread; the picker opens each scanner file once). The files are made here: an A4
page at 300 dpi with noise, so that its JPEG is about 5 MB as a scanner's is, and a PDF of 20
different such pages at 150 dpi (a document feeder's output).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from io import BytesIO

REPEAT = int(os.environ.get("REGDESK_BENCH_REPEAT", "10"))
BUDGET_MS = {"20-page PDF": 100.0, "5 MB JPEG": 300.0}


def _samples() -> dict[str, bytes]:
    from fpdf import FPDF
    from PIL import Image

    rng = random.Random(5)
    width, height = 2480, 3508
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    page = Image.blend(base, noise, 0.35)
    jpeg = BytesIO()
    page.save(jpeg, "JPEG", quality=90)
    small = page.resize((1240, 1754))
    pdf = FPDF(unit="pt", format="A4")
    for number in range(20):
        scan = BytesIO()
        small.rotate(number * 0.5).save(scan, "JPEG", quality=60)
        pdf.add_page()
        pdf.image(BytesIO(scan.getvalue()), x=0, y=0, w=595, h=842)
    return {"20-page PDF": bytes(pdf.output()), "5 MB JPEG": jpeg.getvalue()}


def main() -> None:
    from regdesk.store.vault import check_scan

    for name, data in _samples().items():
        check_scan(data, name=name)  # warm-up: imports
        times = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            check_scan(data, name=name)
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1000
        verdict = "ok" if median <= BUDGET_MS[name] else "OVER BUDGET"
        print(
            f"{name} ({len(data) / 1e6:.1f} MB): median {median:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms (budget {BUDGET_MS[name]:.0f} ms) {verdict}"
        )
