"""The commands write the operational log too (README, "The operational log": one file for
every desk and command of the clinic): their start and outcome, and what they did on the way (a
print, the sign-in), with no IIN and no name.

Run through ``regdesk.cli.main`` in this process, as an administrator's shell would run them.
"""

from __future__ import annotations

import re
from pathlib import Path

from desk_support import PINNED_AT, draft
from staff_cli import main_with_stdin, signed

from regdesk import demo
from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk, KeyCheck
from regdesk.store.paths import DataPaths


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


async def test_backup_doctor_status_and_a_talon_print_are_logged_without_a_person(
    ws: demo.DemoWorkspace, desk: Desk, key: KeyCheck, tmp_path: Path
) -> None:
    iin = ws.samples["unattached"][0]
    app_id = await draft(desk, iin)
    desk.form.attach(app_id, ws.scan_dir / "udostoverenie-lichnosti.pdf", "identity")
    number = desk.registration.register(app_id, key)
    surname = desk.form.get(app_id).surname
    log_file = DataPaths.for_config(ws.config).logs_dir / "regdesk.log"
    before = len(_lines(log_file))

    clock = PinnedClock(PINNED_AT, "Asia/Almaty")
    config = ["--lang", "en", "--config", ws.config.source]
    assert main([*config, "backup", str(tmp_path / "nightly")], clock=clock) == 0
    assert main([*config, "doctor"], clock=clock) in (0, 1)
    assert main([*config, "status"], clock=clock) == 0
    _, staff_iin, password, _ = next(row for row in ws.staff if row[0] == "receptionist")
    talon = [*config, "talon", "print", number, "--out", str(tmp_path / "talon.txt")]
    assert main_with_stdin(signed(*talon, iin=staff_iin), password + "\n", clock=clock) == 0

    lines = _lines(log_file)[before:]
    text = "\n".join(lines)
    for command, code in (("backup", 0), ("status", 0), ("talon print", 0)):
        assert f"{command} started, regdesk " in text, text
        assert f"{command} ended: exit {code}" in text, text
    assert "doctor started, regdesk " in text and re.search(r"doctor ended: exit [01]\b", text)
    # What the talon's run did on the way: the sign-in (without who) and the print.
    assert "sign-in accepted (role receptionist)" in text
    assert "print of a talon" in text
    # In the order they ran, each line once.
    starts = [line.split(": ", 1)[1] for line in lines if " started, regdesk " in line]
    assert [s.split(" started")[0] for s in starts] == ["backup", "doctor", "status", "talon print"]
    for secret in (iin, staff_iin, surname):
        assert secret not in text, secret
    assert not re.search(r"(?<!\d)\d{12}(?!\d)", text)
