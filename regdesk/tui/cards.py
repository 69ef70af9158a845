"""Plain-text cards the screens show: the person, the checks, the key's owner, the journal entry.

They take the translator so the same card reads in kk, ru or en; they never change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.markup import escape

from regdesk.core.clock import ClinicClock

Tr = Callable[..., str]


def _d(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return "—" if value in (None, "") else str(value)


def _full_name(p: Any) -> str:
    return " ".join(x for x in (p.surname, p.first_name, p.patronymic or "") if x)


def _address(a: Any) -> str:
    if a is None:
        return "—"
    parts = [a.region, a.city, a.street, a.house]
    text = ", ".join(x for x in parts if x)
    return f"{text}, {a.flat}" if a.flat else text


def _initials(full_name: str) -> str:
    """``Нұрланова Айгүл Серікқызы`` as ``Нұрланова А. С.``: an event's line stays one line."""
    surname, *given = full_name.split()
    return " ".join([surname, *(f"{g[0]}." for g in given)])


def _named(key: str, fallback: str, tr: Tr) -> str:
    """The catalogue's text for ``key``; ``fallback`` for a code the catalogue does not know."""
    text = tr(key)
    return fallback if text == key else text


def short_path(path: str, width: int) -> str:
    """``path`` in at most ``width`` characters, its middle elided: ``…/keys/receptionist.p12``.

    Whole folder names are dropped from the front until the rest fits, so the file name and
    the folders nearest to it stay readable and a line never breaks inside a name. A file name
    longer than ``width`` on its own is kept whole (after ``…/``) rather than cut.
    """
    if len(path) <= width:
        return path
    parts = path.split("/")
    kept = [parts.pop()]
    while len(parts) > 1 and len("…/" + "/".join([parts[-1], *kept])) <= width:
        kept.insert(0, parts.pop())
    return "…/" + "/".join(kept)


def human_size(size: int) -> str:
    """A file's size as the scan picker and the form show it."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, size // 1024)} KB"


def document_name(kind: str, tr: Tr) -> str:
    """A scan's document kind (``identity``, ``other``…) in the user's words."""
    key = "scans.other_document" if kind == "other" else f"core.document.{kind}"
    return _named(key, kind, tr)


def validity(issued: Any, expires: Any, tr: Tr) -> str:
    """A document's validity: ``24.07.2022–23.07.2032``, or ``from 24.07.2022`` when it has no
    end (a birth certificate)."""
    if expires in (None, ""):
        return tr("card.valid_from", date=_d(issued))
    return f"{_d(issued)}–{_d(expires)}"


def person_card(person: Any, attachment: Any | None, tr: Tr, age: int) -> str:
    """The registry's answer in words: Table 2 step 3 as the receptionist reads it.

    ``age``: the desk's (``Lookup.age``): today's, or at death for a dead person.
    """
    age_key = "card.age_at_death" if person.life_status == "dead" else "card.age"
    lines = [
        f"[b]{escape(_full_name(person))}[/b]   {tr('card.iin')}: {person.iin}",
        f"{tr('card.born')}: {_d(person.birth_date)} ({tr(age_key, age=age)})   "
        f"{tr('card.sex')}: {tr(f'sex.{person.sex}')}",
        f"{tr('card.citizenship')}: {escape(person.citizenship.name)}   "
        f"{tr('card.residency')}: {tr(f'core.citizenship.{person.residency}')}",
        f"{tr('card.address')}: {escape(_address(person.address))}",
    ]
    if person.life_status == "dead":
        lines.append(f"[b red]{tr('card.dead', date=_d(person.death_date))}[/b red]")
    else:
        lines.append(f"{tr('card.status')}: {tr('card.alive')}")
    if person.representatives:
        # A minor's parents (or guardians) as the registry names them: offered on the form.
        named = ", ".join(
            f"{tr(f'registry.relation_{r.relation}')} {r.iin}" for r in person.representatives
        )
        lines.append(f"{tr('registry.label_representatives')}: {escape(named)}")
    if person.document is not None:
        doc = person.document
        kind = _named(f"card.doc_type.{doc.type}", tr("card.document"), tr)
        lines.append(f"{kind}: {escape(doc.number)}, {validity(doc.issued, doc.expires, tr)}")
    if attachment is None:
        lines.append(f"{tr('card.attachment')}: {tr('card.not_attached')}")
    else:
        lines.append(
            f"{tr('card.attachment')}: {escape(attachment.clinic_name)}, "
            f"{tr('card.district', number=attachment.district)}, "
            f"{tr('card.since', date=_d(attachment.since))}"
        )
    return "\n".join(lines)


def findings_text(lookup: Any, tr: Tr) -> str:
    """What the desk found against the rules, and what the receptionist can do next."""
    marks = {"block": "[b red]✗[/b red]", "warn": "[b yellow]![/b yellow]", "info": "•"}
    lines = [tr("checks.title")]
    if not lookup.findings:
        lines.append("  [green]✓[/green] " + tr("checks.none"))
    for f in lookup.findings:
        lines.append(f"  {marks.get(str(f.severity), '•')} {tr(f.key, **dict(f.params))}")
    lines.append("")
    lines.append(tr("checks.next_refuse") if lookup.blocking else tr("checks.next_form"))
    return "\n".join(lines)


def short_person(record: Any, tr: Tr) -> str:
    """One line for the form's head: who the application is for."""
    return (
        f"[b]{escape(record.full_name)}[/b]  {tr('card.iin')}: {record.applicant_iin}  "
        f"{tr('card.born')}: {_d(record.birth_date)}"
    )


def key_owner(info: Any, tr: Tr, clock: ClinicClock) -> str:
    """Whose key it is, as read from the certificate; its validity in the clinic's days."""
    purpose = tr(f"sign.purpose_{info.purpose}")
    since, until = clock.local_date(info.not_before), clock.local_date(info.not_after)
    return "\n".join(
        [
            f"{tr('sign.owner')}: [b]{escape(info.common_name)}[/b]  {tr('card.iin')} {info.iin}",
            f"{tr('sign.purpose')}: {purpose}   {tr('sign.valid')}: {_d(since)}–{_d(until)}",
        ]
    )


def journal_row(r: Any, tr: Tr, clock: ClinicClock, reference: str = "") -> tuple[str, ...]:
    """A line of the journal's table: the reference on its paper (number, or a refusal notice's),
    the clinic's date it was opened, name, IIN, state."""
    created = clock.local(r.created_at).strftime("%d.%m.%y")
    shown = reference or r.number or "—"
    return (shown, created, r.full_name[:16], r.applicant_iin, tr(f"state.{r.state}"))


def detail_text(detail: Any, tr: Tr, lang: str, clock: ClinicClock) -> str:
    """An application from the journal: data, events, scans, signature, prints.

    Times are the clinic's (``clock``), not the UTC they are stored in.
    """
    r = detail.record
    lines = [
        f"[b]{escape(r.full_name)}[/b]  {tr('card.iin')}: {r.applicant_iin}",
        f"{tr('detail.state')}: {tr(f'state.{r.state}')}   "
        f"{tr('detail.channel')}: {tr(f'channel.{r.channel}')}",
        *_contact_lines(r.form or {}, tr),
    ]
    if r.refusal_code:
        from regdesk.core.refusals import reason

        lines.append(f"{tr('detail.refusal')}: {reason(r.refusal_code).text(lang)}")
        if r.refusal_note:
            lines.append(f"  {escape(r.refusal_note)}")
    lines.append("")
    lines.append(f"[b]{tr('detail.events')}[/b]")
    for e in detail.events:
        when = clock.local(e.at).strftime("%d.%m.%Y %H:%M:%S")
        if e.to_state:
            what = "→ " + tr(f"state.{e.to_state}")
            if e.to_state == "annulled" and e.reason_code:
                what += f" ({tr(f'core.annul_reason.{e.reason_code}')})"
        elif e.kind == "survey_recorded":
            what = tr("detail.survey_recorded")
        else:
            what = f"{tr(f'core.step.{e.step}')} — {tr(f'detail.{e.kind}')}"
        who = _initials(detail.actor_names.get(e.actor_iin) or e.actor_iin)
        lines.append(f"  {when}  {what}  {escape(who)}")
    lines.append("")
    lines.append(f"[b]{tr('detail.attachments')}[/b] ({len(detail.attachments)})")
    for a in detail.attachments:
        kind = document_name(a.doc_kind, tr)
        lines.append(f"  {escape(a.original_name)}  {kind}  sha256 {a.sha256[:16]}…")
    lines.append("")
    if detail.signature_ok is None:
        lines.append(tr("detail.no_signature"))
    elif detail.signature_ok:
        lines.append("[green]✓[/green] " + tr("detail.signature_ok", signer=detail.signature_text))
    else:
        lines.append("[red]✗[/red] " + tr("detail.signature_bad", signer=detail.signature_text))
    annulment = detail.annulment
    if annulment is not None:
        when = clock.local(annulment.at).strftime("%d.%m.%Y %H:%M")
        ground = tr(f"core.annul_reason.{annulment.reason_code}")
        who = detail.actor_names.get(annulment.by_iin) or annulment.by_iin
        lines.append("")
        lines.append(f"[b]{tr('detail.annulment')}[/b]  {when}  {escape(who)}")
        lines.append(f"  {ground}")
        if annulment.note:
            lines.append(f"  {escape(annulment.note)}")
        mark = "[green]✓[/green] " if detail.annulment_ok else "[red]✗[/red] "
        key = "detail.annulment_signature_ok" if detail.annulment_ok else "detail.signature_bad"
        lines.append("  " + mark + tr(key, signer=escape(annulment.signer_name)))
    if detail.prints:
        lines.append("")
        lines.append(f"[b]{tr('detail.prints')}[/b]")
        for p in detail.prints:
            dup = " " + tr("detail.duplicate") if p.duplicate else ""
            status = _named(f"detail.print_{p.status}", str(p.status), tr)
            when = clock.local(p.at).strftime("%d.%m.%Y %H:%M")
            lines.append(f"  {when}  {escape(p.printer)}  {status}{dup}")
    return "\n".join(lines)


def _contact_lines(form: Any, tr: Tr) -> list[str]:
    """The phone and the actual address the form gives, a line each ("—" when not given)."""
    phone = str(form.get("phone") or "").strip() or "—"
    address = str(form.get("actual_address") or "").strip() or "—"
    return [
        f"{tr('form.phone')}: {escape(phone)}",
        f"{tr('form.actual_address')}: {escape(address)}",
    ]


def sign_summary(record: Any, attachments: list[Any], tr: Tr) -> str:
    """What the employee is about to sign, in two lines, to review before the key password."""
    form = record.form or {}
    basis = form.get("basis") or "free_choice"
    seen = [d for d in str(form.get("documents_seen", "")).split(",") if d]
    documents = ", ".join(tr(f"core.document.{d}") for d in seen) or "—"
    return "\n".join(
        [
            f"[b]{escape(record.full_name)}[/b]  {tr('card.iin')}: {record.applicant_iin}",
            tr(
                "sign.summary",
                basis=tr(f"core.basis.{basis}"),
                district=form.get("district") or "—",
                scans=len(attachments),
                documents=documents,
            ),
            *_contact_lines(form, tr),
        ]
    )
