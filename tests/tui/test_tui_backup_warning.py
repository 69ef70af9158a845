"""The admin's menu says when the last verified backup is too old; a receptionist's does not.

At 80×24 in each language the line fits the menu's box (no word cut off), and printed files past
their folder printer's ``keep_hours`` are gone once the desk has started (issue 14).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from tui_support import (
    admin,
    finish,
    make_app,
    pinned_clock,
    receptionist,
    screen_text,
    settle,
    sign_in,
    wait_until,
)

from regdesk import demo, version
from regdesk.desk import Desk
from regdesk.i18n import t
from regdesk.store.backup import make_backup, record_good_backup
from regdesk.store.paths import DataPaths
from regdesk.tui.app import DeskApp


def said(app: DeskApp, text: str) -> bool:
    """Whether ``text`` is on the screen, perhaps wrapped over lines of the menu's box."""
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", screen_text(app)).split())
    return " ".join(text.split()) in flat


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_an_admin_is_told_there_is_no_backup(
    workspace: demo.DemoWorkspace, lang: str
) -> None:
    app = DeskApp(Desk(workspace.config, clock=pinned_clock()), demo=workspace.info(), lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *admin(workspace))
        # Whole, inside the menu's box (wrapped there at 80 columns, no word cut).
        await wait_until(pilot, lambda: said(app, t("backup.menu_never", lang)), "the warning")
    await finish(app)


async def test_the_warning_names_the_last_backup_and_a_receptionist_sees_none(
    workspace: demo.DemoWorkspace, tmp_path: os.PathLike[str]
) -> None:
    clock = pinned_clock()
    paths = DataPaths(workspace.config.data_path())
    made_at = clock.now() - timedelta(hours=30)
    dest = paths.root.parent / "backup-1"
    record_good_backup(
        paths, dest, make_backup(paths, dest, made_at=made_at, program_version=version())
    )
    old = (clock.utc() - timedelta(hours=25)).timestamp()
    workspace.prints_dir.mkdir(parents=True, exist_ok=True)
    printed = workspace.prints_dir / "DEMO-2026-000001-talon.pdf"
    printed.write_bytes(b"%PDF-1.7")
    os.utime(printed, (old, old))

    app = make_app(workspace, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *admin(workspace))
        expected = t("backup.menu_overdue", "en", when="24.11.2026 04:30", hours=30, max=26)
        await wait_until(pilot, lambda: said(app, expected), "the warning")
        assert not printed.exists()  # the desk's start removed it (kept 24 h)
    await finish(app)

    app = make_app(workspace, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await settle(app)
        assert "⚠" not in screen_text(app)
    await finish(app)


async def test_printed_files_keep_going_while_the_desk_stays_open(
    workspace: demo.DemoWorkspace,
) -> None:
    """A desk left open for days: files printed meanwhile go once past ``keep_hours`` without
    a restart (every ``tidy_every_seconds``; an hour in a clinic, shortened here)."""
    clock = pinned_clock()
    workspace.prints_dir.mkdir(parents=True, exist_ok=True)
    old = (clock.utc() - timedelta(hours=25)).timestamp()
    fresh = (clock.utc() - timedelta(hours=23)).timestamp()  # kept 24 h: not yet
    first = workspace.prints_dir / "DEMO-2026-000001-talon.pdf"
    first.write_bytes(b"%PDF-1.7")
    os.utime(first, (old, old))

    app = make_app(workspace, clock=clock, tidy_every_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *receptionist(workspace))
        await wait_until(pilot, lambda: not first.exists(), "the start's tidying")
        later = workspace.prints_dir / "DEMO-2026-000002-talon.pdf"
        recent = workspace.prints_dir / "DEMO-2026-000003-talon.pdf"
        for path, when in ((recent, fresh), (later, old)):
            path.write_bytes(b"%PDF-1.7")
            os.utime(path, (when, when))
        await wait_until(pilot, lambda: not later.exists(), "a later round's tidying")
        assert recent.exists()  # 23 h old: within its printer's 24 h
    await finish(app)
