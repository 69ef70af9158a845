"""The operational log file: redacted, rotated by several processes at once, shareable, optional."""

from __future__ import annotations

import logging
import multiprocessing
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regdesk import logs
from regdesk.config import Logging


@pytest.fixture(autouse=True)
def _no_log_left() -> Iterator[None]:
    yield
    logs.stop()


def _lines(folder: Path) -> list[str]:
    return [
        line
        for f in sorted(folder.glob(logs.LOG_NAME + "*"))
        if not f.name.endswith(".lock")
        for line in f.read_text(encoding="utf-8").splitlines()
    ]


def test_an_iin_never_reaches_the_file_not_even_in_a_traceback(tmp_path: Path) -> None:
    assert logs.setup(tmp_path, Logging()) is None
    log = logging.getLogger("regdesk.test")
    log.info("GET /v1/persons/880101300123/attachment answered 503")
    try:
        raise ValueError("no person 990202400234")
    except ValueError:
        log.exception("look-up failed")
    # A longer number (a document or a phone in a note) is not an IIN and stays.
    log.info("request 1234567890123456")
    logs.stop()
    text = (tmp_path / logs.LOG_NAME).read_text(encoding="utf-8")
    assert "880101300123" not in text and "990202400234" not in text
    assert "/v1/persons/<IIN>/attachment" in text
    assert "ValueError: no person <IIN>" in text
    assert "1234567890123456" in text


def test_request_urls_of_the_http_library_are_left_out(tmp_path: Path) -> None:
    # httpx logs every request's URL at INFO, and registry URLs carry IINs (DESIGN.md "Data and
    # safety"): its INFO lines are not kept, and what it says at WARNING is redacted.
    assert logs.setup(tmp_path, Logging()) is None
    logging.getLogger("httpx").info("HTTP Request: GET /v1/persons/980103351374 200")
    logging.getLogger("httpx").warning("retrying GET /v1/persons/980103351374")
    logs.stop()
    text = (tmp_path / logs.LOG_NAME).read_text(encoding="utf-8")
    assert "HTTP Request" not in text
    assert "retrying GET /v1/persons/<IIN>" in text


def test_the_file_is_group_writable_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        assert logs.setup(tmp_path, Logging()) is None
    finally:
        os.umask(old)
    logging.getLogger("regdesk.test").warning("one line")
    mode = stat.S_IMODE((tmp_path / logs.LOG_NAME).stat().st_mode)
    assert mode == 0o660


def test_it_rotates_at_the_size_and_keeps_the_count(tmp_path: Path) -> None:
    assert logs.setup(tmp_path, Logging(max_kb=16, files=2)) is None
    log = logging.getLogger("regdesk.test")
    for n in range(1000):
        log.warning("line %04d %s", n, "x" * 40)
    logs.stop()
    files = sorted(p.name for p in tmp_path.glob(logs.LOG_NAME + "*") if p.suffix != ".lock")
    assert files == [logs.LOG_NAME, logs.LOG_NAME + ".1", logs.LOG_NAME + ".2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 16 * 1024
    kept = _lines(tmp_path)
    # The newest lines survive, in one unbroken run ending with the last one.
    numbers = sorted(int(line.split("line ")[1][:4]) for line in kept)
    assert numbers[-1] == 999
    assert numbers == list(range(numbers[0], 1000))


def _writer(folder: str, tag: str, count: int, start: multiprocessing.synchronize.Barrier) -> None:
    logs.setup(Path(folder), Logging(max_kb=16, files=100))
    start.wait()
    log = logging.getLogger("regdesk.test")
    for n in range(count):
        log.warning("%s %04d %s", tag, n, "y" * 30)
    logs.stop()


def test_four_processes_share_one_log_losing_and_doubling_nothing(tmp_path: Path) -> None:
    # Four desks writing past several rotations at once: with enough files kept, every line of
    # every process is found exactly once, and no file grew past the size.
    start = multiprocessing.get_context("fork").Barrier(4)
    procs = [
        multiprocessing.get_context("fork").Process(
            target=_writer, args=(str(tmp_path), f"desk{k}", 400, start)
        )
        for k in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    lines = [line.split(": ", 1)[1][:10] for line in _lines(tmp_path)]
    expected = [f"desk{k} {n:04d}" for k in range(4) for n in range(400)]
    assert sorted(lines) == sorted(expected)
    assert len(list(tmp_path.glob(logs.LOG_NAME + ".*"))) > 2  # it did rotate
    for f in tmp_path.glob(logs.LOG_NAME + "*"):
        assert f.stat().st_size <= 16 * 1024


def test_a_log_that_cannot_be_opened_costs_the_log_not_the_program(tmp_path: Path) -> None:
    # As root the tests cannot be refused a file by its mode, so the log's path is taken by a
    # folder: opening it fails the way another user's 0644 file fails for a receptionist.
    (tmp_path / logs.LOG_NAME).mkdir()
    problem = logs.setup(tmp_path, Logging())
    assert problem is not None and logs.LOG_NAME in problem
    logging.getLogger("regdesk.test").warning("still running")


def test_the_cli_says_so_and_goes_on(tmp_path: Path) -> None:
    # `regdesk lookup` with an unwritable log: the warning in words, no traceback, the look-up
    # goes on (to a registry that is not there: exit 69, the registry is unavailable).
    from staff_cli import ADMIN, PASSWORD, init_with_admin

    data = tmp_path / "data"
    (data / "logs" / logs.LOG_NAME).mkdir(parents=True)
    config = tmp_path / "regdesk.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{data}"\n[registry]\nbase_url = "http://127.0.0.1:9"\n'
        'retries = 0\ndeadline = 2\n[clinic]\nbin = "040340004129"\n',
        encoding="utf-8",
    )
    init_with_admin(config)
    command = [sys.executable, "-m", "regdesk", "--lang", "en", "--config", str(config)]
    done = subprocess.run(
        [*command, "lookup", "880101300123", "--as", ADMIN, "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Cannot write to the operational log" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode not in (0, 1)
