"""The workstation's name: the way in names it, else the host does."""

from __future__ import annotations

import socket

from regdesk.desk.terminal_name import MAX_LENGTH, workstation_name


def test_the_environment_names_the_workstation() -> None:
    assert workstation_name({"REGDESK_WORKSTATION": "window-3"}) == "window-3"


def test_without_it_the_host_names_it() -> None:
    assert workstation_name({}) == socket.gethostname()
    assert workstation_name({"REGDESK_WORKSTATION": "   "}) == socket.gethostname()


def test_control_characters_are_dropped_and_the_length_capped() -> None:
    assert workstation_name({"REGDESK_WORKSTATION": "win\x1b[31mdow\n"}) == "win[31mdow"
    long = workstation_name({"REGDESK_WORKSTATION": "ә" * 200})
    assert long == "ә" * MAX_LENGTH
