"""Which terminal a sign-in comes from: the key its failures are throttled under.

The throttle (``store.signin_throttle``) slows down the terminal where wrong passwords are typed,
so the key must be one the person typing cannot change by opening another window or starting the
desk again:

- ``REGDESK_TERMINAL``, when set: the browser desk (``regdesk serve``) sets it to ``web:`` and the
  browser's address for each desk it starts; an administrator may set it for a kiosk;
- an SSH connection: ``ssh:`` and the client's address (sshd sets ``SSH_CONNECTION``; a
  receptionist reaching the desk through a forced command cannot change it);
- otherwise this workstation (``desk.terminal_name``: ``REGDESK_WORKSTATION`` or the host's
  name) and operating-system user: ``local:window-3/user``. A new terminal window, another tty or
  the command line at the same place is the same terminal.

The command line (``regdesk user … --as``) uses the same key as the desk at the same place, so it
is no way around a terminal's delay.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping

from regdesk.desk.terminal_name import workstation_name

TERMINAL_ENV = "REGDESK_TERMINAL"


def terminal_id(workstation: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The terminal this process serves (see the module's text); ``workstation`` is this
    workstation's name (``ctx.workstation``), read from the environment when None."""
    env = os.environ if environ is None else environ
    explicit = env.get(TERMINAL_ENV, "").strip()
    if explicit:
        return explicit[:200]
    ssh = env.get("SSH_CONNECTION", "").split()
    if ssh:
        return f"ssh:{ssh[0]}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = f"uid{os.getuid()}"
    name = workstation if workstation is not None else workstation_name(env)
    return f"local:{name}/{user}"


def web_terminal(client_address: str | None) -> str:
    """The terminal of a browser desk: the browser's address as the server sees it."""
    return f"web:{client_address or 'unknown'}"


__all__ = ["TERMINAL_ENV", "terminal_id", "web_terminal"]
