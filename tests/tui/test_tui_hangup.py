"""A desk whose terminal disappears ends by itself and keeps the draft (issue 14).

The desk is started with ``setsid`` in a tmux pane, so it is not in the terminal's session and
gets no hang-up signal when the pane goes, exactly as a desk started through ``su`` or left by a
dropped SSH connection. The pane is killed with a form half typed; the desk must end on its own
(it used to read end-of-file for ever, spinning a core) and the draft, with what was typed, must
be offered at the next sign-in.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_terminal import LIMIT, Terminal

from regdesk import demo
from regdesk.desk import Desk
from regdesk.i18n import t
from regdesk.logs import LOG_NAME

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(shutil.which("setsid") is None, reason="setsid is not installed"),
]


def _desk_processes(marker: str) -> list[int]:
    """Process ids whose command line holds ``marker`` (the test's own workspace path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and "regdesk" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[demo.DemoWorkspace]:
    # Built once here so the test knows its people; `regdesk demo --workspace` keeps it.
    ws = demo.build(tmp_path / "ws")
    ws.stop()
    yield ws


def _start(workspace: demo.DemoWorkspace) -> tuple[Terminal, str, str]:
    """The demo desk under ``setsid`` in a fresh tmux pane, signed in as the receptionist."""
    root = str(workspace.root)
    command = [sys.executable, "-m", "regdesk", "--lang", "en", "demo", "--workspace", root]
    term = Terminal(f"regdesk-test-{uuid.uuid4().hex[:8]}", "desk")
    term.tmux(
        "new-session", "-d", "-s", term.session, "-x", "80", "-y", "24",
        f"setsid -w {shlex.join(command)}",
    )  # fmt: skip
    _, iin, password, _ = next(s for s in workspace.staff if s[0] == "receptionist")
    term.wait_for(t("signin.title", "en"))
    term.type(iin)
    term.key("Enter")
    term.type(password)
    term.key("Enter")
    term.wait_for(t("menu.title", "en"))
    return term, iin, password


def _kill_pane_and_wait_for_the_end(term: Terminal, root: str) -> None:
    assert _desk_processes(root), "the desk is not running"
    term.tmux("kill-session", "-t", term.session)
    # Not our child (setsid in tmux): its end is an event on a pidfd, waited for with select.
    for pid in _desk_processes(root):
        with contextlib.suppress(ProcessLookupError):
            fd = os.pidfd_open(pid)
            try:
                ended, _, _ = select.select([fd], [], [], LIMIT)
            finally:
                os.close(fd)
            assert ended, "the desk kept running without its terminal"


def _cleanup(term: Terminal, root: str) -> None:
    subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True)
    for pid in _desk_processes(root):
        subprocess.run(["kill", "-9", str(pid)], capture_output=True)


def _errors_logged(workspace: demo.DemoWorkspace) -> list[str]:
    """The log's lines of an error the desk did not expect (each is logged as unhandled)."""
    text = (workspace.root / "logs" / LOG_NAME).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if "unhandled" in line]


def test_a_desk_whose_terminal_is_killed_ends_and_keeps_the_draft(
    workspace: demo.DemoWorkspace,
) -> None:
    root = str(workspace.root)
    term, iin, password = _start(workspace)
    try:
        person = workspace.samples["unattached"][0]
        term.type("1")
        term.wait_for(t("applicant.title", "en"))
        term.type(person)
        term.key("Enter")
        term.wait_for(t("checks.next_form", "en"))
        term.key("F10")
        term.wait_for(t("form.title", "en"))
        term.type("7011234567")
        term.wait_for("701")
        _kill_pane_and_wait_for_the_end(term, root)
    finally:
        _cleanup(term, root)
    assert _errors_logged(workspace) == []

    desk = Desk(workspace.config)
    try:
        desk.session.sign_in(iin, password)
        drafts = [d for d in desk.session.open_drafts() if d.applicant_iin == person]
        assert len(drafts) == 1
        typed = desk.form.get(drafts[0].id).form or {}
        assert "701" in str(typed.get("phone", ""))
    finally:
        desk.close()


def test_a_desk_at_the_menu_whose_terminal_is_killed_ends_in_order(
    workspace: demo.DemoWorkspace,
) -> None:
    # Nothing is being saved at the menu: the end must not wait for every worker, its own too
    # (Textual's wait for no workers waits for all, and failed as a deadlock into the log).
    root = str(workspace.root)
    term, _, _ = _start(workspace)
    try:
        _kill_pane_and_wait_for_the_end(term, root)
    finally:
        _cleanup(term, root)
    assert _errors_logged(workspace) == []
