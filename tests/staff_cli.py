"""Commands that sign in, as the tests run them: a clinic initialised with its first admin, and
the arguments and standard input of a command run as that admin (or another employee)."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from regdesk.cli import main
from regdesk.core.ids import make_iin

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
ADMIN_NAME = "Сәрсенова Әйгерім"
PASSWORD = "Kelbet-2026-qala"


def init_with_admin(config: Path) -> None:
    """``regdesk init`` with the first admin, the only way to make one."""
    code = main_with_stdin(
        ["--lang", "en", "--config", str(config), "init", "--admin-iin", ADMIN,
         "--admin-name", ADMIN_NAME, "--password-stdin"],
        PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0


def signed(*args: str, iin: str = ADMIN) -> list[str]:
    """``args`` signed in as ``iin`` with the password on standard input."""
    return [*args, "--as", iin, "--password-stdin"]


def main_with_stdin(argv: Sequence[str], stdin: str = PASSWORD + "\n", **kwargs: Any) -> int:
    """``regdesk`` in this process with ``stdin`` as its standard input."""
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(list(argv), **kwargs)
    finally:
        sys.stdin = saved
