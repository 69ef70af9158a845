"""Process start to an interactive sign-in screen, side by side with a minimal Textual app.

Budget: the median of ``regdesk --config FILE`` at most 1.5 times the median of the floor, a
Textual app that shows one ``Input`` and nothing else, measured in the same run.

What is measured: each process runs in a real pseudo-terminal of 80x24 (``pty.fork``,
``TERM=xterm-256color``); the clock starts just before the fork and stops when the text written
to the terminal, escape sequences removed, first contains a marker: the sign-in title in the
config's default language (the catalogue's ``signin.title``) for regdesk, the Input's
placeholder for the floor. Then the process is killed. Runs alternate floor, regdesk, floor, ...
so both see the same load; one unmeasured run of each comes first and fills the byte-code cache
(``PYTHONPYCACHEPREFIX`` in the temp folder, ``PYTHONDONTWRITEBYTECODE`` removed: an installed
regdesk has its ``.pyc`` files) and the page cache.
``REGDESK_BENCH_STARTUP_RUNS`` changes the number of runs (default 15 each).

The workspace is prepared once with ``regdesk.demo.build`` and its registry simulator is stopped
at once: the sign-in screen must not need the registry. ``regdesk demo`` itself is not measured,
because it generates a CA and keys before it starts the desk.

Finally one more run of regdesk under ``python -X importtime`` lists the imports that cost the
most up to the sign-in screen, and which heavy libraries were imported before it (ideally none
of httpx, cryptography, sqlite_utils, holidays, fpdf).
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import statistics
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

RUNS = int(os.environ.get("REGDESK_BENCH_STARTUP_RUNS", "15"))
TIMEOUT = 30.0
"""Seconds to wait for a marker before the run counts as failed."""
COLUMNS, LINES = 80, 24
FLOOR_MARKER = "floor-ready-marker"
HEAVY = ("httpx", "cryptography", "sqlite_utils", "holidays", "fpdf")
"""Libraries the sign-in screen does not need; each costs tens of milliseconds to import."""

FLOOR_APP = textwrap.dedent(
    f"""\
    from textual.app import App, ComposeResult
    from textual.widgets import Input


    class Floor(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(placeholder={FLOOR_MARKER!r})


    if __name__ == "__main__":
        Floor().run()
    """
)

# CSI (with private parameters), OSC (ended by BEL or ST), and two-byte escapes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)([\w.]+)")


@dataclass(frozen=True)
class Run:
    """One process start: the seconds to the marker (None: not seen) and all it wrote."""

    seconds: float | None
    output: str


def screen_text(raw: bytes) -> str:
    """What the terminal shows, roughly: the output with its escape sequences removed."""
    return _ESCAPES.sub("", raw.decode("utf-8", errors="replace"))


def run_in_pty(argv: list[str], marker: str, env: dict[str, str], cwd: Path) -> Run:
    """Start ``argv`` in a new 80x24 pseudo-terminal and time it until ``marker`` shows."""
    import fcntl
    import struct
    import termios

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is already its controlling terminal and stdio
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    raw = bytearray()
    seen: float | None = None
    deadline = started + TIMEOUT
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal (it exited)
                break
            if not chunk:
                break
            raw += chunk
            if marker in screen_text(bytes(raw)):
                seen = time.perf_counter() - started
                break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return Run(seen, screen_text(bytes(raw)))


def child_env(pycache: Path) -> dict[str, str]:
    """The environment of both apps: a plain xterm, and byte code cached as an install has it."""
    dropped = ("NO_COLOR", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEXTUAL", "REGDESK_")) and k not in dropped
    }
    # An installed package has its .pyc files; a work tree run with PYTHONDONTWRITEBYTECODE
    # would compile every regdesk module at each start (the floor's textual is precompiled).
    # The cache goes to the temp folder rather than into the work tree.
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        PYTHONPYCACHEPREFIX=str(pycache),
    )
    return env


def regdesk_argv(config: Path, *python_flags: str) -> list[str]:
    """The ``regdesk`` console script as an installation runs it (``-m regdesk`` without it)."""
    script = Path(sys.executable).with_name("regdesk")
    if script.exists():
        return [sys.executable, *python_flags, str(script), "--config", str(config)]
    return [sys.executable, *python_flags, "-m", "regdesk", "--config", str(config)]


def prepare_workspace(root: Path) -> tuple[Path, str]:
    """A demo workspace with its simulator stopped; its config and the sign-in marker."""
    from regdesk import demo
    from regdesk.i18n import t

    workspace = demo.build(root / "workspace")
    workspace.stop()
    config = workspace.config.source
    assert config is not None
    return Path(config), t("signin.title", workspace.config.languages.default)


@dataclass(frozen=True)
class ImportCost:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def import_costs(output: str) -> list[ImportCost]:
    """The ``-X importtime`` lines in the terminal output, in the order they were printed."""
    costs = []
    for m in _IMPORT_LINE.finditer(output):
        costs.append(ImportCost(m.group(4), int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2))
    return costs


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _stats(name: str, samples: list[float], failed: int) -> str:
    ordered = sorted(samples)
    if not ordered:
        return f"{name:<8} no run reached the marker ({failed} failed)"
    text = (
        f"{name:<8} median {_median_ms(ordered):7.1f} ms  min {ordered[0] * 1000:7.1f} ms"
        f"  max {ordered[-1] * 1000:7.1f} ms  ({len(ordered)} runs"
    )
    return text + (f", {failed} failed)" if failed else ")")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-startup-") as folder:
        root = Path(folder)
        config, marker = prepare_workspace(root)
        floor_script = root / "floor_app.py"
        floor_script.write_text(FLOOR_APP, encoding="utf-8")
        env = child_env(root / "pycache")
        floor_argv = [sys.executable, str(floor_script)]
        desk_argv = regdesk_argv(config)
        print(f"workspace {config.parent} (simulator stopped); regdesk marker {marker!r}")

        samples: dict[str, list[float]] = {"floor": [], "regdesk": []}
        failures: dict[str, list[str]] = {"floor": [], "regdesk": []}
        plan = [("floor", floor_argv, FLOOR_MARKER), ("regdesk", desk_argv, marker)]
        for _ in range(1):  # warm-up, not counted
            for _name, argv, mark in plan:
                run_in_pty(argv, mark, env, root)
        for _ in range(RUNS):
            for name, argv, mark in plan:
                run = run_in_pty(argv, mark, env, root)
                if run.seconds is None:
                    failures[name].append(run.output[-400:])
                else:
                    samples[name].append(run.seconds)

        print(_stats("floor", samples["floor"], len(failures["floor"])))
        print(_stats("regdesk", samples["regdesk"], len(failures["regdesk"])))
        if samples["floor"] and samples["regdesk"]:
            ratio = _median_ms(samples["regdesk"]) / _median_ms(samples["floor"])
            print(f"ratio regdesk / floor: {ratio:.2f} (budget 1.5)")
        for name, outputs in failures.items():
            if outputs:
                print(f"{name}: marker not seen; the terminal's last text was:")
                print(textwrap.indent(outputs[-1].strip(), "    "))

        traced = run_in_pty(regdesk_argv(config, "-X", "importtime"), marker, env, root)
        costs = import_costs(traced.output)
        if traced.seconds is None or not costs:
            print("import times: the traced run did not reach the sign-in screen")
            return
        total = sum(c.self_us for c in costs)
        print(
            f"imports before the sign-in screen (-X importtime, one run): {len(costs)} modules,"
            f" {total / 1000:.0f} ms of import time in all"
        )
        print("  top 10 by cumulative time (ms, indented by nesting depth):")
        for c in sorted(costs, key=lambda c: c.cumulative_us, reverse=True)[:10]:
            print(f"    {c.cumulative_us / 1000:7.1f}  {'  ' * c.depth}{c.module}")
        print("  top 10 by own time (ms):")
        for c in sorted(costs, key=lambda c: c.self_us, reverse=True)[:10]:
            print(f"    {c.self_us / 1000:7.1f}  {c.module}")
        floor_traced = run_in_pty(
            [sys.executable, "-X", "importtime", str(floor_script)], FLOOR_MARKER, env, root
        )
        floor_modules = {c.module for c in import_costs(floor_traced.output)}
        extra = [c for c in costs if c.module not in floor_modules]
        if floor_modules:
            print(
                f"  imported by regdesk but not by the floor: {len(extra)} modules,"
                f" {sum(c.self_us for c in extra) / 1000:.0f} ms of own time; the costliest:"
            )
            for c in sorted(extra, key=lambda c: c.self_us, reverse=True)[:10]:
                print(
                    f"    {c.self_us / 1000:7.1f}  {c.module}  (via {_importer(costs, c.module)})"
                )
        imported = {c.module.split(".")[0] for c in costs}
        heavy = [h for h in HEAVY if h in imported]
        print(
            "  heavy libraries imported before the sign-in screen: "
            + (", ".join(heavy) if heavy else "none")
            + f" (checked: {', '.join(HEAVY)})"
        )
        for h in heavy:
            top = max((c for c in costs if c.module == h), key=lambda c: c.cumulative_us)
            via = _importer(costs, h)
            print(f"    {h}: {top.cumulative_us / 1000:.1f} ms, first pulled in by {via}")


def _importer(costs: list[ImportCost], module: str) -> str:
    """The chain of regdesk modules that led to the first import of ``module``."""
    # importtime prints a module after its children, so the parent of entry i is the next
    # entry with a smaller depth.
    for i, c in enumerate(costs):
        if c.module == module:
            chain: list[str] = []
            depth = c.depth
            for later in costs[i + 1 :]:
                if later.depth < depth:
                    chain.append(later.module)
                    depth = later.depth
                    if depth == 0:
                        break
            regdesk = [m for m in chain if m.startswith("regdesk")]
            return " <- ".join(regdesk or chain) or "(top level)"
    return "?"
