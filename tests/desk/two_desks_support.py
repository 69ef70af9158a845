"""One desk of ``test_desk_two_desks``'s two-process race, run in a process of its own
(spawned: the simulator's thread in the test's process must not be forked)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from regdesk import demo
from regdesk.config import load
from regdesk.core.clock import PinnedClock
from regdesk.core.errors import UserError
from regdesk.desk import Desk

FORM = {"basis": "free_choice", "district": "1", "documents_seen": "identity"}


async def _open_and_register(
    config_file: str, staff: tuple[str, str], key_path: str, iin: str, at: str, barrier: Any
) -> dict[str, Any]:
    desk = Desk(load(config_file), clock=PinnedClock(datetime.fromisoformat(at), "Asia/Almaty"))
    out: dict[str, Any] = {"who": staff[0]}
    try:
        desk.session.sign_in(*staff)
        check = desk.registration.open_key(key_path, demo.KEY_PASSWORD)
        barrier.wait(120)  # both desks open the person together
        lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
        app_id = lookup.application_id
        assert app_id is not None
        desk.form.save_form(app_id, FORM | {"phone": f"+7 701 000 00 0{staff[0][-1]}"})
        out["app_id"] = app_id
        # Both have the form: each sees the other (or, if it was quicker, not yet).
        out["seen_at_look_up"] = [f.code for f in lookup.findings]
        barrier.wait(120)  # and both sign at once
        try:
            out["number"] = desk.registration.register(app_id, check)
        except UserError as error:  # what the screen would show
            out["key"] = error.key
            out["said"] = {lang: error.message(lang) for lang in ("kk", "ru", "en")}
            out["form"] = dict(desk.form.get(app_id).form or {})
            out["state"] = str(desk.form.get(app_id).state)
    except Exception as error:  # what no user may see
        out["raw"] = f"{type(error).__name__}: {error}"
    finally:
        await desk.aclose()
        desk.close()
    return out


def open_and_register(
    config_file: str,
    staff: tuple[str, str],
    key_path: str,
    iin: str,
    at: str,
    barrier: Any,
    results: Any,
) -> None:
    """Sign in, open ``iin`` and register it when the other process does; the outcome queued."""
    results.put(asyncio.run(_open_and_register(config_file, staff, key_path, iin, at, barrier)))
