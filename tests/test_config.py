"""The config: the example parses, documents every setting, and errors name file, key and value."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from regdesk import config as cfg

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def test_example_parses_into_typed_objects() -> None:
    config = cfg.load(EXAMPLE)
    assert config.clinic.code == "GP1"
    assert config.districts[1].number == 2
    assert config.printing.printers[1].kind == "raw"
    assert config.registry.read_timeout == 10.0
    assert config.languages.default == "kk"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.clinic.code = "X"  # type: ignore[misc]


def _fields(cls: type, prefix: str = "") -> set[str]:
    out = set()
    for f in dataclasses.fields(cls):
        if f.name in ("source", "keymap"):
            continue
        out.add(f.name)
    return out


def test_example_documents_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = set(re.findall(r"^#?\s*([a-z_0-9]+)\s*=", text, flags=re.M))
    sections = (
        cfg.Clinic, cfg.District, cfg.Registry, cfg.Signing, cfg.Printer, cfg.Printing,
        cfg.Storage, cfg.Security, cfg.Rules, cfg.WorkHours, cfg.Languages,
    )  # fmt: skip
    missing = {(s.__name__, name) for s in sections for name in _fields(s) if name not in keys}
    missing -= {("Printing", "printers")}  # an array of tables, shown as [[printing.printers]]
    assert missing == set()


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[clinic]\ncdoe = "X"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "clinic.cdoe"
    assert str(file) in str(info.value)
    assert "unknown setting" in str(info.value)


def test_wrong_type_names_value_and_expectation(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[security]\nlockout_attempts = "five"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "security.lockout_attempts"
    assert "'five'" in str(info.value) and "an integer" in str(info.value)


def test_literal_choices_are_listed(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[[printing.printers]]\nname = "p"\nkind = "usb"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "printing.printers[0].kind"
    assert "'cups'" in str(info.value)


def test_missing_file_and_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(cfg.ConfigError, match="file not found"):
        cfg.load(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[clinic\nname = 1", encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match="not valid TOML"):
        cfg.load(broken)


def test_cross_field_checks(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[printing]\ndefault = "nowhere"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "printing.default"
    file.write_text("[[districts]]\nnumber = 1\n[[districts]]\nnumber = 1\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match="appears twice"):
        cfg.load(file)


def test_env_var_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[storage]\ndata_dir = "data"\n', encoding="utf-8")
    monkeypatch.setenv(cfg.ENV_VAR, str(file))
    config = cfg.load()
    assert config.data_path() == tmp_path / "data"


def test_cli_reports_config_error_in_chosen_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from regdesk.cli import main

    file = tmp_path / "c.toml"
    file.write_text("[clinic]\nbin = 5\n", encoding="utf-8")
    code = main(["--lang", "ru", "--config", str(file), "init"])
    assert code == 78
    err = capsys.readouterr().err
    assert "Ошибка конфигурации" in err and "clinic.bin" in err


def test_example_bin_is_valid() -> None:
    from regdesk.core.ids import is_valid_bin

    assert is_valid_bin(cfg.load(EXAMPLE).clinic.bin)


def test_help_lists_every_subcommand_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from regdesk.cli import COMMAND_MODULES, main

    with pytest.raises(SystemExit) as info:
        main(["--lang", "ru", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert name.replace("_", "-") in out
    assert "использование:" in out and "показать эту справку" in out
