"""``regdesk key inspect``: what it prints and its exit status, with and without a config."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from signing_support import EMPLOYEE_IIN, NCA_PASSWORD, NOW, PASSWORD, KeyStoreFactory

from regdesk.cli import main
from regdesk.signing import testca

AT = ["--at", NOW.isoformat()]


def run(
    args: list[str],
    password: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    # --config is global: it goes before the subcommand.
    head = args[:2] if args[:1] == ["--config"] else []
    rest = args[len(head) :]
    code = main(["--lang", "en", *head, "key", "inspect", *rest, "--password-stdin"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def config(tmp_path: Path, ca: testca.CA) -> Path:
    (tmp_path / "ca.pem").write_bytes(testca.pem(ca[1]))
    path = tmp_path / "config.toml"
    path.write_text('[signing]\ntrusted_ca = ["ca.pem"]\n', encoding="utf-8")
    return path


def test_signing_key_under_the_clinic_policy_can_sign(
    make_store: KeyStoreFactory, ca: testca.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key = make_store(organisation="Емхана", bin="990240000123")
    cfg = config(tmp_path, ca)
    code, out, _ = run(["--config", str(cfg), str(key), *AT], PASSWORD, monkeypatch, capsys)
    assert code == 0, out
    for expected in (f"IIN: {EMPLOYEE_IIN}", "Owner: ТЕСТОВА ӘЛИЯ ҚАНАТҚЫЗЫ", "BIN: 990240000123",
                     "Organisation: Емхана", "Purpose: signing", "This key can sign."):  # fmt: skip
        assert expected in out
    assert PASSWORD not in out
    assert "No configuration found" not in out


def test_without_config_checks_validity_and_purpose_and_says_so(
    make_store: KeyStoreFactory, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, out, _ = run([str(make_store()), *AT], PASSWORD, monkeypatch, capsys)
    assert code == 0
    assert "No configuration found" in out
    assert "WARNING: No trusted CA is configured" in out


def test_authentication_key_and_other_person_cannot_sign(
    make_store: KeyStoreFactory, ca: testca.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key = make_store(purpose="authentication")
    args = ["--config", str(config(tmp_path, ca)), str(key), *AT, "--iin", "900202400456"]
    code, out, _ = run(args, PASSWORD, monkeypatch, capsys)
    assert code == 1
    assert "ERROR: This is an authentication key" in out
    assert "ERROR: The key belongs to another person" in out
    assert "This key cannot sign." in out


def test_expired_key_fails_today_and_passes_at_a_past_moment(
    make_store: KeyStoreFactory, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key = str(make_store(not_before=NOW.replace(year=2019), not_after=NOW.replace(year=2020)))
    code, out, _ = run([key], PASSWORD, monkeypatch, capsys)
    assert code == 1 and "has expired" in out
    code, _, _ = run([key, "--at", "2019-06-01T12:00Z"], PASSWORD, monkeypatch, capsys)
    assert code == 0


def test_wrong_password_and_bad_moment_exit_2(
    make_store: KeyStoreFactory, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key = str(make_store())
    code, out, err = run([key], "nope", monkeypatch, capsys)
    assert code == 2 and "Wrong key password" in err and out == ""
    code, _, err = run([key, "--at", "yesterday"], PASSWORD, monkeypatch, capsys)
    assert code == 2 and "Not a moment in time" in err


def test_nca_gost_key_is_explained(
    nca: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (gost,) = nca.glob("organization/active_GOSTKNCA_*.p12")
    code, _, err = run([str(gost)], NCA_PASSWORD, monkeypatch, capsys)
    assert code == 2
    assert "GOST keys are not supported" in err
