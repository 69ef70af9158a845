"""The operational log after a working session: the admin's events are there, no person is.

A receptionist mistypes the password, signs in, looks up a person the registry does not know
and one it does, registers, prints, the outbox delivers; the registry then fails. The log file
is then read as an admin (or an attacker with the file) would: every IIN the session touched,
the staff's IINs and the person's surname must be absent, and each operational event present.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_support import READY_FORM, signed_in

from regdesk import demo, logs
from regdesk.core.clock import PinnedClock
from regdesk.core.errors import UserError
from regdesk.desk import Desk
from regdesk.registry.errors import RegistryError


@pytest.fixture
def log_file(ws: demo.DemoWorkspace) -> Iterator[Path]:
    folder = ws.root / "logs"
    assert logs.setup(folder, ws.config.logging, ws.config.work_hours.timezone) is None
    try:
        yield folder / logs.LOG_NAME
    finally:
        logs.stop()


async def test_a_working_session_logs_events_and_no_person(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, str, str, str],
    log_file: Path,
) -> None:
    desk = Desk(ws.config, clock=clock)
    try:
        with pytest.raises(UserError):
            desk.session.sign_in(receptionist[1], receptionist[2] + "x")
    finally:
        desk.close()
    missing = ws.samples["no_record"][0]
    iin = ws.samples["unattached"][0]
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        await desk.intake.look_up(missing)
        lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
        app_id = lookup.application_id
        assert app_id is not None and lookup.person is not None
        surname = lookup.person.surname
        desk.form.save_form(app_id, READY_FORM)
        check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
        desk.registration.register(app_id, check)
        assert not desk.issuance.issue(app_id).failed
        await desk.registration.flush_outbox()
        # A registry error is logged with its request id, and the URL (which holds the IIN) is
        # not: the simulator is stopped, so the next look-up cannot reach it.
        ws.stop()
        with pytest.raises(RegistryError):
            await desk.intake.look_up(ws.samples["unattached"][1])
        desk.session.sign_out()
    logging.getLogger("regdesk.test").error("a stray IIN %s in a message", iin)

    text = log_file.read_text(encoding="utf-8")
    for event in (
        "sign-in refused",
        "sign-in accepted (role receptionist)",
        "print of a talon to",
        "outbox item",
        "signed out",
        "a stray IIN <IIN> in a message",
    ):
        assert event in text, event
    touched = {missing, iin, ws.samples["unattached"][1]} | {s[1] for s in ws.staff}
    assert [p for p in touched if p in text] == []
    assert surname not in text
    # Every line starts with the clinic's time and its offset (Asia/Almaty, UTC+5).
    assert all(line[23:29] == "+05:00" for line in text.splitlines() if line[:2] == "20")
