"""Sample documents for the printing tests (``regdesk.printing.samples``) as fixtures."""

from __future__ import annotations

import pytest

from regdesk.printing.documents import RefusalData, TalonData
from regdesk.printing.samples import KAZAKH_LETTERS, make_refusal, make_talon

__all__ = ["KAZAKH_LETTERS", "make_refusal", "make_talon"]


@pytest.fixture
def talon() -> TalonData:
    return make_talon()


@pytest.fixture
def refusal() -> RefusalData:
    return make_refusal()
