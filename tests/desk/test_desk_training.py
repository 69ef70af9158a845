"""Training keys end to end: ``regdesk key training`` run by the demo clinic's admin makes a real
CA, PKCS#12 key stores and a CRL; the printed ``[signing]`` lines pasted into the real config file;
a key refused without ``training = true``; with it, registrations signed (CMS verified) and every
talon marked (PDF text, ESC/POS bytes), the portal's electronic talon too."""

from __future__ import annotations

import base64
import io
import sqlite3
import stat
import sys
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from desk_support import PINNED_AT, assert_explained, draft, signed_in
from pypdf import PdfReader

from regdesk import demo
from regdesk.cli import main
from regdesk.config import load
from regdesk.core.clock import PinnedClock
from regdesk.core.ids import make_iin
from regdesk.i18n import t
from regdesk.printing.escpos import BOLD_ON, DOUBLE_HEIGHT, encode_kz1048
from regdesk.printing.text import mark_lines
from regdesk.signing import verify
from regdesk.signing.errors import Problem
from regdesk.signing.policy import SigningPolicy
from regdesk.signing.training import TRAINING_POLICY, is_training_certificate
from regdesk.store.paths import DataPaths

PAPER_MARK = [t("signing_admin.paper_mark", lang) for lang in ("kk", "ru")]


def run(
    ws: demo.DemoWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    stdin: str,
    config: str | None = None,
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    clock = PinnedClock(PINNED_AT, "Asia/Almaty")
    argv = ["--lang", "en", "--config", config or ws.config.source, *args]
    code = main(argv, clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def make_keys(
    ws: demo.DemoWorkspace,
    admin: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[Path, str]:
    folder = Path(ws.config.source).parent / "training-keys"
    code, out, err = run(
        ws,
        monkeypatch,
        capsys,
        "key",
        "training",
        "--as",
        admin[1],
        "--password-stdin",
        *extra,
        stdin=admin[2] + "\n",
    )
    assert code == 0, err
    return folder, out


def pasted(ws: demo.DemoWorkspace, out: str, *, training: bool = True) -> Path:
    """The config file with the printed ``[signing]`` lines in place of the demo's own."""
    lines = out.splitlines()
    start = lines.index("[signing]")
    block = lines[start : start + 4]
    assert block[-1] == "training = true"
    if not training:
        block = block[:-1]
    source = Path(ws.config.source)
    text = source.read_text(encoding="utf-8")
    text = text.replace('[signing]\ntrusted_ca = ["keys/demo-ca.pem"]', "\n".join(block))
    target = source.with_name("training.toml")
    target.write_text(text, encoding="utf-8")
    return target


def rows(ws: demo.DemoWorkspace, sql: str) -> list[tuple[object, ...]]:
    """Rows read through a connection of their own, as another program would."""
    conn = sqlite3.connect(DataPaths(ws.config.data_path()).database)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def passwords(folder: Path) -> dict[str, str]:
    """IIN -> the last password written for it."""
    found: dict[str, str] = {}
    for line in (folder / "passwords.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            iin, password, *_ = line.split("\t")
            found[iin] = password
    return found


def test_the_command_makes_a_marked_ca_and_a_key_per_active_employee(
    ws: demo.DemoWorkspace,
    admin: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, out = make_keys(ws, admin, monkeypatch, capsys)
    ca = x509.load_pem_x509_certificate((folder / "training-ca.crt").read_bytes())
    assert "TRAINING" in ca.subject.rfc4514_string()
    assert is_training_certificate(ca)
    # Private files: the CA's key and the passwords.
    for name in ("training-ca.key", "passwords.txt"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    crl = x509.load_der_x509_crl((folder / "training-ca.crl").read_bytes())
    assert crl.issuer == ca.subject and crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    secrets = passwords(folder)
    assert set(secrets) == {s[1] for s in ws.staff}  # every active staff account
    for role, iin, _, name in ws.staff:
        store = folder / f"RSA256_TRAINING_{iin}.p12"
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
        key, cert, _ = pkcs12.load_key_and_certificates(store.read_bytes(), secrets[iin].encode())
        assert key is not None and cert is not None
        serial = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
        assert serial == f"IIN{iin}"  # as NCA RK writes it: the desk's IIN check passes
        assert cert.subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == name.split()[0]
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
        assert TRAINING_POLICY in [p.policy_identifier for p in policies]
        cert.verify_directly_issued_by(ca)
        assert f"{iin}  {name}  {store.name}  offered in the EDS dialog" in out, role
    # No password on the terminal: they are in the private file only.
    assert not any(p in out for p in secrets.values())
    # Each account now offers its training key; the admin who made them is in the audit.
    paths = dict(rows(ws, "SELECT iin, key_store_path FROM staff"))
    assert paths == {iin: str(folder / f"RSA256_TRAINING_{iin}.p12") for _, iin, _, _ in ws.staff}
    records = rows(ws, "SELECT action, actor_iin FROM audit_log")
    assert [a for a in records if a[0] == "admin.training_keys"] == [
        ("admin.training_keys", admin[1])
    ]
    assert {a[1] for a in records if a[0] == "staff.key_store"} == {admin[1]}
    # The printed lines are a valid config: the CA and CRL found, training on.
    config = load(pasted(ws, out))
    assert config.signing.training is True
    assert config.resolve(config.signing.trusted_ca[0]) == folder / "training-ca.crt"


def test_named_employees_a_second_run_keeps_the_ca_and_a_bad_iin_is_refused_in_words(
    ws: demo.DemoWorkspace,
    admin: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _ = make_keys(ws, admin, monkeypatch, capsys)
    ca_before = (folder / "training-ca.crt").read_bytes()
    stranger = make_iin(date(1995, 3, 8), "female", 77)
    _, out = make_keys(
        ws, admin, monkeypatch, capsys, "--employee", stranger, "Нұрланова  Дана Серікқызы"
    )
    assert (folder / "training-ca.crt").read_bytes() == ca_before
    assert "The training CA made before was used" in out
    assert f"{stranger}  Нұрланова Дана Серікқызы" in out
    assert "no staff account: add it with regdesk user add" in out
    assert stranger in passwords(folder)

    # A mistyped last digit, and NCA's own test IIN (its digit 7 is no century): refused, said
    # in words, nothing made.
    mistyped = stranger[:11] + str((int(stranger[11]) + 1) % 10)
    for iin, words in (
        (mistyped, t("ids.iin_check_digit", "en")),
        ("123456789011", t("ids.iin_century", "en", digit="7")),
    ):
        code, out, err = run(
            ws,
            monkeypatch,
            capsys,
            "key",
            "training",
            "--as",
            admin[1],
            "--password-stdin",
            "--employee",
            iin,
            "Тестов Тест",
            stdin=admin[2] + "\n",
        )
        assert code == 1
        assert words in err
        assert not (folder / f"RSA256_TRAINING_{iin}.p12").exists()


def test_a_receptionist_cannot_make_training_keys(
    ws: demo.DemoWorkspace,
    receptionist: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(
        ws,
        monkeypatch,
        capsys,
        "key",
        "training",
        "--as",
        receptionist[1],
        "--password-stdin",
        stdin=receptionist[2] + "\n",
    )
    assert code == 1
    assert t("admin.what.training_keys", "en") in err
    assert not (Path(ws.config.source).parent / "training-keys").exists()
    denied = rows(ws, "SELECT actor_iin FROM audit_log WHERE action = 'access_denied'")
    assert denied == [(receptionist[1],)]


async def test_a_training_key_is_refused_unless_the_config_says_training(
    ws: demo.DemoWorkspace,
    admin: tuple[str, ...],
    receptionist: tuple[str, ...],
    clock: PinnedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, out = make_keys(ws, admin, monkeypatch, capsys)
    secret = passwords(folder)[receptionist[1]]
    # The training CA trusted (the lines pasted) but training = true left out.
    config = load(pasted(ws, out, training=False))
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        path = desk.registration.key_store_hint()
        assert path == str(folder / f"RSA256_TRAINING_{receptionist[1]}.p12")
        check = desk.registration.open_key(path, secret)
        assert not check.can_sign
        blocking = [p for p in check.problems if p.blocking]
        assert [p.key for p in blocking] == ["signing.problem.training_key"]
        assert_explained(blocking[0])
        app_id = await draft(desk, ws.samples["unattached"][0])
        with pytest.raises(Problem):
            desk.registration.register(app_id, check)
    # The demo's own config (its CA only): refused as a training key all the same.
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        check = desk.registration.open_key(path, secret)
        assert "signing.problem.training_key" in [p.key for p in check.problems if p.blocking]


async def test_under_training_talons_are_signed_and_marked_on_paper(
    ws: demo.DemoWorkspace,
    admin: tuple[str, ...],
    receptionist: tuple[str, ...],
    clock: PinnedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, out = make_keys(ws, admin, monkeypatch, capsys)
    secret = passwords(folder)[receptionist[1]]
    config = load(pasted(ws, out))
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        check = desk.registration.open_key(desk.registration.key_store_hint(), secret)
        assert check.can_sign, check.problems
        app_id = await draft(desk, ws.samples["unattached"][0])
        number = desk.registration.register(app_id, check)
        assert desk.journal.detail(app_id).signature_ok is True
        signature = desk.context.journal.registration.signature(app_id)
        assert signature is not None
        checked = verify(
            signature.cms, signature.canonical, policy=desk.context.signing_policy(), use_ocsp=False
        )
        assert checked.valid and checked.signer.iin == receptionist[1]
        # The same signature under a real clinic's policy is not valid: a training key's.
        real = SigningPolicy.from_config(ws.config.signing, ws.config.resolve)
        assert not verify(signature.cms, signature.canonical, policy=real, use_ocsp=False).valid

        pdf = tmp_path / "talon.pdf"
        desk.issuance.reprint(app_id, out=pdf, fmt="pdf-a5")
        reader = PdfReader(BytesIO(pdf.read_bytes()))
        text = " ".join((page.extract_text() or "") for page in reader.pages)
        assert number in text
        assert all(mark in text for mark in PAPER_MARK)
        receipt = tmp_path / "talon.bin"
        desk.issuance.reprint(app_id, out=receipt, fmt="escpos-80")
        data = receipt.read_bytes()
        mark = " / ".join(PAPER_MARK)
        words = b"\n".join(encode_kz1048(line) for line in mark_lines(mark, 48)[1:-1])
        assert data.count(BOLD_ON + DOUBLE_HEIGHT + words) == 2
        assert number.encode() in data

    # The same registration reprinted once training is over: still marked (its signature's CA).
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        assert desk.issuance.document(app_id).mark == mark
        assert desk.journal.detail(app_id).signature_ok is False


async def test_under_training_the_portal_talon_is_marked_and_signed(
    ws: demo.DemoWorkspace,
    admin: tuple[str, ...],
    receptionist: tuple[str, ...],
    clock: PinnedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from portal_support import asked, receive, received_by_portal

    folder, out = make_keys(ws, admin, monkeypatch, capsys)
    config = load(pasted(ws, out))
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        check = desk.registration.open_key(
            desk.registration.key_store_hint(), passwords(folder)[receptionist[1]]
        )
        app_id, portal_id = receive(ws, desk)
        facts = await asked(desk, desk.context.record(app_id).applicant_iin)
        number = desk.portal_decision.register(app_id, check, facts=facts)
        await desk.portal_decision.deliver_pending()
        got = received_by_portal(ws, portal_id)
        talon = base64.b64decode(got["talon"])
        cms = base64.b64decode(got["talon_signature"])
        checked = verify(cms, talon, policy=desk.context.signing_policy(), use_ocsp=False)
        assert checked.valid, checked.problems
        text = " ".join(p.extract_text() or "" for p in PdfReader(BytesIO(talon)).pages)
        assert number in text and all(mark in text for mark in PAPER_MARK)
