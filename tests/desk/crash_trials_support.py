"""One desk process of ``test_desk_crash_trials``, killed with SIGKILL at a point the test picks.

It drives the desk's use cases (not the screen) on the demo clinic's SQLite file and vault and
says on its pipe, one line each, what it has just done (``saved 12``, ``registered 12
DEMO-2026-000004``…), then waits for the test's word to go on, so that the kill falls a chosen
moment after a chosen line, not wherever the desk has run on to meanwhile. Any error is sent as
an ``error`` line with its traceback and ends the process: no trial may fail on its own.

Modes: ``register`` (drafts left by an earlier trial resumed, then look-up, draft, form, scan,
signature and number for each IIN), ``print`` (the talon of each application, to the demo's
folder printer) and ``flush`` (the outbox sent to the registry simulator until it is empty).

The processes are forked by a multiprocessing fork server that has imported all of this once
(``PRELOAD``): sixty interpreters starting from nothing took most of the trials' time.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from regdesk import demo
from regdesk.config import load
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk

BASIS = "residence_change"
"""A basis allowed at any time (the trials run outside the campaign, as the many-desks test)."""
FORM = {"basis": BASIS, "district": "1", "documents_seen": "identity"}


PRELOAD = [
    "crash_trials_support",
    "regdesk.desk",
    "regdesk.signing",
    "regdesk.signing.keystore",
    "regdesk.registry.client",
    "regdesk.printing.records",
    "regdesk.printing.pdf",
]

_pipe: Connection | None = None


def say(*words: object) -> None:
    """Say what was just done and wait for the test's word to go on."""
    assert _pipe is not None
    _pipe.send([str(w) for w in words])
    _pipe.recv()


def said_after(owner: Any, name: str, *words: str) -> None:
    """``owner.name`` (a function of a module, a method of an object) says ``words`` each time
    it returns: the points inside a step where a kill leaves the most behind. It still does
    its whole work; only a line is added."""
    work = getattr(owner, name)

    def reported(*args: Any, **kwargs: Any) -> Any:
        result = work(*args, **kwargs)
        say(*words)
        return result

    setattr(owner, name, reported)


async def register(desk: Desk, params: dict[str, Any]) -> None:
    from regdesk.store import vault

    check = desk.registration.open_key(params["key"], demo.KEY_PASSWORD)
    # The scan's bytes in its ``.part`` file (not yet synced and renamed), and the scan stored
    # in the vault before its row is written.
    said_after(vault, "write_all", "vault_part")
    said_after(desk.context.vault, "put", "vault_stored")
    scan = Path(params["scan"])
    # What the receptionist does after a crash: the drafts offered at sign-in, finished.
    for record in desk.session.open_drafts():
        say("resuming", record.id)
        if not (record.form or {}).get("district"):
            desk.form.save_form(record.id, FORM)
        say("registered", record.id, desk.registration.register(record.id, check))
    for iin in params["iins"]:
        lookup = await desk.intake.look_up(iin, BASIS)
        say("looked_up", iin)
        app_id = desk.intake.open_draft(lookup).application_id
        assert app_id is not None
        say("draft", app_id)
        desk.form.save_form(app_id, FORM)
        say("saved", app_id)
        desk.form.attach(app_id, scan, "identity")
        say("attached", app_id)
        say("registered", app_id, desk.registration.register(app_id, check))


def print_talons(desk: Desk, params: dict[str, Any]) -> None:
    from regdesk.printing import printers

    # The talon rendered, its ``.part`` file made (this process's ``tempfile`` is the printer
    # module's), and the talon written in the folder before its print is recorded.
    said_after(printers, "render", "rendered")
    said_after(printers.tempfile, "mkstemp", "print_part")
    said_after(printers, "write_atomic", "written")
    for app_id in params["apps"]:
        say("printing", app_id)
        issued = desk.issuance.issue(app_id)
        say("printed", app_id, issued.status)


class _Said(logging.Handler):
    """The outbox's own log lines ("outbox item 7 delivered") said as events."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().endswith(" delivered"):
            say("delivered", record.args[0] if isinstance(record.args, tuple) else "")


async def flush(desk: Desk) -> None:
    client = desk.context.registry()
    send = client.record_attachment

    async def answered(*args: Any, **kwargs: Any) -> Any:
        # The registry has recorded it; the journal does not know yet: the window a kill here
        # opens is what the idempotency key closes.
        receipt = await send(*args, **kwargs)
        say("answered", args[-1] if args else kwargs.get("idempotency_key"))
        return receipt

    client.record_attachment = answered  # type: ignore[method-assign]
    outbox = logging.getLogger("regdesk.outbox")
    outbox.addHandler(_Said())
    outbox.setLevel(logging.INFO)
    while True:
        sent = await desk.registration.flush_outbox()
        say("flushed", sent)
        if not sent:
            return


async def main(mode: str, params: dict[str, Any]) -> None:
    clock = PinnedClock(datetime.fromisoformat(params["at"]), "Asia/Almaty")
    desk = Desk(load(params["config"]), clock=clock)
    try:
        desk.session.sign_in(params["iin"], params["password"])
        say("ready")
        if mode == "register":
            await register(desk, params)
        elif mode == "print":
            print_talons(desk, params)
        else:
            await flush(desk)
        say("done")
    finally:
        await desk.aclose()
        desk.close()


def run(mode: str, params: dict[str, Any], pipe: Connection) -> None:
    """The process's target: the trial's desk, its lines on ``pipe``."""
    global _pipe
    _pipe = pipe
    try:
        asyncio.run(main(mode, params))
    except BaseException:
        pipe.send(["error", traceback.format_exc()])
        raise SystemExit(1) from None
