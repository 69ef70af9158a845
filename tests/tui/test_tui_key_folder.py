"""signing.key_folder in the EDS dialog: the folder is offered and the file name typed after it."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

from textual.widgets import Input
from tui_support import (
    choose_district,
    finish,
    make_app,
    open_form,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State


async def test_the_key_folder_is_offered_for_the_file_name_to_be_typed_after_it(
    workspace: demo.DemoWorkspace, tmp_path: Path
) -> None:
    ws = workspace
    _, iin, password, _ = ws.staff[0]
    stick = tmp_path / "stick"
    stick.mkdir()
    shutil.copyfile(ws.key_paths[iin], stick / "RSA256_mine.p12")
    shutil.copyfile(ws.key_paths[iin], stick / "RSA256_colleague.p12")  # two: no guessing
    signing = dataclasses.replace(ws.config.signing, key_folder=str(stick))
    app = make_app(ws, config=dataclasses.replace(ws.config, signing=signing))
    assert app.demo is not None
    app.demo = dataclasses.replace(app.demo, key_paths={})  # no demo key to fall back on
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, iin, password)
        applicant, _ = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        await choose_district(pilot)
        await pilot.press("f3", "f10")
        sign = await wait_for_screen(pilot, "SignScreen")
        field = sign.query_one("#key-path", Input)
        await wait_until(pilot, lambda: app.focused is field, "the key path field focused")
        assert field.value == str(stick) + os.sep
        # Typing adds to the folder; it does not replace it.
        await pilot.press(*"RSA256_mine.p12")
        assert field.value == str(stick / "RSA256_mine.p12")
        await pilot.press("enter", *demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert app.desk.form.get(app_id).state == State.REGISTERED
    await finish(app)
