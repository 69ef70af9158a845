"""The served desk for the tests: a workspace, ``regdesk serve`` as a process, and a browser
tab with the desk (Debian's Chromium through Playwright, the screen read from xterm.js).

The screen is read from the terminal's buffer (the text xterm.js holds), not from pixels: an
init script keeps the page's xterm.js ``Terminal`` in ``window.__xterm`` when textual.js creates
it (textual.js keeps it in a closure; the hook sees it assigned to its ``terminal`` property).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_SESSIONS = 2
"""The session limit of the served workspace."""

LIMIT = 60.0
"""Seconds to wait for a screen: a desk process's cold start on a loaded 2-core machine."""

CAPTURE_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal",
      {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && typeof value.onWriteParsed === "function") {
      window.__xterm = value;
    }
  },
});
"""

SCREEN_JS = """() => {
  const term = window.__xterm;
  if (!term) return "";
  const buffer = term.buffer.active;
  const lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""


def chromium() -> str | None:
    """Debian's Chromium (``apt install chromium``), or None when this machine has none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if chromium() is None:
        return "Chromium is not installed (apt install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


def serve_workspace(root: Path, serve_toml: str = "") -> Any:
    """A demo workspace (English) whose config has a ``[serve]`` section (``serve_toml`` added)."""
    from regdesk import demo

    ws = demo.build(root, lang="en")
    config = ws.root / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"\n[serve]\nmax_sessions = {MAX_SESSIONS}\n{serve_toml}")
    return ws


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    condition: Callable[[], Any], what: str, limit: float = LIMIT, every: float = 0.05
) -> Any:
    """Poll ``condition`` until it gives something true; AssertionError naming ``what``."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:g} s")
        time.sleep(every)


async def settle_until(condition: Callable[[], Any], what: str, limit: float = LIMIT) -> Any:
    """``wait_until`` for async tests: the event loop keeps running while it waits."""
    import asyncio

    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:g} s")
        await asyncio.sleep(0.05)


class Served:
    """``regdesk serve`` running as a separate process on a free loopback port."""

    def __init__(self, config: Path, port: int, *extra: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        command = [sys.executable, "-m", "regdesk", "--config", str(config), "serve"]
        command += ["--port", str(port), *extra]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "The desk is served at …", once it listens
        if self.url not in line:
            self.stop()
            raise AssertionError(f"regdesk serve did not start: {line!r}")

    def desks(self) -> list[int]:
        """Process ids of the desks the server runs now (its children)."""
        return children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux /proc), zombies left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode() for part in raw.split(b"\0") if part]


BACKGROUND_JS = """([label, below, column]) => {
  const term = window.__xterm;
  const buffer = term.buffer.active;
  for (let y = 0; y + below < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    if (line && line.translateToString(true).includes(label)) {
      return buffer.getLine(buffer.viewportY + y + below).getCell(column).getBgColor();
    }
  }
  return null;
}"""


class Desk:
    """One browser tab with the desk: keys in, screen text out."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self._cdp: Any = None

    def open(self, url: str) -> None:
        self.page.add_init_script(CAPTURE_TERMINAL)
        self.page.goto(url)

    def screen(self) -> str:
        from playwright.sync_api import Error

        try:
            return str(self.page.evaluate(SCREEN_JS))
        except Error:  # the page is navigating (a reload): nothing on screen yet
            return ""

    def wait_for(self, text: str, limit: float = LIMIT) -> str:
        """The screen once ``text`` is on it."""

        def shown() -> str:
            screen = self.screen()
            return screen if text in screen else ""

        try:
            return str(wait_until(shown, repr(text), limit))
        except AssertionError:
            shown_now = self.screen()
            raise AssertionError(f"{text!r} did not appear; the page shows:\n{shown_now}") from None

    def wait_gone(self, text: str, limit: float = LIMIT) -> str:
        """The screen once ``text`` is no longer on it."""

        def gone() -> str:
            screen = self.screen()
            return screen if text not in screen else ""

        try:
            return str(wait_until(gone, f"{text!r} gone", limit))
        except AssertionError:
            shown_now = self.screen()
            raise AssertionError(f"{text!r} stayed; the page shows:\n{shown_now}") from None

    def type(self, text: str) -> None:
        """Type ``text`` key by key, as a keyboard does: a key press for every character.

        Playwright's ``keyboard.type`` sends a letter missing from the US layout (Kazakh and
        Russian ones) as inserted text without a key press, which no keyboard does: xterm.js
        takes that path apart from key presses, and a Tab just before could arrive after it.
        Such a letter is sent here as a keyboard on the Kazakh layout sends it, a key press
        whose text is the letter (Chromium's ``Input.dispatchKeyEvent``).
        """
        for char in text:
            if char.isascii():
                self.page.keyboard.press(char)
            else:
                self._layout_key(char)

    def _layout_key(self, char: str) -> None:
        if self._cdp is None:
            self._cdp = self.page.context.new_cdp_session(self.page)
        down = {"type": "keyDown", "key": char, "text": char, "unmodifiedText": char}
        self._cdp.send("Input.dispatchKeyEvent", down)
        self._cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})

    def look(self, label: str, below: int = 0, column: int = 60) -> int | None:
        """The background colour of the field on the line with ``label`` (or ``below`` lines
        under it): a focused field has its own, a cue the screen's text does not give."""
        return self.page.evaluate(BACKGROUND_JS, [label, below, column])  # type: ignore[no-any-return]

    def wait_focus(self, label: str, focused: int, below: int = 0) -> None:
        """Wait until the field of ``label`` has the ``focused`` look.

        Keys typed at once after a key that moves the focus would still go to the field it
        left (Textual hands each key to the widget focused when the key arrives); a person is
        slower than that, a test waits for the focus to have moved.
        """
        wait_until(lambda: self.look(label, below) == focused, f"the focus on {label!r}")

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
