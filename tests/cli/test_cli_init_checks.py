"""`regdesk init` checks the files, folders and queues the config names, not only its text."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from regdesk import config as cfg
from regdesk.cli import main
from regdesk.commands.checks import Findings, check_named_places
from regdesk.signing import testca

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LONG_AGO, FAR_AHEAD = datetime(2000, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real trust files: a root and an issuing CA with its CRL, and their look-alikes gone wrong."""
    d = tmp_path_factory.mktemp("pki")
    root = testca.make_ca("Test Root", LONG_AGO, FAR_AHEAD)
    issuing = testca.make_ca("Test Issuing CA", LONG_AGO, FAR_AHEAD, issuer=root)
    stranger = testca.make_ca("Somebody Else", LONG_AGO, FAR_AHEAD)
    expired = testca.make_ca("Old Root", LONG_AGO, datetime(2001, 1, 1, tzinfo=UTC))
    (d / "root.pem").write_bytes(testca.pem(root[1]))
    (d / "issuing.der").write_bytes(issuing[1].public_bytes(serialization.Encoding.DER))
    (d / "expired.pem").write_bytes(testca.pem(expired[1]))
    employee_key = testca.new_key()
    employee = testca.make_employee_certificate(
        issuing,
        employee_key.public_key(),
        iin="900101300123",
        surname="ИВАНОВ",
        given_name="ИВАН",
        patronymic="ИВАНОВИЧ",
        not_before=LONG_AGO,
        not_after=FAR_AHEAD,
    )
    (d / "employee.pem").write_bytes(testca.pem(employee))
    (d / "issuing.crl").write_bytes(
        testca.make_crl(issuing, this_update=LONG_AGO, next_update=FAR_AHEAD)
    )
    (d / "stale.crl").write_bytes(
        testca.make_crl(issuing, this_update=LONG_AGO, next_update=datetime(2001, 1, 1, tzinfo=UTC))
    )
    (d / "stranger.crl").write_bytes(
        testca.make_crl(stranger, this_update=LONG_AGO, next_update=FAR_AHEAD)
    )
    (d / "garbage.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n", encoding="utf-8")
    # The registry's TLS client: a certificate, its key, another key, and the key with a password.
    client_key, other_key = testca.new_key(), testca.new_key()
    client = testca.make_ca("Registry Client", LONG_AGO, FAR_AHEAD, issuer=issuing, key=client_key)
    (d / "client.pem").write_bytes(testca.pem(client[1]))
    for name, key, encryption in (
        ("client.key", client_key, serialization.NoEncryption()),
        ("other.key", other_key, serialization.NoEncryption()),
        ("locked.key", client_key, serialization.BestAvailableEncryption(b"secret")),
    ):
        (d / name).write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
        )
    (d / "both.pem").write_bytes((d / "client.pem").read_bytes() + (d / "client.key").read_bytes())
    (d / "scans").mkdir()
    return d


def _config(folder: Path, text: str) -> cfg.Config:
    file = folder / "config.toml"
    file.write_text(text, encoding="utf-8")
    return cfg.load(file)


def _found(pki: Path, text: str) -> Findings:
    if "[storage]" not in text:  # a scan folder that exists, unless the case is about it
        text += '\n[storage]\nscan_dir = "scans"\n'
    return check_named_places(_config(pki, text), NOW)


def _problems(found: Findings) -> list[tuple[str, str]]:
    return [(f.setting, f.key) for f in found.problems]


GOOD = """\
[signing]
trusted_ca = ["root.pem", "issuing.der"]
crl = ["issuing.crl"]
[registry]
ca_bundle = "root.pem"
client_cert = "client.pem"
client_key = "client.key"
[storage]
scan_dir = "scans"
"""


def test_files_that_are_what_the_config_says_pass(pki: Path) -> None:
    found = _found(pki, GOOD)
    assert (found.problems, found.warnings) == ([], [])
    # A certificate and its key in one file need no client_key.
    found = _found(pki, '[registry]\nclient_cert = "both.pem"\n')
    assert found.problems == []


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ('[signing]\ntrusted_ca = ["absent.pem"]',
         [("signing.trusted_ca[0]", "cli.check.absent")]),
        ('[signing]\ntrusted_ca = ["scans"]', [("signing.trusted_ca[0]", "cli.check.not_a_file")]),
        ('[signing]\ntrusted_ca = ["garbage.pem"]',
         [("signing.trusted_ca[0]", "cli.check.not_certificate")]),
        ('[signing]\ntrusted_ca = ["employee.pem"]',
         [("signing.trusted_ca[0]", "cli.check.not_ca")]),
        ('[signing]\ntrusted_ca = ["expired.pem"]',
         [("signing.trusted_ca[0]", "cli.check.ca_expired")]),
        ('[signing]\ntrusted_ca = ["root.pem", "issuing.der"]\ncrl = ["root.pem"]',
         [("signing.crl[0]", "cli.check.not_crl")]),
        ('[signing]\ntrusted_ca = ["root.pem", "issuing.der"]\ncrl = ["stranger.crl"]',
         [("signing.crl[0]", "cli.check.crl_issuer")]),
        ('[portal]\ntrusted_ca = ["absent.pem"]', [("portal.trusted_ca[0]", "cli.check.absent")]),
        ('[signing]\ntrusted_ca = ["root.pem", "issuing.der"]\n[portal]\ncrl = ["stranger.crl"]',
         [("portal.crl[0]", "cli.check.crl_issuer")]),
        ('[registry]\nca_bundle = "garbage.pem"',
         [("registry.ca_bundle", "cli.check.not_ca_bundle")]),
        ('[registry]\nca_bundle = "nowhere/ca.pem"', [("registry.ca_bundle", "cli.check.absent")]),
        ('[registry]\nclient_cert = "client.pem"\nclient_key = "other.key"',
         [("registry.client_key", "cli.check.client_key_mismatch")]),
        ('[registry]\nclient_cert = "client.pem"\nclient_key = "locked.key"',
         [("registry.client_key", "cli.check.client_key_encrypted")]),
        ('[registry]\nclient_cert = "client.pem"',
         [("registry.client_cert", "cli.check.client_key_missing")]),
        ('[registry]\nclient_cert = "client.pem"\nclient_key = "lost.key"',
         [("registry.client_key", "cli.check.absent")]),
        ('[storage]\nscan_dir = "no-scans-here"', [("storage.scan_dir", "cli.check.absent")]),
        ('[storage]\nscan_dir = "root.pem"', [("storage.scan_dir", "cli.check.not_a_folder")]),
    ],
)  # fmt: skip
def test_each_wrong_file_is_named_with_its_setting(
    pki: Path, text: str, problems: list[tuple[str, str]]
) -> None:
    assert _problems(_found(pki, text)) == problems


def test_a_key_folder_not_there_now_is_a_warning(pki: Path) -> None:
    found = _found(pki, '[signing]\nkey_folder = "stick"\n')
    assert found.problems == []
    assert [(f.setting, f.key) for f in found.warnings] == [
        ("signing.key_folder", "cli.check.key_folder_absent")
    ]
    assert _found(pki, '[signing]\nkey_folder = "scans"\n').warnings == []


def test_a_stale_crl_is_a_warning(pki: Path) -> None:
    found = _found(pki, '[signing]\ntrusted_ca = ["root.pem", "issuing.der"]\ncrl = ["stale.crl"]')
    assert found.problems == []
    assert [(f.setting, f.key) for f in found.warnings] == [
        ("signing.crl[0]", "cli.check.crl_stale")
    ]


CUPS_PRINTER = (
    '[printing]\ndefault = "laser"\n[[printing.printers]]\nname = "laser"\nkind = "cups"\n'
)


def test_without_lpstat_a_cups_queue_is_a_warning(
    pki: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no CUPS client here
    found = _found(pki, CUPS_PRINTER + 'queue = "reception"\n')
    assert found.problems == []
    assert [(f.setting, f.key) for f in found.warnings] == [
        ("printing.printers[0].queue", "cli.check.no_lpstat")
    ]


def _cupsd_running() -> bool:
    if shutil.which("lpstat") is None:
        return False
    answer = subprocess.run(
        ["lpstat", "-r"], capture_output=True, text=True, check=False, env={"LC_ALL": "C"}
    )
    return "scheduler is running" in answer.stdout


@pytest.mark.cups
@pytest.mark.skipif(
    not _cupsd_running(), reason="no CUPS scheduler running here (.ci/run starts one)"
)
def test_cups_queues_are_looked_up(pki: Path) -> None:
    missing = _found(pki, CUPS_PRINTER + f'queue = "regdesk-no-queue-{os.getpid()}"\n')
    assert _problems(missing) == [("printing.printers[0].queue", "cli.check.queue_missing")]
    queue = os.environ.get("REGDESK_TEST_CUPS_QUEUE", "")
    if queue:
        assert _found(pki, CUPS_PRINTER + f'queue = "{queue}"\n').problems == []


@pytest.mark.cups
@pytest.mark.skipif(
    not _cupsd_running(), reason="no CUPS scheduler running here (.ci/run starts one)"
)
def test_a_stopped_cups_queue_is_a_problem(pki: Path, cups_queue: str) -> None:
    queue = cups_queue
    subprocess.run(["cupsdisable", "-r", "toner low", queue], check=True)
    found = _found(pki, CUPS_PRINTER + f'queue = "{queue}"\n')
    assert _problems(found) == [("printing.printers[0].queue", "cli.check.queue_stopped")]
    assert found.problems[0].params["reason"] == "toner low"
    subprocess.run(["cupsreject", queue], check=True)
    assert _problems(_found(pki, CUPS_PRINTER + f'queue = "{queue}"\n')) == [
        ("printing.printers[0].queue", "cli.check.queue_stopped"),
        ("printing.printers[0].queue", "cli.check.queue_rejecting"),
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("kk", "Конфигурация қатесі"), ("ru", "Ошибка конфигурации"), ("en", "Configuration error")],
)
def test_init_says_every_problem_and_makes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, words: str
) -> None:
    file = tmp_path / "config.toml"
    file.write_text(
        '[clinic]\nbin = "040340004129"\n'
        '[signing]\ntrusted_ca = ["nca/root.pem"]\ncrl = ["nca/nca.crl"]\n'
        '[storage]\ndata_dir = "data"\nscan_dir = "scans"\n',
        encoding="utf-8",
    )
    code = main(["--lang", lang, "--config", str(file), "init"])
    err = capsys.readouterr().err.splitlines()
    assert code == 78
    assert [line.split(": ")[2] for line in err] == [
        "signing.trusted_ca[0]",
        "signing.crl[0]",
        "storage.scan_dir",
    ]
    assert all(line.startswith(f"{words}: {file}: ") for line in err)
    assert str(tmp_path / "nca" / "root.pem") in err[0]
    assert not (tmp_path / "data").exists()  # nothing made from a config that cannot work here

    (tmp_path / "scans").mkdir()
    (tmp_path / "nca").mkdir()
    root = testca.make_ca("Test Root", LONG_AGO, FAR_AHEAD)
    (tmp_path / "nca" / "root.pem").write_bytes(testca.pem(root[1]))
    (tmp_path / "nca" / "nca.crl").write_bytes(
        testca.make_crl(root, this_update=LONG_AGO, next_update=FAR_AHEAD)
    )
    assert main(["--lang", lang, "--config", str(file), "init"]) == 0
    assert (tmp_path / "data" / "regdesk.sqlite3").is_file()


def test_a_token_in_a_config_others_can_read_is_a_warning(pki: Path) -> None:
    text = '[registry]\ntoken = "secret"\n'
    config = _config(pki, text + '\n[storage]\nscan_dir = "scans"\n')
    source = Path(config.source)
    os.chmod(source, 0o644)
    found = check_named_places(config, NOW)
    assert [(f.setting, f.key) for f in found.warnings] == [
        ("registry.token", "cli.check.token_readable")
    ]
    os.chmod(source, 0o640)
    assert check_named_places(config, NOW).warnings == []
