"""The desk in a browser (``regdesk serve``) measured in a real headless Chromium.

Budgets: page load to an interactive sign-in <= 1.5 s (median); keystroke to screen in the
form p95 <= 50 ms.

Set-up (not timed): a demo workspace (English) with its registry simulator, ``regdesk serve``
on a free loopback port as its own process, Debian's Chromium driven by Playwright
(``executable_path``; ``chromium`` or ``REGDESK_BENCH_CHROMIUM``).

Page load: for each of ``REGDESK_BENCH_SERVE_RUNS`` (10) runs a new browser context opens the
page; the figure is the page's own clock (``performance.now()``, from the start of navigation)
at the first animation frame whose terminal shows the sign-in screen with its IIN field
(xterm.js's buffer). It includes the page and textual.js, the websocket, the start of a desk
process (Python, Textual, regdesk's sign-in screen) and its first screen through the websocket.
One unmeasured run first fills the caches. After each run the tab closes and the benchmark waits
for its desk process to end, so runs do not overlap.

Keystroke to screen: signed in, an unattached applicant looked up, F10, the actual-address field;
``REGDESK_BENCH_SERVE_KEYS`` (120) characters of a Kazakh address typed one by one, at a fast
typist's pace (80 ms apart). Each figure is measured in the page: from the key's keydown (or
input, for letters sent as text) to the end of the first xterm.js render that shows it, so it
includes the browser's key handling, the websocket both ways, the desk's handling and render,
and xterm.js drawing. Playwright's own round trips are outside the measure.

Limits: headless Chromium on the same 2-core machine as the server and the desk, so the figures
include the browser's work competing with the desk's, and no network between them.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from regdesk import demo
from regdesk.i18n import t

RUNS = int(os.environ.get("REGDESK_BENCH_SERVE_RUNS", "10"))
KEYS = int(os.environ.get("REGDESK_BENCH_SERVE_KEYS", "120"))
GAP = 0.08
ADDRESS = "Алматы қ., Әуезов ауданы, Жандосов көшесі, 58 үй, 112 пәтер; "

# textual.js keeps xterm.js's Terminal in a closure; this sees it assigned to `terminal`.
CAPTURE = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal",
      {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && typeof value.onRender === "function") window.__xterm = value;
  },
});
window.__screen = () => {
  const term = window.__xterm;
  if (!term) return "";
  const buffer = term.buffer.active;
  const lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
};
window.__keyAt = 0;
const noteKey = () => { if (!window.__keyAt) window.__keyAt = performance.now(); };
window.addEventListener("keydown", noteKey, true);
window.addEventListener("input", noteKey, true);
window.__arm = (needle) => {
  window.__keyAt = 0;
  window.__pending = new Promise((resolve) => {
    const seen = window.__xterm.onRender(() => {
      if (window.__keyAt && window.__screen().includes(needle)) {
        seen.dispose();
        resolve(performance.now() - window.__keyAt);
      }
    });
    // A key not shown within 5 s is counted as lost, not waited for.
    setTimeout(() => { seen.dispose(); resolve(null); }, 5000);
  });
};
"""

SIGN_IN_SHOWN = """([title, field]) => {
  const screen = window.__screen();
  if (screen.includes(title) && screen.includes(field)) {
    window.__shownAt = window.__shownAt || performance.now();
    return true;
  }
  return false;
}"""


def _chromium() -> str:
    found = os.environ.get("REGDESK_BENCH_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise SystemExit("bench serve: Chromium is not installed (apt install chromium)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rpartition(")")[2].split()[:2]
            count += int(ppid) == pid and state != "Z"
    return count


def _wait(condition: Any, what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"bench serve: {what} not within {limit:g} s")
        time.sleep(0.02)


def _figures(values: list[float], unit: str) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{len(ordered)} {unit}: median {statistics.median(ordered):.1f} ms,"
        f" p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"
    )


def _page_load(browser: Any, url: str, server: int) -> float:
    context = browser.new_context(viewport={"width": 1024, "height": 640})
    page = context.new_page()
    page.add_init_script(CAPTURE)
    page.goto(url)
    markers = [t("signin.title", "en"), t("signin.iin", "en")]
    page.wait_for_function(SIGN_IN_SHOWN, arg=markers, polling="raf", timeout=60_000)
    shown = float(page.evaluate("() => window.__shownAt"))
    context.close()
    _wait(lambda: _children(server) == 0, "the desk process's end")
    return shown


def _screen_has(page: Any, text: str) -> None:
    page.wait_for_function("(t) => window.__screen().includes(t)", arg=text, timeout=60_000)


def _keystrokes(browser: Any, url: str, workspace: demo.DemoWorkspace) -> list[float]:
    page = browser.new_context(viewport={"width": 1024, "height": 640}).new_page()
    page.add_init_script(CAPTURE)
    page.goto(url)
    _screen_has(page, t("signin.iin", "en"))
    _, iin, password, _ = workspace.staff[0]
    page.keyboard.type(iin)
    page.keyboard.press("Enter")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    _screen_has(page, t("menu.title", "en"))
    page.keyboard.press("1")
    _screen_has(page, t("applicant.title", "en"))
    page.keyboard.type(workspace.samples["unattached"][0])
    page.keyboard.press("Enter")
    _screen_has(page, "The registry answered.")
    page.keyboard.press("F10")
    _screen_has(page, t("form.title", "en"))
    page.keyboard.press("Tab")  # the phone field -> the actual address
    cdp = page.context.new_cdp_session(page)
    typed = ""
    lost = 0
    latencies: list[float] = []
    text = (ADDRESS * (KEYS // len(ADDRESS) + 1))[:KEYS]
    for char in text:
        typed += char
        # What the field shows at its end (it scrolls as the address grows); spaces at the
        # end of a terminal line are not part of its text.
        needle = typed[-8:].rstrip() or typed.strip()[-8:]
        page.evaluate("(n) => window.__arm(n)", needle)
        if char.isascii():
            page.keyboard.press(char)
        else:
            # As a keyboard on the Kazakh layout sends it: a key press whose text is the letter
            # (Playwright's own typing sends such letters as inserted text, no key press).
            key = {"key": char, "text": char, "unmodifiedText": char}
            cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", **key})
            cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})
        shown = page.evaluate("() => window.__pending")
        if shown is None:
            lost += 1
        else:
            latencies.append(float(shown))
        time.sleep(GAP)
    page.context.close()
    if lost:
        print(f"keys not shown within 5 s: {lost}")
    return latencies


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="regdesk-bench-serve-") as folder:
        workspace = demo.build(Path(folder) / "ws", lang="en")
        config = workspace.root / "config.toml"
        with config.open("a", encoding="utf-8") as out:
            out.write("\n[serve]\nmax_sessions = 4\n")
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regdesk",
                "--config",
                str(config),
                "serve",
                "--port",
                f"{port}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            server.stdout.readline()  # listening
            url = f"http://127.0.0.1:{port}/"
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=_chromium())
                _page_load(browser, url, server.pid)  # caches
                loads = [_page_load(browser, url, server.pid) for _ in range(RUNS)]
                print(
                    f"page load to an interactive sign-in: {_figures(loads, 'runs')}"
                    " (budget median 1500 ms)"
                )
                keys = _keystrokes(browser, url, workspace)
                print(
                    f"keystroke to screen in the form, through the browser: "
                    f"{_figures(keys, 'keys')} (budget p95 50 ms)"
                )
                browser.close()
        finally:
            server.terminate()
            server.wait(30)
            workspace.stop()
