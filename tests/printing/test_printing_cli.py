"""`regdesk talon print|verify` against a real journal in tmp_path, signed with a generated CA."""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from staff_cli import PASSWORD, main_with_stdin, signed

from regdesk.cli import main
from regdesk.core.application import Role, State
from regdesk.core.clock import ClinicClock, PinnedClock
from regdesk.printing.qr import parse_payload
from regdesk.signing import testca
from regdesk.signing.keystore import open_key_store
from regdesk.signing.signature import sign
from regdesk.store.db import open_db
from regdesk.store.journal import Journal
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Staff

EMPLOYEE = "880101300123"
APPLICANT = "900101400012"
NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
"""When the application was registered: 10:30 in Almaty."""
PRINTED_AT = NOW + timedelta(hours=1)
"""When the command line prints it: 11:30 in Almaty."""


@dataclass
class Clinic:
    config: Path
    data: Path
    number: str
    app_id: int
    refused_id: int

    def journal(self) -> Journal:
        return Journal(open_db(DataPaths(self.data).database))


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ca_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ca")
    ca = testca.make_ca("Test ҰКО", NOW - timedelta(days=10), NOW + timedelta(days=3650))
    (folder / "ca.pem").write_bytes(testca.pem(ca[1]))
    store = testca.make_employee_key_store(
        ca,
        iin=EMPLOYEE,
        surname="ТЕСТОВА",
        given_name="ӘЛИЯ",
        patronymic="ҚАНАТҚЫЗЫ",
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=300),
        password="Құпия-сөз 1",
        path=folder / "key.p12",
    )
    return folder / "ca.pem", store


@pytest.fixture
def clinic(tmp_path: Path, ca_material: tuple[Path, Path]) -> Clinic:
    ca_pem, key_path = ca_material
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[clinic]
name_kk = "№ 5 қалалық емхана"
name_ru = "Городская поликлиника № 5"
bin = "990340005977"
code = "CLINIC"

[[districts]]
number = 7
doctor = "Сәрсенбаев Ғалым Қайратұлы"
nurse = "Үсенова Ая"

[signing]
trusted_ca = ["{ca_pem}"]

[storage]
data_dir = "{data}"

[printing]
default = "files"

[[printing.printers]]
name = "files"
kind = "folder"
folder = "prints"

[[printing.printers]]
name = "receipt"
kind = "raw"
host = "127.0.0.1"
port = {_closed_port()}
format = "escpos-80"
timeout = 3.0
""",
        encoding="utf-8",
    )
    journal = Journal(open_db(DataPaths(data).database))
    registry = {"person": {"address": {"city": "Алматы", "street": "Жиһангер", "house": "2"}}}
    app_id = journal.drafts.create_draft(
        applicant_iin=APPLICANT,
        actor_iin=EMPLOYEE,
        role=Role.RECEPTIONIST,
        now=NOW,
        registry_data=registry,
        surname="Әбілқасымова",
        first_name="Гүлнұр",
        patronymic="Өмірқызы",
        birth_date=date(1990, 1, 1),
    )
    canonical = f'{{"applicant":"{APPLICANT}","id":{app_id}}}'.encode()
    key_store = open_key_store(key_path, "Құпия-сөз 1")
    signature = {
        "signer_iin": EMPLOYEE,
        "signer_name": "ТЕСТОВА ӘЛИЯ",
        "cert_serial": str(key_store.certificate.serial_number),
        "cert_issuer": "Test ҰКО",
        "signed_at": NOW,
        "content_sha256": hashlib.sha256(canonical).hexdigest(),
        "canonical": canonical,
        "cms": sign(key_store, canonical, signing_time=NOW),
    }
    number = journal.registration.register(
        app_id,
        clinic_code="CLINIC",
        actor_iin=EMPLOYEE,
        role=Role.RECEPTIONIST,
        now=NOW,
        signature=signature,
        district=7,
        effective_date=date(2027, 1, 1),
    )
    journal.registration.transition(
        app_id, State.ISSUED, actor_iin=EMPLOYEE, role=Role.RECEPTIONIST, now=NOW
    )
    refused = journal.drafts.create_draft(
        applicant_iin="850505300011",
        actor_iin=EMPLOYEE,
        role=Role.RECEPTIONIST,
        now=NOW,
        surname="Қасымов",
        first_name="Ерұлан",
    )
    journal.registration.transition(
        refused,
        State.REFUSED,
        actor_iin=EMPLOYEE,
        role=Role.RECEPTIONIST,
        reason_code="no_data",
        note="ЖСН тексерілді",
        now=NOW,
    )
    # The receptionist who prints from the command line signs in as at the desk.
    Staff(journal.db).add(EMPLOYEE, "ТЕСТОВА ӘЛИЯ", "receptionist", PASSWORD, NOW, actor="test")
    journal.db.conn.close()
    return Clinic(config, data, number, app_id, refused)


def run(clinic: Clinic, *args: str) -> int:
    """``regdesk talon …``; ``print`` signed in as the receptionist."""
    clock = PinnedClock(PRINTED_AT, "Asia/Almaty")
    argv = ["--lang", "ru", "--config", str(clinic.config), "talon", *args]
    if args[0] == "print":
        return main_with_stdin(signed(*argv, iin=EMPLOYEE), PASSWORD + "\n", clock=clock)
    return main(argv, clock=clock)


def _pdf_text(path: Path) -> str:
    reader = PdfReader(BytesIO(path.read_bytes()))
    return " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())


def test_print_to_a_file_then_reprint_as_duplicate(
    clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "talon.pdf"
    assert run(clinic, "print", clinic.number, "--out", str(out)) == 0
    assert str(out) in capsys.readouterr().out
    text = _pdf_text(out)
    assert clinic.number in text and "Әбілқасымова Гүлнұр Өмірқызы" in text
    assert "Сәрсенбаев Ғалым Қайратұлы" in text and "01.01.2027" in text
    assert "ТЕСТОВА ӘЛИЯ" in text  # the employee who registered (the signer)
    # Issued at the command line's clinic time (11:30 in Almaty), registered at 10:30 that day.
    assert "25.11.2026 11:30" in text and "06:30" not in text
    assert "ДУБЛИКАТ" not in text

    assert run(clinic, "print", clinic.number) == 0  # the default printer: the folder
    said = capsys.readouterr().out
    dup = clinic.data / "prints" / f"{clinic.number}-talon-dup-1.pdf"
    assert dup.exists() and str(dup) in said and "ДУБЛИКАТ" in said
    assert "ТЕЛНҰСҚА" in _pdf_text(dup)

    prints = clinic.journal().issuance.prints(clinic.app_id)
    assert [(p.printer, p.status, p.duplicate) for p in prints] == [
        ("file", "written", False),
        ("files", "written", True),
    ]
    assert all(p.by_iin == EMPLOYEE for p in prints)  # who signed in, not the OS user
    assert all(p.at == PRINTED_AT for p in prints)  # stored as the moment, in UTC


def test_a_failed_print_is_recorded_and_the_talon_can_be_printed_again(
    clinic: Clinic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(clinic, "print", clinic.number, "--printer", "receipt") == 1
    assert "127.0.0.1" in capsys.readouterr().err
    assert run(clinic, "print", clinic.number, "--format", "text") == 0
    prints = clinic.journal().issuance.prints(clinic.app_id)
    assert [(p.printer, p.format, p.status, p.duplicate) for p in prints] == [
        ("receipt", "escpos-80", "failed", False),
        ("files", "text-80", "written", False),  # the failed attempt gave the applicant nothing
    ]
    assert prints[0].detail and "127.0.0.1" in prints[0].detail
    text = (clinic.data / "prints" / f"{clinic.number}-talon.txt").read_text(encoding="utf-8")
    assert "Әбілқасымова Гүлнұр Өмірқызы" in text


def test_verify_the_printed_pdf_and_its_payload(
    clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "talon.pdf"
    assert run(clinic, "print", clinic.number, "--out", str(out)) == 0
    capsys.readouterr()
    assert run(clinic, "verify", str(out)) == 0
    said = capsys.readouterr().out
    assert f"Документ {clinic.number} соответствует журналу" in said
    assert "ЭЦП заявления действительна" in said and "ТЕСТОВА" in said

    payload = parse_payload(out.read_bytes().decode("latin-1")).text()
    assert run(clinic, "verify", payload) == 0
    capsys.readouterr()

    day = payload.split("/")[4]
    forged = payload.replace(f"/{day}/", "/20200101/")
    assert run(clinic, "verify", forged) == 1
    err = capsys.readouterr().err
    assert "не соответствует журналу" in err and "дата" in err

    other = payload.replace(clinic.number, clinic.number[:-1] + "9")
    assert run(clinic, "verify", other) == 1
    assert "нет документа" in capsys.readouterr().err


def test_verify_notices_a_changed_record_and_a_broken_signature(
    clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "talon.pdf"
    assert run(clinic, "print", clinic.number, "--out", str(out)) == 0
    journal = clinic.journal()
    journal.db.conn.execute("UPDATE applications SET district = 8 WHERE id = ?", (clinic.app_id,))
    capsys.readouterr()
    assert run(clinic, "verify", str(out)) == 1
    assert "данные, не показанные в QR-коде" in capsys.readouterr().err

    journal.db.conn.execute("UPDATE applications SET district = 7 WHERE id = ?", (clinic.app_id,))
    journal.db.conn.execute(
        "UPDATE signatures SET canonical = ? WHERE application_id = ?",
        (b'{"applicant":"000000000000"}', clinic.app_id),
    )
    assert run(clinic, "verify", str(out)) == 1
    said = capsys.readouterr()
    assert "соответствует журналу" in said.out  # the QR still matches...
    assert "ЭЦП заявления не прошла проверку" in said.err  # ...but the signed content changed


def test_refusal_before_registration_prints_and_verifies(
    clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The notice's reference: the clinic, the year of the refusal in the clinic's time, the id.
    year = ClinicClock("Asia/Almaty").local_date(NOW).year
    reference = f"CLINIC-{year}-R{clinic.refused_id:06d}"
    out = tmp_path / "notice.txt"
    assert run(clinic, "print", reference.lower(), "--out", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    assert reference in text and "Қасымов Ерұлан" in text
    assert "no_data" not in text and f"ID{clinic.refused_id}" not in text
    assert "ЖТ" in text or "«Жеке тұлғалар»" in text  # the no_data reason in Kazakh
    assert "Порядок обжалования решения" in text and "ЖСН тексерілді" in text
    capsys.readouterr()
    payload = next(line for line in text.splitlines() if line.startswith("RD1/R/"))
    assert run(clinic, "verify", str(out)) == 0, payload
    assert "ЭЦП" in capsys.readouterr().out  # "the application has no EDS"
    # Another year or clinic, or an id that is no refusal, is no notice of this journal.
    for wrong in (
        f"CLINIC-{year + 1}-R{clinic.refused_id:06d}",
        f"OTHER-{year}-R{clinic.refused_id:06d}",
        f"CLINIC-{year}-R{clinic.app_id:06d}",
    ):
        assert run(clinic, "print", wrong) == 1, wrong
        assert wrong in capsys.readouterr().err


def test_unknown_number_and_unprintable_application(
    clinic: Clinic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(clinic, "print", "CLINIC-2026-999999") == 1
    assert "CLINIC-2026-999999" in capsys.readouterr().err
    journal = clinic.journal()
    draft = journal.drafts.create_draft(
        applicant_iin="010101500019", actor_iin=EMPLOYEE, role=Role.RECEPTIONIST, now=NOW
    )
    assert run(clinic, "print", f"CLINIC-{NOW.year}-R{draft:06d}") == 1
    assert f"CLINIC-{NOW.year}-R{draft:06d}" in capsys.readouterr().err
    assert run(clinic, "print", clinic.number, "--printer", "nowhere") == 1
    assert "nowhere" in capsys.readouterr().err
    assert run(clinic, "verify", "not a payload") == 1
    assert "нет кода проверки" in capsys.readouterr().err


def test_printing_a_registered_talon_makes_it_issued_as_at_the_desk(
    clinic: Clinic, capsys: pytest.CaptureFixture[str]
) -> None:
    # One rule for the desk and the CLI (the desk's issuance use case prints for both).
    journal = clinic.journal()
    app_id = journal.drafts.create_draft(
        applicant_iin="850505300011",
        actor_iin=EMPLOYEE,
        role=Role.RECEPTIONIST,
        now=NOW,
        surname="Қасымов",
        first_name="Ерұлан",
    )
    number = journal.registration.register(
        app_id, clinic_code="CLINIC", actor_iin=EMPLOYEE, role=Role.RECEPTIONIST, now=NOW
    )
    journal.db.conn.close()

    assert run(clinic, "print", number, "--printer", "receipt") == 1  # nothing was printed
    assert clinic.journal().search.get(app_id).state == State.REGISTERED
    assert run(clinic, "print", number, "--format", "text") == 0
    journal = clinic.journal()
    assert journal.search.get(app_id).state == State.ISSUED
    issued = [e for e in journal.events.history(app_id) if e.to_state == State.ISSUED]
    assert len(issued) == 1 and issued[0].actor_iin == EMPLOYEE
    # Reprinting an issued talon, or printing a refusal notice, changes no state.
    assert run(clinic, "print", number, "--format", "text") == 0
    year = ClinicClock("Asia/Almaty").local_date(NOW).year
    reference = f"CLINIC-{year}-R{clinic.refused_id:06d}"
    assert run(clinic, "print", reference, "--format", "text") == 0
    journal = clinic.journal()
    moves = [e.to_state for e in journal.events.history(app_id) if e.to_state]
    assert moves == [State.DRAFT, State.REGISTERED, State.ISSUED]
    assert journal.search.get(clinic.refused_id).state == State.REFUSED
    capsys.readouterr()


def test_an_annulled_talon_no_longer_verifies_and_its_notice_does(
    clinic: Clinic,
    ca_material: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    talon = tmp_path / "talon.pdf"
    assert run(clinic, "print", clinic.number, "--out", str(talon)) == 0
    journal = clinic.journal()
    canonical = f'{{"kind":"regdesk.attachment-annulment","number":"{clinic.number}"}}'.encode()
    key_store = open_key_store(ca_material[1], "Құпия-сөз 1")
    journal.corrections.annul(
        clinic.app_id,
        reason_code="duplicate",
        note="",
        actor_iin=EMPLOYEE,
        role=Role.ADMIN,
        now=NOW,
        signature={
            "signer_iin": EMPLOYEE,
            "signer_name": "ТЕСТОВА ӘЛИЯ",
            "cert_serial": str(key_store.certificate.serial_number),
            "cert_issuer": "Test ҰКО",
            "content_sha256": hashlib.sha256(canonical).hexdigest(),
            "canonical": canonical,
            "cms": sign(key_store, canonical, signing_time=NOW),
        },
    )
    journal.db.conn.close()
    capsys.readouterr()
    assert run(clinic, "verify", str(talon)) == 1
    assert "вид документа" in capsys.readouterr().err

    notice = tmp_path / "notice.pdf"
    assert run(clinic, "print", clinic.number, "--out", str(notice)) == 0
    text = " ".join(_pdf_text(notice).split())
    assert "Уведомление об аннулировании" in text and "ТЕСТОВА ӘЛИЯ" in text
    assert "Заявление того же лица зарегистрировано повторно" in text
    capsys.readouterr()
    assert run(clinic, "verify", str(notice)) == 0
    said = capsys.readouterr().out
    assert f"Документ {clinic.number} соответствует журналу" in said
    assert "действительна" in said
    prints = clinic.journal().issuance.prints(clinic.app_id)
    assert prints[-1].document == "annulment"


def test_print_signs_in_first_and_a_wrong_password_prints_nothing(
    clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "talon.pdf"
    argv = ["--lang", "en", "--config", str(clinic.config), "talon", "print", clinic.number]
    clock = PinnedClock(PRINTED_AT, "Asia/Almaty")
    code = main_with_stdin(
        signed(*argv, "--out", str(out), iin=EMPLOYEE), "not-the-Password-1\n", clock=clock
    )
    assert code == 1 and not out.exists()
    assert clinic.journal().issuance.prints(clinic.app_id) == []
    assert "Signed in" not in capsys.readouterr().err
