"""`regdesk lookup`: placeholder until its issue lands; registers nothing."""

from __future__ import annotations

from typing import Any

from regdesk.cli import Context


def register(sub: Any, ctx: Context) -> None:
    return None
