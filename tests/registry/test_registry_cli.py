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
from staff_cli import ADMIN, PASSWORD, init_with_admin, main_with_stdin

from regdesk.cli import main
from regdesk.registry.sim import Fault, Faults, SimulatorHandle
from regdesk.store import audit
from regdesk.store.db import open_db

CLINIC = '[clinic]\nbin = "040340004129"\n[storage]\ndata_dir = "data"\n'


def _config(tmp_path: Path, sim: SimulatorHandle, token: str | None = None) -> Path:
    """A clinic's config with this registry, its data folder initialised with an admin."""
    path = tmp_path / ("config.toml" if token is None else f"config-{token}.toml")
    path.write_text(
        f'[registry]\nbase_url = "{sim.url}"\ntoken = "{sim.token if token is None else token}"\n'
        f"retries = 1\nread_timeout = 1.0\n{CLINIC}",
        encoding="utf-8",
    )
    if not (tmp_path / "data" / "regdesk.sqlite3").exists():
        init_with_admin(path)
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    if "lookup" in args:  # a look-up is a view of a person: the employee signs in
        code = main_with_stdin([*args, "--as", ADMIN, "--password-stdin"], PASSWORD + "\n")
    else:
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
    # Each look-up is the desk's: audited in the signed-in employee's name, as at the desk.
    db = open_db(tmp_path / "data" / "regdesk.sqlite3")
    looked = [r for r in audit.recent(db) if r.action in ("registry_lookup", "person_view")]
    assert [(r.action, r.actor_iin, r.object) for r in reversed(looked)] == [
        ("registry_lookup", ADMIN, f"iin:{iin}"),
        ("person_view", ADMIN, f"iin:{iin}"),
    ] * 2
    db.conn.close()


def test_lookup_signs_in_first_and_nothing_is_sent_or_seen_without_it(
    sim: SimulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(_config(tmp_path, sim))
    iin = sim.cases["adult"][0]
    code = main_with_stdin(
        ["--lang", "en", "--config", cfg, "lookup", iin, "--as", ADMIN, "--password-stdin"],
        "not-the-Password-1\n",
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert iin not in out and "Signed in" not in err
    assert sim.requests() == []  # nothing asked of the registry
    # Without --as, a password on standard input cannot say whose it is.
    code = main_with_stdin(["--lang", "en", "--config", cfg, "lookup", iin, "--password-stdin"])
    assert code == 2 and "--as" in capsys.readouterr().err
    db = open_db(tmp_path / "data" / "regdesk.sqlite3")
    assert audit.recent(db, action="registry_lookup") == []
    assert [r.actor_iin for r in audit.recent(db, action="sign_in_failed")] == [ADMIN]
    db.conn.close()


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
    config = tmp_path / "config.toml"
    config.write_text(
        f'[registry]\nbase_url = "{sim.url}"\ntoken = "{sim.token}"\nretries = 0\n'
        f'[clinic]\nbin = "040340004129"\n[storage]\ndata_dir = "{data}"\n',
        encoding="utf-8",
    )
    if initialised:
        init_with_admin(config)
    sim.inject(Fault("garbage", garbage="html"), Fault("garbage", garbage="html"))
    proc = subprocess.run(
        [sys.executable, "-m", "regdesk", "--lang", "ru", "--config", str(config), "lookup",
         sim.cases["adult"][0], "--as", ADMIN, "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr
    if not initialised:
        # Nobody to sign in before init: said, nothing sent, no data folder made.
        assert proc.returncode == 74 and "regdesk init" in proc.stderr
        assert not data.exists(), "a look-up before init makes no data folder"
        assert sim.requests() == []
        return
    assert proc.returncode == 5
    assert "Не удалось прочитать ответ регистра" in proc.stderr
    assert "registry bad answer" not in proc.stderr
    log = data / "logs" / "regdesk.log"
    assert "registry bad answer" in log.read_text(encoding="utf-8")


def test_a_missing_ca_bundle_is_said_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Initialised while the setting was right; the file it names has gone since.
    config = tmp_path / "config.toml"
    config.write_text(CLINIC, encoding="utf-8")
    init_with_admin(config)
    config.write_text(
        '[registry]\nbase_url = "https://registry.example.kz/regdesk"\n'
        f'ca_bundle = "certs/registry-ca.pem"\n{CLINIC}',
        encoding="utf-8",
    )
    code, _, err = _run(["--lang", "kk", "--config", str(config), "lookup", "900101300126"], capsys)
    assert code == 78
    assert "registry.ca_bundle" in err and str(tmp_path / "certs" / "registry-ca.pem") in err
    assert "ештеңе жіберілген жоқ" in err
