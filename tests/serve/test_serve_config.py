"""``[serve]`` and ``regdesk serve``'s refusals, and the browser printer of a browser desk."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from regdesk import config as cfg
from regdesk.cli import main

BAD_SERVE = [
    # Reachable from other machines without a public address, or without TLS anywhere.
    ('host = "0.0.0.0"', "serve.public_url", "is empty while serve.host '0.0.0.0'"),
    ('host = "10.0.0.5"\npublic_url = "https://desk.clinic.kz/"', "serve.tls_cert",
     "behind_proxy = true"),
    ('host = "0.0.0.0"\npublic_url = "http://desk.clinic.kz/"\nbehind_proxy = true',
     "serve.public_url", "not https://"),
    ('tls_cert = "c.pem"', "serve.tls_key", "together"),
    ('tls_key = "k.pem"', "serve.tls_cert", "together"),
    ('tls_cert = "c.pem"\ntls_key = "k.pem"\nbehind_proxy = true', "serve.behind_proxy",
     "either regdesk serves TLS itself or the proxy does"),
    ('tls_cert = "c.pem"\ntls_key = "k.pem"\npublic_url = "http://127.0.0.1:8000/"',
     "serve.public_url", "must be https://"),
    ('host = "desk host"', "serve.host", "host name or an IP address"),
    ('public_url = "desk.clinic.kz"', "serve.public_url", "http:// or https://"),
    ("port = 0", "serve.port", "from 1 to 65535"),
    ("max_sessions = 0", "serve.max_sessions", "from 1 to 500"),
    ('printer = "lazer"', "serve.printer", "neither 'browser' nor one of ['files']"),
]  # fmt: skip


@pytest.mark.parametrize(("toml", "key", "expected"), BAD_SERVE)
def test_a_bad_serve_setting_is_refused_in_words(
    tmp_path: Path, toml: str, key: str, expected: str
) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f"[serve]\n{toml}\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == key
    assert expected in info.value.problem


@pytest.mark.parametrize(
    "toml",
    [
        "",  # loopback, as it comes
        'host = "::1"',
        'host = "0.0.0.0"\npublic_url = "https://desk.clinic.kz/"\nbehind_proxy = true',
        'host = "0.0.0.0"\npublic_url = "https://desk.clinic.kz/"\n'
        'tls_cert = "c.pem"\ntls_key = "k.pem"',
    ],
)
def test_safe_serve_settings_load(tmp_path: Path, toml: str) -> None:
    config = cfg.parse(f"[serve]\n{toml}\n", tmp_path / "c.toml")
    assert config.serve.max_sessions == 10


def test_the_browser_printer_is_not_a_printer_to_list(tmp_path: Path) -> None:
    for toml, key in (
        ('[[printing.printers]]\nname = "files"\nkind = "browser"', "kind"),
        ('[printing]\ndefault = "browser"\n[[printing.printers]]\nname = "browser"', "name"),
    ):
        with pytest.raises(cfg.ConfigError) as info:
            cfg.parse(toml + "\n", tmp_path / "c.toml")
        assert info.value.key == f"printing.printers[0].{key}"
        assert "browser" in info.value.problem


def test_a_browser_desk_has_the_browser_printer_as_the_workstations_choice(
    tmp_path: Path,
) -> None:
    config = cfg.parse("", tmp_path / "c.toml")
    assert [p.name for p in config.printing.printers] == ["files"]  # at a terminal: none
    browser = config.in_browser()
    assert [(p.name, p.kind) for p in browser.printing.printers] == [
        ("files", "folder"),
        ("browser", "browser"),
    ]
    assert browser.printing.default == "browser"
    # serve.printer may keep browser desks on a printer at the server.
    at_server = cfg.parse('[serve]\nprinter = "files"\n', tmp_path / "c.toml").in_browser()
    assert at_server.printing.default == "files"


def test_the_browser_printer_hands_the_pdf_back(tmp_path: Path) -> None:
    from io import BytesIO

    from regdesk.printing.printers import print_document
    from regdesk.printing.samples import make_talon

    config = cfg.parse("", tmp_path / "c.toml").in_browser()
    browser = next(p for p in config.printing.printers if p.kind == "browser")
    doc = make_talon()
    result = print_document(browser, doc, tmp_path)
    assert result.status == "delivered"
    assert result.file_name == f"{doc.reference}-{doc.kind}.pdf"
    assert result.data is not None and result.data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(result.data)).pages)
    assert doc.reference in text
    assert list(tmp_path.iterdir()) == []  # nothing written at the server


def test_serving_beyond_loopback_without_tls_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f'[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    (tmp_path / "regdesk.sqlite3").write_bytes(b"")  # only its presence is checked first
    code = main(["--lang", "en", "--config", str(file), "serve", "--host", "0.0.0.0"])
    assert code == 78
    err = capsys.readouterr().err
    assert "serve.public_url" in err and "'0.0.0.0'" in err


def test_a_bad_port_or_address_on_the_command_line_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["--port", "70000"], ["--host", "desk host"]):
        with pytest.raises(SystemExit) as stop:
            main(["--lang", "en", "serve", *args])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "65535" in err or "host name" in err
