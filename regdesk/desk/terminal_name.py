"""The name of this workstation: which desk the audit, the printers' choice and the colleagues'
warnings mean when they say "at the window of ...".

A desk runs where the receptionist sits (its own machine, its config), or on the clinic's server
reached through SSH with a forced command per receptionist's key, or in a browser tab served by
``regdesk serve``. In the last two every desk shares the server's host name, so the way in names
the desk with ``REGDESK_WORKSTATION`` (the forced command sets it per key: "window-3"). Without it,
the host's name is the workstation's.
"""

from __future__ import annotations

import os
import socket
import unicodedata
from collections.abc import Mapping

ENV_VAR = "REGDESK_WORKSTATION"
MAX_LENGTH = 64


def workstation_name(environ: Mapping[str, str] | None = None) -> str:
    """This workstation's name: ``REGDESK_WORKSTATION`` when set, else the host's name.

    Control characters are dropped and the length capped: the name is shown on screens and
    written to the audit, and an environment variable is not trusted to be tidy."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_VAR, "").strip() or socket.gethostname() or "localhost"
    clean = "".join(c for c in raw if unicodedata.category(c)[0] != "C").strip()
    return (clean or "localhost")[:MAX_LENGTH]


__all__ = ["ENV_VAR", "MAX_LENGTH", "workstation_name"]
