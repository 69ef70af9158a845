"""The hand-built report of ``report_support`` as a fixture."""

from __future__ import annotations

import pytest
from report_support import make_report

from regdesk.desk.reports import Report


@pytest.fixture
def report() -> Report:
    return make_report()
