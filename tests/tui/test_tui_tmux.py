"""``regdesk demo`` in a real terminal (tmux, 80x24): start, sign in, reach the applicant, quit.

The test runs its own tmux server on a private socket and kills only that server at the end.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_terminal import Terminal

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.i18n import t

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    workspace = tmp_path / "ws"
    command = [sys.executable, "-m", "regdesk", "--lang", "en", "demo", "--workspace"]
    command.append(str(workspace))
    # The shell stays after regdesk ends, so its exit status and last words can be read.
    shell = f"{shlex.join(command)}; echo regdesk-exit=$?; sleep 600"
    term = Terminal.start(shell)
    try:
        yield term, workspace
    finally:
        term.close()


def test_demo_in_a_real_terminal(terminal: tuple[Terminal, Path]) -> None:
    term, workspace = terminal
    _, born, sex, *_, password = demo.STAFF[0]
    iin = make_iin(born, sex, 1)

    screen = term.wait_for(t("signin.title", "en"))
    assert iin in screen and password in screen  # the demo shows its accounts
    term.type(iin)
    term.wait_for(iin + " ")
    term.key("Enter")
    term.type(password)  # back to back, as a scanner's Enter followed by typing
    term.key("Enter")
    term.wait_for(t("menu.title", "en"))
    term.type("1")
    screen = term.wait_for(t("applicant.title", "en"))
    assert len(screen.splitlines()[0]) <= 80

    term.key("C-q")
    screen = term.wait_for("regdesk-exit=")
    assert "regdesk-exit=0" in screen
    assert f"Demo workspace: {workspace}" in screen
    assert "Traceback" not in screen
    assert (workspace / "config.toml").is_file()
