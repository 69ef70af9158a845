"""Where things live inside the clinic's data folder: one place for the path conventions.

``regdesk init``, the desk, the demo and the tests all take their paths from ``DataPaths`` so that
a folder made by one is found by the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regdesk.config import Config


@dataclass(frozen=True)
class DataPaths:
    """The layout of a data folder ``root``."""

    root: Path

    @classmethod
    def for_config(cls, config: Config) -> DataPaths:
        """The data folder the config names (``storage.data_dir``, or the platform's)."""
        return cls(config.data_path())

    @property
    def database(self) -> Path:
        """The SQLite file shared by every terminal."""
        return self.root / "regdesk.sqlite3"

    @property
    def vault_dir(self) -> Path:
        """Encrypted attachments (scans), one file each under a random name."""
        return self.root / "vault"

    @property
    def vault_key(self) -> Path:
        """The AES-256 key of the vault; created by ``regdesk init`` with mode 0600."""
        return self.root / "vault.key"

    @property
    def upgrade_backups_dir(self) -> Path:
        """Where ``regdesk upgrade`` puts its backup when no ``--backup-dir`` is given."""
        return self.root / "backups"

    @property
    def audit_key(self) -> Path:
        """The secret that keys the audit chain's hashes (``regdesk.store.audit``); made by
        ``regdesk init`` as the vault key is, kept outside the database."""
        return self.root / "audit.key"

    @property
    def audit_checkpoint(self) -> Path:
        """The audit log's last count and hash, rewritten at every append and authenticated with
        the audit key: a cut tail or an emptied log no longer matches it."""
        return self.root / "audit.checkpoint"

    @property
    def prints_dir(self) -> Path:
        """Default folder of the "folder" printer kind (talons and notices written as files)."""
        return self.root / "prints"

    @property
    def logs_dir(self) -> Path:
        """Technical logs (no personal data; the audit log is in the database)."""
        return self.root / "logs"
