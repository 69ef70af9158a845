"""Sample documents for the printing tests (``regdesk.printing.samples``) as fixtures.

The tests import the samples' makers from ``regdesk.printing.samples``, never from here: every
test folder has a ``conftest.py``, and a ``from conftest import`` finds whichever folder's was
imported first when several folders run in one call (tests/test_test_layout.py).
"""

from __future__ import annotations

import pytest

from regdesk.printing.documents import RefusalData, TalonData
from regdesk.printing.samples import make_refusal, make_talon


@pytest.fixture
def talon() -> TalonData:
    return make_talon()


@pytest.fixture
def refusal() -> RefusalData:
    return make_refusal()
