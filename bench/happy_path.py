"""Keystrokes from the applicant's IIN typed to the talon produced, on the happy path (aim: <= 10).

The real ``DeskApp`` runs headless (``run_test``, 80x24) on a fresh demo workspace with its
registry simulator, driven by key presses only, as a receptionist would: sign in and choose the
service (not counted), type the IIN of an adult the registry knows and the rules let attach today
(``CANDIDATES``, checked beforehand through ``Desk``; counted apart), then
every key until the talon's file is in the prints folder. The steps adapt only to what the screen
asks for (a required document not yet ticked, a key store path not remembered), so the count
is what the current screens need. The key store path is prefilled as in ``regdesk demo`` (a
clinic's desk remembers it after the first signature).

Two counts: every key with the key store password as its characters, and the same with the
password as one field (its length depends on the employee, not on the desk).
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from bench import _desk
from regdesk import demo


@dataclass
class Keys:
    """The keys pressed after the IIN, in order, grouped the way the report shows them."""

    pressed: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    async def press(self, pilot: Pilot[Any], key: str, why: str) -> None:
        await pilot.press(key)
        self.pressed.append(key)
        self.fields.append(key)
        self.notes.append(f"{key:<12} {why}")

    async def type_field(self, pilot: Pilot[Any], text: str, label: str, why: str) -> None:
        await _desk.type_text(pilot, text)
        self.pressed.extend(_desk.key_event(c).key for c in text)
        self.fields.append(label)
        self.notes.append(f"{label:<12} {why} ({len(text)} keys)")


def _talons(folder: Path) -> set[Path]:
    return {p for p in folder.iterdir() if p.is_file()} if folder.exists() else set()


async def drive(workspace: demo.DemoWorkspace, applicant: str) -> tuple[Keys, str]:
    """Run the happy path; return the keys after the IIN and the talon's file name."""
    app = _desk.make_app(workspace)
    keys = Keys()
    before = _talons(workspace.prints_dir)
    async with app.run_test(size=_desk.SIZE) as pilot:
        clerk, password = _desk.receptionist(workspace)
        await _desk.sign_in(pilot, clerk, password)
        await pilot.press("1")
        await _desk.wait_for_screen(pilot, "ApplicantScreen")
        await _desk.type_text(pilot, applicant)

        await keys.press(pilot, "enter", "ask the registry")
        screen: Any = app.screen
        await _desk.wait_until(
            pilot, lambda: screen.lookup is not None and not screen.busy, "the registry's answer"
        )
        if screen.lookup.person is None or screen.lookup.blocking:
            raise _desk.DriveError(f"{applicant} is not a happy-path applicant")
        await keys.press(pilot, "f10", "open the form")
        await _desk.wait_for_screen(pilot, "FormScreen")
        form: Any = app.screen
        if app.desk.form.missing_documents(form.app_id):
            # The originals are in the receptionist's hand: F3 ticks them all as seen.
            await keys.press(pilot, "f3", "tick the originals as seen")
        await keys.press(pilot, "f10", "sign")
        await _desk.wait_for_screen(pilot, "SignScreen")
        sign: Any = app.screen
        path_input = sign.query_one("#key-path")
        if not path_input.value:
            path = workspace.key_paths[clerk]
            await keys.type_field(pilot, path, "<key path>", "the key store's path")
            await keys.press(pilot, "enter", "to the password")
        await keys.type_field(pilot, demo.KEY_PASSWORD, "<password>", "the key store password")
        await keys.press(pilot, "enter", "sign and register")
        await _desk.wait_for_screen(pilot, "ResultScreen")
        await _desk.settle(pilot)
        if not _talons(workspace.prints_dir) - before:
            await keys.press(pilot, "f6", "print the talon")
            await _desk.wait_until(
                pilot, lambda: bool(_talons(workspace.prints_dir) - before), "the talon's file"
            )
        produced = sorted(p.name for p in _talons(workspace.prints_dir) - before)
        await _desk.settle(pilot)
    return keys, ", ".join(produced)


CANDIDATES = ("adult", "unattached", "attached_elsewhere_long_ago")
"""Registry cases tried in order; outside the campaign a move from another clinic is refused."""


async def happy_applicant(workspace: demo.DemoWorkspace) -> str:
    """The first sample applicant whom the registry knows and the rules let attach today."""
    from regdesk.desk import Desk

    desk = Desk(workspace.config)
    try:
        desk.session.sign_in(*_desk.receptionist(workspace))
        for case in CANDIDATES:
            for iin in workspace.samples.get(case, [])[:3]:
                lookup = await desk.intake.look_up(iin)  # a look-up alone leaves no draft
                if lookup.person is not None and not lookup.blocking:
                    return iin
    finally:
        await desk.aclose()
        desk.session.sign_out()
        desk.close()
    raise _desk.DriveError(f"no sample applicant of {CANDIDATES} can be attached today")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-happy-") as folder:
        workspace = _desk.build_workspace(Path(folder) / "workspace")
        try:
            applicant = asyncio.run(happy_applicant(workspace))
            keys, talon = asyncio.run(drive(workspace, applicant))
        finally:
            workspace.stop()
    print(f"applicant {applicant}: IIN typed as {len(applicant)} keys (not counted below)")
    print("keys after the IIN, in order:")
    for note in keys.notes:
        print(f"  {note}")
    print(f"talon produced: {talon}")
    print(f"sequence: {' '.join(keys.fields)}")
    print(
        f"keystrokes IIN -> talon: {len(keys.pressed)} with the password as its"
        f" {len(demo.KEY_PASSWORD)} characters; {len(keys.fields)} with the password as one"
        f" field (aim <= 10); {len(keys.pressed) + len(applicant)} including the IIN's digits"
    )
