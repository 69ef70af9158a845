"""`regdesk doctor` and a checkpoint write killed half-way (issue 14): a new audit checkpoint is
written aside whole as ``.audit.checkpoint.<hex>.part`` and renamed into place; a desk killed
between the two leaves the part, which the doctor lists with the vault's stale parts (a young
one is left alone: a desk may be writing it) and ``--clean`` removes. The kill is real: a
process whose rename is a SIGKILL to itself, running the real writer (``audit.start_keying``)."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from regdesk.store.db import open_db
from regdesk.store.doctor import clean, examine
from regdesk.store.paths import DataPaths

KILLED_AT_THE_RENAME = """
import os, signal, sys
from pathlib import Path

from regdesk.store import audit
from regdesk.store.db import open_db
from regdesk.store.paths import DataPaths
from regdesk.store.vault import Vault

paths = DataPaths(Path(sys.argv[1]))
db = open_db(paths.database)
Vault.create_key(paths.audit_key)
os.replace = lambda *_: os.kill(os.getpid(), signal.SIGKILL)  # dies between write and rename
audit.start_keying(db, actor_iin=None)
"""


def test_a_checkpoint_part_left_by_a_killed_desk_is_listed_and_cleaned(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    open_db(paths.database).conn.close()
    done = subprocess.run([sys.executable, "-c", KILLED_AT_THE_RENAME, str(paths.root)])
    assert done.returncode == -signal.SIGKILL
    assert not paths.audit_checkpoint.exists()
    [part] = paths.audit_checkpoint.parent.glob(".audit.checkpoint.*.part")
    # A file of the same look that is not the checkpoint's is none of the doctor's business.
    other = paths.root / ".audit.checkpoint.notes"
    other.write_text("kept")
    written = datetime.fromtimestamp(part.stat().st_mtime, UTC)

    db = open_db(paths.database)
    try:
        young = examine(paths, db.conn, now=written + timedelta(minutes=1))
        assert young.fresh_parts == [part] and young.stale_parts == [] and young.healthy
        old = examine(paths, db.conn, now=written + timedelta(minutes=16))
        assert old.stale_parts == [part] and not old.healthy
        assert clean(old, db.conn).removed == 1
        assert not part.exists() and other.exists()
        assert examine(paths, db.conn, now=written + timedelta(minutes=16)).healthy
    finally:
        db.conn.close()
