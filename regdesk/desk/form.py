"""Table 2 step 5: the application form: its fields, the documents, the district, the scans.

The form is kept as typed (a crash loses at most the field being edited). What it asks for
follows the rules: the documents from the applicant's category, age and flags
(``core.rules.required_documents``, with the pension age of ``[rules]``), the district from the
address (``core.districts``), and the checks again on the basis and representative it now gives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from regdesk.core.districts import DistrictSuggestion, suggest_district
from regdesk.core.ids import IinError, normalize_digits, parse_iin
from regdesk.core.json_types import JsonObject
from regdesk.core.person import Person, RegistryFacts, Relation, Representative
from regdesk.core.phone import PhoneError, is_valid_phone
from regdesk.core.representation import (
    APPOINTED,
    ChosenRepresentative,
    needs_representative,
    representative_problem,
)
from regdesk.core.rules import DocumentFlag, DocumentKind, Finding
from regdesk.core.rules import required_documents as documents_for
from regdesk.desk import same_person
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import (
    AttachNotRecorded,
    DeskError,
    DistrictMissing,
    DocumentsMissing,
    RulesBlock,
    saving,
)
from regdesk.desk.intake import age_of, check
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.districts import DistrictRecord
from regdesk.store.journal import ApplicationRecord, AttachmentRecord

log = logging.getLogger("regdesk.desk")


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
    damaged: bool = False
    """It starts as a PDF or an image but does not open as one (``store.scan_check``)."""

    @property
    def usable(self) -> bool:
        """Whether the picker offers it: an accepted type, whole, within the size limit."""
        return self.media_type is not None and not self.too_big and not self.damaged


@dataclass(frozen=True)
class Readiness:
    """What would stop the saved form's registration: the one list of checks that the form
    shows before the EDS dialog and that registration enforces (``require``)."""

    representative_problem: str | None
    """Why a minor has no valid representative (a catalogue key), or None."""
    missing: tuple[str, ...]
    """Required document kinds neither attached nor ticked as seen."""
    phone_ok: bool
    """The phone is empty or +7 and ten digits (``core.phone``)."""
    district: int | None
    """The district chosen; None blocks (the attachment register refuses district 0)."""
    findings: tuple[Finding, ...]
    """The rules on the basis the form gives, and what the journal knows of the person."""

    @property
    def no_district(self) -> bool:
        return self.district is None

    def require(self) -> int:
        """The chosen district, when nothing stops the registration; else the first problem
        raised, in the order the form says them."""
        if self.representative_problem is not None:
            raise DeskError(self.representative_problem)
        if self.missing:
            raise DocumentsMissing(self.missing)
        if not self.phone_ok:
            raise PhoneError()
        if self.district is None:
            raise DistrictMissing()
        blocking = [f for f in self.findings if f.blocks]
        if blocking:
            raise RulesBlock(blocking)
        return self.district


REPRESENTATIVE = "representative"
"""The form's entry for the chosen representative (``core.representation.ChosenRepresentative``)."""
REPRESENTATIVE_KEYS = frozenset({REPRESENTATIVE, "representative_iin"})
"""Keys of the form the screen does not write: the representative is chosen, not typed."""


def _person(record: ApplicationRecord) -> Person | None:
    """The registry's person as the application keeps it (None: the registry had no data)."""
    return RegistryFacts.from_json(record.registry_data).person


def _district(record: ApplicationRecord) -> int | None:
    value = (record.form or {}).get("district")
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class ApplicationForm:
    """The application being filled in: fields, documents, district, scans."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx
        self._opened: dict[tuple[str, int, int], bool] = {}
        """Whether a scanner file opened whole, by (path, size, modification time): a folder
        listed again is not opened again."""

    def get(self, app_id: int) -> ApplicationRecord:
        return self._ctx.record(app_id)

    def begin_step(self, app_id: int, step: str = "form_and_eds") -> None:
        """Note that the form opened (step 5 starts; it ends with the signature). A disk that
        refuses the note is ``NotSaved`` (nothing written; the form opened again notes it)."""
        ctx = self._ctx
        with saving("form_start", ctx.paths.database.parent):
            ctx.begin_step(app_id, step)

    def save_form(self, app_id: int, form: JsonObject) -> None:
        """Keep the form as typed, so a crash loses at most the field being edited.

        The representative is not typed: it is chosen (``choose_representative``) and kept
        whatever the screen saves. A save the database refuses (its disk full or read-only) is
        ``NotSaved``: the form keeps its last save, the screen what was typed.
        """
        ctx = self._ctx
        with saving("form", ctx.paths.database.parent), ctx.locked():
            stored = ctx.journal.search.get(app_id).form or {}
            kept = {k: v for k, v in form.items() if k not in REPRESENTATIVE_KEYS}
            if REPRESENTATIVE in stored:
                kept[REPRESENTATIVE] = stored[REPRESENTATIVE]
            ctx.journal.drafts.save_form(app_id, kept, ctx.now())

    # -- the representative of a minor -----------------------------------------------------------

    def needs_representative(self, record: ApplicationRecord) -> bool:
        """A minor: attached by a parent or legal representative (``core.representation``)."""
        return needs_representative(_person(record), self._ctx.today())

    def registry_representatives(self, record: ApplicationRecord) -> list[Representative]:
        """The parents and guardians the registry names for the applicant: offered first."""
        person = _person(record)
        return list(person.representatives) if person is not None else []

    def representative(self, record: ApplicationRecord) -> ChosenRepresentative | None:
        return ChosenRepresentative.from_json((record.form or {}).get(REPRESENTATIVE))

    def representative_problem(self, record: ApplicationRecord) -> str | None:
        """Why the application has no valid representative (a catalogue key), or None."""
        return representative_problem(
            _person(record), self.representative(record), self._ctx.today()
        )

    async def choose_representative(
        self, app_id: int, iin_text: str, relation: Relation | None = None
    ) -> ChosenRepresentative:
        """Record who represents the applicant: a parent the registry names (``relation``
        None takes the registry's), or another person looked up in the registry by IIN.

        Raises DeskError saying why the person cannot represent the applicant; nothing is
        recorded then. The look-up is a view of the representative's data (audited).
        """
        from regdesk.registry.errors import NotFound

        ctx = self._ctx
        actor = ctx.actor()
        record = self.get(app_id)
        try:
            iin = parse_iin(normalize_digits(iin_text.strip())[0]).value
        except IinError as exc:
            raise DeskError("representative.invalid_iin") from exc
        person = _person(record)
        listed = {r.iin: r.relation for r in (person.representatives if person else ())}
        relation = relation or listed.get(iin)
        if relation is None:
            raise DeskError("representative.relation_missing")
        try:
            found: Person | None = await ctx.registry().person(iin)
        except NotFound:
            found = None
        if found is None and iin not in listed:
            raise DeskError("representative.not_found")
        chosen = ChosenRepresentative(
            iin=iin,
            relation=relation,
            name=found.full_name if found is not None else "",
            birth_date=found.birth_date if found is not None else None,
            alive=found is None or found.alive,
            known=True,
        )
        problem = representative_problem(person, chosen, ctx.today())
        if problem is not None:
            raise DeskError(problem)
        # The choice and the audit of the view in one transaction: a disk that refuses either
        # keeps neither (``NotSaved``), and the same choice is made again once there is room.
        folder = ctx.paths.database.parent
        with saving("representative", folder), ctx.locked(), transaction(ctx.db):
            self._keep_representative(app_id, chosen)
            if found is not None:
                audit.append(ctx.db, actor_iin=actor.iin, action="person_view", object=f"iin:{iin}")
        return chosen

    def clear_representative(self, app_id: int) -> None:
        ctx = self._ctx
        folder = ctx.paths.database.parent
        with saving("representative", folder), ctx.locked(), transaction(ctx.db):
            self._keep_representative(app_id, None)

    def _keep_representative(self, app_id: int, chosen: ChosenRepresentative | None) -> None:
        """The form's representative entry and the application's representative IIN, set
        together (the caller holds the lock)."""
        ctx = self._ctx
        form = dict(ctx.journal.search.get(app_id).form or {})
        if chosen is None:
            form.pop(REPRESENTATIVE, None)
        else:
            form[REPRESENTATIVE] = chosen.to_json()
        ctx.journal.drafts.save_form(app_id, form, ctx.now())
        iin = chosen.iin if chosen is not None else None
        ctx.journal.drafts.update(app_id, ctx.now(), representative_iin=iin)

    # -- what the rules ask of this applicant ---------------------------------------------------

    def findings_for(self, record: ApplicationRecord, basis: str) -> list[Finding]:
        """The rules again, on the basis and representative the form now gives, and what the
        journal knows of the person now (``same_person``)."""
        facts = RegistryFacts.from_json(record.registry_data)
        if facts.person is None:
            return []
        # A representative not chosen yet is a warning while the form is open; registration
        # checks the choice itself (``representative_problem``).
        chosen = self.representative(record)
        representative = None if chosen is None else self.representative_problem(record) is None
        found = check(self._ctx, facts, basis, representative=representative)
        return found + same_person.findings(self._ctx, record.applicant_iin, besides=record.id)

    def required_documents(self, record: ApplicationRecord) -> list[DocumentKind]:
        """The documents this applicant presents, by category, age and what the form says.

        A person of pension age (``[rules]``) shows the pension certificate; one retired earlier
        is ticked as a pensioner in the form.
        """
        person = _person(record)
        category = person.residency if person is not None else "citizen"
        age = age_of(self._ctx, record.applicant_iin, person)
        form = record.form or {}
        flags = {f.value for f in DocumentFlag if form.get(f"flag_{f.value}")}
        chosen = self.representative(record)
        if chosen is not None and chosen.relation in APPOINTED:
            flags.add(DocumentFlag.GUARDIAN.value)  # the decision that appointed them
        if age.of_pension_age:
            flags.add(DocumentFlag.PENSIONER.value)
        return documents_for(category, age.years, sorted(flags))

    def missing_documents(self, app_id: int) -> list[str]:
        """Required document kinds with neither a scan attached nor a tick in the checklist."""
        return self._missing(self.get(app_id))

    def _missing(self, record: ApplicationRecord) -> list[str]:
        ticked = set(str((record.form or {}).get("documents_seen", "")).split(","))
        have = {a.doc_kind for a in self.attachments(record.id)}
        return [
            d.value
            for d in self.required_documents(record)
            if d.value not in have and d.value not in ticked
        ]

    def readiness(self, record: ApplicationRecord, basis: str) -> Readiness:
        """What would stop the registration of the application as saved, on ``basis``."""
        return Readiness(
            representative_problem=self.representative_problem(record),
            missing=tuple(self._missing(record)),
            phone_ok=is_valid_phone(str((record.form or {}).get("phone") or "")),
            district=_district(record),
            findings=tuple(self.findings_for(record, basis)),
        )

    # -- the district ---------------------------------------------------------------------------

    def districts(self) -> list[DistrictRecord]:
        """The districts kept in the database, with today's doctor and nurse."""
        from regdesk.desk.districts import DistrictAdmin

        return DistrictAdmin(self._ctx).current()

    def chosen_district(self, app_id: int) -> int | None:
        """The district the form names, or None while none is chosen (which blocks signing)."""
        return _district(self.get(app_id))

    def suggest_district(self, record: ApplicationRecord, actual: str = "") -> DistrictSuggestion:
        """The district whose ranges hold the actual address (else the registered one), and why;
        of overlapping districts, one under its target size (``desk.districts``).

        No district when none matches: the receptionist chooses (``core.districts``).
        """
        from regdesk.desk.districts import DistrictAdmin

        person = _person(record)
        districts = DistrictAdmin(self._ctx)
        return suggest_district(
            districts.current(),
            actual=actual,
            registered=person.address if person is not None else None,
            full=districts.full,
        )

    # -- scans ----------------------------------------------------------------------------------

    def scan_folder(self) -> Path:
        config = self._ctx.config
        if config.storage.scan_dir:
            return config.resolve(config.storage.scan_dir)
        return Path.home() / "Scans"

    def list_scans(self) -> list[ScanFile]:
        """The scanner's files, newest first, with the type detected from their content and
        whether they open whole (each file opened once while it stays unchanged)."""
        from regdesk.store.vault import MAGIC_READ, detect_type

        folder = self.scan_folder()
        limit = self._ctx.vault.max_bytes  # the size the vault takes, said before attaching
        files: list[ScanFile] = []
        try:
            entries = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        except OSError:
            return []
        for p in entries:
            try:
                st = p.stat()
                with p.open("rb") as fh:
                    head = fh.read(MAGIC_READ)
            except OSError:
                continue
            media_type = detect_type(head)
            too_big = st.st_size > limit
            damaged = False
            if media_type is not None and not too_big:
                damaged = not self._opens(p, st.st_size, st.st_mtime_ns)
            files.append(
                ScanFile(
                    path=p,
                    name=p.name,
                    size=st.st_size,
                    modified=datetime.fromtimestamp(st.st_mtime, UTC),
                    media_type=media_type,
                    too_big=too_big,
                    damaged=damaged,
                )
            )
        files.sort(key=lambda f: f.modified, reverse=True)
        return files

    def _opens(self, path: Path, size: int, mtime_ns: int) -> bool:
        from regdesk.store.vault import VaultError, check_scan

        key = (str(path), size, mtime_ns)
        if key not in self._opened:
            try:
                check_scan(path.read_bytes(), name=path.name)
                self._opened[key] = True
            except (OSError, VaultError):
                self._opened[key] = False
        return self._opened[key]

    def attach(self, app_id: int, path: Path, doc_kind: str) -> int:
        """Check, hash, encrypt and keep a scan with the application; returns the scan's id.

        The application is checked first, so a scan for one that can no longer change never
        reaches the vault. The scan is recorded only once the vault holds it (written, read back
        and decrypted); when the record cannot be written (the database's disk is full or
        read-only) the vault's copy is removed and ``AttachNotRecorded`` says exactly what was
        and was not kept. Then the plaintext original leaves the scanner folder
        (``[scans] after_store``).
        """
        import sqlite3

        ctx = self._ctx
        actor = ctx.actor()
        with ctx.locked():
            ctx.journal.drafts.check_editable(app_id)
        stored = ctx.vault.put(path)
        try:
            with ctx.locked():
                attachment_id = ctx.journal.drafts.add_attachment(
                    app_id,
                    doc_kind=doc_kind,
                    original_name=path.name,
                    media_type=stored.media_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    vault_name=stored.vault_name,
                    actor_iin=actor.iin,
                    now=ctx.now(),
                )
        except sqlite3.OperationalError as exc:
            kept = not self._discard(stored.vault_name)
            orphan = stored.vault_name if kept else ""
            raise AttachNotRecorded(path.name, exc, vault_name=orphan) from exc
        except BaseException:
            self._discard(stored.vault_name)  # not recorded: no file without its row
            raise
        if ctx.config.scans.after_store == "remove":
            remove_original(path, stored.sha256)
        return attachment_id

    def _discard(self, vault_name: str) -> bool:
        """Remove a stored scan that was not recorded; False when it could not be removed."""
        try:
            self._ctx.vault.remove(vault_name)
        except OSError:
            log.warning("an unrecorded scan stayed in the vault as %s", vault_name)
            return False
        return True

    def attachments(self, app_id: int) -> list[AttachmentRecord]:
        with self._ctx.locked():
            return list(self._ctx.journal.drafts.attachments(app_id))


def remove_original(path: Path, sha256: str) -> bool:
    """Remove the scanner's plaintext original once the vault holds it; whether it went.

    Only while the file still holds the bytes stored (a scanner may have written a new scan
    under the same name meanwhile). A file that cannot be removed (another user's, a read-only
    folder) stays and is logged; ``regdesk doctor`` lists originals already stored.
    """
    import hashlib

    try:
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("the stored scan's original stayed in the scanner folder: %s", exc.strerror)
        return False
    return True


__all__ = ["ApplicationForm", "AttachNotRecorded", "Readiness", "ScanFile", "remove_original"]
