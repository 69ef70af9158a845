"""A real terminal for tests: one tmux session (80x24) on a private tmux server, with the keys a
person would press. Each test's server is its own and is the only one it kills."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable

LIMIT = 60.0
"""Seconds to wait for a screen: a cold start on a loaded machine."""

POLL = 0.2
"""Seconds between two looks at what another process shows: a tmux pane's text and a process's
end give no event to wait on here, so ``wait_until`` asks the condition again at this pace."""


def wait_until(
    condition: Callable[[], bool], failure: str | Callable[[], str], limit: float = LIMIT
) -> None:
    """Ask ``condition`` until it holds, failing with ``failure`` after ``limit`` seconds: for
    what another process does (a screen, a process gone), which gives no event to wait on."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure if isinstance(failure, str) else failure())
        time.sleep(POLL)


class Terminal:
    """One tmux session on a private server, with the keys a person would press."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session

    @classmethod
    def start(cls, command: str, prefix: str = "regdesk-test") -> Terminal:
        """A new private server whose one session runs ``command`` (a shell line)."""
        term = cls(f"{prefix}-{uuid.uuid4().hex[:8]}", "desk")
        term.tmux("new-session", "-d", "-s", term.session, "-x", "80", "-y", "24", command)
        return term

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True
        )
        return done.stdout

    def screen(self) -> str:
        # -J joins lines the terminal wrapped, so a long path reads as one line.
        return self.tmux("capture-pane", "-p", "-J", "-t", self.session)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def key(self, name: str) -> None:
        self.tmux("send-keys", "-t", self.session, name)

    def wait_for(self, text: str, limit: float = LIMIT) -> str:
        shown: list[str] = []

        def there() -> bool:
            shown[:] = [self.screen()]
            return text in shown[0]

        wait_until(
            there, lambda: f"{text!r} did not appear; the terminal shows:\n{shown[0]}", limit
        )
        return shown[0]

    def close(self) -> None:
        """Kill this test's tmux server (and so what runs in it)."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
