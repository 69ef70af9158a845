"""The demo workspace itself: what ``regdesk demo`` hands to the desk, and a clean failure."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from desk_support import PINNED_AT, signed_in

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.store.paths import DataPaths


def test_workspace_is_complete(ws: demo.DemoWorkspace) -> None:
    assert ws.config.source is not None and Path(ws.config.source).parent == ws.root
    assert ws.config.registry.base_url == ws.simulator.url
    assert ws.config.registry.base_url.startswith("http://127.0.0.1:")
    assert DataPaths(ws.config.data_path()).database.exists()
    assert {role for role, *_ in ws.staff} == {"receptionist", "admin"}
    assert set(ws.key_paths) == {iin for _, iin, _, _ in ws.staff}
    assert all(Path(p).exists() for p in ws.key_paths.values())
    assert ws.prints_dir.is_dir()
    assert len([p for p in ws.scan_dir.iterdir() if p.is_file()]) >= 4
    for case in ("adult", "unattached", "deceased", "no_record", "attached_here"):
        assert ws.samples[case], case


def test_failed_build_stops_its_simulator(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    root.mkdir()
    (root / "prints").write_text("a file where the prints folder belongs")
    before = sum(t.name == "registry-sim" for t in threading.enumerate())
    with pytest.raises(OSError):
        demo.build(root, clock=PinnedClock(PINNED_AT))
    after = sum(t.name == "registry-sim" and t.is_alive() for t in threading.enumerate())
    assert after == before


async def test_a_kept_workspace_keeps_its_keys_and_signatures(tmp_path: Path) -> None:
    """`regdesk demo --workspace DIR` run again: the journal's signatures still verify."""
    root = tmp_path / "clinic"
    clock = PinnedClock(PINNED_AT)
    first = demo.build(root, clock=clock)
    try:
        _, iin, password, _ = next(s for s in first.staff if s[0] == "receptionist")
        async with signed_in(first.config, clock, iin, password) as desk:
            lookup = desk.intake.open_draft(
                await desk.intake.look_up(first.samples["unattached"][0])
            )
            app_id = lookup.application_id
            assert app_id is not None
            desk.form.save_form(
                app_id, {"basis": "free_choice", "district": "1", "documents_seen": "identity"}
            )
            check = desk.registration.open_key(first.key_paths[iin], demo.KEY_PASSWORD)
            desk.registration.register(app_id, check)
        ca_before = (root / "keys" / "demo-ca.pem").read_bytes()
    finally:
        first.stop()

    clock.advance(days=30)
    again = demo.build(root, clock=clock)
    try:
        assert (root / "keys" / "demo-ca.pem").read_bytes() == ca_before
        assert again.staff == first.staff and again.key_paths == first.key_paths
        async with signed_in(again.config, clock, iin, password) as desk:
            assert desk.journal.detail(app_id).signature_ok is True
    finally:
        again.stop()

    # A year on, the employees' keys have expired: the next run makes new ones.
    clock.advance(days=400)
    later = demo.build(root, clock=clock)
    try:
        assert (root / "keys" / "demo-ca.pem").read_bytes() != ca_before
    finally:
        later.stop()
