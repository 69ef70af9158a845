"""The use cases of one workstation and its signed-in employee, with no Textual in them.

The TUI (and the tests) drive every front-desk flow through ``Desk``: sign in, look an applicant up
in the registry, refuse with a motivated reason, fill the form with scans, confirm with EDS and
register, issue the talon, answer the survey, search the journal, reprint. Each method is one step
of the regulation's Table 2; the screen decides only what to show.

Threads: the TUI calls the blocking methods from worker threads and the ``async`` ones on its
event loop. One SQLite connection is shared, so every use of it holds ``self._db_lock``.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from regdesk.config import Config
from regdesk.core.age import applicant_age
from regdesk.core.application import Role, State
from regdesk.core.clock import ClinicClock
from regdesk.core.districts import DistrictSuggestion, suggest_district
from regdesk.core.errors import UserError
from regdesk.core.ids import parse_iin
from regdesk.core.person import Attachment, Person, RegistryFacts
from regdesk.core.refusals import reason as refusal_reason
from regdesk.core.rules import (
    AttachmentFacts,
    DocumentFlag,
    DocumentKind,
    Finding,
    PersonFacts,
    RuleSettings,
    check_applicant,
    effective_date,
    required_documents,
)
from regdesk.store import audit
from regdesk.store.db import open_db, transaction
from regdesk.store.journal import ApplicationRecord, Journal
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Employee, Staff
from regdesk.store.vault import Vault


class DeskError(UserError):
    """A desk step that cannot be done as asked; the key says why."""


class RulesBlock(DeskError):
    """The rules forbid the attachment on the basis chosen in the form."""

    key = "desk.rules_block"

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__()
        self.findings = findings

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        parts = [t(f.key, lang, **dict(f.params)) for f in self.findings]
        return " ".join([t(self.key, lang), *parts])


class DocumentsMissing(DeskError):
    """Required documents neither attached nor ticked as seen; named in the user's language."""

    key = "desk.documents_missing"

    def __init__(self, kinds: list[str]) -> None:
        super().__init__(names=", ".join(kinds))
        self.kinds = kinds

    def message(self, lang: str) -> str:
        from regdesk.i18n import t

        names = ", ".join(t(f"core.document.{kind}", lang) for kind in self.kinds)
        return t(self.key, lang, names=names)


@dataclass(frozen=True)
class ScanFile:
    """A file in the scanner's folder, as the attachment picker lists it."""

    path: Path
    name: str
    size: int
    modified: datetime
    media_type: str | None
    """The type detected from the content; None when it is not a PDF, JPEG, PNG or TIFF."""
    too_big: bool


@dataclass(frozen=True)
class Lookup:
    """What the registry said about an applicant and what the desk's rules found."""

    application_id: int
    iin: str
    person: Person | None
    """None when the registry has no data (Table 2 step 4)."""
    attachment: Attachment | None
    findings: tuple[Finding, ...]
    mapped_layout: bool
    """The IIN was typed on the Kazakh layout's digit row and mapped back to digits."""

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "block")

    @property
    def suggested_refusal(self) -> str | None:
        if self.person is None:
            return "no_data"
        for f in self.findings:
            if f.severity == "block" and f.refusal_code:
                return str(f.refusal_code)
        return None


@dataclass(frozen=True)
class KeyCheck:
    """An opened key store and what the signing policy says about it now."""

    key_store: Any
    info: Any
    problems: tuple[UserError, ...]

    @property
    def can_sign(self) -> bool:
        return not any(getattr(p, "blocking", True) for p in self.problems)


@dataclass(frozen=True)
class Issued:
    """The result of issuing or reprinting a talon or a refusal notice."""

    document: str
    path: Path | None
    status: str
    detail: str = ""


@dataclass(frozen=True)
class Detail:
    """One application as the journal shows it."""

    record: ApplicationRecord
    events: list[Any]
    attachments: list[Any]
    signature_ok: bool | None
    signature_text: str
    prints: list[Any] = field(default_factory=list)


class Desk:
    """One workstation of the clinic: the config, the database, the registry, the signer."""

    def __init__(self, config: Config, *, clock: ClinicClock | None = None) -> None:
        self.config = config
        # The one clock of the desk: clinic time for all a person reads or the rules count.
        self.clock = clock if clock is not None else ClinicClock(config.work_hours.timezone)
        self.paths = DataPaths(config.data_path())
        self.db = open_db(self.paths.database)
        self._db_lock = threading.RLock()
        self.journal = Journal(self.db)
        self.staff = Staff(self.db, config.security, timezone=config.work_hours.timezone)
        self.employee: Employee | None = None
        self._registry: Any | None = None
        self._vault: Vault | None = None
        self._policy: Any | None = None

    # -- infrastructure -------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._db_lock:
            yield

    def close(self) -> None:
        with self._locked():
            self.db.conn.close()

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            max_bytes = int(self.config.storage.max_attachment_mb * 1024 * 1024)
            self._vault = Vault(self.paths.vault_dir, self.paths.vault_key, max_bytes)
        return self._vault

    def registry(self) -> Any:
        """The registry client, created on first use (httpx is not imported at start-up)."""
        if self._registry is None:
            from regdesk.registry.client import RegistryClient

            base = Path(self.config.source).parent if self.config.source else None
            self._registry = RegistryClient(self.config.registry, base_dir=base)
        return self._registry

    async def aclose(self) -> None:
        if self._registry is not None:
            await self._registry.aclose()
            self._registry = None

    def _actor(self) -> tuple[str, Role]:
        if self.employee is None:
            raise DeskError("desk.not_signed_in")
        return self.employee.iin, Role(self.employee.role)

    # -- sign-in (Table 2 step 1) -----------------------------------------------------------

    def sign_in(self, iin_text: str, password: str) -> Employee:
        with self._locked():
            employee = self.staff.authenticate(
                iin_text.strip(), password, self.clock(), self.config.security
            )
        self.employee = employee
        return employee

    def warm_up(self) -> None:
        """Import the heavy parts (HTTP, PDF, CMS) in the background after sign-in.

        They are left out of start-up so the sign-in screen is quick, and loaded here so the
        first look-up or the first talon does not wait for them either.
        """
        import regdesk.printing.pdf
        import regdesk.registry.client
        import regdesk.signing.signature  # noqa: F401

    def check_password(self, password: str) -> bool:
        """The signed-in employee's password, for unlocking an idle terminal."""
        if self.employee is None:
            return False
        try:
            with self._locked():
                self.staff.authenticate(
                    self.employee.iin, password, self.clock(), self.config.security
                )
        except UserError:
            return False
        return True

    def sign_out(self) -> None:
        if self.employee is not None:
            with self._locked(), transaction(self.db):
                audit.append(self.db, actor_iin=self.employee.iin, action="sign_out")
        self.employee = None

    def set_language(self, lang: str) -> None:
        if self.employee is not None:
            with self._locked():
                self.staff.set_lang(self.employee.iin, lang)

    def open_drafts(self) -> list[ApplicationRecord]:
        """Drafts this employee left unfinished (a crash, a power cut, an idle lock)."""
        actor, _ = self._actor()
        with self._locked():
            return self.journal.search.open_drafts(actor)

    # -- look-up (Table 2 steps 3-4) -------------------------------------------------------

    def rule_settings(self) -> RuleSettings:
        return self.config.rules

    def today(self) -> date:
        return self.clock.today()

    async def look_up(self, iin_text: str, basis: str = "free_choice") -> Lookup:
        """Ask the registry about the applicant and open a draft application for the answer.

        An invalid IIN raises IinError before any request. Unavailable, refused and bad answers
        raise the registry's errors and leave nothing in the journal; "not found" opens a draft
        whose only way forward is the motivated refusal of step 4.
        """
        from regdesk.core.ids import normalize_digits
        from regdesk.registry.errors import NotFound

        actor, role = self._actor()
        digits, mapped = normalize_digits(iin_text.strip())
        iin = parse_iin(digits).value
        started = self.clock()
        client = self.registry()
        try:
            person, attachment = await asyncio.gather(client.person(iin), client.attachment(iin))
        except NotFound:
            person, attachment = None, None
        ended = self.clock()
        findings: tuple[Finding, ...] = ()
        if person is not None:
            findings = tuple(
                check_applicant(
                    _person_facts(person),
                    _attachment_facts(attachment),
                    self.config.clinic.bin,
                    basis,
                    self.today(),
                    self.rule_settings(),
                    has_representative=bool(person.representatives) or None,
                )
            )
        app_id = await asyncio.to_thread(
            self._open_draft, iin, person, attachment, started, ended, actor, role
        )
        return Lookup(app_id, iin, person, attachment, findings, mapped)

    def _open_draft(
        self,
        iin: str,
        person: Person | None,
        attachment: Attachment | None,
        started: datetime,
        ended: datetime,
        actor: str,
        role: Role,
    ) -> int:
        registry_data = RegistryFacts(person, attachment).to_json()
        with self._locked():
            app_id = self.journal.drafts.create_draft(
                applicant_iin=iin,
                actor_iin=actor,
                role=role,
                registry_data=registry_data,
                surname=getattr(person, "surname", ""),
                first_name=getattr(person, "first_name", ""),
                patronymic=getattr(person, "patronymic", "") or "",
                birth_date=getattr(person, "birth_date", None),
                now=ended,
            )
            self.journal.events.record_step(
                app_id, "registry_request", "step_start", actor, role, started
            )
            self.journal.events.record_step(
                app_id, "registry_request", "step_end", actor, role, ended
            )
            with transaction(self.db):
                audit.append(
                    self.db,
                    actor_iin=actor,
                    action="registry_lookup",
                    object=f"application:{app_id}",
                    detail={"iin": iin, "found": person is not None},
                )
                if person is not None:
                    audit.append(
                        self.db, actor_iin=actor, action="person_view", object=f"iin:{iin}"
                    )
        return app_id

    # -- time norms: each step's start and end as events ------------------------------------

    def begin_step(self, app_id: int, step: str) -> None:
        """Note that a step of the regulation started (the form opened, the refusal dialog…)."""
        actor, role = self._actor()
        with self._locked():
            started = any(
                e.kind == "step_start" and e.step == step
                for e in self.journal.events.history(app_id)
            )
            if not started:
                self.journal.events.record_step(
                    app_id, step, "step_start", actor, role, self.clock()
                )

    def _end_step(self, app_id: int, step: str, started: datetime | None = None) -> None:
        actor, role = self._actor()
        with self._locked():
            if started is not None:
                self.journal.events.record_step(app_id, step, "step_start", actor, role, started)
            self.journal.events.record_step(app_id, step, "step_end", actor, role, self.clock())

    # -- refusal (steps 4 and 7) -------------------------------------------------------------

    def refuse(self, app_id: int, reason_code: str, note: str = "") -> ApplicationRecord:
        actor, role = self._actor()
        # An unknown code is an error before anything is written.
        if refusal_reason(reason_code).needs_note and not note.strip():
            raise DeskError("desk.refusal_note_needed")
        with self._locked():
            self.journal.registration.transition(
                app_id,
                State.REFUSED,
                actor_iin=actor,
                role=role,
                reason_code=reason_code,
                note=note.strip(),
                now=self.clock(),
            )
            record = self.journal.search.get(app_id)
        self._end_step(app_id, "no_data_refusal" if reason_code == "no_data" else "refusal")
        return record

    def abandon(self, app_id: int) -> None:
        actor, role = self._actor()
        with self._locked():
            record = self.journal.search.get(app_id)
            if record.state == State.DRAFT:
                self.journal.registration.transition(
                    app_id, State.ABANDONED, actor_iin=actor, role=role, now=self.clock()
                )

    # -- the form (step 5) ---------------------------------------------------------------

    def get(self, app_id: int) -> ApplicationRecord:
        with self._locked():
            return self.journal.search.get(app_id)

    def save_form(self, app_id: int, form: dict[str, Any]) -> None:
        """Keep the form as typed, so a crash loses at most the field being edited."""
        with self._locked():
            self.journal.drafts.save_form(app_id, form, self.clock())

    def findings_for(self, record: ApplicationRecord, basis: str) -> list[Finding]:
        """The rules again, on the basis and representative the form now gives."""
        facts = RegistryFacts.from_json(record.registry_data)
        person, attachment = facts.person, facts.attachment
        if person is None:
            return []
        form = record.form or {}
        return list(
            check_applicant(
                PersonFacts.from_registry(person),
                AttachmentFacts.from_registry(attachment) if attachment else None,
                self.config.clinic.bin,
                basis,
                self.today(),
                self.rule_settings(),
                has_representative=bool(form.get("representative_iin"))
                or bool(person.representatives)
                or None,
            )
        )

    def required_documents(self, record: ApplicationRecord) -> list[DocumentKind]:
        """The documents this applicant presents, by category, age and what the form says."""
        person = RegistryFacts.from_json(record.registry_data).person
        category = person.residency if person is not None else "citizen"
        age = applicant_age(
            record.applicant_iin,
            self.today(),
            self.rule_settings(),
            birth_date=person.birth_date if person is not None else record.birth_date,
            sex=person.sex if person is not None else None,
            death_date=person.death_date if person is not None else None,
        )
        form = record.form or {}
        flags = [f.value for f in DocumentFlag if form.get(f"flag_{f.value}")]
        if age.of_pension_age:
            flags.append(DocumentFlag.PENSIONER.value)
        return list(required_documents(category, age.years, sorted(set(flags))))

    def effective_date(self, basis: str, *, first_attachment: bool = False) -> date:
        return effective_date(
            basis, self.today(), self.rule_settings(), first_attachment=first_attachment
        )

    def districts(self) -> list[Any]:
        return list(self.config.districts)

    def suggest_district(self, record: ApplicationRecord, actual: str = "") -> DistrictSuggestion:
        """The district whose ranges hold the actual address (else the registered one), and why.

        No district when none matches: the receptionist chooses (``core.districts``).
        """
        person = RegistryFacts.from_json(record.registry_data).person
        return suggest_district(
            self.config.districts,
            actual=actual,
            registered=person.address if person is not None else None,
        )

    def scan_folder(self) -> Path:
        if self.config.storage.scan_dir:
            return self.config.resolve(self.config.storage.scan_dir)
        return Path.home() / "Scans"

    def list_scans(self) -> list[ScanFile]:
        """The scanner's files, newest first, with the type detected from their content."""
        from regdesk.store.vault import detect_type

        folder = self.scan_folder()
        limit = int(self.config.storage.max_attachment_mb * 1024 * 1024)
        files: list[ScanFile] = []
        try:
            entries = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        except OSError:
            return []
        for p in entries:
            try:
                st = p.stat()
                with p.open("rb") as fh:
                    head = fh.read(16)
            except OSError:
                continue
            files.append(
                ScanFile(
                    path=p,
                    name=p.name,
                    size=st.st_size,
                    modified=datetime.fromtimestamp(st.st_mtime, UTC),
                    media_type=detect_type(head),
                    too_big=st.st_size > limit,
                )
            )
        files.sort(key=lambda f: f.modified, reverse=True)
        return files

    def attach(self, app_id: int, path: Path, doc_kind: str) -> Any:
        """Check, hash, encrypt and keep a scan with the application."""
        actor, _ = self._actor()
        stored = self.vault.put(path)
        try:
            with self._locked():
                return self.journal.drafts.add_attachment(
                    app_id,
                    doc_kind=doc_kind,
                    original_name=path.name,
                    media_type=stored.media_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    vault_name=stored.vault_name,
                    actor_iin=actor,
                    now=self.clock(),
                )
        except BaseException:
            self.vault.remove(stored.vault_name)  # not recorded: no file without its row
            raise

    def attachments(self, app_id: int) -> list[Any]:
        with self._locked():
            return list(self.journal.drafts.attachments(app_id))

    # -- EDS and registration (steps 5-6) ------------------------------------------------------

    def key_store_hint(self) -> str:
        """The key store this employee used last time, to offer it again; before the first
        time, what ``signing.key_folder`` offers (``key_folder_offer``)."""
        if self.employee is None:
            return ""
        with self._locked():
            current = self.staff.get(self.employee.iin)
        remembered = (getattr(current, "key_store_path", None) or "") if current else ""
        if remembered or not self.config.signing.key_folder:
            return remembered
        return key_folder_offer(self.config.resolve(self.config.signing.key_folder))

    def signing_policy(self) -> Any:
        if self._policy is None:
            from regdesk.signing.policy import SigningPolicy

            self._policy = SigningPolicy.from_config(self.config.signing, self.config.resolve)
        return self._policy

    def open_key(self, path_text: str, password: str) -> KeyCheck:
        """Open the employee's key store and check it against the clinic's signing policy."""
        from regdesk.signing.keystore import open_key_store

        actor, _ = self._actor()
        path = Path(path_text.strip()).expanduser()
        key_store = open_key_store(path, password)
        problems = self.signing_policy().check(
            key_store,
            employee_iin=actor if self.config.signing.signer_must_be_employee else None,
            now=self.clock(),
        )
        with self._locked():
            self.staff.set_key_store_path(actor, str(path), self.clock())
        return KeyCheck(key_store, key_store.info, tuple(problems))

    def document_for_signing(self, app_id: int) -> dict[str, Any]:
        """What the employee's signature covers: the application and the hash of every scan."""
        record = self.get(app_id)
        form = dict(record.form or {})
        return {
            "kind": "regdesk.attachment-application",
            "version": 1,
            "clinic_bin": self.config.clinic.bin,
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
                for a in self.attachments(app_id)
            ],
        }

    def register(self, app_id: int, check: KeyCheck) -> str:
        """Sign the application with the employee's key and register it with its number."""
        from regdesk.signing import canonical_bytes, sign

        actor, role = self._actor()
        if not check.can_sign:
            raise next(p for p in check.problems if getattr(p, "blocking", True))
        # The key was checked for whoever was signed in then; after a change of employee at this
        # terminal it is still not the signer's own.
        if self.config.signing.signer_must_be_employee and check.info.iin != actor:
            from regdesk.signing.errors import Problem

            raise Problem("signing.problem.other_person", owner=check.info.full_name)
        record = self.get(app_id)
        form = record.form or {}
        basis = str(form.get("basis") or "free_choice")
        missing = self.missing_documents(app_id)
        if missing:
            raise DocumentsMissing(missing)
        blocking = [f for f in self.findings_for(record, basis) if f.blocks]
        if blocking:
            raise RulesBlock(blocking)
        content = canonical_bytes(self.document_for_signing(app_id))
        now = self.clock()
        cms = sign(check.key_store, content, signing_time=now)
        info = check.info
        signature = {
            "signer_iin": info.iin,
            "signer_name": info.common_name,
            "cert_serial": info.serial,
            "cert_issuer": info.issuer,
            "signed_at": now,
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "canonical": content,
            "cms": cms,
        }
        district = _int_or_none(form.get("district"))
        effective = self.effective_date(
            basis, first_attachment=not (record.registry_data or {}).get("attachment")
        )
        with self._locked(), transaction(self.db):
            number = self.journal.registration.register(
                app_id,
                clinic_code=self.config.clinic.code,
                actor_iin=actor,
                role=role,
                now=now,
                signature=signature,
                basis=basis,
                district=district,
                effective_date=effective,
            )
            # The attachment register learns of it through the outbox, in the same transaction:
            # a registry that is down never loses a registration, and a retry never doubles it.
            self.journal.outbox.enqueue(
                "attachment",
                f"{self.config.clinic.bin}:{number}",
                {
                    "iin": record.applicant_iin,
                    "district": district or 0,
                    "basis": basis,
                    "effective_date": effective.isoformat(),
                    "application": number,
                },
                now,
            )
        self._end_step(app_id, "form_and_eds")
        return number

    async def flush_outbox(self) -> int:
        """Send queued attachments to the registry; returns how many went through.

        A failure stays queued with its error and is tried again at the next flush.
        """
        from regdesk.registry.errors import RegistryError

        with self._locked():
            pending = self.journal.outbox.pending()
        sent = 0
        for item in pending:
            if item.kind != "attachment":
                continue
            p = item.payload
            try:
                await self.registry().record_attachment(
                    p["iin"],
                    self.config.clinic.bin,
                    int(p["district"]),
                    p["basis"],
                    date.fromisoformat(p["effective_date"]),
                    item.idempotency_key,
                )
            except RegistryError as exc:
                await asyncio.to_thread(self._outbox_failed, item.id, exc.message("en"))
                continue
            await asyncio.to_thread(self._outbox_done, item.id)
            sent += 1
        return sent

    def _outbox_done(self, item_id: int) -> None:
        with self._locked():
            self.journal.outbox.done(item_id, self.clock())

    def _outbox_failed(self, item_id: int, error: str) -> None:
        with self._locked():
            self.journal.outbox.failed(item_id, error)

    def missing_documents(self, app_id: int) -> list[str]:
        """Required document kinds with neither a scan attached nor a tick in the checklist."""
        record = self.get(app_id)
        ticked = set((record.form or {}).get("documents_seen", "").split(","))
        have = {a.doc_kind for a in self.attachments(app_id)}
        return [
            d.value
            for d in self.required_documents(record)
            if d.value not in have and d.value not in ticked
        ]

    # -- the result (step 8) and the survey ------------------------------------------------

    def document(self, app_id: int, *, duplicate: bool = False) -> Any:
        """The talon (registered, issued) or the refusal notice (refused) of an application.

        Built by the same recipe as ``regdesk talon``, so a talon printed here verifies there.
        """
        from regdesk.printing.records import build_document

        record = self.get(app_id)
        with self._locked():
            signature = self.journal.registration.signature(app_id)
        return build_document(
            record,
            self.config,
            employee=self._staff_name(record),
            issued_at=self.clock(),
            duplicate=duplicate,
            signature_sha256=signature.content_sha256 if signature is not None else "",
        )

    def reference(self, record: ApplicationRecord) -> str:
        """The number, or for an application refused before it had one, its internal reference."""
        from regdesk.printing.documents import internal_reference

        return record.number or internal_reference(self.config.clinic.code, record.id)

    def _staff_name(self, record: ApplicationRecord) -> str:
        """Who decided: the employee who registered or refused, else the one signed in."""
        with self._locked():
            events = self.journal.events.history(record.id)
        actor = next(
            (
                e.actor_iin
                for e in reversed(events)
                if e.to_state in (State.REGISTERED, State.REFUSED)
            ),
            None,
        )
        if actor:
            with self._locked():
                account = self.staff.get(actor)
            if account is not None:
                return account.full_name
        return self._employee_name()

    def preview(self, app_id: int) -> str:
        """The document as the 48-column receipt text, for the screen before printing."""
        from regdesk.printing.text import render_text

        return render_text(self.document(app_id), width=48)

    def issue(self, app_id: int, printer: str | None = None) -> Issued:
        """Print the talon (or the refusal notice) and, for a talon, mark the result issued."""
        actor, role = self._actor()
        started = self.clock()
        result = self._print(app_id, printer)
        record = self.get(app_id)
        if result.status != "failed":
            self._end_step(app_id, "issue", started)
        if record.state == State.REGISTERED and result.status != "failed":
            with self._locked():
                self.journal.registration.transition(
                    app_id, State.ISSUED, actor_iin=actor, role=role, now=self.clock()
                )
        return result

    def reprint(self, app_id: int, printer: str | None = None) -> Issued:
        """Print again (from the journal): marked as a duplicate when printed before."""
        return self._print(app_id, printer)

    def _print(self, app_id: int, printer_name: str | None) -> Issued:
        from regdesk.printing.printers import print_document

        actor, _ = self._actor()
        name = printer_name or self.config.printing.default
        printer = next((p for p in self.config.printing.printers if p.name == name), None)
        if printer is None:
            known = ", ".join(p.name for p in self.config.printing.printers)
            raise DeskError("printing.unknown_printer", name=name, known=known)
        from regdesk.printing.records import document_kind

        with self._locked():
            kind = document_kind(self.journal.search.get(app_id))
            duplicate = self.journal.issuance.printed_before(app_id, kind)
        doc = self.document(app_id, duplicate=duplicate)
        result = print_document(printer, doc, self.paths.root)
        with self._locked():
            self.journal.issuance.record_print(
                app_id,
                document=doc.kind,
                printer=name,
                format=printer.format,
                by_iin=actor,
                status=result.status,
                detail=result.detail,
                duplicate=duplicate,
                now=self.clock(),
            )
        return Issued(
            document=doc.kind,
            path=result.path,
            status=result.status,
            detail=result.detail or "",
        )

    def _employee_name(self) -> str:
        return self.employee.full_name if self.employee else ""

    def save_survey(self, app_id: int, q1: int, q2: int) -> None:
        with self._locked():
            self.journal.issuance.save_survey(app_id, q1, q2, self.clock())

    # -- the journal -------------------------------------------------------------------------

    def find(self, query: str, *, state: str | None = None, limit: int = 50) -> list[Any]:
        """Search by IIN (12 digits), application number, or name prefix, as typed."""
        from regdesk.core.ids import normalize_digits

        text = query.strip()
        digits, _ = normalize_digits(text)
        with self._locked():
            if not text:
                return list(self.journal.search.find(state=state, limit=limit))
            if digits.isdigit() and len(digits) == 12:
                return list(self.journal.search.find(iin=digits, state=state, limit=limit))
            if text.upper().startswith(self.config.clinic.code.upper() + "-"):
                return list(self.journal.search.find(number=text.upper(), state=state, limit=limit))
            return list(self.journal.search.find(name_prefix=text, state=state, limit=limit))

    def detail(self, app_id: int) -> Detail:
        actor, _ = self._actor()
        with self._locked():
            record = self.journal.search.get(app_id)
            events = list(self.journal.events.history(app_id))
            attachments = list(self.journal.drafts.attachments(app_id))
            signature = self.journal.registration.signature(app_id)
            prints = list(self.journal.issuance.prints(app_id))
            with transaction(self.db):
                audit.append(
                    self.db, actor_iin=actor, action="person_view", object=f"application:{app_id}"
                )
        ok: bool | None = None
        text = ""
        if signature is not None:
            from regdesk.signing import verify

            result = verify(signature.cms, signature.canonical, policy=self.signing_policy())
            ok = result.valid
            text = result.signer.common_name
        return Detail(record, events, attachments, ok, text, prints)


def key_folder_offer(folder: Path) -> str:
    """What the EDS dialog offers from the key folder: its one signing key store, or else the
    folder itself (ending in a separator) for the employee to complete with the file name.

    NCA issues a signing key (``RSA256_….p12``) and an authentication key (``AUTH_RSA256_….p12``)
    side by side; only the first can sign, so the second is not counted.
    """
    import os

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


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _person_facts(person: Person) -> PersonFacts:
    return PersonFacts.from_registry(person)


def _attachment_facts(attachment: Attachment | None) -> AttachmentFacts | None:
    return None if attachment is None else AttachmentFacts.from_registry(attachment)


__all__ = ["Desk", "DeskError", "Issued", "KeyCheck", "Lookup", "RulesBlock", "ScanFile"]
