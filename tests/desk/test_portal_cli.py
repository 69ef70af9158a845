"""``regdesk portal sync|list|show`` against the demo clinic and its simulator: exit codes as
``regdesk lookup``, the JSON's shape, times in the clinic's zone with their offset."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from desk_support import PINNED_AT

from regdesk import demo
from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.registry.sim import Fault


def run(
    ws: demo.DemoWorkspace, capsys: pytest.CaptureFixture[str], *args: str, clock: PinnedClock
) -> tuple[int, str, str]:
    code = main(["--config", str(ws.root / "config.toml"), "--lang", "ru", *args], clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def test_sync_then_list_and_show(
    ws: demo.DemoWorkspace, clock: PinnedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = ws.simulator.app.portal
    own = len(portal.ids())  # the demo simulator's own, all in order
    good, bad = portal.add("ordinary"), portal.add("tampered_file")
    code, out, err = run(ws, capsys, "portal", "sync", clock=clock)
    assert (code, err) == (0, "")
    assert f"Новых заявлений: {own + 2} (из них не прошли проверку: 1)" in out
    assert bad in out and "хэш не совпадает" in out  # the failed one, in words

    code, out, _ = run(ws, capsys, "portal", "sync", clock=clock)
    assert code == 0 and "Новых заявлений: 0" in out and f"получены ранее: {own + 2}" in out

    # A day and a half later (Thursday 26 November, 22:30 in Almaty) both are overdue.
    later = PinnedClock(PINNED_AT + timedelta(hours=36), "Asia/Almaty")
    code, out, _ = run(ws, capsys, "portal", "list", "--format", "json", clock=later)
    assert code == 0
    rows = json.loads(out)
    # The same deadline for all (received together): then in the order they arrived.
    assert [r["portal_id"] for r in rows] == [*portal.ids()[:own], good, bad]
    rows = rows[own:]
    first = rows[0]
    assert {"id", "received", "deadline", "status", "delivered"} <= set(first)
    # Received 10:30 on Wednesday 25 November in Almaty (UTC+5), due 10:30 on Thursday.
    assert first["received"] == "2026-11-25T10:30:00+05:00"
    assert first["deadline"] == "2026-11-26T10:30:00+05:00"
    assert (first["status"], first["delivered"], first["overdue"]) == ("received", None, True)
    assert first["check"] == {"ok": True, "failures": []}
    assert rows[1]["check"] == {"ok": False, "failures": ["file_hash"]}

    code, out, _ = run(ws, capsys, "portal", "list", "--status", "failed", clock=clock)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Id", "Поступило", "Срок"]
    assert len(lines) == 2 and "НЕ ПРОШЛО ПРОВЕРКУ" in lines[1]

    code, out, _ = run(ws, capsys, "portal", "show", bad, clock=clock)
    assert code == 0
    assert "Проверка не пройдена" in out and "identity-document.pdf" in out
    code, out, _ = run(ws, capsys, "portal", "show", str(rows[0]["id"]), "--format", "json",
                       clock=clock)  # fmt: skip
    shown = json.loads(out)
    assert shown["portal_id"] == good and shown["relation"] == "self"
    assert shown["files"][0]["media_type"] == "application/pdf"

    code, _, err = run(ws, capsys, "portal", "show", "P-1999-000001", clock=clock)
    assert code == 1 and "P-1999-000001" in err


def test_sync_says_what_the_registry_did_with_lookups_exit_codes(
    ws: demo.DemoWorkspace, clock: PinnedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.simulator.app.portal.add("ordinary")
    ws.simulator.inject(*[Fault("status", status=503, path="/v1/portal/applications")] * 2)
    code, out, err = run(ws, capsys, "portal", "sync", clock=clock)
    assert code == 4 and out == "" and "регистр" in err.lower()
    ws.simulator.inject(Fault("status", status=403, path="/v1/portal/applications"))
    code, _, err = run(ws, capsys, "portal", "sync", clock=clock)
    assert code == 6 and err
    ws.simulator.inject(Fault("garbage", garbage="truncated", path="/v1/portal/applications"))
    code, _, err = run(ws, capsys, "portal", "sync", clock=clock)
    assert code == 5 and err
    # Nothing was received by the failed attempts; the next one receives it.
    code, out, _ = run(ws, capsys, "portal", "sync", clock=clock)
    assert code == 0 and "Новых заявлений: 5" in out  # the demo simulator's four, and ours


def test_without_a_database_nothing_is_fetched(
    ws: demo.DemoWorkspace, clock: PinnedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ws.root / "config.toml").read_text(encoding="utf-8")
    other = ws.root / "other.toml"
    other.write_text(text.replace('data_dir = "data"', 'data_dir = "nodata"'), encoding="utf-8")
    ws.simulator.clear_log()
    code = main(["--config", str(other), "--lang", "en", "portal", "sync"], clock=clock)
    _, err = capsys.readouterr()
    assert code == 1 and "nodata" in err
    assert not Path(ws.root / "nodata").exists()
    assert [r for r in ws.simulator.requests() if "/portal/" in r.path] == []
