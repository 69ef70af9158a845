"""The terminal a sign-in comes from (issue 14): the key the throttle slows down, one that the
person typing cannot change by opening another window, and the browser desk's per tab."""

from __future__ import annotations

import contextvars
import subprocess

from regdesk.config import Config
from regdesk.desk.terminal import terminal_id, web_terminal
from regdesk.serve import server


def test_the_terminal_comes_from_the_browser_then_ssh_then_the_place() -> None:
    ssh = {"SSH_CONNECTION": "10.1.2.3 50022 10.0.0.1 22"}
    assert terminal_id(environ={"REGDESK_TERMINAL": "web:10.9.9.9", **ssh}) == "web:10.9.9.9"
    assert terminal_id(environ=ssh) == "ssh:10.1.2.3"
    # Else this workstation (its name, REGDESK_WORKSTATION or the host's) and the OS user.
    local = terminal_id(environ={"REGDESK_WORKSTATION": "window-3"})
    assert local.startswith("local:window-3/") and len(local) > len("local:window-3/")
    assert terminal_id("window-3", environ={}) == local
    # Another window or tty at the same place is the same terminal: nothing of the tty counts.
    assert terminal_id(environ={"REGDESK_WORKSTATION": "window-3", "TERM": "xterm"}) == local


def test_each_browser_desk_is_started_with_its_browsers_terminal() -> None:
    desk = server.DeskServer(Config(), "exec regdesk", host="127.0.0.1", port=8000)
    assert desk.command == "exec regdesk"  # outside a websocket: the plain command

    def in_a_websocket() -> str:
        server._TERMINAL.set(web_terminal("192.0.2.7"))
        return desk.command

    command = contextvars.copy_context().run(in_a_websocket)
    assert command == "export REGDESK_TERMINAL=web:192.0.2.7; exec regdesk"
    assert desk.command == "exec regdesk"  # another websocket's context is untouched
    # The shell textual-serve runs hands it to the desk's process.
    shown = command.replace("exec regdesk", "exec sh -c 'echo \"$REGDESK_TERMINAL\"'")
    out = subprocess.run(["sh", "-c", shown], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "web:192.0.2.7"
