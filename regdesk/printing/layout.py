"""What a document says in one language, before any renderer decides where it goes on paper.

``sheet(doc, "kk")`` and ``sheet(doc, "ru")`` give the two halves of the bilingual paper; the PDF
puts them side by side, the receipt one after the other. Labels come from the ``printing.doc.*``
catalogue entries, so the wording is reviewed with the rest of the translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from regdesk.i18n import t
from regdesk.printing.documents import AnnulmentData, Document, TalonData

PAPER_LANGS: tuple[str, str] = ("kk", "ru")
"""The languages of every printed document, in the order they are printed."""


@dataclass(frozen=True)
class Sheet:
    """One language's text of a document: heading, title, labelled fields and paragraphs."""

    lang: str
    clinic_name: str
    clinic_lines: tuple[str, ...]
    """BIN, address and phone, each a line."""
    title: str
    duplicate_mark: str
    """The duplicate mark in this language, or empty for an original."""
    fields: tuple[tuple[str, str], ...]
    """(label, value) in print order; fields without a value are left out."""
    paragraphs: tuple[tuple[str, str], ...]
    """(heading, text): the refusal's reason and what the applicant may do next."""
    signature_label: str
    stamp_label: str
    qr_caption: str


def format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def format_datetime(value: datetime) -> str:
    return value.strftime("%d.%m.%Y %H:%M")


def sheet(doc: Document, lang: str) -> Sheet:
    """The text of ``doc`` in ``lang`` (``kk`` or ``ru`` on paper; ``en`` for previews)."""

    def tr(key: str) -> str:
        return t(f"printing.doc.{key}", lang)

    clinic = doc.clinic
    name = clinic.name_kk if lang == "kk" else clinic.name_ru
    address = clinic.address_kk if lang == "kk" else clinic.address_ru
    lines = [f"{tr('bin')} {clinic.bin}"]
    if address:
        lines.append(address)
    if clinic.phone:
        lines.append(f"{tr('phone')} {clinic.phone}")

    person = doc.person
    fields: list[tuple[str, str]] = []
    paragraphs: list[tuple[str, str]] = []
    if isinstance(doc, TalonData):
        title = tr("talon_title")
        fields += [
            (tr("number"), doc.number),
            (tr("reg_date"), format_date(doc.date)),
            (tr("effective_date"), format_date(doc.effective_date)),
            (tr("full_name"), person.full_name),
            (tr("iin"), person.iin),
            (tr("birth_date"), format_date(person.birth_date)),
            (tr("address"), person.address),
        ]
        if doc.district is not None:
            fields += [
                (tr("district"), f"№ {doc.district.number}"),
                (tr("doctor"), doc.district.doctor),
                (tr("nurse"), doc.district.nurse),
            ]
        fields.append((tr("note"), doc.note))
    elif isinstance(doc, AnnulmentData):
        title = tr("annulment_title")
        fields += [
            (tr("number"), doc.number),
            (tr("annulment_date"), format_date(doc.date)),
            (tr("full_name"), person.full_name),
            (tr("iin"), person.iin),
        ]
        reason = doc.reason_kk if lang == "kk" else doc.reason_ru
        paragraphs.append((tr("annulment_reason"), reason))
        if doc.note:
            paragraphs.append((tr("note"), doc.note))
        paragraphs.append((tr("annulment_heading"), tr("annulment_text")))
    else:
        title = tr("refusal_title")
        if doc.number:
            fields.append((tr("number"), doc.number))
        else:
            fields.append((tr("refusal_reference"), doc.internal_id))
        # The reason is given in words below; its code is for the journal and the QR only.
        fields += [
            (tr("refusal_date"), format_date(doc.date)),
            (tr("full_name"), person.full_name),
            (tr("iin"), person.iin),
        ]
        reason = doc.reason_kk if lang == "kk" else doc.reason_ru
        paragraphs.append((tr("reason"), reason))
        if doc.note:
            paragraphs.append((tr("note"), doc.note))
        paragraphs.append((tr("appeal_heading"), tr("appeal_text")))
    fields += [
        (tr("employee"), doc.employee),
        (tr("issued_at"), format_datetime(doc.issued_at)),
    ]
    return Sheet(
        lang=lang,
        clinic_name=name,
        clinic_lines=tuple(lines),
        title=title,
        duplicate_mark=tr("duplicate") if doc.duplicate else "",
        fields=tuple((label, value) for label, value in fields if value),
        paragraphs=tuple((h, text) for h, text in paragraphs if text),
        signature_label=tr("signature"),
        stamp_label=tr("stamp"),
        qr_caption=tr("qr_caption"),
    )
