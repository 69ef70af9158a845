"""The `[registry]` settings this part adds or checks: the deadline, a base URL without /v1."""

from __future__ import annotations

from pathlib import Path

import pytest

from regdesk import config as cfg

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_the_example_base_url_leaves_v1_to_the_client_and_sets_a_deadline() -> None:
    config = cfg.load(EXAMPLE)
    assert not config.registry.base_url.rstrip("/").endswith("/v1")
    assert config.registry.deadline == 30.0


@pytest.mark.parametrize("value", ["0", "0.5", "601", "nan", "inf", '"30"'])
def test_a_deadline_out_of_range_is_refused_naming_the_setting(tmp_path: Path, value: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f"[registry]\ndeadline = {value}\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "registry.deadline"
    assert str(file) in str(info.value)


@pytest.mark.parametrize("value", ["1", "600", "45.5"])
def test_a_deadline_within_range_is_kept(tmp_path: Path, value: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f"[registry]\ndeadline = {value}\n", encoding="utf-8")
    assert cfg.load(file).registry.deadline == float(value)


@pytest.mark.parametrize(
    ("url", "fixed"),
    [
        ("https://registry.example.kz/regdesk/v1", "https://registry.example.kz/regdesk"),
        ("https://registry.example.kz/v1/", "https://registry.example.kz"),
    ],
)
def test_a_base_url_ending_in_v1_is_refused_with_the_url_to_write(
    tmp_path: Path, url: str, fixed: str
) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f'[registry]\nbase_url = "{url}"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "registry.base_url"
    assert repr(fixed) in info.value.problem


def test_a_base_url_with_v1_elsewhere_in_its_path_is_kept(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[registry]\nbase_url = "https://v1.example.kz/api/v10"\n', encoding="utf-8")
    assert cfg.load(file).registry.base_url == "https://v1.example.kz/api/v10"
