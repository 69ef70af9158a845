"""Restoring a backup (``regdesk.store.backup``) into a new, empty data folder.

A restore never writes over data: the target folder must not exist or be empty, whatever it is
(a live data folder with a database is refused like any other folder with something in it). The
backup is checked first exactly as ``regdesk backup verify`` checks it, and a backup written by
a newer schema than this program knows is refused before anything is copied. Each file is hashed
again as it is copied and compared with the manifest, into a hidden folder beside the target that
is renamed into place only when everything is there; files are 0600 and folders 0700.

The restored database is then opened as the desk opens it (which upgrades an older schema and
turns WAL on), the restore is appended to its audit log, and the chain is verified again. A keyed
log needs its audit key (in the backup with ``--include-key``, or ``audit.key`` beside the vault
key given): it is copied beside the vault key, and the restore's record starts the new folder's
checkpoint. Without that key the restore is refused, saying what was and was not checked.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from regdesk.store import backup_audit
from regdesk.store.backup import (
    DATABASE,
    KEY,
    VAULT,
    BackupError,
    Manifest,
    Verification,
    read_manifest,
    verify_backup,
)
from regdesk.store.db import GATE_SUFFIX
from regdesk.store.paths import DataPaths
from regdesk.store.vault import fsync_folder, write_all

_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700
_CHUNK = 1024 * 1024


class TargetNotEmpty(BackupError):
    key = "restore.target_not_empty"


class NewerSchema(BackupError):
    key = "restore.newer_schema"


class NoKey(BackupError):
    key = "restore.no_key"


class NoAuditKey(BackupError):
    """The backup's log is keyed and its audit key is neither in it nor beside the vault key."""

    key = "audit_key.restore_no_key"


class BackupBroken(BackupError):
    """The backup did not pass its check; ``verification`` says what is wrong."""

    key = "restore.backup_broken"

    def __init__(self, verification: Verification, source: Path) -> None:
        super().__init__(path=str(source), count=len(verification.problems))
        self.verification = verification


@dataclass(frozen=True)
class Restored:
    """What a restore made: the manifest it followed, and the schema before and after."""

    manifest: Manifest
    data_dir: Path
    schema_from: int
    schema_to: int
    audit_count: int
    scans_opened: int


def restore(
    source: Path, data_dir: Path, *, actor_iin: str, key_file: Path | None = None
) -> Restored:
    """Restore the backup in ``source`` into the new data folder ``data_dir``.

    ``key_file``: the vault key kept apart, for a backup made without it. Raises a BackupError
    (TargetNotEmpty, NewerSchema, NoKey, BackupBroken, NoManifest, BadManifest) before writing
    anything when the restore cannot be done.
    """
    from regdesk.store import audit, schema
    from regdesk.store.db import open_db, transaction

    source, data_dir = Path(source), Path(data_dir)
    manifest = read_manifest(source)
    if manifest.schema_version > schema.SCHEMA_VERSION:
        raise NewerSchema(
            path=str(source),
            found=manifest.schema_version,
            known=schema.SCHEMA_VERSION,
            version=manifest.program_version,
        )
    _check_target(data_dir)
    key = source / KEY if manifest.key_included else key_file
    if key is None:
        raise NoKey(path=str(source))
    included = manifest.entry(backup_audit.AUDIT_KEY) is not None
    audit_key = backup_audit.audit_key_for(source, included, key)
    if manifest.audit_seal is not None and audit_key is None:
        # The restored desks could not append a record nobody could check; say what is known.
        raise NoAuditKey(
            path=str(source),
            beside=str(Path(key).parent / backup_audit.AUDIT_KEY),
            keyed_from=manifest.audit_seal.get("keyed_from", "?"),
        )
    verification = verify_backup(source, key_file=key, audit_key_file=audit_key)
    if not verification.ok:
        raise BackupBroken(verification, source)

    staging = data_dir.parent / f".{data_dir.name}.restoring-{secrets.token_hex(4)}"
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=_PRIVATE_DIR)
        (staging / VAULT).mkdir(mode=_PRIVATE_DIR)
        for entry in manifest.files:
            if entry.path in (KEY, backup_audit.AUDIT_KEY):
                continue
            _copy_checked(source / entry.path, staging / entry.path, entry.sha256)
        _copy_checked(key, staging / KEY, None)
        if audit_key is not None:
            _copy_checked(audit_key, staging / backup_audit.AUDIT_KEY, None)
        fsync_folder(staging / VAULT)
        fsync_folder(staging)
        if data_dir.exists():
            data_dir.rmdir()  # checked empty above
        os.rename(staging, data_dir)
    except OSError as exc:
        raise BackupError(
            "restore.write_failed", path=str(data_dir), detail=exc.strerror or str(exc)
        ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    # An older backup is upgraded here: the backup itself is the copy to go back to.
    db = open_db(data_dir / DATABASE, upgrade=True)
    try:
        schema_to = schema.version(db.conn)
        detail = {
            "backup_made_at": manifest.made_at,
            "backup_audit_last_hash": manifest.audit_last_hash,
            "schema_from": manifest.schema_version,
            "schema_to": schema_to,
        }
        if audit.seal_of(db.conn) is not None:
            # A new data folder has no checkpoint yet: the restore's record starts one.
            audit.reseal(db, actor_iin=actor_iin, action="admin.restore", detail=detail)
        else:
            with transaction(db):
                audit.append(
                    db,
                    actor_iin=actor_iin,
                    action="admin.restore",
                    object="database",
                    detail=detail,
                )
        chain = audit.verify(db)
    finally:
        db.conn.close()
    for path in (
        data_dir / f"{DATABASE}-wal",
        data_dir / f"{DATABASE}-shm",
        data_dir / f"{DATABASE}{GATE_SUFFIX}",
        DataPaths(data_dir).audit_checkpoint,
    ):
        if path.exists():
            os.chmod(path, _PRIVATE_FILE)
    return Restored(
        manifest=manifest,
        data_dir=data_dir,
        schema_from=manifest.schema_version,
        schema_to=schema_to,
        audit_count=chain.count,
        scans_opened=verification.scans_opened,
    )


def _check_target(data_dir: Path) -> None:
    if data_dir.is_symlink() or (data_dir.exists() and not data_dir.is_dir()):
        raise TargetNotEmpty(path=str(data_dir))
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise TargetNotEmpty(path=str(data_dir))


def _copy_checked(source: Path, target: Path, sha256: str | None) -> None:
    """Copy ``source`` to ``target`` (0600, fsynced); BackupError when its bytes are not
    ``sha256`` any more (the backup changed since it was checked)."""
    digest = hashlib.sha256()
    with source.open("rb") as src:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
        try:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
    if sha256 is not None and digest.hexdigest() != sha256:
        raise BackupError("restore.changed_while_copying", path=str(source))
