"""The policy in force, for an admin (issue 15, "Policy view"): what signs, what is reachable,
what is safe.

- the signing policy of ``[signing]``: each trusted CA (subject, validity, a training CA), each
  CRL (its age and next update), OCSP, training on or off, the employee rule;
- the registry: its address, and on request (a key press: it goes over the network) the same
  check as ``regdesk registry check``;
- the data folder: its free space and the last verified backup (``Upkeep.backup_age``).

Read-only; an admin's (``Permission.SETTINGS``), asked by the use case whatever screen or command
calls it. ``describe_policy`` and ``describe_registry`` put it into words for the screen and the
CLI.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from regdesk.core.errors import UserError
from regdesk.core.roles import Permission
from regdesk.desk.context import DeskContext
from regdesk.desk.upkeep import BackupAge, Upkeep

if TYPE_CHECKING:
    from regdesk.i18n import Translator

INDENT = "  "
"""Lines under a heading (the texts borrowed from ``regdesk status`` and ``registry check``)."""

CLOCK_SKEW_SECONDS = 120
"""A registry clock further off than this is worth saying (as ``regdesk registry check``)."""


@dataclass(frozen=True)
class TrustedCa:
    file: str
    subject: str
    not_before: datetime
    not_after: datetime
    valid_now: bool
    training: bool


@dataclass(frozen=True)
class CrlState:
    file: str
    issuer: str
    this_update: datetime
    next_update: datetime | None
    age_hours: float
    stale: bool
    """Past its next update: ``[signing] crl_stale`` says whether that warns or blocks."""
    revoked: int


@dataclass(frozen=True)
class FileProblem:
    """A CA or CRL file of ``[signing]`` that cannot be used, and why (in words)."""

    file: str
    error: UserError


@dataclass(frozen=True)
class DiskSpace:
    folder: str
    free: int
    total: int


@dataclass(frozen=True)
class PolicyOverview:
    trusted: tuple[TrustedCa, ...]
    crls: tuple[CrlState, ...]
    unusable: tuple[FileProblem, ...]
    crl_stale: str
    ocsp_url: str
    ocsp_timeout: float
    ocsp_unreachable: str
    training: bool
    signer_must_be_employee: bool
    registry_url: str
    disk: DiskSpace | None
    backup: BackupAge
    at: datetime
    """When it was read, in clinic time."""


@dataclass(frozen=True)
class RegistryCheck:
    """The outcome of one ``check_registry``: its answer, or the error in words."""

    url: str
    ok: bool
    version: str = ""
    client: str = ""
    ms: int = 0
    skew_seconds: int = 0
    error: UserError | None = None


class PolicyView:
    """The signing policy, the registry connection, the free space and the last backup."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def may_view(self) -> bool:
        """Whether the employee acting now may see it (the menu offers it only then)."""
        return self._ctx.may(Permission.SETTINGS)

    def overview(self) -> PolicyOverview:
        """Everything but the registry check, read now from the config's files."""
        from regdesk.signing.errors import SigningConfigError
        from regdesk.signing.policy import load_certificates, load_crl
        from regdesk.signing.training import is_training_certificate

        ctx = self._ctx
        ctx.require(Permission.SETTINGS, "policy_view")
        signing = ctx.config.signing
        now = ctx.clock.utc()
        trusted: list[TrustedCa] = []
        crls: list[CrlState] = []
        unusable: list[FileProblem] = []
        for name in signing.trusted_ca:
            try:
                certs = load_certificates(ctx.config.resolve(name))
            except SigningConfigError as exc:
                unusable.append(FileProblem(name, exc))
                continue
            for cert in certs:
                start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
                trusted.append(
                    TrustedCa(
                        file=name,
                        subject=cert.subject.rfc4514_string(),
                        not_before=ctx.clock.local(start),
                        not_after=ctx.clock.local(end),
                        valid_now=start <= now <= end,
                        training=is_training_certificate(cert),
                    )
                )
        for name in signing.crl:
            try:
                crl = load_crl(ctx.config.resolve(name))
            except SigningConfigError as exc:
                unusable.append(FileProblem(name, exc))
                continue
            issued, following = crl.last_update_utc, crl.next_update_utc
            crls.append(
                CrlState(
                    file=name,
                    issuer=crl.issuer.rfc4514_string(),
                    this_update=ctx.clock.local(issued),
                    next_update=ctx.clock.local(following) if following else None,
                    age_hours=max(0.0, (now - issued).total_seconds() / 3600),
                    stale=following is not None and now > following,
                    revoked=len(crl),
                )
            )
        return PolicyOverview(
            trusted=tuple(trusted),
            crls=tuple(crls),
            unusable=tuple(unusable),
            crl_stale=signing.crl_stale,
            ocsp_url=signing.ocsp_url,
            ocsp_timeout=signing.ocsp_timeout,
            ocsp_unreachable=signing.ocsp_unreachable,
            training=signing.training,
            signer_must_be_employee=signing.signer_must_be_employee,
            registry_url=ctx.config.registry.base_url,
            disk=self._disk(),
            backup=Upkeep(ctx).backup_age(),
            at=ctx.now(),
        )

    def _disk(self) -> DiskSpace | None:
        root = self._ctx.paths.root
        try:
            usage = shutil.disk_usage(root)
        except OSError:
            return None
        return DiskSpace(str(root), usage.free, usage.total)

    async def check_registry(self) -> RegistryCheck:
        """Ask the registry's health with this workstation's credentials, as ``regdesk registry
        check`` does: its version, how it knows this workstation, the time it took, its clock."""
        from regdesk.registry.errors import RegistryError

        ctx = self._ctx
        ctx.require(Permission.SETTINGS, "policy_view")
        url = ctx.config.registry.base_url
        started = time.perf_counter()
        try:
            health = await ctx.registry().health()
        except RegistryError as exc:
            return RegistryCheck(url, ok=False, error=exc)
        ms = round((time.perf_counter() - started) * 1000)
        skew = round(abs((health.time - ctx.clock.utc()).total_seconds()))
        return RegistryCheck(
            url, ok=True, version=health.version, client=health.client, ms=ms, skew_seconds=skew
        )


# -- in words ---------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


def _size(count: int) -> str:
    return f"{count / 1024**3:.1f}"


def describe_policy(view: PolicyOverview, tr: Translator) -> list[str]:
    """The overview as lines of text in ``tr``'s language (the screen and ``regdesk policy``);
    the registry's line is ``describe_registry``'s."""
    lines = [tr("policy.signing_heading")]
    if not view.trusted and not view.unusable:
        lines.append(tr("policy.no_trusted_ca"))
    for ca in view.trusted:
        key = "policy.ca" if ca.valid_now else "policy.ca_not_valid"
        lines.append(
            tr(key, subject=ca.subject, since=_when(ca.not_before), until=_when(ca.not_after))
        )
        if ca.training:
            lines.append(tr("policy.ca_training"))
    if not view.crls:
        lines.append(tr("policy.no_crl"))
    for crl in view.crls:
        following = _when(crl.next_update) if crl.next_update else "—"
        lines.append(
            tr(
                "policy.crl",
                file=crl.file,
                issued=_when(crl.this_update),
                hours=f"{crl.age_hours:.0f}",
                next=following,
                revoked=crl.revoked,
            )
        )
        if crl.stale:
            lines.append(tr(f"policy.crl_stale_{view.crl_stale}", next=following))
    for problem in view.unusable:
        lines.append(tr("policy.file_unusable", text=problem.error.message(tr.lang)))
    if view.ocsp_url:
        lines.append(
            tr(
                "policy.ocsp_on",
                url=view.ocsp_url,
                seconds=f"{view.ocsp_timeout:g}",
                mode=tr(f"policy.mode_{view.ocsp_unreachable}"),
            )
        )
    else:
        lines.append(tr("policy.ocsp_off"))
    lines.append(tr("policy.training_on" if view.training else "policy.training_off"))
    lines.append(tr("policy.own_key_yes" if view.signer_must_be_employee else "policy.own_key_no"))
    lines.append("")
    lines.append(tr("policy.data_heading"))
    if view.disk is None:
        lines.append(tr("policy.disk_unknown"))
    else:
        disk = view.disk
        percent = round(100 * disk.free / disk.total) if disk.total else 0
        lines.append(
            tr(
                "policy.disk",
                folder=disk.folder,
                free=_size(disk.free),
                total=_size(disk.total),
                percent=percent,
            )
        )
    age = view.backup
    if age.last is None or age.hours is None:
        lines.append(INDENT + tr("backup.status_never", max=age.max_hours))
    else:
        when = _when(age.last.made_at)
        key = "backup.status_overdue" if age.overdue else "backup.status_last"
        lines.append(INDENT + tr(key, when=when, hours=f"{age.hours:.1f}", max=age.max_hours))
        lines.append(INDENT + tr("backup.status_where", dest=age.last.dest))
    return lines


def describe_registry(
    url: str,
    check: RegistryCheck | None,
    tr: Translator,
    unchecked: str = "policy.registry_unchecked",
) -> list[str]:
    """The registry's heading, address and the outcome of its last check (or ``unchecked``:
    how to run it, a key on the screen, an option of the command)."""
    lines = [tr("policy.registry_heading"), tr("policy.registry_url", url=url)]
    if check is None:
        lines.append(tr(unchecked))
    elif check.ok:
        lines.append(
            INDENT
            + tr(
                "registry.check_ok",
                url=check.url,
                version=check.version,
                client=check.client,
                ms=check.ms,
            )
        )
        if check.skew_seconds > CLOCK_SKEW_SECONDS:
            lines.append(INDENT + tr("registry.check_clock", seconds=check.skew_seconds))
    else:
        lines.append(INDENT + tr("registry.check_failed", url=check.url))
        if check.error is not None:
            lines.append(INDENT + check.error.message(tr.lang))
    return lines


__all__ = [
    "CrlState",
    "DiskSpace",
    "FileProblem",
    "PolicyOverview",
    "PolicyView",
    "RegistryCheck",
    "TrustedCa",
    "describe_policy",
    "describe_registry",
]
