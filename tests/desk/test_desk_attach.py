"""A scan the journal refuses to record leaves no file in the vault."""

from __future__ import annotations

import pytest

from regdesk import demo
from regdesk.desk import Desk
from regdesk.store.journal import NotFoundError


def vault_files(desk: Desk) -> set[str]:
    folder = desk.context.paths.vault_dir
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_a_scan_not_recorded_is_removed_from_the_vault(ws: demo.DemoWorkspace, desk: Desk) -> None:
    before = vault_files(desk)
    with pytest.raises(NotFoundError):
        desk.form.attach(999_999, ws.scan_dir / "udostoverenie-lichnosti.pdf", "identity")
    assert vault_files(desk) == before
