"""This workstation's printers (issue 15, "Printers"): the list, the test page marked TEST, and
the default chosen by an admin, kept per workstation in the clinic's database, audited.

Real parts: the demo clinic's SQLite file, its folder printers writing real PDF and text files,
a real TCP port that refuses for the printer that fails.
"""

from __future__ import annotations

import dataclasses
import socket
import sqlite3
from io import BytesIO
from pathlib import Path

import pytest
from desk_support import READY_FORM, assert_explained, draft, signed_in
from pypdf import PdfReader

from regdesk import demo
from regdesk.config import Printer
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, DeskError, NotAllowed
from regdesk.desk.printer_setup import TEST_MARK
from regdesk.desk.terminal_name import ENV_VAR
from regdesk.store.paths import DataPaths


def pdf_text(path: Path) -> str:
    reader = PdfReader(BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def audit_rows(ws: demo.DemoWorkspace, action: str) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        return conn.execute(
            "SELECT actor_iin, object, detail FROM audit_log WHERE action = ? ORDER BY id",
            [action],
        ).fetchall()
    finally:
        conn.close()


def counts(ws: demo.DemoWorkspace) -> tuple[int, int]:
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        apps = conn.execute("SELECT count(*) FROM applications").fetchone()[0]
        prints = conn.execute("SELECT count(*) FROM prints").fetchone()[0]
        return int(apps), int(prints)
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def window(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every desk of these tests sits at "window-1" unless a test moves it."""
    monkeypatch.setenv(ENV_VAR, "window-1")
    return "window-1"


async def test_the_list_marks_the_config_s_default_until_an_admin_chooses(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    rows = desk.printers.printers()
    assert [(r.name, r.format, r.is_default) for r in rows] == [
        ("files", "pdf-a5", True),
        ("receipt-80mm", "text-80", False),
    ]
    assert desk.printers.workstation == "window-1"
    assert not desk.printers.may_choose()


async def test_an_admin_s_choice_is_this_workstation_s_and_the_print_key_follows_it(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    admin: tuple[str, str, str, str],
    receptionist: tuple[str, str, str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as admin_desk:
        assert admin_desk.printers.may_choose()
        admin_desk.printers.choose_default("receipt-80mm")
        assert [r.name for r in admin_desk.printers.printers() if r.is_default] == ["receipt-80mm"]
        journal = admin_desk.staff_admin.journal()
    change = journal[0]
    assert change.action == "admin.printer_default"
    assert change.object_name == "window-1"
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("printer", None, "receipt-80mm")
    ]
    assert audit_rows(ws, "admin.printer_default")[0][:2] == (admin[1], "workstation:window-1")

    # The receptionist's desk at the same window (opened before the choice) prints there now.
    app_id = await draft(desk, ws.samples["unattached"][0], READY_FORM)
    key = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    desk.registration.register(app_id, key)
    issued = desk.issuance.issue(app_id)
    assert (issued.printer, issued.status) == ("receipt-80mm", "written")
    assert issued.path is not None and issued.path.suffix == ".txt"

    # Another window keeps the config's default.
    monkeypatch.setenv(ENV_VAR, "window-2")
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as other:
        assert other.printers.workstation == "window-2"
        assert [r.name for r in other.printers.printers() if r.is_default] == ["files"]
        reprinted = other.issuance.reprint(app_id)
        assert reprinted.printer == "files" and reprinted.path is not None
        assert reprinted.path.suffix == ".pdf"


async def test_a_choice_the_config_no_longer_has_gives_way_to_the_config_s_default(
    ws: demo.DemoWorkspace, clock: PinnedClock, admin: tuple[str, str, str, str]
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as admin_desk:
        admin_desk.printers.choose_default("receipt-80mm")
    # The workstation's config loses that printer (renamed by its admin).
    printing = dataclasses.replace(
        ws.config.printing,
        printers=tuple(p for p in ws.config.printing.printers if p.name != "receipt-80mm"),
    )
    config = dataclasses.replace(ws.config, printing=printing)
    async with signed_in(config, clock, admin[1], admin[2]) as later:
        assert [(r.name, r.is_default) for r in later.printers.printers()] == [("files", True)]


async def test_only_an_admin_chooses_and_only_a_printer_of_this_config(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, admin: tuple[str, str, str, str]
) -> None:
    with pytest.raises(NotAllowed) as refused:
        desk.printers.choose_default("receipt-80mm")
    assert_explained(refused.value)
    assert audit_rows(ws, "admin.printer_default") == []
    async with signed_in(ws.config, clock, admin[1], admin[2]) as admin_desk:
        with pytest.raises(DeskError) as unknown:
            admin_desk.printers.choose_default("laser-2")
        assert_explained(unknown.value)
        assert "laser-2" in unknown.value.message("ru") and "files" in unknown.value.message("ru")
        assert [r.name for r in admin_desk.printers.printers() if r.is_default] == ["files"]


async def test_the_test_page_is_a_talon_marked_test_under_the_clinic_s_header(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, str, str, str]
) -> None:
    before = counts(ws)
    issued = desk.printers.test_page("files")
    assert issued.status == "written" and issued.path is not None
    text = pdf_text(issued.path)
    assert TEST_MARK in text
    assert ws.config.clinic.name_ru in text.replace("\n", " ") or ws.config.clinic.bin in text
    assert f"{ws.config.clinic.code}-{TEST_MARK}" in text
    receipt = desk.printers.test_page("receipt-80mm")
    assert receipt.path is not None
    receipt_text = receipt.path.read_text(encoding="utf-8")
    assert TEST_MARK in receipt_text and "әіңғүұқөһ" in receipt_text
    # A test page is not an application's print: the journal is as it was, the audit has it.
    assert counts(ws) == before
    rows = audit_rows(ws, "printer.test_page")
    assert [(r[0], r[1]) for r in rows] == [(receptionist[1], "workstation:window-1")] * 2
    assert '"status":"written"' in rows[0][2]


async def test_a_printer_that_refuses_the_test_page_is_said_in_words(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, str, str, str]
) -> None:
    # A receipt printer at a port nobody listens on: the connection is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = Printer(name="dead", kind="raw", host="127.0.0.1", port=port, format="escpos-80")
    printing = dataclasses.replace(
        ws.config.printing, printers=(*ws.config.printing.printers, dead)
    )
    config = dataclasses.replace(ws.config, printing=printing)
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as d:
        issued = d.printers.test_page("dead")
    assert issued.failed
    assert issued.error is not None
    assert_explained(issued.error)
    # Said in each language in its own words, naming where it tried.
    words = {lang: issued.message(lang) for lang in ("kk", "ru", "en")}
    assert len(set(words.values())) == 3
    assert all(f"127.0.0.1:{port}" in w or "127.0.0.1" in w for w in words.values()), words
    assert '"status":"failed"' in audit_rows(ws, "printer.test_page")[-1][2]


async def test_a_browser_desk_prints_to_the_browser_and_chooses_no_default(
    ws: demo.DemoWorkspace, clock: PinnedClock, admin: tuple[str, str, str, str]
) -> None:
    async with signed_in(ws.config.in_browser(), clock, admin[1], admin[2]) as browser_desk:
        assert [r.name for r in browser_desk.printers.printers() if r.is_default] == ["browser"]
        with pytest.raises(DeskError) as refused:
            browser_desk.printers.choose_default("files")
        assert_explained(refused.value)
    assert audit_rows(ws, "admin.printer_default") == []
