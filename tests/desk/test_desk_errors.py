"""Whatever goes wrong at the desk reaches the screen as a UserError with a kk, ru and en text.

One session walks through every way a step can be refused and checks what the TUI's single error
handler would receive: a ``UserError`` (never a KeyError, StopIteration or ValueError) whose
catalogue text exists, is formatted, and differs between the three languages.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk_support import assert_explained

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.core.errors import UserError
from regdesk.desk import Desk
from regdesk.registry.sim import Faults


async def _raised(call: Callable[[], Any]) -> BaseException:
    try:
        result = call()
        if inspect.isawaitable(result):
            await result
    except Exception as exc:  # what reaches the UI, whatever it is
        return exc
    raise AssertionError("no error was raised")


async def test_every_error_reaching_the_ui_is_explained_in_three_languages(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: tuple[str, ...],
    admin: tuple[str, ...],
) -> None:
    own_key = ws.key_paths[receptionist[1]]
    registered = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    blocked = desk.intake.open_draft(
        await desk.intake.look_up(ws.samples["foreign_temporary_uninsured"][0])
    )
    empty = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][1]))
    desk.form.save_form(
        registered.application_id,
        {"basis": "free_choice", "district": "1", "documents_seen": "identity"},
    )
    desk.form.save_form(
        blocked.application_id,
        {"basis": "free_choice", "district": "1", "documents_seen": "identity"},
    )
    check = desk.registration.open_key(own_key, demo.KEY_PASSWORD)
    desk.registration.register(registered.application_id, check)
    admin_key = desk.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
    stranger = Desk(ws.config, clock=clock)

    cases: dict[str, Callable[[], Any]] = {
        "sign-in, wrong password": lambda: stranger.session.sign_in(
            receptionist[1], "Not-her-pass-1"
        ),
        "sign-in, unknown IIN": lambda: stranger.session.sign_in("000000000000", "whatever-123"),
        "look-up before sign-in": lambda: stranger.intake.look_up(ws.samples["adult"][0]),
        "journal before sign-in": lambda: stranger.journal.detail(registered.application_id),
        "invalid IIN": lambda: desk.intake.look_up("98010335137X"),
        "key password": lambda: desk.registration.open_key(own_key, "wrong"),
        "key file missing": lambda: desk.registration.open_key(
            str(Path(own_key).with_name("x.p12")), "a"
        ),
        "not a key store": lambda: desk.registration.open_key(
            str(ws.scan_dir / "zametki.txt"), "a"
        ),
        "another person's key": lambda: desk.registration.register(empty.application_id, admin_key),
        "documents missing": lambda: desk.registration.register(empty.application_id, check),
        "rules block": lambda: desk.registration.register(blocked.application_id, check),
        "registered twice": lambda: desk.registration.register(registered.application_id, check),
        "form after registration": lambda: desk.form.save_form(registered.application_id, {}),
        "scan not a scan": lambda: desk.form.attach(
            empty.application_id, ws.scan_dir / "zametki.txt", "identity"
        ),
        "scan damaged": lambda: desk.form.attach(
            empty.application_id, ws.scan_dir / "povrezhdennyi-fail.pdf", "identity"
        ),
        "scan gone": lambda: desk.form.attach(
            empty.application_id, ws.scan_dir / "x.pdf", "identity"
        ),
        "no document yet": lambda: desk.issuance.issue(empty.application_id),
        "unknown printer": lambda: desk.issuance.issue(
            registered.application_id, "no-such-printer"
        ),
        "refusal without note": lambda: desk.intake.refuse(empty.application_id, "other", "  "),
        "no such application": lambda: desk.journal.detail(999_999),
    }
    try:
        seen: dict[str, str] = {}
        for label, call in cases.items():
            error = await _raised(call)
            assert isinstance(error, UserError), f"{label}: {type(error).__name__}: {error!r}"
            assert_explained(error)
            seen[label] = error.key
        ws.simulator.set_faults(Faults(fail_rate=1.0))
        down = await _raised(lambda: desk.intake.look_up(ws.samples["adult"][0]))
        assert_explained(down)
    finally:
        stranger.close()
    # Distinct situations are told apart, not lumped into one generic text.
    assert len(set(seen.values())) >= 14, seen
    assert "error.unexpected" not in seen.values()
