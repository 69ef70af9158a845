"""Long paths on an 80-column screen: the middle goes, the file name stays whole."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

from tui_support import (
    choose_district,
    finish,
    make_app,
    open_form,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_until,
)

from regdesk import demo
from regdesk.core.application import State
from regdesk.tui.cards import short_path

FOLDERS = ("a" * 30, "b" * 30, "c" * 30)


def test_a_short_path_is_left_as_it_is() -> None:
    assert short_path("/srv/keys/k.p12", 20) == "/srv/keys/k.p12"


def test_a_long_path_keeps_its_file_name_and_the_nearest_whole_folders() -> None:
    path = "/" + "/".join(FOLDERS) + "/keys/receptionist-sign.p12"
    assert short_path(path, 40) == "…/keys/receptionist-sign.p12"
    assert short_path(path, 70) == f"…/{FOLDERS[2]}/keys/receptionist-sign.p12"
    for width in range(10, len(path)):
        shown = short_path(path, width)
        assert shown.endswith("/receptionist-sign.p12")
        # Only whole folder names: what follows the ellipsis is the path's own tail.
        assert shown.startswith("…/") and path.endswith(shown[1:])
        assert len(shown) <= max(width, len("…/receptionist-sign.p12"))


def test_a_file_name_longer_than_the_room_is_kept_whole() -> None:
    name = "k" * 50 + ".p12"
    assert short_path(f"/srv/keys/{name}", 20) == f"…/{name}"


async def test_the_eds_dialog_shows_a_deep_key_path_by_its_file_name(
    workspace: demo.DemoWorkspace, tmp_path: Path
) -> None:
    ws = workspace
    _, iin, password, _ = ws.staff[0]
    # The receptionist's key store three 30-letter folders deeper than the workspace: its
    # path is longer than the dialog, whatever the temporary folder of this machine is.
    deep = tmp_path.joinpath(*FOLDERS, "keys")
    deep.mkdir(parents=True)
    key = deep / "receptionist-sign.p12"
    shutil.copyfile(ws.key_paths[iin], key)
    app = make_app(ws)
    assert app.demo is not None
    app.demo = dataclasses.replace(app.demo, key_paths={iin: str(key)})
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, iin, password)
        applicant, _ = await open_form(pilot, ws.samples["unattached"][0])
        app_id = applicant.lookup.application_id  # the application opened with the dialog
        await choose_district(pilot)
        await pilot.press("f3", "f10")
        sign = await wait_for_screen(pilot, "SignScreen")

        def named() -> list[str]:
            return [
                line for line in screen_text(app).splitlines() if "receptionist-sign.p12" in line
            ]

        # The key field (scrolled to its end) and the demo hint each show the whole file name.
        await wait_until(pilot, lambda: len(named()) == 2, "the key's file name in both places")
        field, hint = named()
        assert field.rstrip(" │").endswith("/receptionist-sign.p12")
        assert "…/keys/receptionist-sign.p12" in hint
        # The hint never wraps the path: no folder name is cut at the end of a line.
        text = screen_text(app)
        below = text[text.index(hint) :]
        for letter in "abc":
            assert re.search(f"{letter}{{5,}}", below) is None, text
        # The field keeps the full path: signing with it works.
        assert sign.query_one("#key-path").value == str(key)  # type: ignore[attr-defined]
        await pilot.press(*demo.KEY_PASSWORD, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert app.desk.form.get(app_id).state == State.REGISTERED
    await finish(app)
