"""An IIN typed at the menu in a real terminal (tmux, 80x24, ``regdesk demo``): tmux hands the
keys over as a terminal does, and the look-up gets the IIN whatever its first digit; nothing is
printed. The test runs its own tmux server on a private socket and kills only that one."""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tmux_terminal import Terminal

from regdesk import demo
from regdesk.core.ids import make_iin
from regdesk.i18n import t

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    workspace = tmp_path / "ws"
    command = [sys.executable, "-m", "regdesk", "--lang", "en", "demo", "--workspace"]
    command.append(str(workspace))
    term = Terminal.start(f"{shlex.join(command)}; echo regdesk-exit=$?; sleep 600")
    try:
        yield term, workspace
    finally:
        term.close()


def test_iins_typed_at_the_menu_of_a_real_terminal(terminal: tuple[Terminal, Path]) -> None:
    term, workspace = terminal
    _, born, sex, *_, password = demo.STAFF[0]
    term.wait_for(t("signin.title", "en"))
    term.type(make_iin(born, sex, 1))
    term.key("Enter")
    term.type(password)
    term.key("Enter")
    term.wait_for(t("menu.title", "en"))
    # 6 opened the printers and the Enter after the IIN printed a test page; 8 the password.
    for first, year in (("6", 1961), ("8", 1981), ("2", 2021)):
        iin = make_iin(date(year, 3, 14), "female", 1234)
        assert iin.startswith(first)
        term.type(iin)
        term.key("Enter")
        screen = term.wait_for(t("applicant.not_found", "en"))
        assert f"{t('applicant.iin', 'en')} {iin}" in screen, screen
        term.key("Escape")
        term.wait_for(t("menu.title", "en"))
    term.key("C-q")
    assert "regdesk-exit=0" in term.wait_for("regdesk-exit=")
    prints = workspace / "prints"
    assert [p for p in prints.rglob("*") if p.is_file()] == []
