"""`regdesk user terminals` and `unlock-terminal` end to end (issue 14): a real config file and
database, guesses typed on the command line at a terminal (``REGDESK_TERMINAL``), an admin at
another one listing the waiting terminal by name and lifting its delay, a receptionist refused in
words. The clock is pinned: the waits are checked against it, never waited for."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.core.ids import make_iin
from regdesk.i18n import t
from regdesk.store.db import open_db
from regdesk.store.staff import Staff

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK = make_iin(date(1992, 11, 3), "male", 4567)
GOOD = "Kelbet-2026-qala"
KIOSK = "kiosk-hall-2"
AT = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)  # 09:00 in Almaty
CONFIG = """\
[clinic]
bin = "040340004129"

[storage]
data_dir = "data"

[languages]
default = "en"
"""


class Cli:
    def __init__(
        self, config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.config, self.monkeypatch, self.capsys = config, monkeypatch, capsys
        self.clock = PinnedClock(AT, "Asia/Almaty")

    def __call__(
        self, *args: str, stdin: str, terminal: str, lang: str = "en"
    ) -> tuple[int, str, str]:
        self.monkeypatch.setenv("REGDESK_TERMINAL", terminal)
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--config", str(self.config), "--lang", lang, *args], clock=self.clock)
        out, err = self.capsys.readouterr()
        return code, out, err

    def user(self, *args: str, who: str = ADMIN, password: str = GOOD, terminal: str = "office",
             lang: str = "en") -> tuple[int, str, str]:  # fmt: skip
        return self("user", *args, "--as", who, "--password-stdin", stdin=password + "\n",
                    terminal=terminal, lang=lang)  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    run = Cli(config, monkeypatch, capsys)
    code, _, err = run(
        "init", "--admin-iin", ADMIN, "--admin-name", "Сәрсенова Әйгерім", "--password-stdin",
        stdin=GOOD + "\n", terminal="office",
    )  # fmt: skip
    assert code == 0, err
    db = open_db(config.parent / "data" / "regdesk.sqlite3")
    try:
        Staff(db).add(CLERK, "Нұрланова Айгүл", "receptionist", GOOD, AT, actor="test")
    finally:
        db.conn.close()
    return run


def test_the_admin_lists_the_waiting_terminal_and_lifts_its_delay(cli: Cli) -> None:
    for n in range(6):  # six wrong passwords at the kiosk, each for another (unknown) IIN
        stranger = make_iin(date(1970, 1, 1 + n), "male", 200 + n)
        code, _, err = cli.user("list", who=stranger, password="guess-1234", terminal=KIOSK)
        assert (code, err) == (1, t("signin_throttle.refused", "en") + "\n")
    # The kiosk waits now: even the admin's right password is refused there.
    assert cli.user("list", terminal=KIOSK)[0] == 1

    code, out, _ = cli.user("terminals")  # from the office: not waiting
    assert code == 0
    # Its 6 failures counted, the wait 10 s from the 6th, in clinic time (UTC+5).
    assert out == f"{KIOSK}  failures: 6  waits until: 01.09.2026 09:00:10\n"
    code, out, _ = cli.user("terminals", lang="ru")
    assert out == f"{KIOSK}  неудач: 6  ждёт до: 01.09.2026 09:00:10\n"

    code, out, _ = cli.user("unlock-terminal", KIOSK)
    assert code == 0
    assert out == t("ops_gaps.cli.terminal_unlocked", "en", terminal=KIOSK, failures=6) + "\n"
    assert cli.user("terminals")[1] == t("ops_gaps.terminals_none", "en") + "\n"
    assert cli.user("list", terminal=KIOSK)[0] == 0  # the kiosk lets the admin in at once

    # A name with nothing counted: said, and what to check.
    code, out, _ = cli.user("unlock-terminal", "kiosk-hall-3")
    assert code == 0 and "there is no delay to lift" in out

    with closing(sqlite3.connect(cli.config.parent / "data" / "regdesk.sqlite3")) as conn:
        rows = conn.execute(
            "SELECT actor_iin, object, detail FROM audit_log"
            " WHERE action = 'admin.terminal_unlock' ORDER BY id"
        ).fetchall()
    assert [(r[0], r[1], json.loads(r[2])["throttle_cleared"]) for r in rows] == [
        (ADMIN, f"terminal:{KIOSK}", 6),
        (ADMIN, "terminal:kiosk-hall-3", 0),
    ]


def test_a_receptionist_is_refused_in_words_and_lifts_nothing(cli: Cli) -> None:
    for n in range(6):
        stranger = make_iin(date(1970, 1, 1 + n), "male", 200 + n)
        cli.user("list", who=stranger, password="guess-1234", terminal=KIOSK)
    for args in (("terminals",), ("unlock-terminal", KIOSK)):
        code, out, err = cli.user(*args, who=CLERK, lang="ru")
        assert code == 1 and out == ""
        assert t("admin.what.terminal_list" if len(args) == 1 else "admin.what.terminal_unlock",
                 "ru") in err  # fmt: skip
    code, out, _ = cli.user("terminals")
    assert out.startswith(f"{KIOSK}  failures: 6")  # still waiting
