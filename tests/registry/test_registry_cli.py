"""`regdesk lookup`, `regdesk registry check` and `regdesk registry-sim` as a user runs them."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from regdesk.cli import main
from regdesk.registry.sim import Fault, Faults, SimulatorHandle


def _config(tmp_path: Path, sim: SimulatorHandle, token: str | None = None) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[registry]\nbase_url = "{sim.url}"\ntoken = "{sim.token if token is None else token}"\n'
        "retries = 1\nread_timeout = 1.0\n",
        encoding="utf-8",
    )
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lookup_prints_the_person_and_the_attachment(
    sim: SimulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(_config(tmp_path, sim))
    iin = sim.cases["attached_here"][0]
    code, out, _ = _run(["--lang", "kk", "--config", cfg, "lookup", iin], capsys)
    assert code == 0
    assert iin in out and "Бекітілуі" in out and sim.clinic_bin in out
    code, out, _ = _run(["--lang", "en", "--config", cfg, "lookup", "--json", iin], capsys)
    data = json.loads(out)
    assert code == 0 and data["person"]["iin"] == iin
    assert data["attachment"]["clinic_bin"] == sim.clinic_bin


def test_lookup_exit_codes(
    sim: SimulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(_config(tmp_path, sim))
    adult = sim.cases["adult"][0]
    base = ["--lang", "ru", "--config", cfg, "lookup"]

    code, _, err = _run([*base, "12345"], capsys)
    assert code == 2 and "Запрос не отправлялся" in err
    assert sim.requests() == []

    code, _, err = _run([*base, sim.cases["no_record"][0]], capsys)
    assert code == 3 and "нет сведений" in err

    sim.set_faults(Faults(fail_rate=1.0))
    code, _, err = _run([*base, adult], capsys)
    assert code == 4 and "Номер запроса" in err
    sim.set_faults(Faults())

    sim.inject(Fault("garbage", garbage="html"))
    code, _, err = _run([*base, adult], capsys)
    assert code == 5 and "запрос" in err

    bad = str(_config(tmp_path, sim, token="wrong"))
    code, _, err = _run(["--lang", "en", "--config", bad, "lookup", adult], capsys)
    assert code == 6 and "credentials" in err


def test_registry_check(
    sim: SimulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["--lang", "en", "--config", str(_config(tmp_path, sim)), "registry",
                         "check"], capsys)  # fmt: skip
    assert code == 0 and sim.url in out and "token" in out
    bad = str(_config(tmp_path, sim, token="nope"))
    code, _, err = _run(["--lang", "en", "--config", bad, "registry", "check"], capsys)
    assert code == 6 and "failed" in err


def test_registry_sim_sample_prints_one_json_line_per_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from regdesk.registry.population import CASES

    code, out, _ = _run(["registry-sim", "--sample", "--seed", "3", "--persons", "200"], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line["case"] for line in lines] == list(CASES)
    assert all(len(line["iins"]) >= 1 for line in lines)


def test_registry_sim_rejects_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["--lang", "en", "registry-sim", "--fail-rate", "2"], capsys)
    assert code == 2 and "fail-rate" in err
    code, _, err = _run(["--lang", "en", "registry-sim", "--latency-ms", "9-1"], capsys)
    assert code == 2 and "latency" in err


def test_registry_sim_serves_until_terminated(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "regdesk", "--lang", "en", "registry-sim", "--port", "0",
         "--persons", "200", "--token", "t0k", "--state", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert found, first
        url_text = found.group(0)
        config = tmp_path / "c.toml"
        config.write_text(f'[registry]\nbase_url = "{url_text}"\ntoken = "t0k"\n')
        buf = io.StringIO()
        from regdesk.cli import Context
        from regdesk.commands.registry import run_check

        ctx = Context(lang="en", config_path=config, out=buf, err=buf)
        assert run_check(None, ctx) == 0, buf.getvalue()  # type: ignore[arg-type]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "stopped" in out


@pytest.mark.parametrize("initialised", [True, False])
def test_a_bad_answer_is_said_in_words_and_its_details_go_to_the_log_file(
    sim: SimulatorHandle, tmp_path: Path, initialised: bool
) -> None:
    # In its own process: pytest's log capture would otherwise stand in for the missing handler
    # through which Python prints warnings on stderr.
    data = tmp_path / "data"
    if initialised:
        data.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[registry]\nbase_url = "{sim.url}"\ntoken = "{sim.token}"\nretries = 0\n'
        f'[storage]\ndata_dir = "{data}"\n',
        encoding="utf-8",
    )
    sim.inject(Fault("garbage", garbage="html"), Fault("garbage", garbage="html"))
    proc = subprocess.run(
        [sys.executable, "-m", "regdesk", "--lang", "ru", "--config", str(config), "lookup",
         sim.cases["adult"][0]],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 5
    assert "Не удалось прочитать ответ регистра" in proc.stderr
    assert "registry bad answer" not in proc.stderr and "Traceback" not in proc.stderr
    log = data / "logs" / "regdesk.log"
    if initialised:
        assert "registry bad answer" in log.read_text(encoding="utf-8")
    else:
        assert not data.exists(), "a look-up before init makes no data folder"


def test_a_missing_ca_bundle_is_said_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[registry]\nbase_url = "https://registry.example.kz/regdesk"\n'
        'ca_bundle = "certs/registry-ca.pem"\n',
        encoding="utf-8",
    )
    code, _, err = _run(["--lang", "kk", "--config", str(config), "lookup", "900101300126"], capsys)
    assert code == 78
    assert "registry.ca_bundle" in err and str(tmp_path / "certs" / "registry-ca.pem") in err
    assert "ештеңе жіберілген жоқ" in err
