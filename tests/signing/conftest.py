"""Fixtures of the signing tests: NCA's real test material and a generated CA with key stores."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from signing_support import EMPLOYEE_IIN, NCA, NOW, PASSWORD, KeyStoreFactory

from regdesk.signing import testca


@pytest.fixture
def nca() -> Path:
    if not NCA.is_dir():
        pytest.skip(f"NCA RK test material not found at {NCA} (shared/nca-test beside the repo)")
    return NCA


@pytest.fixture(scope="session")
def rsa_keys() -> list[rsa.RSAPrivateKey]:
    """A few RSA-2048 keys generated once: key generation dominates these tests' time."""
    return [testca.new_key() for _ in range(6)]


@pytest.fixture(scope="session")
def ca(rsa_keys: list[rsa.RSAPrivateKey]) -> testca.CA:
    return testca.make_ca(
        "Test ҰКО (RSA)", NOW - timedelta(days=3650), NOW + timedelta(days=3650), key=rsa_keys[0]
    )


@pytest.fixture
def make_store(tmp_path: Path, ca: testca.CA, rsa_keys: list[rsa.RSAPrivateKey]) -> KeyStoreFactory:
    """Writes an NCA-shaped key store; keyword arguments override the defaults."""
    counter = iter(range(1000))

    def make(**overrides: Any) -> Path:
        n = next(counter)
        args: dict[str, Any] = {
            "iin": EMPLOYEE_IIN,
            "surname": "ТЕСТОВА",
            "given_name": "ӘЛИЯ",
            "patronymic": "ҚАНАТҚЫЗЫ",
            "purpose": "signing",
            "not_before": NOW - timedelta(days=30),
            "not_after": NOW + timedelta(days=335),
            "password": PASSWORD,
            "path": tmp_path / f"key{n}.p12",
            "key": rsa_keys[1 + n % 5],
        }
        args.update(overrides)
        issuer = args.pop("ca", ca)
        return testca.make_employee_key_store(issuer, **args)

    return make
