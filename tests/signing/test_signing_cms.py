"""Canonical bytes, CMS signing and verification, and OCSP against a loopback responder."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from signing_support import EMPLOYEE_IIN, NOW, PASSWORD, KeyStoreFactory

from regdesk.core.clock import wall_utc
from regdesk.signing import (
    SignatureFormatError,
    SigningPolicy,
    attachment_entry,
    canonical_bytes,
    open_key_store,
    sign,
    testca,
    verify,
)

DAY = timedelta(days=1)
SIGNED_AT = NOW - timedelta(hours=1)


def test_canonical_bytes_are_sorted_compact_utf8() -> None:
    document = {"б": [1, True, None], "a": {"z": "Әлия Қанатқызы", "b": ""}, "A": 0}
    assert canonical_bytes(document) == (
        '{"A":0,"a":{"b":"","z":"Әлия Қанатқызы"},"б":[1,true,null]}'.encode()
    )
    reordered = {"A": 0, "б": (1, True, None), "a": {"b": "", "z": "Әлия Қанатқызы"}}
    assert canonical_bytes(reordered) == canonical_bytes(document)


@pytest.mark.parametrize(
    "bad", [{"x": 1.5}, {"x": [{"y": 0.0}]}, {"x": {1: "a"}}, {"x": datetime(2026, 1, 1)}]
)
def test_canonical_bytes_refuse_what_has_no_stable_form(bad: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        canonical_bytes(bad)


def test_attachment_entry_names_the_file_and_its_sha256() -> None:
    assert attachment_entry("скан.pdf", b"abc") == {
        "name": "скан.pdf",
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    }


@pytest.fixture
def policy(ca: testca.CA) -> SigningPolicy:
    return SigningPolicy(trusted=(ca[1],))


def document() -> bytes:
    return canonical_bytes(
        {
            "number": "CLINIC-2026-000001",
            "iin": "050505600123",
            "attachments": [attachment_entry("id.pdf", b"%PDF-1.7 scan")],
        }
    )


def test_sign_store_reload_verify(
    make_store: KeyStoreFactory, policy: SigningPolicy, tmp_path: Path
) -> None:
    key = open_key_store(make_store(), PASSWORD)
    saved = tmp_path / "application.cms"
    saved.write_bytes(sign(key, document(), signing_time=SIGNED_AT))
    reloaded = saved.read_bytes()
    result = verify(reloaded, document(), policy=policy, employee_iin=EMPLOYEE_IIN)
    assert result.valid, result.problems
    assert result.problems == []
    assert result.signing_time == SIGNED_AT.replace(microsecond=0)
    assert result.signer.iin == EMPLOYEE_IIN
    assert result.content is None  # detached: the document is not inside
    tampered = document().replace(b"000001", b"000002")
    bad = verify(reloaded, tampered, policy=policy, employee_iin=EMPLOYEE_IIN)
    assert not bad.valid
    assert [p.key for p in bad.problems] == ["signing.verify.digest_mismatch"]


def test_altered_signature_value_is_invalid(
    make_store: KeyStoreFactory, policy: SigningPolicy
) -> None:
    signed = sign(open_key_store(make_store(), PASSWORD), document(), signing_time=SIGNED_AT)
    info = asn1_cms.ContentInfo.load(signed)
    signer_info = info["content"]["signer_infos"][0]
    value = bytearray(signer_info["signature"].native)
    value[10] ^= 0x01
    signer_info["signature"] = bytes(value)
    result = verify(info.dump(force=True), document(), policy=policy)
    assert [p.key for p in result.problems] == ["signing.verify.bad_signature"]
    assert not result.valid


def test_signature_is_judged_as_of_its_signing_time(
    make_store: KeyStoreFactory, policy: SigningPolicy
) -> None:
    # Signed while valid, verified years later: still valid; signed after expiry: not.
    key = open_key_store(make_store(not_after=NOW + DAY), PASSWORD)
    assert verify(sign(key, b"x", signing_time=NOW), b"x", policy=policy).valid
    late = verify(sign(key, b"x", signing_time=NOW + 2 * DAY), b"x", policy=policy)
    assert [p.key for p in late.problems] == ["signing.problem.expired"]


def test_authentication_key_and_another_person_fail_verification(
    make_store: KeyStoreFactory, policy: SigningPolicy
) -> None:
    auth = open_key_store(make_store(purpose="authentication"), PASSWORD)
    result = verify(sign(auth, b"x", signing_time=NOW), b"x", policy=policy)
    assert [p.key for p in result.problems] == ["signing.problem.authentication_key"]
    mine = open_key_store(make_store(), PASSWORD)
    other = verify(
        sign(mine, b"x", signing_time=NOW), b"x", policy=policy, employee_iin="900202400456"
    )
    assert [p.key for p in other.problems] == ["signing.problem.other_person"]


def test_without_a_policy_only_a_warning_about_trust(make_store: KeyStoreFactory) -> None:
    key = open_key_store(make_store(), PASSWORD)
    result = verify(sign(key, b"x", signing_time=NOW), b"x")
    assert result.valid
    assert [(p.key, p.blocking) for p in result.problems] == [
        ("signing.problem.no_trusted_ca", False)
    ]


def test_detached_signature_without_content_and_garbage_are_format_errors(
    make_store: KeyStoreFactory,
) -> None:
    signed = sign(open_key_store(make_store(), PASSWORD), b"x", signing_time=NOW)
    with pytest.raises(SignatureFormatError) as caught:
        verify(signed)
    assert caught.value.key == "signing.verify.no_content"
    for garbage in (b"", b"\x30\x00", b"hello world", base64.b64encode(b"\x30\x03abc")):
        with pytest.raises(SignatureFormatError):
            verify(garbage, b"x")


def test_pem_and_base64_forms_are_accepted(
    make_store: KeyStoreFactory, policy: SigningPolicy
) -> None:
    signed = sign(open_key_store(make_store(), PASSWORD), b"x", signing_time=NOW)
    b64 = base64.b64encode(signed)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signed) + b"-----END CMS-----\n"
    for form in (b64, pem):
        assert verify(form, b"x", policy=policy).valid


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_openssl_verifies_our_signature(
    make_store: KeyStoreFactory, ca: testca.CA, tmp_path: Path
) -> None:
    key = open_key_store(make_store(), PASSWORD)
    (tmp_path / "doc").write_bytes(document())
    (tmp_path / "doc.cms").write_bytes(sign(key, document(), signing_time=NOW))
    (tmp_path / "ca.pem").write_bytes(testca.pem(ca[1]))
    run = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "doc.cms",
         "-content", "doc", "-CAfile", "ca.pem", "-purpose", "any",
         "-attime", str(int(NOW.timestamp())), "-out", "/dev/null"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


# --- OCSP -----------------------------------------------------------------------------------


class Responder:
    """A real OCSP responder on loopback, answering as its fields say."""

    def __init__(self, ca: testca.CA) -> None:
        self.ca = ca
        self.status = ocsp.OCSPCertStatus.GOOD
        self.signing_key: rsa.RSAPrivateKey = ca[0]
        self.responder_cert = ca[1]
        self.revoked_at: datetime | None = None

    def answer(self, body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        cert = self.cert_by_serial[request.serial_number]
        # An OCSP answer is judged fresh against the machine's clock when it arrives (it is
        # fetched now, whatever moment the key is checked for): the responder answers "now".
        now = wall_utc()
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert,
            issuer=self.ca[1],
            algorithm=hashes.SHA1(),
            cert_status=self.status,
            this_update=now - timedelta(minutes=1),
            next_update=now + timedelta(hours=1),
            revocation_time=self.revoked_at,
            revocation_reason=x509.ReasonFlags.key_compromise if self.revoked_at else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.responder_cert)
        if self.responder_cert != self.ca[1]:
            builder = builder.certificates([self.responder_cert])
        response = builder.sign(self.signing_key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)

    cert_by_serial: dict[int, x509.Certificate] = {}


@pytest.fixture
def responder(ca: testca.CA) -> Iterator[tuple[Responder, str]]:
    state = Responder(ca)
    state.cert_by_serial = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = state.answer(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/ocsp"
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/ocsp"


def ocsp_problems(
    make_store: KeyStoreFactory, ca: testca.CA, responder: Responder | None, url: str, **kw: Any
) -> list[Any]:
    key = open_key_store(make_store(), PASSWORD)
    if responder is not None:
        responder.cert_by_serial[key.certificate.serial_number] = key.certificate
    policy = SigningPolicy(trusted=(ca[1],), ocsp_url=url, ocsp_timeout=2.0, **kw)
    return policy.check(key, employee_iin=EMPLOYEE_IIN, now=NOW)


def fresh_store(make_store: KeyStoreFactory) -> KeyStoreFactory:
    return lambda **kw: make_store(not_before=NOW - DAY, not_after=NOW + DAY, **kw)


def test_ocsp_good_answer_passes(
    make_store: KeyStoreFactory, ca: testca.CA, responder: tuple[Responder, str]
) -> None:
    state, url = responder
    assert ocsp_problems(fresh_store(make_store), ca, state, url) == []


def test_ocsp_revoked_answer_blocks(
    make_store: KeyStoreFactory, ca: testca.CA, responder: tuple[Responder, str]
) -> None:
    state, url = responder
    state.status = ocsp.OCSPCertStatus.REVOKED
    state.revoked_at = NOW - DAY
    problems = ocsp_problems(fresh_store(make_store), ca, state, url)
    assert [(p.key, p.blocking) for p in problems] == [("signing.problem.ocsp_revoked", True)]
    assert problems[0].params["reason"] == "keyCompromise"


def test_ocsp_answer_signed_by_a_stranger_is_not_trusted(
    make_store: KeyStoreFactory,
    ca: testca.CA,
    responder: tuple[Responder, str],
    rsa_keys: list[rsa.RSAPrivateKey],
) -> None:
    state, url = responder
    stranger = testca.make_ca("OCSP", NOW - DAY, NOW + DAY, key=rsa_keys[5])
    state.signing_key, state.responder_cert = stranger
    problems = ocsp_problems(fresh_store(make_store), ca, state, url, ocsp_unreachable="block")
    assert [(p.key, p.blocking) for p in problems] == [("signing.problem.ocsp_bad_answer", True)]


@pytest.mark.parametrize(("mode", "blocking"), [("warn", False), ("block", True)])
def test_unreachable_ocsp_warns_or_blocks(
    make_store: KeyStoreFactory, ca: testca.CA, mode: str, blocking: bool
) -> None:
    problems = ocsp_problems(
        fresh_store(make_store), ca, None, closed_port_url(), ocsp_unreachable=mode
    )
    assert [(p.key, p.blocking) for p in problems] == [
        ("signing.problem.ocsp_unreachable", blocking)
    ]
