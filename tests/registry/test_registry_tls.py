"""HTTPS and mutual TLS between the client and the simulator, with a CA generated here."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from regdesk.core.clock import wall_utc
from regdesk.registry.client import Backoff, RegistryClient
from regdesk.registry.errors import NotConfigured, Refused
from regdesk.registry.sim import SimulatorHandle, running_simulator


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_ca: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path
    stranger_key: Path
    expired_server_cert: Path
    expired_server_key: Path
    expired_client_cert: Path
    expired_client_key: Path


def _tls_now() -> datetime:
    # The TLS handshake checks certificates against the machine's real clock (OpenSSL's, not
    # ours): these certificates must be valid now, so they are made around the wall clock.
    return wall_utc()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _tls_now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    cn: str,
    server: bool,
    expired: bool = False,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _tls_now()
    # An expired certificate ended a day ago; the others are valid for a day either side.
    ends = now - timedelta(days=1) if expired else now + timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(ends)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def _write(folder: Path, name: str, key: Any, cert: x509.Certificate) -> tuple[Path, Path]:
    cert_path = folder / f"{name}.crt"
    key_path = folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca = _ca("Test registry CA")
    client_ca_key, client_ca = _ca("Test clinic CA")
    other_ca_key, other_ca = _ca("Somebody else's CA")
    server_cert, server_key = _write(folder, "server", *_leaf(ca_key, ca, "registry", True))
    client_cert, client_key = _write(
        folder, "client", *_leaf(client_ca_key, client_ca, "desk-01", False)
    )
    stranger_cert, stranger_key = _write(
        folder, "stranger", *_leaf(other_ca_key, other_ca, "intruder", False)
    )
    old_server = _write(folder, "old-server", *_leaf(ca_key, ca, "registry", True, expired=True))
    old_client = _write(
        folder, "old-client", *_leaf(client_ca_key, client_ca, "desk-02", False, expired=True)
    )
    ca_path = folder / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    client_ca_path = folder / "client-ca.pem"
    client_ca_path.write_bytes(client_ca.public_bytes(serialization.Encoding.PEM))
    return Pki(
        ca_path,
        server_cert,
        server_key,
        client_ca_path,
        client_cert,
        client_key,
        stranger_cert,
        stranger_key,
        *old_server,
        *old_client,
    )


@pytest.fixture
def https_sim(pki: Pki, sim_options: dict[str, Any]) -> Iterator[SimulatorHandle]:
    with running_simulator(
        **sim_options,
        token="tls-token",
        certfile=str(pki.server_cert),
        keyfile=str(pki.server_key),
    ) as handle:
        yield handle


@pytest.fixture
def mtls_sim(pki: Pki, sim_options: dict[str, Any]) -> Iterator[SimulatorHandle]:
    with running_simulator(
        **sim_options,
        token="",
        certfile=str(pki.server_cert),
        keyfile=str(pki.server_key),
        client_ca=str(pki.client_ca),
    ) as handle:
        yield handle


async def test_https_with_the_clinics_ca_bundle(
    https_sim: SimulatorHandle, pki: Pki, fast_backoff: Backoff
) -> None:
    assert https_sim.url.startswith("https://127.0.0.1:")
    settings = https_sim.settings(ca_bundle=str(pki.ca))
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        person = await client.person(https_sim.cases["adult"][0])
        health = await client.health()
    assert person.iin == https_sim.cases["adult"][0]
    assert health.client == "token"


async def test_ca_bundle_paths_are_taken_from_the_config_folder(
    https_sim: SimulatorHandle, pki: Pki, fast_backoff: Backoff
) -> None:
    settings = https_sim.settings(ca_bundle=pki.ca.name)
    async with RegistryClient(settings, base_dir=pki.ca.parent, backoff=fast_backoff) as client:
        assert (await client.health()).status == "ok"


async def test_an_untrusted_server_certificate_is_refused_without_retries(
    https_sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    # No CA bundle: the system's store, which does not know the test CA.
    async with RegistryClient(https_sim.settings(retries=3), backoff=fast_backoff) as client:
        with pytest.raises(Refused) as caught:
            await client.person(https_sim.cases["adult"][0])
    assert caught.value.key == "registry.refused_tls_untrusted"
    _says(caught.value, "127.0.0.1", "unable to get local issuer certificate")
    assert https_sim.requests() == [], "nothing reached the application layer"


def _says(error: Exception, *parts: str) -> None:
    """Every language's text of ``error`` is whole (no {placeholder} left) and names ``parts``."""
    from regdesk.core.errors import UserError

    assert isinstance(error, UserError)
    for lang in ("kk", "ru", "en"):
        text = error.message(lang)
        assert text != error.key and "{" not in text, text
        for part in parts:
            assert part in text, (lang, part, text)


async def test_a_certificate_for_another_host_is_refused_and_names_the_host(
    https_sim: SimulatorHandle, pki: Pki, fast_backoff: Backoff
) -> None:
    # The test certificate is made out for 127.0.0.1 only; "localhost" reaches the same server.
    url = https_sim.url.replace("127.0.0.1", "localhost")
    settings = https_sim.settings(base_url=url, ca_bundle=str(pki.ca))
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        with pytest.raises(Refused) as caught:
            await client.health()
    assert caught.value.key == "registry.refused_tls_hostname"
    _says(caught.value, "localhost")


async def test_an_expired_server_certificate_is_refused_as_expired(
    pki: Pki, sim_options: dict[str, Any], fast_backoff: Backoff
) -> None:
    with running_simulator(
        **sim_options,
        token="",
        certfile=str(pki.expired_server_cert),
        keyfile=str(pki.expired_server_key),
    ) as sim:
        settings = sim.settings(token="", ca_bundle=str(pki.ca), retries=2)
        async with RegistryClient(settings, backoff=fast_backoff) as client:
            with pytest.raises(Refused) as caught:
                await client.health()
    assert caught.value.key == "registry.refused_tls_expired"
    _says(caught.value, "127.0.0.1", "expired")


async def test_mutual_tls_identifies_the_workstation_by_its_certificate(
    mtls_sim: SimulatorHandle, pki: Pki, fast_backoff: Backoff
) -> None:
    settings = mtls_sim.settings(
        token="",
        ca_bundle=str(pki.ca),
        client_cert=str(pki.client_cert),
        client_key=str(pki.client_key),
    )
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        health = await client.health()
        person = await client.person(mtls_sim.cases["child"][0])
    assert health.client == "certificate:desk-01"
    assert person.representatives
    assert {r.client for r in mtls_sim.requests()} == {"certificate:desk-01"}


@pytest.mark.parametrize(
    ("who", "key"),
    [
        ("nobody", "registry.refused_tls_client_required"),
        ("stranger", "registry.refused_tls_client_rejected"),
        ("expired", "registry.refused_tls_client_expired"),
    ],
)
async def test_mutual_tls_refuses_a_missing_foreign_or_expired_certificate(
    mtls_sim: SimulatorHandle, pki: Pki, fast_backoff: Backoff, who: str, key: str
) -> None:
    extra = {}
    if who == "stranger":
        extra = {"client_cert": str(pki.stranger_cert), "client_key": str(pki.stranger_key)}
    if who == "expired":
        extra = {
            "client_cert": str(pki.expired_client_cert),
            "client_key": str(pki.expired_client_key),
        }
    settings = mtls_sim.settings(token="", ca_bundle=str(pki.ca), retries=2, **extra)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        with pytest.raises(Refused) as caught:
            await client.person(mtls_sim.cases["adult"][0])
    # Which certificate was not accepted (this workstation's) and why, in every language.
    assert caught.value.key == key
    _says(caught.value, "127.0.0.1")
    assert mtls_sim.requests() == []


# --- settings that name unusable files: said before anything is sent -------------------------


def _settings_error(settings: Any, base_dir: Path | None = None) -> NotConfigured:
    with pytest.raises(NotConfigured) as caught:
        RegistryClient(settings, base_dir=base_dir)
    return caught.value


def test_a_missing_ca_bundle_is_named(https_sim: SimulatorHandle, tmp_path: Path) -> None:
    error = _settings_error(https_sim.settings(ca_bundle="nca/registry-ca.pem"), tmp_path)
    assert error.key == "registry.setting_file_missing"
    _says(error, "registry.ca_bundle", str(tmp_path / "nca" / "registry-ca.pem"))


def test_a_ca_bundle_without_certificates_is_named(
    https_sim: SimulatorHandle, tmp_path: Path
) -> None:
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    error = _settings_error(https_sim.settings(ca_bundle=str(junk)))
    assert error.key == "registry.ca_bundle_unusable"
    _says(error, str(junk))


def test_a_client_certificate_without_its_key(https_sim: SimulatorHandle, pki: Pki) -> None:
    error = _settings_error(
        https_sim.settings(ca_bundle=str(pki.ca), client_cert=str(pki.client_cert))
    )
    assert error.key == "registry.client_key_needed"
    _says(error, str(pki.client_cert), "client_key")


def test_a_client_key_of_another_certificate(https_sim: SimulatorHandle, pki: Pki) -> None:
    settings = https_sim.settings(
        ca_bundle=str(pki.ca), client_cert=str(pki.client_cert), client_key=str(pki.stranger_key)
    )
    error = _settings_error(settings)
    assert error.key == "registry.client_key_mismatch"
    _says(error, str(pki.client_cert), str(pki.stranger_key))


def test_a_client_key_behind_a_password_is_said_not_prompted(
    https_sim: SimulatorHandle, pki: Pki, tmp_path: Path
) -> None:
    # OpenSSL would otherwise ask for the password on the terminal, and the desk would hang.
    key = serialization.load_pem_private_key(pki.client_key.read_bytes(), None)
    locked = tmp_path / "locked.key"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    settings = https_sim.settings(
        ca_bundle=str(pki.ca), client_cert=str(pki.client_cert), client_key=str(locked)
    )
    error = _settings_error(settings)
    assert error.key == "registry.client_key_encrypted"
    _says(error, str(locked))


def test_a_missing_client_key_file_is_named(https_sim: SimulatorHandle, pki: Pki) -> None:
    gone = pki.client_key.with_name("gone.key")
    settings = https_sim.settings(
        ca_bundle=str(pki.ca), client_cert=str(pki.client_cert), client_key=str(gone)
    )
    error = _settings_error(settings)
    assert error.key == "registry.setting_file_missing"
    _says(error, "registry.client_key", str(gone))
