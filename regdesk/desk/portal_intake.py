"""Table 1, action 5: applications from the e-government portal, fetched, checked and received.

``PortalIntake(ctx).sync()`` asks the registry for the portal's new applications for this
clinic and receives each one that is not in the journal yet: it is downloaded (one at a time, so
memory stays bounded by the largest application), checked, its files put in the vault, and
recorded with ``Journal.portal.receive`` — with ``received_at`` now and the deadline of one
working day (``WorkCalendar.next_working_day_deadline`` over ``[work_hours]``).

The check happens before the application enters the journal, and its result is kept with it:

- the payload is the JSON the applicant signed, and says the same as the portal's envelope (the
  applicant, the person to be attached, the relation, this clinic's BIN);
- the applicant's detached CMS over the exact payload bytes verifies, under the same NCA policy
  as employees' signatures (``DeskContext.portal_policy``: trusted CA, validity at the signing
  time, CRL), and the signer's IIN is the applicant's;
- an applicant acting for someone else is that person's representative with the stated relation
  (``core.representation``, on the registry's answer now);
- every file's SHA-256 is the one the payload lists for it, no file is missing or added, and the
  vault takes it (type, size).

An application that fails is still received — kept, with the failure codes (``FAILURE_CODES``,
words ``portal.check.<code>``) — and can then only be refused. One whose answer is larger than the
client accepts is received from the portal's list alone, marked ``application_too_large``.

Receiving is idempotent (``Journal.portal.receive``): two desks syncing at once, or a desk killed
in the middle, receive each application once. A desk killed between putting the files in the
vault and the journal's transaction leaves those vault files unreferenced (never read again).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from regdesk.core.errors import UserError
from regdesk.core.representation import (
    ChosenRepresentative,
    needs_representative,
    representative_problem,
)
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import saving
from regdesk.store.journal import CheckFailure, PortalArrival, PortalCheck, PortalFileRecord

if TYPE_CHECKING:
    from regdesk.core.person import Person
    from regdesk.registry.client import RegistryClient
    from regdesk.registry.errors import RegistryError
    from regdesk.registry.models import PortalApplication, PortalApplicationItem
    from regdesk.signing.errors import Problem

FAILURE_CODES: Final = (
    "payload_unreadable",
    "payload_mismatch",
    "signature_unreadable",
    "signature_invalid",
    "signer_untrusted",
    "signer_not_valid",
    "signer_revoked",
    "signer_key_purpose",
    "signer_policy",
    "signer_not_applicant",
    "representation",
    "subject_unknown",
    "file_hash",
    "file_missing",
    "file_not_signed",
    "file_too_large",
    "file_unusable",
    "application_too_large",
)
"""Every code a failed check may carry; each has its words ``portal.check.<code>`` (kk/ru/en)."""

# The signing policy's problems, by the failure they are for the portal.
_PROBLEM_CODES: Final[dict[str, str]] = {
    "signing.verify.digest_mismatch": "signature_invalid",
    "signing.verify.bad_signature": "signature_invalid",
    "signing.verify.content_type_mismatch": "signature_invalid",
    "signing.problem.untrusted": "signer_untrusted",
    "signing.problem.no_trusted_ca": "signer_untrusted",
    "signing.problem.expired": "signer_not_valid",
    "signing.problem.not_yet_valid": "signer_not_valid",
    "signing.problem.ca_not_valid": "signer_not_valid",
    "signing.problem.revoked": "signer_revoked",
    "signing.problem.ocsp_revoked": "signer_revoked",
    "signing.problem.authentication_key": "signer_key_purpose",
    "signing.problem.not_signing_key": "signer_key_purpose",
}


_SAID_WHOLE: Final = frozenset({"signature_invalid", "file_too_large", "file_unusable"})
"""Codes whose own words already say all their problem would (it is kept for the record)."""


def failure_text(failure: CheckFailure, lang: str) -> str:
    """The words of one failed check: the portal's sentence, then the policy's own when the
    failure came from it (e.g. the revocation date)."""
    from regdesk.i18n import t

    text = t(f"portal.check.{failure.code}", lang, **failure.params)
    if failure.problem and failure.code not in _SAID_WHOLE:
        text += " " + t(failure.problem, lang, **failure.params)
    return text


@dataclass(frozen=True)
class SyncError:
    """An application that could not be received this time (it is tried again next sync)."""

    portal_id: str
    error: UserError


@dataclass(frozen=True)
class SyncReport:
    """What one sync did."""

    new: tuple[int, ...] = ()
    """The journal ids of the applications received now."""
    already_here: int = 0
    """Listed by the portal, already in the journal (received earlier or by another desk)."""
    failed_check: tuple[int, ...] = ()
    """Of ``new``, the ones received with a failed check (they can only be refused)."""
    errors: tuple[SyncError, ...] = ()
    stopped: RegistryError | None = None
    """Why the sync stopped before the end (the registry cannot be reached); None when it ran
    through. A failure to get the list itself is raised instead."""

    @property
    def ok(self) -> bool:
        return not self.errors and self.stopped is None


@dataclass
class _Checked:
    """A downloaded application with what its check found."""

    failures: list[CheckFailure] = field(default_factory=list)
    signer: dict[str, str] = field(default_factory=dict)
    form: dict[str, Any] | None = None
    subject: Person | None = None


class _Prefetch:
    """The portal's applications ``items`` downloaded in order, one ahead of the caller."""

    def __init__(self, client: RegistryClient, items: list[PortalApplicationItem]) -> None:
        self._client = client
        self._ids = [i.id for i in items]
        self._ahead: asyncio.Task[PortalApplication] | None = None

    def _start(self) -> None:
        if self._ids:
            self._ahead = asyncio.ensure_future(self._client.portal_get(self._ids.pop(0)))

    async def next(self) -> PortalApplication:
        """The next application (its download's outcome raised as it came); the one after it
        starts downloading now."""
        if self._ahead is None:
            self._start()
        current, self._ahead = self._ahead, None
        assert current is not None, "asked for more applications than were listed"
        self._start()
        return await current

    async def close(self) -> None:
        """Cancel a download no one will read (the sync stopped)."""
        if self._ahead is not None:
            self._ahead.cancel()
            await asyncio.gather(self._ahead, return_exceptions=True)
            self._ahead = None


class PortalIntake:
    """Fetching the portal's new applications and receiving them into the journal."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    async def sync(
        self, client: RegistryClient | None = None, *, only: Collection[str] | None = None
    ) -> SyncReport:
        """Fetch and receive every new portal application not yet in the journal (``only``:
        just those of these portal ids; the others wait for the next sync).

        The list's failure raises the registry's error (``Unavailable``, ``Refused``,
        ``BadAnswer``, ``NotConfigured``). After that, one application's bad answer is noted and
        the next is tried; the registry becoming unreachable stops the sync (``stopped``).

        The next application is downloaded while the current one is checked and stored, so at
        most two are in memory at once.
        """
        from regdesk.registry.errors import BadAnswer, NotFound, RegistryError, TooLarge

        ctx = self._ctx
        client = client or ctx.registry()
        items = await client.portal_list("new")
        with ctx.locked():
            here = ctx.journal.portal.known(i.id for i in items)
        if only is not None:
            items = [i for i in items if i.id in only]
        todo = [i for i in items if i.id not in here]
        new: list[int] = []
        failed: list[int] = []
        errors: list[SyncError] = []
        already = len(items) - len(todo)
        fetch = _Prefetch(client, todo)
        try:
            for item in todo:
                try:
                    try:
                        app = await fetch.next()
                    except TooLarge as exc:
                        outcome = await asyncio.to_thread(self._receive_too_large, item, exc)
                    else:
                        checked = await self._check(client, app)
                        outcome = await asyncio.to_thread(self._receive, app, checked)
                        del app  # its files may be large: let them go before the next download
                except (NotFound, BadAnswer) as exc:
                    errors.append(SyncError(item.id, exc))
                    continue
                except RegistryError as exc:
                    return SyncReport(tuple(new), already, tuple(failed), tuple(errors), exc)
                except UserError as exc:
                    errors.append(SyncError(item.id, exc))  # the vault could not store a file
                    continue
                if outcome is None:
                    already += 1  # another desk received it a moment ago
                    continue
                app_id, ok = outcome
                new.append(app_id)
                if not ok:
                    failed.append(app_id)
        finally:
            await fetch.close()
        return SyncReport(tuple(new), already, tuple(failed), tuple(errors))

    # -- checking ------------------------------------------------------------------------------

    async def _check(self, client: RegistryClient, app: PortalApplication) -> _Checked:
        checked = await asyncio.to_thread(self._check_signed, app)
        if app.relation != "self":
            await self._check_representation(client, app, checked)
        return checked

    def _check_signed(self, app: PortalApplication) -> _Checked:
        """The payload, the signature and the files (no registry request)."""
        checked = _Checked()
        checked.form = _payload_form(app.payload)
        if checked.form is None:
            checked.failures.append(CheckFailure("payload_unreadable"))
        else:
            checked.failures.extend(self._payload_mismatches(app, checked.form))
        checked.failures.extend(self._signature(app, checked))
        checked.failures.extend(_file_failures(app, checked.form))
        return checked

    def _payload_mismatches(
        self, app: PortalApplication, form: Mapping[str, Any]
    ) -> list[CheckFailure]:
        expected = {
            "applicant_iin": app.applicant_iin,
            "subject_iin": app.subject_iin,
            "relation": app.relation,
            "clinic_bin": self._ctx.config.clinic.bin,
        }
        out = [
            CheckFailure("payload_mismatch", {"field": name})
            for name, value in expected.items()
            if form.get(name) != value
        ]
        if app.relation == "self" and app.subject_iin != app.applicant_iin:
            out.append(CheckFailure("payload_mismatch", {"field": "subject_iin"}))
        return out

    def _signature(self, app: PortalApplication, checked: _Checked) -> list[CheckFailure]:
        from regdesk.signing.errors import SignatureFormatError
        from regdesk.signing.signature import verify

        ctx = self._ctx
        try:
            result = verify(
                app.signature,
                app.payload,
                policy=ctx.portal_policy(),
                employee_iin=None,
                at=app.submitted_at,
            )
        except SignatureFormatError as exc:
            return [CheckFailure("signature_unreadable", problem=exc.key, params=_texts(exc))]
        signer = result.signer
        checked.signer = {
            "iin": signer.iin,
            "name": signer.common_name,
            "serial": signer.serial,
            "issuer": signer.issuer,
            "signed_at": result.signing_time.isoformat() if result.signing_time else "",
        }
        out = [_problem_failure(p) for p in result.problems if p.blocking]
        if signer.iin != app.applicant_iin:
            out.append(CheckFailure("signer_not_applicant", {"signer": signer.common_name}))
        return out

    async def _check_representation(
        self, client: RegistryClient, app: PortalApplication, checked: _Checked
    ) -> None:
        """The applicant acts for the subject: the subject's representative with the stated
        relation, by the registry's answer now (its unavailability stops the sync)."""
        from regdesk.registry.errors import NotFound

        try:
            subject = await client.person(app.subject_iin)
        except NotFound:
            checked.failures.append(CheckFailure("subject_unknown"))
            return
        checked.subject = subject
        try:
            applicant: Person | None = await client.person(app.applicant_iin)
        except NotFound:
            applicant = None
        chosen = ChosenRepresentative(
            iin=app.applicant_iin,
            relation=app.relation,  # type: ignore[arg-type]  # not "self" here
            name=applicant.full_name if applicant else "",
            birth_date=applicant.birth_date if applicant else None,
            alive=applicant.alive if applicant else True,
            known=applicant is not None,
        )
        today = self._ctx.today()
        if not needs_representative(subject, today):
            problem: str | None = "representative.adult"
        else:
            problem = representative_problem(subject, chosen, today)
        if problem is not None:
            # The desk's texts of these problems tell the receptionist what to choose; the
            # portal's say what is wrong with the application (portal.representation.*).
            why = "portal.representation." + problem.rpartition(".")[2]
            checked.failures.append(CheckFailure("representation", problem=why))

    # -- receiving -----------------------------------------------------------------------------

    def _receive(self, app: PortalApplication, checked: _Checked) -> tuple[int, bool] | None:
        """Put the files in the vault and record the application; (id, check ok), or None when
        another desk recorded it first. A file the vault cannot store for lack of space raises."""
        from regdesk.store.vault import NotStoredError, VaultError

        ctx = self._ctx
        vault = ctx.vault
        files: list[PortalFileRecord] = []
        try:
            for f in app.files:
                try:
                    stored = vault.put_bytes(f.content, name=f.name)
                except NotStoredError:
                    raise
                except VaultError as exc:
                    code = (
                        "file_too_large" if exc.key == "store.vault_too_large" else "file_unusable"
                    )
                    params = {"name": f.name, **{k: str(v) for k, v in exc.params.items()}}
                    checked.failures.append(CheckFailure(code, params, problem=exc.key))
                    files.append(PortalFileRecord(f.name, f.media_type, len(f.content), f.sha256))
                    continue
                files.append(
                    PortalFileRecord(
                        f.name, stored.media_type, stored.size, stored.sha256, stored.vault_name
                    )
                )
        except BaseException:
            for done in files:
                vault.remove(done.vault_name)
            raise
        check = PortalCheck.failed(checked.failures, checked.signer)
        form = checked.form or {}
        subject = checked.subject
        arrival = PortalArrival(
            portal_id=app.id,
            submitted_at=app.submitted_at,
            applicant_iin=app.subject_iin,
            representative_iin=None if app.relation == "self" else app.applicant_iin,
            relation=app.relation,
            basis=app.basis,
            requested_district=app.district,
            phone=app.phone,
            payload=app.payload,
            signature=app.signature,
            check=check,
            files=files,
            form=checked.form,
            surname=subject.surname if subject else _text(form, "surname"),
            first_name=subject.first_name if subject else _text(form, "first_name"),
            patronymic=(subject.patronymic or "") if subject else _text(form, "patronymic"),
            birth_date=subject.birth_date if subject else _day(_text(form, "birth_date")),
        )
        recorded: int | None = None
        try:
            recorded = self._record(arrival)
        finally:
            # Not received (another desk's first, or a disk that refused it): its files go;
            # the portal keeps the application, fetched again at the next round.
            if recorded is None:
                for done in files:
                    vault.remove(done.vault_name)
        return None if recorded is None else (recorded, check.ok)

    def _receive_too_large(
        self, item: PortalApplicationItem, error: RegistryError
    ) -> tuple[int, bool] | None:
        """An application too large to download: received from the list, to be refused."""
        failure = CheckFailure(
            "application_too_large", {k: str(v) for k, v in error.params.items()}
        )
        arrival = PortalArrival(
            portal_id=item.id,
            submitted_at=item.submitted_at,
            applicant_iin=item.subject_iin,
            representative_iin=None
            if item.subject_iin == item.applicant_iin
            else item.applicant_iin,
            relation="self" if item.subject_iin == item.applicant_iin else "unknown",
            basis=None,
            requested_district=None,
            phone="",
            payload=b"",
            signature=b"",
            check=PortalCheck.failed([failure]),
        )
        recorded = self._record(arrival)
        return None if recorded is None else (recorded, False)

    def _record(self, arrival: PortalArrival) -> int | None:
        """The arrival in the journal: its id, None when another desk recorded it first, or
        ``NotSaved`` when the disk refuses it (the round goes on; the portal keeps it)."""
        ctx = self._ctx
        now = ctx.now()
        deadline = deadline_for(ctx, now)
        folder = ctx.paths.database.parent
        with saving("portal_intake", folder, portal_id=arrival.portal_id), ctx.locked():
            app_id, new = ctx.journal.portal.receive(arrival, now=now, deadline=deadline)
        return app_id if new else None


def _payload_form(payload: bytes) -> dict[str, Any] | None:
    try:
        form = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return form if isinstance(form, dict) else None


def _file_failures(app: PortalApplication, form: Mapping[str, Any] | None) -> list[CheckFailure]:
    """Each file against the SHA-256 the applicant signed for it (the payload's ``files``)."""
    if form is None:
        return []  # nothing signed to compare with: payload_unreadable says it already
    listed: dict[str, str] = {}
    signed = form.get("files")
    for entry in signed if isinstance(signed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            listed[entry["name"]] = str(entry.get("sha256", "")).lower()
    out: list[CheckFailure] = []
    received = {f.name for f in app.files}
    for f in app.files:
        if f.name not in listed:
            out.append(CheckFailure("file_not_signed", {"name": f.name}))
        elif listed[f.name] != f.sha256:
            out.append(CheckFailure("file_hash", {"name": f.name}))
    out.extend(
        CheckFailure("file_missing", {"name": name}) for name in listed if name not in received
    )
    return out


def _problem_failure(problem: Problem) -> CheckFailure:
    code = _PROBLEM_CODES.get(problem.key, "signer_policy")
    return CheckFailure(code, _texts(problem), problem=problem.key)


def _texts(error: UserError) -> dict[str, str]:
    return {k: str(v) for k, v in error.params.items()}


def _text(form: Mapping[str, Any], name: str) -> str:
    subject = form.get("subject")
    value = subject.get(name) if isinstance(subject, dict) else None
    return value if isinstance(value, str) else ""


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def deadline_for(ctx: DeskContext, received: datetime) -> datetime:
    """When an application received at ``received`` is due: within one working day of the
    clinic's calendar (``[work_hours]``, the KZ days off), in clinic time."""
    return ctx.calendar.next_working_day_deadline(received)


__all__ = [
    "FAILURE_CODES",
    "PortalIntake",
    "SyncError",
    "SyncReport",
    "deadline_for",
    "failure_text",
]
