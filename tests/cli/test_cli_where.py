"""``regdesk --help`` names the config file it reads, where that choice came from, and the data
folder (issue 14: an admin installing system-wide must see which config every desk uses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regdesk import config as cfg
from regdesk.cli import main


def help_text(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_help_names_the_config_given_with_the_option_and_its_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "etc" / "regdesk.toml"
    config.parent.mkdir()
    config.write_text('[clinic]\nbin = "040340004129"\n[storage]\ndata_dir = "/srv/regdesk"\n')
    monkeypatch.setenv("REGDESK_CONFIG", str(tmp_path / "elsewhere.toml"))
    out = help_text(["--lang", "en", "--config", str(config)], capsys, monkeypatch)
    assert f"Config: {config}\n  (given with --config; read)" in out
    assert "Data folder: /srv/regdesk" in out


def test_help_names_the_config_of_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "regdesk.toml"
    config.write_text('[clinic]\nbin = "040340004129"\n[storage]\ndata_dir = "data"\n')
    monkeypatch.setenv("REGDESK_CONFIG", str(config))
    out = help_text(["--lang", "ru"], capsys, monkeypatch)
    assert f"Конфигурация: {config}\n  (из переменной REGDESK_CONFIG; прочитана)" in out
    assert f"Папка данных: {tmp_path / 'data'}" in out


def test_help_names_the_default_location_and_says_the_file_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGDESK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    default = cfg.default_path()
    assert default == tmp_path / "xdg" / "regdesk" / "config.toml"
    out = help_text(["--lang", "en"], capsys, monkeypatch)
    flat = " ".join(out.split())
    assert f"Config: {default} (the default location {default};" in flat
    assert "REGDESK_CONFIG or --config choose another; no such file" in flat
