"""A scan that only starts like one is "damaged": marked in the picker, never attached."""

from __future__ import annotations

import os
import random

import pytest
from desk_support import assert_explained, journal_counts

from regdesk import demo
from regdesk.desk import Desk
from regdesk.store.vault import DamagedError


def _damaged(ws: demo.DemoWorkspace) -> dict[str, bytes]:
    """Issue 11, item 16: the three that satisfied the identity-document requirement, and a
    photo cut short."""
    whole_pdf = (ws.scan_dir / "udostoverenie-lichnosti.pdf").read_bytes()
    photo = (ws.scan_dir / "svidetelstvo-o-rozhdenii.png").read_bytes()
    return {
        "tiny.pdf": b"%PDF-1.4\n",
        "cut.pdf": whole_pdf[:200],
        "random.pdf": b"%PDF-" + random.Random(11).randbytes(4000),
        "cut.png": photo[: len(photo) // 2],
    }


async def test_damaged_scans_are_marked_in_the_picker_and_refused(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    files = _damaged(ws)
    for name, data in files.items():
        (ws.scan_dir / name).write_bytes(data)
    listed = {s.name: s for s in desk.form.list_scans()}
    for name in files:
        assert listed[name].damaged and not listed[name].usable, name
        assert listed[name].media_type is not None  # it does start like a scan
    # The demo's whole scans are offered.
    for name in ("udostoverenie-lichnosti.pdf", "svidetelstvo-o-rozhdenii.png"):
        assert listed[name].usable and not listed[name].damaged
    # A file replaced by a whole scan under the same name is judged again.
    fixed = ws.scan_dir / "cut.pdf"
    fixed.write_bytes((ws.scan_dir / "udostoverenie-lichnosti.pdf").read_bytes())
    os.utime(fixed, ns=(10**18, 10**18))
    assert {s.name: s for s in desk.form.list_scans()}["cut.pdf"].usable

    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    app_id = lookup.application_id
    before = journal_counts(ws)["attachments"]
    vault = desk.context.paths.vault_dir
    for name in ("tiny.pdf", "random.pdf", "cut.png"):
        with pytest.raises(DamagedError) as caught:
            desk.form.attach(app_id, ws.scan_dir / name, "identity")
        assert_explained(caught.value)
        for lang, word in {"kk": "бүлінген", "ru": "повреждён", "en": "damaged"}.items():
            assert word in caught.value.message(lang) and name in caught.value.message(lang)
    # Nothing was kept, and the identity document is still missing.
    assert journal_counts(ws)["attachments"] == before
    assert not vault.exists() or not any(vault.iterdir())
    assert desk.form.missing_documents(app_id) == ["identity"]
