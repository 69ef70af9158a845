"""Every date a person reads is the clinic's (Asia/Almaty, UTC+5), never UTC or the server's zone.

A registration at 20:29 UTC on 1 December is at 01:29 on 2 December in Almaty; one at 23:59 UTC
on 31 December is at 04:59 on 1 January: the number's year, the talon's dates and times (PDF,
text slip, ESC/POS), the journal's lines and the application's events all say the Almaty day and
hour. The expected texts below are written from that rule, not read from what the code prints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from desk_support import draft
from pypdf import PdfReader
from staff_cli import main_with_stdin, signed

from regdesk import demo
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk
from regdesk.i18n import LANGS, Translator, t
from regdesk.printing.layout import sheet
from regdesk.printing.printers import render
from regdesk.tui.cards import detail_text, journal_row

# (moment in UTC, the number's year, the Almaty date on the talon, the Almaty time, the journal's
# short date, and the UTC date and time that must appear nowhere)
MOMENTS = [
    (
        datetime(2026, 12, 1, 20, 29, tzinfo=UTC),
        2026,
        "02.12.2026",
        "01:29",
        "02.12.26",
        ("01.12.2026", "20:29"),
    ),
    (
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
        2027,
        "01.01.2027",
        "04:59",
        "01.01.27",
        ("31.12.2026", "23:59"),
    ),
]


def _field(lines: list[tuple[str, str]], label_key: str, lang: str) -> str:
    label = t(f"printing.doc.{label_key}", lang)
    values = [value for name, value in lines if name == label]
    assert len(values) == 1, (label, lines)
    return values[0]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


async def _register(ws: demo.DemoWorkspace, desk: Desk, iin: str) -> int:
    app_id = await draft(desk, iin)
    employee = desk.employee
    assert employee is not None
    desk.registration.register(
        app_id, desk.registration.open_key(ws.key_paths[employee.iin], demo.KEY_PASSWORD)
    )
    return app_id


@pytest.mark.parametrize(
    ("moment", "year", "day", "hour", "short_day", "utc_parts"),
    MOMENTS,
    ids=["01-29-on-2-december", "04-59-on-1-january"],
)
async def test_the_number_the_talon_and_the_journal_say_the_clinic_s_day_and_hour(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    moment: datetime,
    year: int,
    day: str,
    hour: str,
    short_day: str,
    utc_parts: tuple[str, str],
) -> None:
    clock.set(moment)
    app_id = await _register(ws, desk, ws.samples["unattached"][0])
    record = desk.form.get(app_id)
    assert record.number == f"DEMO-{year}-000001"
    assert record.number_year == year

    doc = desk.issuance.document(app_id)
    issued = f"{day} {hour}"
    # The talon's fields in each language: registered and effective on the Almaty day, issued at
    # the Almaty hour. kk and ru are printed; en is what a preview in English shows.
    for lang in LANGS:
        fields = list(sheet(doc, lang).fields)
        assert _field(fields, "reg_date", lang) == day
        assert _field(fields, "effective_date", lang) == day  # a first attachment: that day
        assert _field(fields, "issued_at", lang) == issued

    slip = render(doc, "text-80").data.decode("utf-8")
    escpos = render(doc, "escpos-80").data
    printed = desk.issuance.issue(app_id)
    assert printed.path is not None
    pdf = _pdf_text(printed.path.read_bytes())
    for lang in ("kk", "ru"):
        assert f"{t('printing.doc.reg_date', lang)}: {day}" in slip
        assert f"{t('printing.doc.issued_at', lang)}: {issued}" in slip
    assert slip.count(issued) == 2  # the kk half and the ru half
    assert escpos.count(issued.encode("ascii")) == 2
    assert pdf.count(issued) == 2, pdf
    for text in (slip, pdf):
        for utc_part in utc_parts:
            assert utc_part not in text
    for utc_part in utc_parts:
        assert utc_part.encode("ascii") not in escpos

    # The journal's line and the application's events, in every language of the desk.
    detail = desk.journal.detail(app_id)
    for lang in LANGS:
        tr = Translator(lang)
        row = journal_row(desk.form.get(app_id), tr, desk.clock)
        assert row[0] == f"DEMO-{year}-000001" and row[1] == short_day
        text = detail_text(detail, tr, lang, desk.clock)
        registered = f"{day} {hour}:00  → {tr('state.registered')}"
        issued_line = f"{day} {hour}:00  → {tr('state.issued')}"
        assert registered in text and issued_line in text, text
        assert f"{day} {hour}  " in text  # the print's line
        for utc_part in utc_parts:
            assert utc_part not in text


async def test_numbering_turns_over_at_the_clinic_s_midnight(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock
) -> None:
    # 18:59 UTC on 31 December is 23:59 in Almaty; a minute later it is the new year there.
    clock.set(datetime(2026, 12, 31, 18, 59, tzinfo=UTC))
    first = await _register(ws, desk, ws.samples["unattached"][0])
    clock.set(datetime(2026, 12, 31, 19, 0, tzinfo=UTC))
    second = await _register(ws, desk, ws.samples["unattached"][1])
    assert desk.form.get(first).number == "DEMO-2026-000001"
    assert desk.form.get(second).number == "DEMO-2027-000001"


async def test_regdesk_talon_print_says_the_clinic_s_time_too(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 12, 1, 20, 29, tzinfo=UTC))
    app_id = await _register(ws, desk, ws.samples["unattached"][0])
    number = desk.form.get(app_id).number
    assert number is not None
    out = tmp_path / "talon.txt"
    # Reprinted from the command line a quarter of an hour later: 01:44 in Almaty.
    at = PinnedClock(datetime(2026, 12, 1, 20, 44, tzinfo=UTC), "Asia/Almaty")
    config = str(ws.root / "config.toml")
    # Signed in as the demo's receptionist, as the command line asks.
    _, iin, password, _ = next(row for row in ws.staff if row[0] == "receptionist")
    argv = ["--config", config, "talon", "print", number, "--out", str(out)]
    assert main_with_stdin(signed(*argv, iin=iin), password + "\n", clock=at) == 0
    slip = out.read_text(encoding="utf-8")
    for lang in ("kk", "ru"):
        assert f"{t('printing.doc.reg_date', lang)}: 02.12.2026" in slip
        assert f"{t('printing.doc.issued_at', lang)}: 02.12.2026 01:44" in slip
    assert "20:44" not in slip and "01.12.2026" not in slip


def test_the_key_s_validity_is_shown_in_the_clinic_s_days() -> None:
    from types import SimpleNamespace

    from regdesk.tui.cards import key_owner

    # A certificate valid from 20:29 UTC on 1 December (01:29 on 2 December in Almaty) to 23:59
    # UTC on 31 December 2027 (04:59 on 1 January 2028 in Almaty).
    info = SimpleNamespace(
        purpose="signing",
        common_name="ТЕСТОВА ӘЛИЯ",
        iin="880101300123",
        not_before=datetime(2026, 12, 1, 20, 29, tzinfo=UTC),
        not_after=datetime(2027, 12, 31, 23, 59, tzinfo=UTC),
    )
    clock = PinnedClock(datetime(2026, 12, 5, tzinfo=UTC), "Asia/Almaty")
    for lang in LANGS:
        text = key_owner(info, Translator(lang), clock)
        assert "02.12.2026–01.01.2028" in text, text
