"""The `openssl cms -verify` recipe of docs/signing.md, run exactly as written.

The clinic's trust file holds NCA's issuing CA, which is not self-signed (NCA's root signed it):
the signature here is made the same way, with a key whose CA is an intermediate under a root the
trust file leaves out, and whose certificate expired long before today.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives.asymmetric import rsa
from signing_support import NOW, PASSWORD

from regdesk.signing import canonical_bytes, open_key_store, sign, testca

DOC = Path(__file__).resolve().parents[2] / "docs" / "signing.md"
YEAR = timedelta(days=365)

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not here"),
    pytest.mark.skipif(shutil.which("bash") is None, reason="the recipe is a bash snippet"),
]


def recipe() -> str:
    """The shell block under "Re-checking a signature with OpenSSL"."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Re-checking a signature with OpenSSL", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, "the recipe's sh block is missing from docs/signing.md"
    return found.group(1)


def run_recipe(folder: Path, script: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script or recipe()],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def chain(rsa_keys: list[rsa.RSAPrivateKey]) -> tuple[testca.CA, testca.CA]:
    root = testca.make_ca("Test root", NOW - 10 * YEAR, NOW + 10 * YEAR, key=rsa_keys[4])
    issuing = testca.make_ca(
        "Test ҰКО (RSA)", NOW - 5 * YEAR, NOW + 5 * YEAR, issuer=root, key=rsa_keys[5]
    )
    return root, issuing


@pytest.fixture
def signed(
    chain: tuple[testca.CA, testca.CA], rsa_keys: list[rsa.RSAPrivateKey], tmp_path: Path
) -> Path:
    """A folder laid out as the recipe says: doc, doc.cms, trusted.pem (issuing CA only)."""
    _root, issuing = chain
    key_store = testca.make_employee_key_store(
        issuing,
        iin="880101300123",
        surname="ТЕСТОВА",
        given_name="ӘЛИЯ",
        patronymic="",
        not_before=NOW - timedelta(days=30),
        not_after=NOW + timedelta(days=1),  # long expired by the time anyone re-checks
        password=PASSWORD,
        path=tmp_path / "key.p12",
        key=rsa_keys[1],
    )
    document = canonical_bytes({"number": "CLINIC-2026-000001", "iin": "050505600123"})
    folder = tmp_path / "check"
    folder.mkdir()
    (folder / "doc").write_bytes(document)
    signature = sign(open_key_store(key_store, PASSWORD), document, signing_time=NOW)
    (folder / "doc.cms").write_bytes(signature)
    (folder / "trusted.pem").write_bytes(testca.pem(issuing[1]))
    assert issuing[1].issuer != issuing[1].subject  # not self-signed, like NCA's issuing CA
    return folder


def test_the_documented_recipe_verifies_with_only_the_issuing_ca(signed: Path) -> None:
    run = run_recipe(signed)
    assert run.returncode == 0, run.stderr
    assert "Verification successful" in run.stderr


def test_the_old_recipe_failed_for_want_of_the_root(signed: Path) -> None:
    # What the documentation used to say: OpenSSL wants a self-signed root in the bundle.
    old = "openssl cms -verify -binary -inform DER -in doc.cms -content doc -CAfile trusted.pem"
    run = run_recipe(signed, old + " -out /dev/null")
    assert run.returncode != 0
    assert "unable to get issuer certificate" in run.stderr


def test_the_recipe_refuses_changed_bytes_and_an_untrusted_ca(
    signed: Path, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    document = (signed / "doc").read_bytes()
    (signed / "doc").write_bytes(document.replace(b"000001", b"000002"))
    run = run_recipe(signed)
    assert run.returncode != 0 and "Verification failure" in run.stderr
    (signed / "doc").write_bytes(document)
    other = testca.make_ca("Another CA", NOW - YEAR, NOW + YEAR, key=rsa_keys[3])
    (signed / "trusted.pem").write_bytes(testca.pem(other[1]))
    run = run_recipe(signed)
    assert run.returncode != 0 and "Verification failure" in run.stderr


def test_the_recipe_verifies_kalkans_own_signature_with_ncas_issuing_ca(
    nca: Path, tmp_path: Path
) -> None:
    # NCA's real test material: a CMS made by Kalkan, checked against the issuing CA file alone.
    blob = nca / "personal" / "active_RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.cms"
    data = blob.read_bytes()
    if not data.startswith(b"\x30"):  # the published file is Base64 text
        data = base64.b64decode(data)
    info = asn1_cms.ContentInfo.load(data)
    (tmp_path / "doc.cms").write_bytes(data)
    (tmp_path / "doc").write_bytes(info["content"]["encap_content_info"]["content"].native)
    shutil.copyfile(nca / "ca" / "nca_rsa_test.crt", tmp_path / "trusted.pem")
    run = run_recipe(tmp_path)
    assert run.returncode == 0, run.stderr
