"""The keyed audit chain in a backup: what the manifest records of it, and how the copy is checked.

A backup of a keyed log adds to the manifest's ``audit`` section (beside ``count`` and
``last_hash``, the copy's own tail)::

    "seal": {"keyed_from": K, "key_id": "…",
             "checkpoint": {"id": N, "count": N, "hash": "…"},   the live checkpoint's committed
                                                                tail, read before the snapshot
             "mac": "…"}   HMAC-SHA256 under the audit key of count, last_hash and the above

so that the copy is checked with the key as the live log is: every keyed record, the copy holding
the live checkpoint's committed record (the live log had not been cut before the backup), and
the manifest's count and last hash themselves (someone who rewrites a backup's database and its
manifest together still lacks the key). ``--include-key`` puts ``audit.key`` in the backup beside
``vault.key``; otherwise it is looked for beside the vault key given (``--key``) or the live one.
Without it, ids, links and counts are checked and a note says what could not be.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.core.json_types import JsonObject
from regdesk.store.audit_seal import (
    EMPTY,
    AuditKeyError,
    Checkpoint,
    CheckpointState,
    Tail,
    canonical,
    key_id,
    mac,
    read_checkpoint,
    read_key,
)
from regdesk.store.paths import DataPaths

if TYPE_CHECKING:
    from regdesk.store.audit import AuditReport
    from regdesk.store.backup import Finding

AUDIT_KEY = "audit.key"
"""The audit key's name in a backup made with ``--include-key`` (as in the data folder)."""


@dataclass(frozen=True)
class LiveWitness:
    """The live audit key and checkpoint, read before the snapshot."""

    key: bytes | None
    checkpoint: Checkpoint | None


def live_witness(data: DataPaths) -> LiveWitness:
    """The live key and checkpoint as far as they can be read (what cannot is checked later)."""
    try:
        key = read_key(data.audit_key)
    except AuditKeyError:
        return LiveWitness(None, None)
    read = read_checkpoint(data.audit_checkpoint, key)
    return LiveWitness(key, read.checkpoint if read.state is CheckpointState.OK else None)


def seal_block(
    witness: LiveWitness, copy: sqlite3.Connection, count: int, last_hash: str
) -> JsonObject | None:
    """The manifest's ``audit.seal`` for the copy open on ``copy``; None for an unkeyed log."""
    from regdesk.store.audit import seal_of

    seal = seal_of(copy)
    if seal is None:
        return None
    checkpoint = witness.checkpoint
    block: dict[str, Any] = {
        "keyed_from": seal.keyed_from,
        "key_id": seal.key_id,
        "checkpoint": checkpoint.committed.to_json() if checkpoint else None,
    }
    key = witness.key
    block["mac"] = (
        _mac(key, count, last_hash, block) if key and key_id(key) == seal.key_id else None
    )
    return block


def _mac(key: bytes, count: int, last_hash: str, block: JsonObject) -> str:
    body = {k: v for k, v in block.items() if k != "mac"}
    return mac(key, canonical({"count": count, "last_hash": last_hash, "seal": body}))


def audit_key_for(folder: Path, included: bool, vault_key: Path | None) -> Path | None:
    """Where the audit key of a backup is: in it, or beside the vault key kept apart."""
    if included:
        return folder / AUDIT_KEY
    if vault_key is not None and (Path(vault_key).parent / AUDIT_KEY).is_file():
        return Path(vault_key).parent / AUDIT_KEY
    return None


def check_copy(
    conn: sqlite3.Connection,
    count: int,
    last_hash: str,
    block: JsonObject | None,
    audit_key: Path | None,
    problems: list[Finding],
    notes: list[Finding],
) -> AuditReport:
    """The copied chain checked with the audit key against the manifest's seal block; what is
    wrong with the seal block goes into ``problems``, what could not be checked into ``notes``."""
    from sqlite_utils import Database

    from regdesk.store.audit import Witness, seal_of, verify
    from regdesk.store.backup import Finding

    db = Database(conn)
    seal = seal_of(conn)
    if seal is None:
        if block is not None:
            problems.append(Finding("audit_key.backup_downgraded"))
        return verify(db, witness=Witness(None))
    key: bytes | None = None
    if audit_key is not None:
        try:
            key = read_key(audit_key)
        except AuditKeyError as exc:
            problems.append(Finding(exc.key, dict(exc.params)))
    if key is None:
        notes.append(Finding("audit_key.backup_no_key", {"keyed_from": seal.keyed_from}))
        return verify(db, witness=Witness(None, links_only=True))
    committed = EMPTY
    if block is None:
        problems.append(Finding("audit_key.backup_manifest_unsealed"))
    else:
        if (block.get("keyed_from"), block.get("key_id")) != (seal.keyed_from, seal.key_id):
            problems.append(Finding("audit_key.backup_downgraded"))
        given = block.get("mac")
        if not isinstance(given, str) or given != _mac(key, count, last_hash, block):
            problems.append(Finding("audit_key.backup_manifest_not_authentic"))
        try:
            if block.get("checkpoint") is not None:
                committed = Tail.from_json(block["checkpoint"])
        except (ValueError, KeyError, TypeError):
            problems.append(Finding("audit_key.backup_manifest_not_authentic"))
    expected = Checkpoint(seal.keyed_from, seal.key_id, committed)
    return verify(db, witness=Witness(audit_key, None, expected))
