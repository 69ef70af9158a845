"""Constants shared by the signing tests (imported by name: tests/signing is on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

NCA = Path(__file__).resolve().parents[2] / ".." / "shared" / "nca-test"
NCA_PASSWORD = "Qwerty12"

# A fixed clock: generated certificates are valid around it whatever today's date is.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EMPLOYEE_IIN = "880101300123"
PASSWORD = "Құпия-сөз 1"  # non-ASCII on purpose: the PKCS#12 KDF must encode it as NCA does

# make_store(**overrides) -> the path of a new NCA-shaped key store (see conftest.py).
KeyStoreFactory = Callable[..., Path]
