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
        cfg.Storage, cfg.Security, cfg.Rules, cfg.WorkHours, cfg.Portal, cfg.Languages,
        cfg.Logging, cfg.Serve,
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
    file.write_text('[security]\nthrottle_free_attempts = "five"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "security.throttle_free_attempts"
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


# Each line: a setting as an admin might get it wrong, the key named, and words of the expectation.
BAD_SETTINGS = [
    ("[security]\nthrottle_free_attempts = 0", "security.throttle_free_attempts", "from 1 to 20"),
    ("[security]\nthrottle_account_max_seconds = 1", "security.throttle_account_max_seconds",
     "from 5 to 900"),
    ("[security]\nthrottle_terminal_max_seconds = 10", "security.throttle_terminal_max_seconds",
     "from 30 to 86400"),
    ("[security]\nthrottle_forget_minutes = 0", "security.throttle_forget_minutes",
     "from 1 to 1440"),
    # A terminal held less than an IIN would let one terminal keep an employee out of the others.
    ("[security]\nthrottle_account_max_seconds = 600\nthrottle_terminal_max_seconds = 300",
     "security.throttle_terminal_max_seconds", "keep an employee out"),
    # The lock-out's settings are gone: said so, with what replaced them.
    ("[security]\nlockout_attempts = 5", "security.lockout_attempts", "throttled instead"),
    ("[security]\npassword_min_length = 0", "security.password_min_length", "from 8 to 64"),
    ("[security]\npassword_classes = 5", "security.password_classes", "from 1 to 4"),
    ("[security]\nlockout_minutes = 15", "security.lockout_minutes", "remove the line"),
    ("[security]\nidle_lock_minutes = -5", "security.idle_lock_minutes", "0 turns"),
    ("[storage]\nmax_attachment_mb = nan", "storage.max_attachment_mb", "not a finite number"),
    ("[storage]\nmax_attachment_mb = inf", "storage.max_attachment_mb", "not a finite number"),
    ("[storage]\nmax_attachment_mb = 1e308", "storage.max_attachment_mb", "from 0.1 to 100"),
    ("[storage]\nmax_attachment_mb = 0", "storage.max_attachment_mb", "from 0.1 to 100"),
    ("[registry]\nretries = 1000000000", "registry.retries", "from 0 to 10"),
    ("[registry]\nread_timeout = -1", "registry.read_timeout", "from 0.1 to 600"),
    ("[registry]\nconnect_timeout = -inf", "registry.connect_timeout", "not a finite number"),
    ('[registry]\nbase_url = "not a url"', "registry.base_url", "http:// or https://"),
    ('[registry]\nbase_url = "https://h:0/x"', "registry.base_url", "port"),
    ('[registry]\nbase_url = "https://h/x?a=1"', "registry.base_url", "?query"),
    ('[registry]\ntoken = "two words"', "registry.token", "without spaces"),
    ('[registry]\ntoken = "t"\nbase_url = "http://registry.example.kz"', "registry.base_url",
     "plain http://"),
    ('[registry]\ntoken = "t"\nbase_url = "http://10.0.0.5:8650"', "registry.base_url",
     "plain http://"),
    ('[registry]\nclient_key = "k.pem"', "registry.client_key", "registry.client_cert"),
    ("[signing]\nocsp_timeout = 0", "signing.ocsp_timeout", "from 0.1 to 120"),
    ('[signing]\nocsp_url = "ocsp.example.kz"', "signing.ocsp_url", "http://"),
    ('[signing]\ntrusted_ca = [""]', "signing.trusted_ca[0]", "empty"),
    ('[[printing.printers]]\nname = "files"\nkind = "raw"\nhost = "p"\nport = 0',
     "printing.printers[0].port", "from 1 to 65535"),
    ('[[printing.printers]]\nname = "files"\nkind = "raw"\nhost = "p"\nport = 70000',
     "printing.printers[0].port", "from 1 to 65535"),
    ('[[printing.printers]]\nname = "files"\ntimeout = nan', "printing.printers[0].timeout",
     "not a finite number"),
    ('[[printing.printers]]\nname = "files"\ntimeout = 0', "printing.printers[0].timeout",
     "from 0.1 to 600"),
    ('[[printing.printers]]\nname = "files"\nkind = "cups"', "printing.printers[0].queue",
     "needs it"),
    ('[[printing.printers]]\nname = "files"\nkind = "cups"\nqueue = "front desk"',
     "printing.printers[0].queue", "CUPS queue name"),
    ('[[printing.printers]]\nname = "files"\nkind = "raw"', "printing.printers[0].host",
     "needs it"),
    ('[[printing.printers]]\nname = "files"\nkind = "raw"\nhost = "printer one"',
     "printing.printers[0].host", "host name"),
    ('[[printing.printers]]\nname = "files"\noptions = ["media A5"]',
     "printing.printers[0].options[0]", "NAME=VALUE"),
    ('[[printing.printers]]\nname = "files"\n[[printing.printers]]\nname = "files"',
     "printing.printers[1].name", "appears twice"),
    ('[[printing.printers]]\nname = " "', "printing.printers[0].name", "empty"),
    ('[printing]\ndefault = "lazer"', "printing.default", "'files'"),
    ("[portal]\nfetch_seconds = 5", "portal.fetch_seconds", "from 10 to 86400"),
    ('[portal]\nenabled = "yes"', "portal.enabled", "true or false"),
    ('[portal]\ntrusted_ca = [" "]', "portal.trusted_ca[0]", "empty"),
    ('[work_hours]\nstart = "18:00"\nend = "09:00"', "work_hours.end", "later than start"),
    ('[work_hours]\nstart = "25:00"', "work_hours.start", "time of day"),
    ('[work_hours]\nend = "18.00"', "work_hours.end", "HH:MM"),
    ('[rules]\ncampaign_end = "02-31"', "rules.campaign_end", "day of the year"),
    ('[rules]\ncampaign_start = "9-1"', "rules.campaign_start", "MM-DD"),
    ('[rules]\ncampaign_effective = "13-01"', "rules.campaign_effective", "day of the year"),
    ("[rules]\nfree_changes_per_year = -1", "rules.free_changes_per_year", "from 0 to 12"),
    ("[rules]\nmin_days_between_changes = -1", "rules.min_days_between_changes", "from 0 to"),
    ('[rules]\nanytime_bases = ["newbron"]', "rules.anytime_bases[0]", "'newborn'"),
    ("[[districts]]\nnumber = 0", "districts[0].number", "from 1 to 9999"),
    ('[[districts]]\nnumber = 1\naddresses = [" "]', "districts[0].addresses[0]", "empty"),
    ('[clinic]\nbin = "04034000412"', "clinic.bin", "12 digits"),
    ('[clinic]\nname_ru = ""', "clinic.name_ru", "empty"),
    ('[clinic]\nname_kk = "two\\nlines"', "clinic.name_kk", "control character"),
    ('[storage]\ndata_dir = "/var/lib/reg\\u0000desk"', "storage.data_dir", "control character"),
    ('[clinic]\ncode = "GP 1"', "clinic.code", "Latin letters"),
    ('[clinic]\ncode = "ABCDEFGHIJKLMNOPQ"', "clinic.code", "1 to 16"),
    ("[security]\nidle_lokc_minutes = 3", "security.idle_lokc_minutes",
     "did you mean 'idle_lock_minutes'"),
    ('[keymap]\nsing = "f10"', "keymap.sing", "did you mean 'sign'"),
    ('[keymap]\nsign = "f1o"', "keymap.sign", "did you mean 'f1'"),
    ('[keymap]\nsign = "ctl+s"', "keymap.sign", "did you mean 'ctrl'"),
    ('[keymap]\nsign = "f10,"', "keymap.sign", "'comma'"),
]  # fmt: skip


@pytest.mark.parametrize(("toml", "key", "expected"), BAD_SETTINGS)
def test_a_setting_out_of_its_range_or_shape_is_refused_at_load(
    tmp_path: Path, toml: str, key: str, expected: str
) -> None:
    file = tmp_path / "c.toml"
    file.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == key
    assert str(file) in str(info.value)
    assert expected in info.value.problem


def _numeric_settings() -> list[tuple[str, type, object]]:
    """(key without list indexes, type, default) of every int and float setting."""
    out = []

    def walk(cls: type, prefix: str) -> None:
        import typing

        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            args = typing.get_args(tp)
            item = args[0] if typing.get_origin(tp) is tuple else tp
            key = f"{prefix}{f.name}"
            if dataclasses.is_dataclass(item):
                walk(typing.cast(type, item), key + ".")
            elif tp in (int, float) and tp is not bool:
                out.append((key, tp, f.default))

    walk(cfg.Config, "")
    return out


def test_every_number_setting_has_a_range_that_holds_its_default() -> None:
    numbers = _numeric_settings()
    assert {key for key, _, _ in numbers} == set(cfg.RANGES)
    for key, _, default in numbers:
        low, high, _ = cfg.RANGES[key]
        if default is not dataclasses.MISSING:
            assert low <= default <= high, key  # type: ignore[operator]


def test_the_ends_of_each_range_are_accepted(tmp_path: Path) -> None:
    config = cfg.parse(
        "[security]\nthrottle_free_attempts = 1\npassword_min_length = 64\nidle_lock_minutes = 0\n"
        "[storage]\nmax_attachment_mb = 100\n[registry]\nretries = 0\nread_timeout = 0.1\n"
        '[rules]\ncampaign_start = "02-29"\ncampaign_end = "12-31"\n'
        '[work_hours]\nstart = "00:00"\nend = "23:59"\n',
        tmp_path / "c.toml",
    )
    assert config.security.idle_lock_minutes == 0
    assert config.rules.campaign_start == "02-29"


def test_month_day_is_a_day_of_some_year() -> None:
    assert cfg.month_day("02-29") == (2, 29)
    assert cfg.month_day("11-01") == (11, 1)
    for bad in ("02-30", "02-31", "04-31", "00-10", "13-01", "1-01", "01-1", "0101", "aa-bb"):
        with pytest.raises(ValueError):
            cfg.month_day(bad)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_bytes(b"\xef\xbb\xbf" + b'[clinic]\ncode = "GP1"\n')
    assert cfg.load(file).clinic.code == "GP1"


def test_keymap_is_written_as_textual_reads_it(tmp_path: Path) -> None:
    config = cfg.parse(
        '[keymap]\nsign = "F10, ctrl+."\nprint = "f6,ctrl+p"\nback = "-"\n', tmp_path / "c.toml"
    )
    # Textual splits on commas without trimming, and names punctuation keys.
    assert config.keymap == {"sign": "f10,ctrl+full_stop", "print": "f6,ctrl+p", "back": "minus"}


def test_rules_section_is_cores_rule_settings(tmp_path: Path) -> None:
    from regdesk.core.rules import RuleSettings

    file = tmp_path / "c.toml"
    file.write_text(
        '[rules]\npension_age_women = 63\nanytime_bases = ["newborn"]\n', encoding="utf-8"
    )
    rules = cfg.load(file).rules
    assert isinstance(rules, RuleSettings)
    assert rules == RuleSettings(pension_age_women=63, anytime_bases=("newborn",))
    assert cfg.load(EXAMPLE).rules == RuleSettings()  # the example states the defaults
    file.write_text("[rules]\npension_age_men = 30\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "rules.pension_age_men" and "from 40 to 80" in info.value.problem


@pytest.mark.parametrize("name", ["Mars/Olympus", "asia/almaty ", "../../etc/localtime", ""])
def test_an_unknown_time_zone_is_refused_at_load_by_file_key_and_value(
    tmp_path: Path, name: str
) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f'[work_hours]\ntimezone = "{name}"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as info:
        cfg.load(file)
    assert info.value.key == "work_hours.timezone"
    text = str(info.value)
    assert str(file) in text and repr(name) in text
    assert "Asia/Almaty" in text  # what is expected, by example


def test_a_known_time_zone_loads(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[work_hours]\ntimezone = "Asia/Aqtobe"\n', encoding="utf-8")
    assert cfg.load(file).work_hours.timezone == "Asia/Aqtobe"


def test_the_command_line_stops_on_an_unknown_time_zone_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from regdesk.cli import main

    file = tmp_path / "c.toml"
    file.write_text('[work_hours]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    assert main(["--lang", "en", "--config", str(file), "init"]) == 78
    err = capsys.readouterr().err
    assert "work_hours.timezone" in err and "Mars/Olympus" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8650",
        "http://localhost:8650",
        "http://[::1]:8650",
        "https://gw.example.kz",
    ],
)
def test_a_token_may_go_over_http_only_to_this_machine(tmp_path: Path, url: str) -> None:
    # The simulator listens on loopback over plain HTTP; anything else with a token is https.
    file = tmp_path / "c.toml"
    file.write_text(f'[registry]\ntoken = "t"\nbase_url = "{url}"\n', encoding="utf-8")
    assert cfg.load(file).registry.base_url == url


def test_the_token_in_clear_is_said_in_each_language(tmp_path: Path) -> None:
    from regdesk.i18n import t

    file = tmp_path / "c.toml"
    file.write_text('[registry]\ntoken = "t"\nbase_url = "http://gw.kz"\n', encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as caught:
        cfg.load(file)
    assert caught.value.message == "cli.config_token_in_clear"
    for lang in ("kk", "ru", "en"):
        text = t(caught.value.message, lang, **caught.value.params)
        assert "https://" in text and str(file) in text and "http://gw.kz" in text
