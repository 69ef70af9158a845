"""`regdesk user …` end to end: a real config file, a real database, passwords on stdin or a tty."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from regdesk.cli import main
from regdesk.config import Security
from regdesk.core.ids import make_iin
from regdesk.i18n import t
from regdesk.store import audit
from regdesk.store.db import now_utc, open_db
from regdesk.store.staff import SignInError, Staff, parse_hash

ADMIN = make_iin(date(1980, 5, 17), "female", 123)
CLERK = make_iin(date(1992, 11, 3), "male", 4567)
NEWCOMER = make_iin(date(1999, 7, 1), "male", 58)
GOOD = "Kelbet-2026-qala"
CONFIG = """\
[clinic]
bin = "040340004129"

[storage]
data_dir = "data"

[security]
throttle_free_attempts = 2

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


def init_admin(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``regdesk init`` with the first admin, the only way to make one."""
    code, out, err = run_cli(
        config,
        "init",
        "--admin-iin",
        ADMIN,
        "--admin-name",
        "Сәрсенова Әйгерім",
        "--password-stdin",
        stdin=GOOD + "\n",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert f"The first admin was added: Сәрсенова Әйгерім ({ADMIN})" in out


@pytest.fixture
def clinic(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    init_admin(config_file, capsys, monkeypatch)
    return config_file


def as_admin(*args: str, password: str = GOOD, then: str = "") -> tuple[tuple[str, ...], str]:
    """The arguments and standard input of a command signed in as the admin."""
    return (*args, "--as", ADMIN, "--password-stdin"), password + "\n" + then


def staff_rows(config: Path) -> list[tuple[object, ...]]:
    """What an admin may change of each account (not the sign-in counters and times)."""
    with closing(sqlite3.connect(database(config))) as conn:
        return conn.execute(
            "SELECT id, iin, full_name, role, password_hash, disabled, locked_until,"
            " must_change_password, deactivated_at FROM staff ORDER BY id"
        ).fetchall()


def audit_rows(config: Path) -> list[tuple[str | None, str, dict[str, object]]]:
    with closing(sqlite3.connect(database(config))) as conn:
        rows = conn.execute("SELECT actor_iin, action, detail FROM audit_log ORDER BY id")
        return [(r[0], r[1], json.loads(r[2]) if r[2] else {}) for r in rows.fetchall()]


def test_init_makes_the_first_admin_and_only_while_there_is_no_account(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_db(database(clinic))
    employee = Staff(db).authenticate(ADMIN, GOOD, now_utc())
    # The first admin chose their own password: nothing to change at the first sign-in.
    assert employee.role == "admin" and not employee.must_change_password
    stored = db.execute("SELECT password_hash FROM staff WHERE iin = ?", [ADMIN]).fetchone()[0]
    assert parse_hash(stored).params.memory_kib >= 19456  # the real cost
    added = [a for a in audit_rows(clinic) if a[1] == "admin.user_add"]
    # The first admin is the actor of their own account and of the database's first record.
    assert [(a[0], a[2]["after"]["role"]) for a in added] == [(ADMIN, "admin")]
    assert [a[0] for a in audit_rows(clinic) if a[1] == "admin.init"] == [ADMIN]

    before = staff_rows(clinic)
    code, _, err = run_cli(
        clinic, "--lang", "ru", "init", "--admin-iin", CLERK, "--admin-name", "Иванов",
        "--password-stdin", stdin=GOOD + "\n", capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 1
    assert "В базе уже есть учётные записи" in err
    assert staff_rows(clinic) == before


def test_add_list_and_sign_in_with_the_one_time_password(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args, stdin = as_admin("user", "add", CLERK, "--name", "Иванов  Пётр", "--role", "receptionist")
    code, out, err = run_cli(clinic, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    assert "Account Иванов Пётр" in out and CLERK in out and "receptionist" in out
    once = re.search(r"One-time password for \d{12}: (\S+) ", out)
    assert once is not None
    assert GOOD not in out + err  # the admin's own password is never shown

    args, stdin = as_admin("--lang", "ru", "user", "list")
    code, out, err = run_cli(clinic, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ИИН", "ФИО", "Роль", "Последний", "вход", "Состояние"]
    assert lines[1].startswith(ADMIN) and lines[1].endswith("активна")
    assert lines[2].startswith(CLERK) and "регистратор" in lines[2]
    assert lines[2].endswith("активна, должен сменить пароль")

    db = open_db(database(clinic))
    employee = Staff(db).authenticate(CLERK, once.group(1), now_utc())
    assert employee.full_name == "Иванов Пётр" and employee.must_change_password
    # The audit names the admin who signed in, never the operating-system user.
    actions = [(a[0], a[1]) for a in audit_rows(clinic)]
    assert (ADMIN, "admin.user_add") in actions
    assert not any(actor and actor.startswith("cli:") for actor, a in actions if a != "admin.init")
    signed = [a for a in audit_rows(clinic) if a[1] == "sign_in" and a[0] == ADMIN]
    assert signed and all(a[2]["via"] == "cli" for a in signed)
    assert audit.verify(db).ok


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_an_os_user_without_an_admins_password_changes_nothing(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    def cli(*args: str, stdin: str) -> tuple[int, str, str]:
        return run_cli(
            clinic, "--lang", lang, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch
        )

    args, stdin = as_admin("user", "add", CLERK, "--name", "Clerk", "--role", "receptionist")
    assert cli(*args, stdin=stdin)[0] == 0
    # The clerk replaces the one-time password with their own (any employee may, for themself).
    once = Staff(open_db(database(clinic))).reset_password(CLERK, now_utc(), actor="test")
    own = ("user", "passwd", CLERK, "--as", CLERK, "--password-stdin")
    assert cli(*own, stdin=f"{once}\nMeniki-Parol-2026\n")[0] == 0

    before = staff_rows(clinic)
    audited = len(audit_rows(clinic))
    failed = t("signin_throttle.refused", lang)
    attempts = [
        ("user", "role", CLERK, "admin"),
        ("user", "reset", ADMIN),
        ("user", "lock", ADMIN),
        ("user", "deactivate", ADMIN),
        ("user", "add", NEWCOMER, "--name", "Me", "--role", "admin"),
    ]
    # Somebody who can write the database file but knows no admin's password...
    for attempt in attempts[:2]:
        code, out, err = cli(*attempt, "--as", ADMIN, "--password-stdin", stdin="guess-1234\n")
        assert (code, out) == (1, "") and failed in err, err
    # ...nor does the clerk's own IIN and password make them an admin.
    for attempt in attempts:
        code, out, err = cli(
            *attempt, "--as", CLERK, "--password-stdin", stdin="Meniki-Parol-2026\nNew-Pass-2026\n"
        )
        assert code == 1 and out == "", (attempt, out)
        assert t("admin.not_allowed", lang, role=t("role.receptionist", lang), what="")[:12] in err
    # An IIN is asked for when standard input carries the password.
    code, _, err = cli("user", "lock", ADMIN, "--password-stdin", stdin="guess\n")
    assert code == 2 and t("admin.cli.as_required", lang) in err

    assert staff_rows(clinic) == before  # the same accounts, roles, states and passwords
    # The wrong passwords counted towards the admin's sign-in throttle, as at the desk.
    admin = Staff(open_db(database(clinic))).get(ADMIN)
    assert admin is not None and admin.failed_attempts == 2
    records = audit_rows(clinic)[audited:]
    failures = [r for r in records if r[1] == "sign_in_failed"]
    assert [(r[0], r[2]["via"]) for r in failures] == [(ADMIN, "cli"), (ADMIN, "cli")]
    denied = [r for r in records if r[1] == "access_denied"]
    assert [r[2]["what"] for r in denied] == [
        "staff_role", "staff_reset", "staff_lock", "staff_deactivate", "staff_add",
    ]  # fmt: skip
    assert all(r[0] == CLERK for r in denied)
    assert not [r for r in records if r[1].startswith("admin.")]


def test_a_weak_password_is_refused_with_the_policy_in_russian(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args, stdin = as_admin("user", "add", CLERK, "--name", "Clerk", "--role", "receptionist")
    assert run_cli(clinic, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)[0] == 0
    before = staff_rows(clinic)
    args, stdin = as_admin("--lang", "ru", "user", "passwd", CLERK, then="qwerty\n")
    code, out, err = run_cli(clinic, *args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 1 and out == ""
    assert "Пароль не отвечает требованиям:" in err
    assert "не короче 10 символов" in err
    assert "последовательностью" in err
    assert staff_rows(clinic) == before


def test_refusals_exit_with_one(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str, then: str = "") -> tuple[int, str, str]:
        argv, stdin = as_admin(*args, then=then)
        return run_cli(clinic, *argv, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)

    add = ("user", "add", CLERK, "--name", "A", "--role", "receptionist")
    assert cli(*add)[0] == 0
    code, _, err = cli(*add)
    assert code == 1 and "already exists" in err
    code, _, err = cli("user", "add", "123456789011", "--name", "N", "--role", "admin")
    assert code == 1 and "Digit 7 of an IIN" in err
    code, _, err = cli("user", "passwd", CLERK)
    assert code == 1 and "no password on standard input" in err
    code, _, err = cli("user", "lock", NEWCOMER)
    assert code == 1 and f"no staff account with IIN {NEWCOMER}" in err
    code, _, err = cli("user", "lock", ADMIN)
    assert code == 1 and "another admin does that" in err
    code, _, err = cli("--lang", "kk", "user", "role", ADMIN, "receptionist")
    assert code == 1 and "басқа әкімші" in err


def test_passwd_reset_lock_unlock_role_and_deactivate(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str, then: str = "") -> tuple[int, str, str]:
        argv, stdin = as_admin(*args, then=then)
        return run_cli(clinic, *argv, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)

    assert cli("user", "add", CLERK, "--name", "N", "--role", "receptionist")[0] == 0
    db = open_db(database(clinic))
    staff = Staff(db, Security(throttle_free_attempts=2))

    # Failures at each delay's end (two free, then 5, 10, 20, 40 and 60 s): the clerk's sign-in
    # waits until 135 s from now; the list shows until when, in the clinic's time.
    now = now_utc()
    for n, seconds in enumerate((0, 0, 0, 5, 15, 35, 75)):
        with pytest.raises(SignInError):
            at = now + timedelta(seconds=seconds)
            staff.authenticate(CLERK, "Wrong-password-1", at, terminal=f"kiosk-{n}")
    code, out, _ = cli("--lang", "ru", "user", "list")
    clerk_line = next(line for line in out.splitlines() if line.startswith(CLERK))
    assert "вход отложен до " in clerk_line

    # The unlock says the delay is lifted, and how many failures it forgot.
    code, out, _ = cli("user", "unlock", CLERK)
    assert code == 0 and "sign-in delay is lifted (7 failed tries" in out
    code, out, _ = cli("user", "passwd", CLERK, then="Zhana-Parol-77\n")
    assert code == 0 and "must change this password at the next sign-in" in out
    assert staff.authenticate(CLERK, "Zhana-Parol-77", now).must_change_password
    code, out, _ = cli("user", "reset", CLERK)
    once = re.search(r"One-time password for \d{12}: (\S+) ", out)
    assert code == 0 and once is not None
    assert staff.authenticate(CLERK, once.group(1), now).must_change_password

    assert cli("user", "lock", CLERK)[0] == 0
    code, out, _ = cli("user", "list")
    assert "locked by an admin" in next(line for line in out.splitlines() if line.startswith(CLERK))
    with pytest.raises(SignInError):
        staff.authenticate(CLERK, once.group(1), now)
    assert cli("user", "unlock", CLERK)[0] == 0
    assert cli("user", "role", CLERK, "head")[0] == 0
    assert staff.authenticate(CLERK, once.group(1), now + timedelta(seconds=1)).role == "head"
    code, out, _ = cli("user", "deactivate", CLERK)
    assert code == 0 and "deactivated" in out
    code, _, err = cli("user", "unlock", CLERK)
    assert code == 1 and "deactivated" in err

    changes = [(a[0], a[1], a[2]) for a in audit_rows(clinic) if a[1].startswith("admin.user")]
    assert [a for _, a, _ in changes] == [
        "admin.user_add",
        "admin.user_add",
        "admin.user_unlock",
        "admin.user_passwd",
        "admin.user_reset",
        "admin.user_lock",
        "admin.user_unlock",
        "admin.user_role",
        "admin.user_deactivate",
    ]
    assert {actor for actor, _, _ in changes[1:]} == {ADMIN}
    unlock = changes[2][2]
    assert unlock["before"]["locked_until"] is not None and unlock["after"]["locked_until"] is None
    role = changes[7][2]
    assert (role["before"]["role"], role["after"]["role"]) == ("receptionist", "head")
    assert audit.verify(db).ok

    # The admin journal, on screen and as CSV, through the same use case as the desk's.
    argv, stdin = as_admin("audit", "admin")
    code, out, err = run_cli(clinic, *argv, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    assert "role changed" in out and "role: receptionist → head" in out
    target = clinic.parent / "journal.csv"
    argv, stdin = as_admin("--lang", "ru", "audit", "admin", "--csv", str(target))
    code, out, err = run_cli(clinic, *argv, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Время", "Кто", "Действие", "Кому", "Изменение (до → после)"]
    assert any(r[2] == "изменена роль" and "регистратор → заведующий" in r[4] for r in rows)


def test_help_lists_the_actions_and_the_exit_codes(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "en", "user", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for action in ("add", "list", "passwd", "reset", "lock", "unlock", "role", "deactivate"):
        assert action in out
    assert "Exit codes: 0 done; 1 refused" in out
    assert "78 configuration error" in out
    with pytest.raises(SystemExit):
        main(["--lang", "ru", "user", "add", "--help"])
    out = capsys.readouterr().out
    assert "--password-stdin" in out and "--as" in out and "Коды выхода" in out
    # A password is never an argument.
    assert "--password " not in out and "--password=" not in out


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REGDESK_CONFIG", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def test_subprocess_with_password_on_stdin(clinic: Path, tmp_path: Path) -> None:
    base = [sys.executable, "-m", "regdesk", "--config", str(clinic), "user"]
    auth = ["--as", ADMIN, "--password-stdin"]
    done = subprocess.run(
        [*base, "add", CLERK, "--name", "Clerk", "--role", "head", *auth],
        input=GOOD + "\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert GOOD not in done.stdout + done.stderr
    listed = subprocess.run(
        [*base, "list", *auth],
        input=GOOD + "\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert listed.returncode == 0 and CLERK in listed.stdout and "head" in listed.stdout


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
def test_passwords_are_asked_twice_without_echo_on_a_terminal(clinic: Path, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "regdesk", "--config", str(clinic), "--lang", "ru"]
    passwd = [*argv, "user", "passwd", ADMIN]  # one's own, on a terminal: the IIN asked too
    new = "Zhana-Parol-2026"
    code, screen = _pty_session(passwd, [ADMIN, GOOD, new, new + "x"], _env(tmp_path))
    assert code == 1
    assert "Ваш ИИН (администратор):" in screen and "Ваш пароль:" in screen
    assert "Новый пароль:" in screen and "Повторите пароль:" in screen
    assert "Пароли не совпали" in screen
    assert GOOD not in screen and new not in screen  # no password was echoed

    code, screen = _pty_session(passwd, [ADMIN, GOOD, new, new], _env(tmp_path))
    assert code == 0, screen
    assert GOOD not in screen and new not in screen
    staff = Staff(open_db(database(clinic)))
    assert staff.authenticate(ADMIN, new, now_utc()).iin == ADMIN


def test_the_cli_sign_in_answers_alike_for_unknown_wrong_and_throttled(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line is a terminal like the desk (the same key at the same place): its
    # failures slow it down, and its answers never tell an unknown IIN or a delay from a wrong
    # password. The clock is pinned: the delay is checked against it, not waited for.
    from regdesk.core.clock import PinnedClock

    clock = PinnedClock(datetime(2026, 9, 1, 4, 0, tzinfo=UTC), "Asia/Almaty")

    def cli(iin: str, password: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        code = main(
            ["--config", str(clinic), "--lang", "ru", "user", "list", "--as", iin,
             "--password-stdin"],
            clock=clock,
        )  # fmt: skip
        out, err = capsys.readouterr()
        return code, out, err

    unknown = cli(NEWCOMER, GOOD)
    wrong = cli(ADMIN, "guess-1234")
    wrong_again = cli(ADMIN, "guess-1235")
    third = cli(ADMIN, "guess-1236")  # throttle_free_attempts = 2: the next try waits 5 s
    throttled = cli(ADMIN, GOOD)  # the right password, inside the delay
    answers = {unknown, wrong, wrong_again, third, throttled}
    assert answers == {(1, "", t("signin_throttle.refused", "ru") + "\n")}
    clock.advance(seconds=5)
    code, out, err = cli(ADMIN, GOOD)
    assert code == 0 and ADMIN in out, err
    reasons = [r[2]["reason"] for r in audit_rows(clinic) if r[1] == "sign_in_failed"]
    assert reasons == ["unknown_iin", "bad_password", "bad_password", "bad_password", "throttled"]


def test_init_refuses_the_clinics_name_as_the_first_admins_password(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The config names no clinic: its default name_ru is "Демо поликлиника" (config.Clinic).
    code, _, err = run_cli(
        config_file,
        "init",
        "--admin-iin",
        ADMIN,
        "--admin-name",
        "Сәрсенова Әйгерім",
        "--password-stdin",
        stdin="Поликлиника-2026\n",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code != 0
    assert t("staff.policy.common", "en") in err
