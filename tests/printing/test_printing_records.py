"""The refusal notice built from a journal record: its reference and its reason in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from regdesk.config import Config
from regdesk.core.application import State
from regdesk.core.refusals import reason
from regdesk.printing.documents import RefusalData
from regdesk.printing.records import build_document, reference_of


@dataclass(frozen=True)
class Record:
    """The fields ``printing.records.RecordLike`` reads, as the journal gives them."""

    id: int = 9
    state: State = State.REFUSED
    number: str | None = None
    applicant_iin: str = "900101400012"
    full_name: str = "Қасымов Ерұлан"
    birth_date: date | None = None
    district: int | None = None
    effective_date: date | None = None
    refusal_code: str | None = "no_data"
    refusal_note: str | None = None
    registry_data: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    registered_at: datetime | None = None
    # 00:30 on 1 January 2027 in Almaty (UTC+5): the clinic's year, not the UTC one, counts.
    decided_at: datetime | None = datetime(2026, 12, 31, 19, 30, tzinfo=UTC)


def test_a_refusal_before_registration_is_quoted_by_clinic_year_and_id() -> None:
    config = Config()  # clinic code CLINIC, Asia/Almaty
    doc = build_document(Record(), config, employee="E", issued_at=datetime(2027, 1, 2, tzinfo=UTC))
    assert isinstance(doc, RefusalData)
    assert (
        doc.reference == doc.internal_id == "CLINIC-2027-R000009" == reference_of(Record(), config)
    )
    assert doc.date == date(2027, 1, 1)
    assert (doc.reason_kk, doc.reason_ru) == (reason("no_data").kk, reason("no_data").ru)
    numbered = Record(number="CLINIC-2026-000005")
    assert reference_of(numbered, config) == "CLINIC-2026-000005"
    assert build_document(
        numbered, config, employee="E", issued_at=datetime(2027, 1, 2, tzinfo=UTC)
    ).reference == ("CLINIC-2026-000005")
