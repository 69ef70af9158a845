"""The scan list's kind column holds every kind in every language, so no word is cut there
(the ru list used to show "не поддерживае")."""

from __future__ import annotations

import pytest

from regdesk.i18n import LANGS, t
from regdesk.tui.screens.scans import KIND_WIDTH, SHORT_TYPES


@pytest.mark.parametrize("lang", LANGS)
def test_every_kind_fits_its_column(lang: str) -> None:
    kinds = [*SHORT_TYPES.values(), t("scans.unsupported", lang), t("scans.damaged", lang)]
    too_long = [k for k in kinds if len(k) > KIND_WIDTH]
    assert too_long == []
