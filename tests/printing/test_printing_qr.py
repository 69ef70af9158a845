"""The QR payload: compact, parsed back, and checked against what the journal holds."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from regdesk.printing.documents import (
    DistrictInfo,
    PersonInfo,
    digest_fields,
    parse_refusal_reference,
    refusal_reference,
)
from regdesk.printing.qr import (
    PayloadError,
    mismatches,
    parse_payload,
    payload_for,
    verify_payload,
)
from regdesk.printing.samples import make_refusal, make_talon


def test_payload_round_trips_and_verifies() -> None:
    doc = make_talon()
    text = payload_for(doc)
    payload = parse_payload(text)
    assert text.startswith("RD1/T/CLINIC-2026-000123/990340005977/20261125/")
    assert payload.text() == text
    assert (payload.kind, payload.reference, payload.date) == ("talon", doc.number, doc.date)
    assert verify_payload(payload, digest_fields(doc))


def test_payload_holds_no_iin_and_stays_in_alphanumeric_mode() -> None:
    doc = make_talon()
    text = payload_for(doc)
    assert doc.person.iin not in text
    assert segno.make(text, error="m", micro=False).mode == "alphanumeric"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "CLINIC-2026-000124"}, "number"),
        ({"date": date(2026, 11, 26)}, "date"),
        ({"person": PersonInfo("Әбілқасымова Гүлнұр Өмірқызы", "900101400013")}, "digest"),
        ({"district": DistrictInfo(number=8)}, "digest"),
        ({"effective_date": date(2026, 12, 1)}, "digest"),
        ({"signature_sha256": "cd" * 32}, "digest"),
    ],
)
def test_a_changed_field_fails_and_is_named(change: dict[str, object], field: str) -> None:
    payload = parse_payload(payload_for(make_talon()))
    journal = digest_fields(make_talon(**change))
    assert not verify_payload(payload, journal)
    assert field in mismatches(payload, journal)


def test_a_forged_date_in_the_payload_fails_even_with_a_matching_record() -> None:
    doc = make_talon()
    forged = payload_for(doc).replace("/20261125/", "/20261126/")
    journal = digest_fields(make_talon(date=date(2026, 11, 26)))
    assert mismatches(parse_payload(forged), journal) == ("digest",)


def test_refusal_payload_and_its_kind() -> None:
    doc = make_refusal()
    payload = parse_payload(payload_for(doc))
    assert payload.kind == "refusal"
    assert verify_payload(payload, digest_fields(doc))
    other_reason = digest_fields(make_refusal(reason_code="deceased"))
    assert mismatches(payload, other_reason) == ("digest",)
    as_talon = dataclasses.replace(digest_fields(doc), kind="talon")
    assert "kind" in mismatches(payload, as_talon)


def test_refusal_before_registration_uses_the_refusal_reference() -> None:
    doc = make_refusal(number=None, internal_id=refusal_reference("CLINIC", 2026, 42))
    payload = parse_payload(payload_for(doc))
    assert payload.reference == "CLINIC-2026-R000042"
    assert verify_payload(payload, digest_fields(doc))


def test_refusal_references_are_read_back() -> None:
    assert refusal_reference("MY-CLINIC", 2027, 1234567) == "MY-CLINIC-2027-R1234567"
    assert parse_refusal_reference("CLINIC-2026-R000042") == ("CLINIC", 2026, 42)
    assert parse_refusal_reference(" clinic-2026-r000042 ") == ("CLINIC", 2026, 42)
    assert parse_refusal_reference("MY-CLINIC-2027-R1234567") == ("MY-CLINIC", 2027, 1234567)
    for other in ("CLINIC-2026-000042", "CLINIC-ID42", "2026-R000042", "CLINIC-2026-R42", ""):
        assert parse_refusal_reference(other) is None, other


def test_payload_is_found_inside_other_text() -> None:
    text = payload_for(make_talon())
    assert parse_payload(f"Код проверки: {text}\n").text() == text


@pytest.mark.parametrize(
    "text",
    ["", "hello", "RD1/T/X/123/20261125/AAAA", "RD1/T/N-1/990340005977/20261341/" + "A" * 26],
)
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(PayloadError):
        parse_payload(text)


@given(
    number=st.from_regex(r"[A-Z]{2,6}-20[0-9]{2}-[0-9]{6}", fullmatch=True),
    iin=st.from_regex(r"[0-9]{12}", fullmatch=True),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_any_talon_round_trips(number: str, iin: str, day: date) -> None:
    doc = make_talon(number=number, date=day, person=PersonInfo("Ақын Абай", iin))
    payload = parse_payload(payload_for(doc))
    assert verify_payload(payload, digest_fields(doc))
    assert iin not in payload.text()


def test_payload_wrapped_over_receipt_lines_is_found() -> None:
    from regdesk.printing.text import render_text

    doc = make_talon()
    assert parse_payload(render_text(doc, 32)).text() == payload_for(doc)
