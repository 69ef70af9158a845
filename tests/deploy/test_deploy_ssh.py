"""The README's deployment: receptionists reach the desk through SSH with a forced command per key.

A real OpenSSH server on loopback (Debian's ``openssh-server``; ``.ci/run`` installs it as an
optional part, like CUPS: without it this test is skipped with the reason), a real client in a
real terminal (tmux, 80x24), the authorized_keys line as the README writes it. The connection
asks for another command; the forced command starts the desk instead, with the workstation's
name the key gives it, and the requested command never runs.

The test runs its own sshd (its own config, host key, port and pid file) and its own tmux server,
and stops only those.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from staff_cli import ADMIN, PASSWORD, init_with_admin
from tmux_terminal import LIMIT, Terminal, wait_until

from regdesk.i18n import t
from regdesk.store import audit
from regdesk.store.db import open_db

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(SSHD is None, reason="no OpenSSH server here (.ci/run installs one)"),
    pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client here"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)], check=True
    )
    return path.with_suffix(".pub").read_text().strip()


def forced_command(config: Path, workstation: str) -> str:
    """The authorized_keys options of one receptionist's key, as the README writes them (the
    program's path is this test's Python; PYTHONPATH so the checkout under test is the one run).
    """
    program = f"{shlex.quote(sys.executable)} -m regdesk"
    env = (
        f"REGDESK_WORKSTATION={workstation} REGDESK_CONFIG={shlex.quote(str(config))} "
        f"PYTHONPATH={shlex.quote(str(REPO))}"
    )
    return f'command="env {env} {program}",restrict,pty'


class Sshd:
    """An sshd of this test's own on a loopback port."""

    def __init__(self, folder: Path, authorized_keys: Path) -> None:
        assert SSHD is not None
        self.port = _free_port()
        host_key = folder / "host_ed25519"
        _keygen(host_key)
        config = folder / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {authorized_keys}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            # The test's files live in a temporary folder whose modes sshd would refuse.
            "StrictModes no\nPermitRootLogin prohibit-password\nLogLevel VERBOSE\n",
            encoding="utf-8",
        )
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        # Ready when it says it listens (an event in its log, not a pause).
        deadline = time.monotonic() + LIMIT
        for line in self.proc.stderr:
            if "Server listening on 127.0.0.1" in line:
                break
            if time.monotonic() > deadline:
                raise AssertionError("sshd did not start listening")
        else:
            raise AssertionError(f"sshd ended: exit {self.proc.wait()}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=LIMIT)


def _desks(config: Path) -> dict[int, dict[str, str]]:
    """The desk processes of this test's clinic (by their REGDESK_CONFIG), with their
    environment."""
    found: dict[int, dict[str, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            raw = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"regdesk" not in cmdline:
            continue
        env = dict(
            item.decode(errors="replace").partition("=")[::2] for item in raw.split(b"\0") if item
        )
        if env.get("REGDESK_CONFIG") == str(config):
            found[int(entry.name)] = env
    return found


def _wait(condition: Callable[[], bool], what: str) -> None:
    wait_until(condition, f"{what} did not happen within {LIMIT:.0f} s")


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    config = tmp_path / "clinic" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        '[clinic]\nbin = "040340004129"\n[storage]\ndata_dir = "data"\n'
        '[languages]\ndefault = "en"\n',
        encoding="utf-8",
    )
    init_with_admin(config)
    return config


@pytest.fixture
def connection(clinic: Path, tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    ssh_dir = tmp_path / "ssh"
    ssh_dir.mkdir(mode=0o700)
    client_key = ssh_dir / "window3_ed25519"
    public = _keygen(client_key)
    authorized = ssh_dir / "authorized_keys"
    authorized.write_text(f"{forced_command(clinic, 'window-3')} {public}\n", encoding="utf-8")
    sshd = Sshd(ssh_dir, authorized)
    pwned = tmp_path / "pwned"
    # The receptionist (or someone with their key) asks for a command of their own.
    asked = f"touch {pwned}; regdesk upgrade --as {ADMIN}"
    ssh = [
        "ssh", "-tt", "-p", str(sshd.port), "-i", str(client_key),
        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        "127.0.0.1", asked,
    ]  # fmt: skip
    term = Terminal.start(f"TERM=xterm-256color {shlex.join(ssh)}; echo ssh-exit=$?; sleep 600")
    try:
        yield term, pwned
    finally:
        term.close()
        sshd.stop()


def test_the_forced_command_starts_the_desk_and_ignores_the_requested_command(
    clinic: Path, connection: tuple[Terminal, Path]
) -> None:
    term, pwned = connection
    term.wait_for(t("signin.title", "en"))
    desks = _desks(clinic)
    assert len(desks) == 1, desks  # one desk for the one connection
    ((pid, env),) = desks.items()
    assert env["REGDESK_WORKSTATION"] == "window-3"  # the key names the workstation
    assert env["SSH_ORIGINAL_COMMAND"].startswith("touch ")  # asked for, and not run:
    assert not pwned.exists()

    # It is the clinic's real desk: the admin signs in through it.
    term.type(ADMIN)
    term.key("Enter")
    term.type(PASSWORD)
    term.key("Enter")
    term.wait_for(t("menu.title", "en"))
    db = open_db(clinic.parent / "data" / "regdesk.sqlite3")
    assert [r.actor_iin for r in audit.recent(db, action="sign_in")] == [ADMIN]
    db.conn.close()

    # The connection dropped (the terminal gone): the desk ends too.
    term.close()
    _wait(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), "the desk's end")
    assert not pwned.exists()


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return re.search(r"\) Z ", stat) is not None
