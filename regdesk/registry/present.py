"""A person and their attachment as labelled lines in the user's language (CLI, desk, TUI)."""

from __future__ import annotations

from datetime import date

from regdesk.i18n import t
from regdesk.registry.models import Attachment, Person


def person_lines(
    person: Person, attachment: Attachment | None, lang: str, today: date
) -> list[tuple[str, str]]:
    """(label, value) pairs for everything the registry said, in ``lang``."""
    lines = [
        (t("registry.label_iin", lang), person.iin),
        (t("registry.label_name", lang), person.full_name),
        (
            t("registry.label_birth", lang),
            t(
                "registry.age",
                lang,
                date=person.birth_date.isoformat(),
                age=person.age_on(person.death_date or today),
            ),
        ),
        (t("registry.label_sex", lang), t(f"registry.sex_{person.sex}", lang)),
        (
            t("registry.label_citizenship", lang),
            f"{person.citizenship.name} ({person.citizenship.code})",
        ),
    ]
    if person.nationality is not None:
        lines.append((t("registry.label_nationality", lang), person.nationality.name))
    lines.append(
        (t("registry.label_residency", lang), t(f"registry.residency_{person.residency}", lang))
    )
    if person.has_insurance is not None:
        insured = t("registry.yes" if person.has_insurance else "registry.none", lang)
        lines.append((t("registry.label_insurance", lang), insured))
    life = (
        t("registry.life_alive", lang)
        if person.death_date is None
        else t("registry.life_dead", lang, date=person.death_date.isoformat())
    )
    lines.append((t("registry.label_life", lang), life))
    address = person.address
    if address is not None:
        where = ", ".join(p for p in (address.region, address.district, address.text()) if p)
        lines.append((t("registry.label_address", lang), where))
    doc = person.document
    if doc is not None:
        kind = t(f"registry.doc_{doc.type}", lang)
        issued = doc.issued.isoformat()
        if doc.expires is None:
            text = t(
                "registry.document_line_no_expiry",
                lang,
                type=kind,
                number=doc.number,
                issued=issued,
                issuer=doc.issuer,
            )
        else:
            text = t(
                "registry.document_line",
                lang,
                type=kind,
                number=doc.number,
                issued=issued,
                expires=doc.expires.isoformat(),
                issuer=doc.issuer,
            )
        if not doc.valid_on(today):
            text += " " + t("registry.document_expired", lang)
        lines.append((t("registry.label_document", lang), text))
    if person.representatives:
        reps = "; ".join(
            f"{t(f'registry.relation_{r.relation}', lang)} {r.iin}" for r in person.representatives
        )
        lines.append((t("registry.label_representatives", lang), reps))
    if attachment is None:
        attached = t("registry.attachment_none", lang)
    else:
        attached = t(
            "registry.attachment_line",
            lang,
            clinic=attachment.clinic_name,
            bin=attachment.clinic_bin,
            district=attachment.district,
            since=attachment.since.isoformat(),
        )
    lines.append((t("registry.label_attachment", lang), attached))
    return lines


def format_lines(lines: list[tuple[str, str]]) -> str:
    """The pairs as aligned text, one per line."""
    width = max((len(label) for label, _ in lines), default=0)
    return "\n".join(f"{label + ':':<{width + 1}} {value}" for label, value in lines)
