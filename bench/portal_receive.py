"""Receiving portal applications (issue 12): 1,000 applications with 1 MiB of files each.

Budget: the 1,000 received in <= 60 s on this machine, with memory bounded: the desk downloads,
checks and stores one application at a time, so its peak RSS stays about the same whether it
receives 100 or 1,000 of them. The registry simulator runs in this process on a loopback port;
the desk syncs in a child process of its own, whose peak RSS (``ru_maxrss``) is its alone.

Every application is real: a 1 MiB PDF the applicant signed the hash of, a CMS signature checked
under the clinic's policy, the file opened, encrypted and fsynced into the vault, one journal
transaction each.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from pathlib import Path

COUNT = int(os.environ.get("REGDESK_BENCH_PORTAL_COUNT", "1000"))
WARM = max(1, COUNT // 10)
FILE_BYTES = 1 << 20
BUDGET_S = 60.0


def _sync(config_file: str) -> tuple[int, int, int, float, int]:
    """In the child: one sync; (new, already here, errors, seconds, peak RSS in KiB)."""
    import asyncio
    import resource

    from regdesk.config import load
    from regdesk.desk.context import DeskContext
    from regdesk.desk.portal_intake import PortalIntake

    ctx = DeskContext(load(config_file))

    async def run() -> object:
        try:
            return await PortalIntake(ctx).sync()
        finally:
            await ctx.aclose()

    start = time.perf_counter()
    report = asyncio.run(run())
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ctx.close()
    new, here, errors = len(report.new), report.already_here, len(report.errors)  # type: ignore[attr-defined]
    return new, here, errors, seconds, peak


def main() -> None:
    from regdesk import demo

    root = Path(tempfile.mkdtemp(prefix="regdesk-bench-portal-"))
    workspace = demo.build(root / "clinic")
    try:
        portal = workspace.simulator.app.portal
        portal.file_bytes = FILE_BYTES
        config_file = str(workspace.root / "config.toml")
        context = multiprocessing.get_context("spawn")
        rows = []
        for count in (WARM, COUNT):
            for _ in range(count):
                portal.add("ordinary")
            with context.Pool(1) as pool:
                new, here, errors, seconds, peak = pool.apply(_sync, (config_file,))
            rows.append((count, new, seconds, peak))
            print(
                f"{new} received ({here} already here, {errors} not received) with "
                f"{FILE_BYTES >> 20} MiB each: {seconds:.1f} s, "
                f"{seconds / max(1, new) * 1000:.0f} ms per application, "
                f"peak RSS of the desk {peak / 1024:.0f} MiB",
                flush=True,
            )
        (_, _, _, small), (count, new, seconds, large) = rows
        verdict = "ok" if seconds <= BUDGET_S * count / 1000 else "OVER BUDGET"
        print(
            f"receiving {count}: {seconds:.1f} s (budget {BUDGET_S * count / 1000:.0f} s) "
            f"{verdict}; peak RSS {large / 1024:.0f} MiB for {count} vs {small / 1024:.0f} MiB "
            f"for {WARM} (ratio {large / small:.2f})"
        )
    finally:
        workspace.stop()
