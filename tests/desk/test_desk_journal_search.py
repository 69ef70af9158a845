"""How the journal reads a typed search text (issue 11, item 9); the searches themselves run
against a real journal in tests/store and end to end in test_desk_flow."""

from __future__ import annotations

import pytest

from regdesk.desk.journal import Query, parse_query


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("", Query()),
        ("   ", Query()),
        # A whole IIN, also from the Kazakh layout's digit row (2=ә, 3=і, 0=қ, 1=").
        ("900101300011", Query(iin="900101300011")),
        (' ұққ"қ"іқққ"" ', Query(iin="900101300011")),
        # 7 to 11 digits: the start of an IIN.
        ("9001013", Query(iin_prefix="9001013")),
        ("90010130001", Query(iin_prefix="90010130001")),
        # Six digits are both the start of an IIN and a number's sequence.
        ("000003", Query(iin_prefix="000003", number_seq=3)),
        ("900101", Query(iin_prefix="900101", number_seq=900101)),
        ('ұққ"қ"', Query(iin_prefix="900101", number_seq=900101)),
        # Fewer digits: the sequence of a number, any year.
        ("3", Query(number_seq=3)),
        ("00042", Query(number_seq=42)),
        # The year and the sequence.
        ("2026-000003", Query(number_year=2026, number_seq=3)),
        ("2026 - 3", Query(number_year=2026, number_seq=3)),
        # The whole number in any case, Cyrillic look-alikes in the code read as Latin.
        ("EMH-2026-000003", Query(number="EMH-2026-000003", number_year=2026, number_seq=3)),
        ("emh-2026-000003", Query(number="EMH-2026-000003", number_year=2026, number_seq=3)),
        ("ЕМН-2026-000003", Query(number="EMH-2026-000003", number_year=2026, number_seq=3)),
        ("емн-2026-3", Query(number="EMH-2026-000003", number_year=2026, number_seq=3)),
        ("DEMO-2026-000012", Query(number="DEMO-2026-000012", number_year=2026, number_seq=12)),
        ("dемо-2026-000012", Query(number="DEMO-2026-000012", number_year=2026, number_seq=12)),
        (
            "MY-CLINIC-2026-000012",
            Query(number="MY-CLINIC-2026-000012", number_year=2026, number_seq=12),
        ),
        # A refusal notice's reference; Cyrillic Р typed for the R too.
        ("DEMO-2026-R000004", Query(refusal="DEMO-2026-R000004")),
        ("demo-2026-r000004", Query(refusal="DEMO-2026-R000004")),
        ("dемо-2026-р000004", Query(refusal="DEMO-2026-R000004")),
        # Anything else is the start of a name, kept as typed (the journal folds it).
        ("Габдуллин", Query(name_prefix="Габдуллин")),
        ("Ғабдуллин ", Query(name_prefix="Ғабдуллин")),
        ("Ким ", Query(name_prefix="Ким")),
        # A few Kazakh letters of the digit row are a name's start, not a number.
        ("Ә", Query(name_prefix="Ә")),
        ("ұқ", Query(name_prefix="ұқ")),
        # More than twelve digits is no IIN and no number.
        ("9001013000111", Query(name_prefix="9001013000111")),
    ],
)
def test_what_a_typed_search_asks_for(typed: str, query: Query) -> None:
    assert parse_query(typed) == query
