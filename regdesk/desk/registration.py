"""Table 2 steps 5-6: the employee's key, the EDS signature, the number, the outbox.

The signature covers the application and the SHA-256 of every scan (``document_for_signing``).
Registration checks the documents and the rules once more, signs, gives the next
number and queues the attachment for the register in one transaction: a registry that is down
never loses a registration, and a retry never doubles it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from regdesk.core.json_types import JsonValue
from regdesk.core.person import RegistryFacts
from regdesk.core.rules import effective_date
from regdesk.desk import outbox_rounds
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import RulesBlock, refused_write, saving
from regdesk.desk.form import ApplicationForm
from regdesk.desk.same_person import registered_meanwhile
from regdesk.store.db import transaction
from regdesk.store.journal import (
    AlreadyRegisteredError,
    ApplicationRecord,
    OutboxItem,
    RegisteredByColleagueError,
    fresh_key,
)

if TYPE_CHECKING:  # cryptography is loaded when a key is opened, not at start-up
    from regdesk.signing.certinfo import CertInfo
    from regdesk.signing.errors import Problem
    from regdesk.signing.keystore import KeyStore

log = logging.getLogger("regdesk.outbox")


@dataclass(frozen=True)
class KeyCheck:
    """An opened key store and what the signing policy says about it now."""

    key_store: KeyStore
    info: CertInfo
    problems: tuple[Problem, ...]

    @property
    def can_sign(self) -> bool:
        return not any(p.blocking for p in self.problems)


def require_signer(ctx: DeskContext, check: KeyCheck, actor_iin: str) -> None:
    """The checked key may sign, and is the signed-in employee's own where the policy asks it;
    the blocking problem is raised otherwise."""
    if not check.can_sign:
        raise next(p for p in check.problems if p.blocking)
    # The key was checked for whoever was signed in then; after a change of employee at this
    # terminal it is still not the signer's own.
    if ctx.config.signing.signer_must_be_employee and check.info.iin != actor_iin:
        from regdesk.signing.errors import Problem

        raise Problem("signing.problem.other_person", owner=check.info.full_name)


def sign_document(
    check: KeyCheck, document: Mapping[str, JsonValue], now: datetime
) -> dict[str, object]:
    """``document``'s canonical bytes signed with the checked key at ``now``: the signature row
    the journal keeps (signer, certificate, content hash, the bytes and the CMS)."""
    from regdesk.signing import canonical_bytes, sign

    content = canonical_bytes(document)
    cms = sign(check.key_store, content, signing_time=now)
    info = check.info
    return {
        "signer_iin": info.iin,
        "signer_name": info.common_name,
        "cert_serial": info.serial,
        "cert_issuer": info.issuer,
        "signed_at": now,
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "canonical": content,
        "cms": cms,
    }


def register_numbered(
    ctx: DeskContext,
    record: ApplicationRecord,
    signature: Mapping[str, object],
    *,
    basis: str,
    district: int,
    now: datetime,
) -> str:
    """Inside the caller's transaction: the application registered by the acting employee with
    the next number and ``signature``, from the effective date its basis gives, and its
    attachment queued for the register in the same transaction (the desk's and the portal's
    registrations alike); returns the number."""
    actor = ctx.actor()
    attached = RegistryFacts.from_json(record.registry_data).attachment is not None
    effective = effective_date(basis, ctx.today(), ctx.rules, first_attachment=not attached)
    number = ctx.journal.registration.register(
        record.id,
        clinic_code=ctx.config.clinic.code,
        actor_iin=actor.iin,
        role=actor.role,
        now=now,
        signature=signature,
        basis=basis,
        district=district,
        effective_date=effective,
    )
    # The key's random part: a power cut that loses this commit after the message went out
    # gives the number again, to another person, whose message must not repeat this key.
    ctx.journal.outbox.enqueue(
        "attachment",
        fresh_key(ctx.config.clinic.bin, number),
        {
            "iin": record.applicant_iin,
            "district": district,
            "basis": basis,
            "effective_date": effective.isoformat(),
            "application": number,
        },
        now,
    )
    return number


def key_folder_offer(folder: Path) -> str:
    """What the EDS dialog offers from the key folder: its one signing key store, or else the
    folder itself (ending in a separator) for the employee to complete with the file name.

    NCA issues a signing key (``RSA256_….p12``) and an authentication key (``AUTH_RSA256_….p12``)
    side by side; only the first can sign, so the second is not counted.
    """
    try:
        stores = [
            p
            for p in folder.iterdir()
            if p.suffix.lower() == ".p12" and not p.name.upper().startswith("AUTH_") and p.is_file()
        ]
    except OSError:
        stores = []
    if len(stores) == 1:
        return str(stores[0])
    return str(folder) + os.sep


class Registration:
    """Sign with the employee's key and register with a number."""

    def __init__(self, ctx: DeskContext, form: ApplicationForm) -> None:
        self._ctx = ctx
        self._form = form

    def key_store_hint(self) -> str:
        """The key store this employee used last time, to offer it again; before the first
        time, what ``signing.key_folder`` offers (``key_folder_offer``)."""
        ctx = self._ctx
        if ctx.employee is None:
            return ""
        with ctx.locked():
            current = ctx.staff.get(ctx.employee.iin)
        remembered = (current.key_store_path or "") if current is not None else ""
        if remembered or not ctx.config.signing.key_folder:
            return remembered
        return key_folder_offer(ctx.config.resolve(ctx.config.signing.key_folder))

    def open_key(self, path_text: str, password: str) -> KeyCheck:
        """Open the employee's key store and check it against the clinic's signing policy."""
        from regdesk.signing.keystore import open_key_store

        ctx = self._ctx
        actor = ctx.actor()
        path = Path(path_text.strip()).expanduser()
        key_store = open_key_store(path, password)
        problems = ctx.signing_policy().check(
            key_store,
            employee_iin=actor.iin if ctx.config.signing.signer_must_be_employee else None,
            now=ctx.now(),
        )
        try:
            with ctx.locked():
                ctx.staff.set_key_store_path(actor.iin, str(path), ctx.now())
        except sqlite3.OperationalError as exc:
            if not refused_write(exc):
                raise
            # Remembering where the key store is only saves typing next time: a full or
            # read-only disk must not stop the signing the employee came for (which says it).
            log.warning("key store path not remembered: %s", exc)
        return KeyCheck(key_store, key_store.info, tuple(problems))

    def document_for_signing(self, app_id: int) -> dict[str, JsonValue]:
        """What the employee's signature covers: the application and the hash of every scan."""
        record = self._form.get(app_id)
        form = dict(record.form or {})
        return {
            "kind": "regdesk.attachment-application",
            "version": 1,
            "clinic_bin": self._ctx.config.clinic.bin,
            "application_id": record.id,
            "channel": str(record.channel),
            "applicant_iin": record.applicant_iin,
            "surname": record.surname,
            "first_name": record.first_name,
            "patronymic": record.patronymic,
            "birth_date": str(record.birth_date or ""),
            "form": {k: str(v) for k, v in sorted(form.items())},
            "attachments": [
                {"name": a.original_name, "kind": a.doc_kind, "sha256": a.sha256}
                for a in self._form.attachments(app_id)
            ],
        }

    def register(self, app_id: int, check: KeyCheck) -> str:
        """Sign the application with the employee's key and register it with its number."""
        ctx, form_uc = self._ctx, self._form
        actor = ctx.actor()
        require_signer(ctx, check, actor.iin)
        record = form_uc.get(app_id)
        basis = str((record.form or {}).get("basis") or "free_choice")
        # The checks the form showed before the EDS dialog, again: the use case holds the line
        # (a minor's representative, the documents, the phone, the district, the rules),
        # whatever the screen let through.
        try:
            district = form_uc.readiness(record, basis).require()
        except RulesBlock as exc:
            if any(f.code == "registered_here" for f in exc.findings):
                raise registered_meanwhile(ctx, record) or exc from exc
            raise
        now = ctx.now()
        signature = sign_document(check, self.document_for_signing(app_id), now)
        try:
            # The step's end in the same transaction: one wait for the write lock per
            # registration, not two (nor three: the case ends with its number, its mark goes
            # with it), and a disk that fills just after the number was given cannot make a
            # registration that went through look as if it failed.
            with (
                saving("register", ctx.paths.database.parent),
                ctx.locked(),
                transaction(ctx.db),
            ):
                number = register_numbered(
                    ctx, record, signature, basis=basis, district=district, now=now
                )
                ctx.end_step(app_id, "form_and_eds")
                ctx.cases.release(app_id)
        except (AlreadyRegisteredError, RegisteredByColleagueError) as exc:
            # Another desk came first (the journal's check inside the transaction): said with
            # when, in clinic time, and what to do now.
            raise registered_meanwhile(ctx, record) or exc from exc
        return number

    async def flush_outbox(self) -> int:
        """Send the queued attachments (and annulments) that are due to the registry; returns
        how many went through.

        The items are claimed first (``outbox_rounds``), so the clinic's desks each send their
        own and none sends one another is sending; a failure stays queued with its error and is
        tried again after its backoff, by whichever desk flushes then.
        """
        # Only its own kinds: the portal's results (``desk.portal_decision``) are the inbox
        # round's, and must not crowd the attachments out of the batch.
        try:
            outcomes = await outbox_rounds.send_round(
                self._ctx, ("attachment", "annulment"), self._send, False
            )
        except sqlite3.OperationalError as exc:
            if not refused_write(exc):
                raise
            # The journal cannot note what went (its disk full or read-only): each item stays
            # claimed and goes again, under the same idempotency key, once its lease ends. The
            # register keeps one of each; nobody has to press anything.
            log.warning("outbox round stopped, the database refused a write: %s", exc)
            return 0
        return sum(outcomes)

    async def _send(self, item: OutboxItem) -> bool:
        """Send one claimed item to the register and end it (done or failed); whether it went."""
        from regdesk.registry.errors import RegistryError, Unavailable

        ctx, p = self._ctx, item.payload
        try:
            if item.kind == "attachment":
                await ctx.registry().record_attachment(
                    str(p["iin"]),
                    ctx.config.clinic.bin,
                    int(p["district"]),
                    str(p["basis"]),
                    date.fromisoformat(str(p["effective_date"])),
                    item.idempotency_key,
                )
            else:  # "annulment", desk.corrections: a registration annulled
                await ctx.registry().annul_attachment(
                    str(p["iin"]),
                    ctx.config.clinic.bin,
                    str(p["application"]),
                    str(p["reason_code"]),
                    item.idempotency_key,
                )
        except Unavailable as exc:
            await asyncio.to_thread(
                outbox_rounds.failed, ctx, item, exc.message("en"), exc.retry_after
            )
            raise outbox_rounds.RegistryDown(exc) from None
        except RegistryError as exc:
            await asyncio.to_thread(outbox_rounds.failed, ctx, item, exc.message("en"))
            return False
        await asyncio.to_thread(outbox_rounds.done, ctx, item)
        return True


__all__ = ["KeyCheck", "Registration", "key_folder_offer", "register_numbered"]
