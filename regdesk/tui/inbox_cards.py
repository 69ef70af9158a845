"""The portal inbox's texts: a row of the list, the counts, one application as a card.

Overdue and due-within-the-hour are marked by a sign *and* a word or legend, so a monochrome
terminal at 80×24 shows them as plainly as a coloured one (colour only repeats the sign).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.markup import escape
from rich.text import Text

from regdesk.desk import InboxCounts, InboxRow, PortalCase, Urgency
from regdesk.tui.cards import human_size, person_card

Tr = Callable[..., str]

MARKS = {Urgency.OVERDUE: "!!", Urgency.SOON: "!", Urgency.NONE: ""}
"""The sign before the time left: seen without colour; the legend under the list says it."""

STYLES = {Urgency.OVERDUE: "bold red", Urgency.SOON: "bold yellow", Urgency.NONE: ""}

NAME_WIDTH = 24
"""Characters of the person's name in a row: the table stays within 80 columns."""


def left_text(row: InboxRow, tr: Tr) -> str:
    """Work time left as hours and minutes (``7 h 05 min``), past the deadline with a minus
    (``−0 h 00 min`` before work starts the morning after); ``—`` without a deadline."""
    if row.left is None:
        return "—"
    minutes = int(abs(row.left).total_seconds()) // 60
    text = tr("inbox.left", h=minutes // 60, m=f"{minutes % 60:02d}")
    return "−" + text if row.urgency is Urgency.OVERDUE else text


def status_text(row: InboxRow, tr: Tr) -> str:
    """Waiting (or failed the checks), or decided and whether the portal has the result."""
    if row.pending:
        return tr("inbox.status_unverified" if row.verified is False else "inbox.status_waiting")
    decided = tr(f"state.{row.state}")
    if row.delivered_at is None:
        return tr("inbox.status_undelivered", state=decided)
    return tr("inbox.status_delivered", state=decided)


def inbox_row(row: InboxRow, tr: Tr) -> tuple[Text, ...]:
    """A line of the inbox: sign, deadline, time left, person, status."""
    style = STYLES[row.urgency]
    deadline = row.deadline.strftime("%d.%m %H:%M") if row.deadline is not None else "—"
    name = row.name or row.iin
    if len(name) > NAME_WIDTH:
        name = name[: NAME_WIDTH - 1] + "…"
    return (
        Text(MARKS[row.urgency], style=style),
        Text(deadline),
        Text(left_text(row, tr), style=style),
        Text(name),
        Text(status_text(row, tr), style="bold" if row.undelivered else ""),
    )


def counts_text(counts: InboxCounts, tr: Tr) -> str:
    """Waiting, overdue (marked as in the rows), and decided but not yet at the portal."""
    text = tr("inbox.counts", pending=counts.pending, overdue=counts.overdue)
    if counts.undelivered:
        text += "  " + tr("inbox.counts_undelivered", count=counts.undelivered)
    return text


def menu_text(counts: InboxCounts | None, tr: Tr) -> str:
    """The inbox's line in the menu: its name and, once read, its counts."""
    name = tr("menu.inbox")
    if counts is None:
        return name
    if counts.overdue:
        return tr("menu.inbox_overdue", name=name, pending=counts.pending, overdue=counts.overdue)
    return tr("menu.inbox_counts", name=name, pending=counts.pending)


def case_text(case: PortalCase, tr: Tr, lang: str) -> str:
    """One application: deadline, the person now, the form as signed, the signature, the files,
    the rules' findings."""
    row = case.row
    lines = [_deadline_line(row, tr), ""]
    lines += _registry_lines(case, tr, lang)
    lines += ["", f"[b]{tr('inbox.signed_form')}[/b]"]
    lines += [f"  {label}: {escape(value)}" for label, value in signed_fields(case, tr)]
    lines += ["", _signature_line(case, tr)]
    lines += [f"  [b red]✗[/b red] {escape(text)}" for text in case.failure_texts(lang)]
    lines += ["", f"[b]{tr('inbox.files')}[/b] ({len(case.files)})"]
    for f in case.files:
        lines.append(f"  {escape(f.name)}  {human_size(f.size)}  {_preview_text(f, tr, lang)}")
    if not case.files:
        lines.append("  —")
    return "\n".join(lines)


SIGNED_ORDER = (
    "id",
    "submitted_at",
    "service",
    "applicant_iin",
    "subject_iin",
    "relation",
    "basis",
    "district",
    "phone",
    "clinic_bin",
)
"""The fields of a portal payload in the order a person reads them; others follow as sent."""


def signed_fields(case: PortalCase, tr: Tr) -> list[tuple[str, str]]:
    """Each field of the signed payload as (label, value) in the user's words: the values as the
    applicant signed them, only codes (basis, relation) and the time put in words."""
    form = case.signed_form
    keys = [k for k in SIGNED_ORDER if k in form] + [k for k in form if k not in SIGNED_ORDER]
    out = []
    for key in keys:
        value = form[key]
        if value is None or value == "":
            text = "—"
        elif key == "submitted_at" and isinstance(value, str):
            text = _moment(value, case)
        elif key == "relation":
            key_of = "inbox.relation_self" if value == "self" else f"registry.relation_{value}"
            text = tr(key_of)
        elif key in ("basis", "service"):
            prefix = "core.basis." if key == "basis" else "inbox.service_"
            found = tr(f"{prefix}{value}")
            text = str(value) if found == f"{prefix}{value}" else found
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        label = tr(f"inbox.field.{key}")
        out.append((key if label == f"inbox.field.{key}" else label, text))
    return out


def _moment(text: str, case: PortalCase) -> str:
    """An ISO moment from the payload in the clinic's time (the zone of the look-up's time)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(case.looked_up_at.tzinfo)
    return moment.strftime("%d.%m.%Y %H:%M")


def _deadline_line(row: InboxRow, tr: Tr) -> str:
    received = row.received_at.strftime("%d.%m.%Y %H:%M") if row.received_at else "—"
    if row.deadline is None:
        return tr("inbox.received", at=received)
    due = row.deadline.strftime("%d.%m.%Y %H:%M")
    text = tr("inbox.received_due", at=received, due=due)
    if row.pending and row.left is not None:
        minutes = int(abs(row.left).total_seconds()) // 60
        left = tr("inbox.left", h=minutes // 60, m=f"{minutes % 60:02d}")
        said = tr(f"inbox.case_{row.urgency}", left=left)
        style = STYLES[row.urgency]
        text += f"\n[{style}]{escape(said)}[/]" if style else f"\n{escape(said)}"
    elif not row.pending:
        text += "\n" + status_text(row, tr)
    return text


def _registry_lines(case: PortalCase, tr: Tr, lang: str) -> list[str]:
    when = case.looked_up_at.strftime("%H:%M")
    if case.registry_error is not None:
        return [
            f"[b red]✗[/b red] {tr('inbox.registry_failed', time=when)}",
            f"  {escape(case.registry_error.message(lang))}",
        ]
    lines = [f"[b]{tr('inbox.registry_now', time=when)}[/b]"]
    if case.subject is None:
        lines.append("[b red]✗[/b red] " + tr("inbox.no_data", iin=case.record.applicant_iin))
    else:
        age = case.subject.age_on(case.looked_up_at.date())
        lines.append(person_card(case.subject, case.attachment, tr, age))
    if case.applicant_iin != (case.subject.iin if case.subject else case.record.applicant_iin):
        relation = tr(f"registry.relation_{case.relation}")
        who = case.applicant.full_name if case.applicant is not None else case.applicant_iin
        lines.append(
            tr("inbox.applicant", relation=relation, name=escape(who), iin=case.applicant_iin)
        )
        if case.representative_problem is not None:
            lines.append("  [b red]✗[/b red] " + tr(case.representative_problem))
    if case.subject is not None:
        lines += ["", tr("checks.title")]
        if not case.findings:
            lines.append("  [green]✓[/green] " + tr("checks.none"))
        for f in case.findings:
            mark = FINDING_MARKS.get(str(f.severity), "•")
            lines.append(f"  {mark} {tr(f.key, **dict(f.params))}")
    lines += ["", next_step(case, tr, lang)]
    return lines


FINDING_MARKS = {"block": "[b red]✗[/b red]", "warn": "[b yellow]![/b yellow]", "info": "•"}
"""The signs of the rules' findings, as on the applicant's card (``cards.findings_text``)."""


def next_step(case: PortalCase, tr: Tr, lang: str) -> str:
    """What the employee can do with it now: register, only refuse, or ask the registry again;
    for a decided one, where its result stands."""
    if not case.row.pending:
        if case.delivery is not None:
            return escape(case.delivery.message(lang))
        return tr("inbox.next_decided")
    if case.may_register:
        if case.district is None:
            where = tr("inbox.district_none")
        else:
            key = "inbox.district_asked" if case.district_asked else "inbox.district_line"
            where = tr(key, district=case.district)
        return where + "\n" + tr("inbox.next_register")
    if case.registry_error is not None:
        return tr("inbox.next_ask_again")
    if case.registration_problem is not None:
        said = escape(case.registration_problem.message(lang))
        return "[b red]✗[/b red] " + said + "\n" + tr("inbox.next_refuse")
    return tr("inbox.next_refuse")


def sign_summary(case: PortalCase, district: int, tr: Tr, record: object) -> str:
    """What the employee signs, to review above the key password: who, which application,
    basis and district."""
    r = case.record
    basis = tr(f"core.basis.{r.basis or 'free_choice'}")
    return "\n".join(
        [
            f"[b]{escape(r.full_name or r.applicant_iin)}[/b]  {tr('card.iin')}: {r.applicant_iin}",
            tr("inbox.sign_summary", portal_id=case.row.portal_id, basis=basis, district=district),
        ]
    )


def _signature_line(case: PortalCase, tr: Tr) -> str:
    signer = case.check.signer
    who = escape(signer.get("name") or signer.get("iin") or case.applicant_iin)
    if case.check.ok:
        return "[green]✓[/green] " + tr("inbox.signature_ok", signer=who)
    return "[b red]✗[/b red] " + tr("inbox.signature_bad", signer=who)


def _preview_text(f: Any, tr: Tr, lang: str) -> str:
    preview = f.preview
    if preview is None:
        return "[b red]✗[/b red] " + escape(f.problem.message(lang) if f.problem else "")
    if not preview.readable:
        return f"{preview.kind}  [b red]✗[/b red] {tr('inbox.file_unreadable')}"
    size = f"{preview.width}×{preview.height} {tr(f'inbox.unit_{preview.unit}')}"
    return f"{preview.kind}  {tr('inbox.pages', count=preview.pages)}  {size}"


__all__ = [
    "MARKS",
    "case_text",
    "counts_text",
    "inbox_row",
    "left_text",
    "menu_text",
    "next_step",
    "sign_summary",
    "status_text",
]
