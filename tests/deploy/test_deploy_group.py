"""The README's group sharing with real OS users: a scan one receptionist stores is read, and
backed up, by another member of the clinic's group.

Two users and a group are made for the test (root only: here and in CI the tests run as root;
elsewhere the test is skipped with the reason) and removed after it. Each user runs regdesk's
own code in a process of its own, under its own uid and groups.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.store.paths import DataPaths

TOOLS = ("groupadd", "useradd", "userdel", "groupdel", "runuser")
PINNED = "2026-11-25T05:30:00+00:00"


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)


@pytest.fixture
def clinic_group() -> Iterator[tuple[str, str, str]]:
    """A group and two of its members (no home, no shell): (group, user a, user b)."""
    if os.geteuid() != 0:
        pytest.skip("making OS users needs root (the tests run as root here and in CI)")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"no {', '.join(missing)} on this machine to make OS users with")
    tag = f"{os.getpid() % 100000}"
    group, a, b = f"rdgrp{tag}", f"rdga{tag}", f"rdgb{tag}"
    _run("groupadd", group)
    made: list[str] = []
    try:
        for user in (a, b):
            # Each keeps the system's default primary group: the clinic's group is a second one,
            # and the folders' setgid bit gives new files that group, as the README sets it up.
            _run(
                "useradd",
                "--no-create-home",
                "--no-user-group",
                "--groups",
                group,
                "--shell",
                "/usr/sbin/nologin",
                user,
            )
            made.append(user)
        yield group, a, b
    finally:
        for user in made:
            subprocess.run(["userdel", user], check=False, capture_output=True, timeout=60)
        subprocess.run(["groupdel", group], check=False, capture_output=True, timeout=60)


def _share_with(group: str, root: Path, paths: DataPaths) -> None:
    """The README's group set-up: chgrp -R, chmod -R g+rwX, g+s on the folders, the keys 0640."""
    _run("chgrp", "-R", group, str(root))
    _run("chmod", "-R", "g+rwX", str(root))
    for folder, _dirs, _files in os.walk(root):
        os.chmod(folder, os.stat(folder).st_mode | stat.S_ISGID)
    for key in (paths.vault_key, paths.audit_key):
        os.chmod(key, 0o640)


# User a: a receptionist's desk stores a scan with the draft (the desk's own use case), in a
# process with the program's umask.
STORE = """
import asyncio, os, sys
from pathlib import Path
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from desk_support import draft
from regdesk.config import load
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk

os.umask(0o007)  # what regdesk.cli.run sets for every regdesk process

async def main() -> None:
    config = load(sys.argv[2])
    desk = Desk(config, clock=PinnedClock(datetime.fromisoformat(sys.argv[3]), "Asia/Almaty"))
    desk.session.sign_in(sys.argv[4], sys.argv[5])
    try:
        app_id = await draft(desk, sys.argv[6])
        desk.form.attach(app_id, Path(sys.argv[7]), "identity")
    finally:
        await desk.aclose()
        desk.close()

asyncio.run(main())
"""

# User b: the desk's vault opens every stored scan (what a preview or the portal inbox reads).
READ = """
import sys
from regdesk.config import load
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

config = load(sys.argv[1])
paths = DataPaths.for_config(config)
vault = Vault(paths.vault_dir, paths.vault_key, 10_000_000)
db = open_db(paths.database)
rows = db.conn.execute("SELECT vault_name, sha256 FROM attachments").fetchall()
assert rows, "no scan stored"
for name, sha256 in rows:
    print(name, len(vault.get(name, sha256)))
"""


def test_a_scan_stored_by_one_member_of_the_group_is_read_and_backed_up_by_another(
    clinic_group: tuple[str, str, str],
) -> None:
    group, user_a, user_b = clinic_group
    shared = Path(tempfile.mkdtemp(prefix="regdesk-group-"))
    os.chmod(shared, 0o755)  # the way in to the clinic's folder, as /var/lib is
    ws = demo.build(shared / "clinic", clock=PinnedClock(demo_pinned(), "Asia/Almaty"))
    try:
        paths = DataPaths.for_config(ws.config)
        _share_with(group, ws.root, paths)
        receptionist = next(s for s in ws.staff if s[0] == "receptionist")
        scan = ws.scan_dir / "udostoverenie-lichnosti.pdf"
        tests_desk = str(Path(__file__).parent.parent / "desk")
        stored = _as(
            user_a,
            STORE,
            tests_desk,
            str(ws.config.source),
            PINNED,
            receptionist[1],
            receptionist[2],
            ws.samples["unattached"][0],
            str(scan),
        )
        assert stored.returncode == 0, stored.stderr
        scans = [p for p in paths.vault_dir.iterdir() if not p.name.startswith(".")]
        assert scans, "user a stored no scan"

        read = _as(user_b, READ, str(ws.config.source))
        assert read.returncode == 0, read.stderr
        assert len(read.stdout.splitlines()) == len(scans)

        backups = shared / "backups"
        backups.mkdir()
        shutil.chown(backups, user_b)
        made = _as(
            user_b,
            PROGRAM,
            "--lang",
            "en",
            "--config",
            str(ws.config.source),
            "backup",
            str(backups / "nightly"),
        )
        assert made.returncode == 0, made.stdout + made.stderr
        assert f"all {len(scans)} scans open" in made.stdout
        for path in scans:
            info = path.stat()
            assert info.st_uid != 0  # stored by user a, not by the test
            # The clinic's group reads and writes it; nobody else (the program's umask 007).
            assert stat.S_IMODE(info.st_mode) == 0o660, oct(info.st_mode)
    finally:
        ws.stop()
        shutil.rmtree(shared, ignore_errors=True)


def demo_pinned() -> datetime:
    return datetime.fromisoformat(PINNED)


# Every process of a user starts from this (under -S: no site of the system Python's own): the
# test's installed packages, regdesk among them,
# also when it runs under the system's Python of the same version (see _python_for).
BOOT = f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n"

# The program itself, through its entry point (the umask it sets included).
PROGRAM = (
    "import sys\nsys.argv[0] = 'regdesk'\nfrom regdesk.cli import run\nraise SystemExit(run())\n"
)


def _python_for(user: str) -> str:
    """This Python if ``user`` may run it, else the system's of the same version: a Python
    installed under root's home (pyenv) is out of another user's reach."""
    version = sys.version_info
    for python in (sys.executable, f"/usr/bin/python{version.major}.{version.minor}"):
        if _run_as(user, python, "-S", "-c", BOOT + "import regdesk").returncode == 0:
            return python
    pytest.skip(f"no Python {version.major}.{version.minor} with regdesk that {user} may run")


def _as(user: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _run_as(user, _python_for(user), "-S", "-c", BOOT + script, *args)


def _run_as(user: str, *cmd: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGDESK_", "XDG_"))}
    env["HOME"] = "/nonexistent"
    return subprocess.run(
        ["runuser", "-u", user, "--", *cmd],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd="/",
    )
