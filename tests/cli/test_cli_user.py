"""`regdesk user …` end to end: a real config file, a real database, passwords on stdin or a tty."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from regdesk.cli import main
from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.store import audit
from regdesk.store.db import now_utc, open_db
from regdesk.store.staff import SignInError, Staff, parse_hash, verify_password

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK = make_iin(date(1992, 11, 3), "male", 4567)
GOOD = "Kelbet-2026-qala"
CONFIG = """\
[storage]
data_dir = "data"

[security]
lockout_attempts = 3
lockout_minutes = 15

[languages]
default = "en"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinic" / "config.toml"
    path.parent.mkdir()
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run_cli(
    config: Path,
    *args: str,
    stdin: str = "",
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    return code, out, err


def database(config: Path) -> Path:
    return config.parent / "data" / "regdesk.sqlite3"


def test_add_list_and_sign_in(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(
        config_file,
        "user",
        "add",
        ADMIN,
        "--name",
        "Сәрсенова Әйгерім",
        "--role",
        "admin",
        "--password-stdin",
        stdin=GOOD + "\n",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert (code, err) == (0, "")
    assert "Сәрсенова Әйгерім" in out and ADMIN in out and "admin" in out

    code, out, _ = run_cli(
        config_file,
        "--lang",
        "ru",
        "user",
        "add",
        CLERK,
        "--name",
        "Иванов Пётр",
        "--role",
        "receptionist",
        "--password-stdin",
        stdin=GOOD + "!\r\n",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "регистратор" in out

    code, out, _ = run_cli(config_file, "user", "list", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["IIN", "Name", "Role", "State"]
    assert lines[1].startswith(ADMIN) and lines[1].endswith("active")
    assert lines[2].startswith(CLERK) and "receptionist" in lines[2]

    db = open_db(database(config_file))
    staff = Staff(db)
    # The line ending is not part of the password; the default (real) cost is used.
    assert staff.authenticate(CLERK, GOOD + "!", now_utc()).full_name == "Иванов Пётр"
    stored = db.execute("SELECT password_hash FROM staff WHERE iin = ?", [ADMIN]).fetchone()[0]
    assert parse_hash(stored).params.memory_kib >= 19456
    assert verify_password(GOOD, stored)

    rows = db.execute("SELECT actor_iin, action FROM audit_log ORDER BY id").fetchall()
    user = rows[0][0]
    assert user.startswith("cli:") and len(user) > 4
    assert rows[:2] == [(user, "admin.user_add"), (user, "admin.user_add")]
    assert audit.verify(db).ok


def test_a_weak_password_is_refused_with_the_policy_in_russian(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(
        config_file,
        "--lang",
        "ru",
        "user",
        "add",
        ADMIN,
        "--name",
        "Admin",
        "--role",
        "admin",
        "--password-stdin",
        stdin="qwerty\n",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == 1 and out == ""
    assert err.splitlines()[0] == "Пароль не отвечает требованиям:"
    assert "не короче 10 символов" in err
    assert "последовательностью" in err
    db = open_db(database(config_file))
    assert db.execute("SELECT count(*) FROM staff").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_refusals_exit_with_one(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
        return run_cli(config_file, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)

    add = ("user", "add", ADMIN, "--name", "A", "--role", "admin", "--password-stdin")
    assert cli(*add, stdin=GOOD + "\n")[0] == 0
    code, _, err = cli(*add, stdin=GOOD + "\n")
    assert code == 1 and "already exists" in err
    code, _, err = cli("user", "add", "123456789011", "--name", "N", "--role", "admin")
    assert code == 1 and "Digit 7 of an IIN" in err
    code, _, err = cli(
        "user", "add", CLERK, "--name", "N", "--role", "admin", "--password-stdin", stdin=""
    )
    assert code == 1 and "no password on standard input" in err
    code, _, err = cli("user", "lock", CLERK)
    assert code == 1 and f"no staff account with IIN {CLERK}" in err
    code, _, err = cli("user", "lock", ADMIN)
    assert code == 1 and "without an active admin" in err
    code, _, err = cli("--lang", "kk", "user", "role", ADMIN, "receptionist")
    assert code == 1 and "әкімші" in err


def test_passwd_lock_unlock_and_role(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
        return run_cli(config_file, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)

    for iin, role in ((ADMIN, "admin"), (CLERK, "receptionist")):
        args = ("user", "add", iin, "--name", f"N {role}", "--role", role, "--password-stdin")
        assert cli(*args, stdin=GOOD + "\n")[0] == 0
    db = open_db(database(config_file))
    sec = Security(lockout_attempts=3, lockout_minutes=15)
    staff = Staff(db, sec)

    # Three failures lock the clerk out; the list shows until when, in the clinic's time.
    now = now_utc()
    for _ in range(3):
        with pytest.raises(SignInError):
            staff.authenticate(CLERK, "Wrong-password-1", now)
    code, out, _ = cli("--lang", "ru", "user", "list")
    clerk_line = next(line for line in out.splitlines() if line.startswith(CLERK))
    assert "заблокирована до " in clerk_line

    assert cli("user", "unlock", CLERK)[0] == 0
    assert staff.authenticate(CLERK, GOOD, now).iin == CLERK

    code, out, _ = cli("user", "passwd", CLERK, "--password-stdin", stdin="Zhana-Parol-77\n")
    assert code == 0 and CLERK in out
    assert staff.authenticate(CLERK, "Zhana-Parol-77", now).iin == CLERK

    assert cli("user", "lock", CLERK)[0] == 0
    code, out, _ = cli("user", "list")
    assert "disabled" in next(line for line in out.splitlines() if line.startswith(CLERK))
    with pytest.raises(SignInError):
        staff.authenticate(CLERK, "Zhana-Parol-77", now)
    assert cli("user", "unlock", CLERK)[0] == 0

    code, out, _ = cli("user", "role", CLERK, "admin")
    assert code == 0
    assert staff.authenticate(CLERK, "Zhana-Parol-77", now + timedelta(seconds=1)).role == "admin"

    actions = [
        (r[0], json.loads(r[1]) if r[1] else None)
        for r in db.execute(
            "SELECT action, detail FROM audit_log WHERE action LIKE 'admin.%' ORDER BY id"
        ).fetchall()
    ]
    assert [a for a, _ in actions] == [
        "admin.user_add",
        "admin.user_add",
        "admin.user_unlock",
        "admin.user_passwd",
        "admin.user_lock",
        "admin.user_unlock",
        "admin.user_role",
    ]
    assert actions[2][1]["was_locked_until"] is not None
    assert audit.verify(db).ok


def test_help_lists_the_actions_and_the_exit_codes(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "en", "user", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for action in ("add", "list", "passwd", "lock", "unlock", "role"):
        assert action in out
    assert "Exit codes: 0 done; 1 refused" in out
    assert "78 configuration error" in out
    with pytest.raises(SystemExit):
        main(["--lang", "ru", "user", "add", "--help"])
    out = capsys.readouterr().out
    assert "--password-stdin" in out and "Коды выхода" in out
    # A password is never an argument.
    assert "--password " not in out and "--password=" not in out


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REGDESK_CONFIG", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def test_subprocess_with_password_on_stdin(config_file: Path, tmp_path: Path) -> None:
    base = [sys.executable, "-m", "regdesk", "--config", str(config_file), "user"]
    done = subprocess.run(
        [*base, "add", ADMIN, "--name", "Admin", "--role", "admin", "--password-stdin"],
        input=GOOD + "\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert GOOD not in done.stdout + done.stderr
    listed = subprocess.run(
        [*base, "list"], capture_output=True, text=True, env=_env(tmp_path), timeout=60
    )
    assert listed.returncode == 0 and ADMIN in listed.stdout


def _pty_session(argv: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` on a pseudo-terminal, typing each answer after the next prompt ending ": "."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: become the command
        os.execvpe(argv[0], argv, env)
    seen = b""
    pending = list(answers)
    answered_at = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # A new prompt: the output ends with ": " and something arrived since the last answer.
        if pending and seen.endswith(b": ") and len(seen) > answered_at:
            os.write(fd, pending.pop(0).encode() + b"\r")
            answered_at = len(seen)
    os.close(fd)
    if time.monotonic() >= deadline:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a Linux pseudo-terminal")
def test_passwords_are_asked_twice_without_echo_on_a_terminal(
    config_file: Path, tmp_path: Path
) -> None:
    argv = [sys.executable, "-m", "regdesk", "--config", str(config_file), "--lang", "ru"]
    add = [*argv, "user", "add", ADMIN, "--name", "Admin", "--role", "admin"]
    code, screen = _pty_session(add, [GOOD, GOOD + "x"], _env(tmp_path))
    assert code == 1
    assert "Новый пароль:" in screen and "Повторите пароль:" in screen
    assert "Пароли не совпали" in screen
    assert GOOD not in screen  # nothing typed was echoed

    code, screen = _pty_session(add, [GOOD, GOOD], _env(tmp_path))
    assert code == 0, screen
    assert GOOD not in screen
    staff = Staff(open_db(database(config_file)))
    assert staff.authenticate(ADMIN, GOOD, now_utc()).iin == ADMIN
