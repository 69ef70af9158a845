"""The rules the desk applies to the registry's data before it attaches a person.

Pure functions over plain dataclasses: the registry's answer becomes ``PersonFacts`` and
``AttachmentFacts``, the configuration's ``[rules]`` section is loaded as ``RuleSettings`` (the
yearly rules are configuration, not code), and ``check_applicant`` returns
findings that the screen explains through the catalogue (``core.finding.<code>``). A finding of
severity ``block`` stops the registration and names the refusal reason to use if the applicant
cannot remedy it; ``warn`` needs the receptionist's attention; ``info`` only informs.
Finding parameters are display-ready strings (dates as DD.MM.YYYY).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Final, Protocol

from regdesk.core.age import age_on

# The catalogue group of each named enum: its members' names are core.<group>.<value>.
_GROUPS: Final = {
    "Citizenship": "citizenship",
    "AttachmentBasis": "basis",
    "DocumentKind": "document",
}


class _Named(StrEnum):
    """An enum whose members have a name in the catalogue under ``core.<group>.<value>``."""

    @property
    def key(self) -> str:
        return f"core.{_GROUPS[type(self).__name__]}.{self.value}"

    @property
    def code(self) -> str:
        """The stable code stored in the journal (the enum's value)."""
        return str(self.value)

    def text(self, lang: str) -> str:
        """The member's name in ``lang``, from the catalogue."""
        from regdesk.i18n import t  # core stays free of I/O until a text is asked for

        return t(self.key, lang)


class Citizenship(_Named):
    """Who the person is for the rules of attachment (DESIGN.md "Who may be attached")."""

    CITIZEN = "citizen"
    KANDAS = "kandas"
    """An ethnic Kazakh returning to settle (қандас / кандас)."""
    REFUGEE = "refugee"
    FOREIGN_RESIDENT = "foreign_resident"
    """A foreign citizen with a residence permit."""
    FOREIGN_TEMPORARY = "foreign_temporary"
    """A foreign citizen staying temporarily: attached only with medical insurance."""
    STATELESS_RESIDENT = "stateless_resident"
    """A stateless person with a residence permit."""


class LifeStatus(StrEnum):
    ALIVE = "alive"
    DEAD = "dead"


class AttachmentBasis(_Named):
    """The ground on which a person asks to be attached, recorded on every application."""

    FREE_CHOICE = "free_choice"
    """The yearly right to choose a clinic, during the attachment campaign."""
    RESIDENCE_CHANGE = "residence_change"
    NEWBORN = "newborn"
    RELEASED = "released"
    """Released from a place of detention."""
    DISCHARGED = "discharged"
    """Discharged from military service."""
    ARRIVAL = "arrival"
    """Arrived to live in Kazakhstan (from abroad, including кандасы)."""
    CLINIC_CLOSED = "clinic_closed"
    """The previous clinic was reorganised or closed, or stopped providing primary care."""


Basis = AttachmentBasis
"""A short alias."""


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


class DocumentKind(_Named):
    """A document the applicant presents (scanned into the application)."""

    IDENTITY = "identity"
    """The applicant's identity document (ID card or passport); from age 16."""
    BIRTH_CERTIFICATE = "birth_certificate"
    REPRESENTATIVE_IDENTITY = "representative_identity"
    GUARDIANSHIP_DECISION = "guardianship_decision"
    PENSION_CERTIFICATE = "pension_certificate"
    DISABILITY_EXTRACT = "disability_extract"
    RESIDENCE_PERMIT = "residence_permit"
    KANDAS_CERTIFICATE = "kandas_certificate"
    REFUGEE_CERTIFICATE = "refugee_certificate"
    INSURANCE_POLICY = "insurance_policy"
    COMMISSION_MINUTES = "commission_minutes"


class DocumentFlag(StrEnum):
    """Facts about the applicant, known from the registry or stated by them, that add documents."""

    PENSIONER = "pensioner"
    DISABLED = "disabled"
    GUARDIAN = "guardian"
    """The representative is a guardian appointed by a decision (not a parent), or the adult
    applicant is under guardianship."""
    COMMISSION = "commission"
    """The attachment follows the decision of a commission (e.g. a disputed service area)."""


class RegistryPersonLike(Protocol):
    """What the rules read of a registry person (``regdesk.core.person.Person`` has it all)."""

    @property
    def iin(self) -> str: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def life_status(self) -> str: ...
    @property
    def death_date(self) -> date | None: ...
    @property
    def residency(self) -> str: ...
    @property
    def has_insurance(self) -> bool | None: ...


class RegistryAttachmentLike(Protocol):
    """What the rules read of a registry attachment (``regdesk.core.person.Attachment``)."""

    @property
    def clinic_bin(self) -> str: ...
    @property
    def since(self) -> date: ...
    @property
    def district(self) -> int | None: ...


@dataclass(frozen=True)
class PersonFacts:
    """What the state database of individuals says about the applicant."""

    iin: str
    birth_date: date
    life_status: LifeStatus = LifeStatus.ALIVE
    death_date: date | None = None
    citizenship: Citizenship = Citizenship.CITIZEN
    has_insurance: bool | None = None
    """Medical insurance of a temporarily staying foreigner; None when not known."""

    @classmethod
    def from_registry(cls, person: RegistryPersonLike) -> PersonFacts:
        """The facts of a registry answer (``regdesk.core.person.Person`` or alike)."""
        return cls(
            iin=str(person.iin),
            birth_date=person.birth_date,
            life_status=LifeStatus(str(person.life_status)),
            death_date=person.death_date,
            citizenship=Citizenship(str(person.residency)),
            has_insurance=person.has_insurance,
        )


@dataclass(frozen=True)
class AttachmentFacts:
    """The person's current attachment, as the attachment register says."""

    clinic_bin: str
    since: date
    district: int | None = None
    changes_this_year: int | None = None
    """Free-choice changes of clinic already made this calendar year, when the register says."""

    @classmethod
    def from_registry(cls, attachment: RegistryAttachmentLike) -> AttachmentFacts:
        """The facts of a registry answer (``regdesk.core.person.Attachment`` or alike)."""
        return cls(
            clinic_bin=str(attachment.clinic_bin),
            since=attachment.since,
            district=attachment.district,
            changes_this_year=getattr(attachment, "changes_this_year", None),
        )


ADULT_AGE: Final = 18
IDENTITY_AGE: Final = 16
"""The age from which a person in Kazakhstan holds an identity card of their own."""


class SettingError(ValueError):
    """A rule setting that cannot be used; ``name`` is the setting, ``problem`` what is wrong.

    The configuration's loader turns it into its own error naming the file and ``rules.<name>``.
    """

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")


def month_day(text: str) -> tuple[int, int]:
    """``MM-DD`` as (month, day); ValueError unless it is a day of some year (02-29 is)."""
    month, sep, day = text.partition("-")
    if not (sep and len(month) == 2 and len(day) == 2 and month.isdigit() and day.isdigit()):
        raise ValueError(f"{text!r} is not a day MM-DD")
    try:
        date(2000, int(month), int(day))  # a leap year: 02-29 is a day
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the year (MM-DD)") from None
    return int(month), int(day)


def _parse_month_day(text: str, name: str) -> tuple[int, int]:
    try:
        return month_day(text)
    except ValueError as exc:
        raise SettingError(name, str(exc)) from None


@dataclass(frozen=True)
class RuleSettings:
    """The year's rules of attachment: the configuration's ``[rules]`` section.

    The configuration loads that section into this class (``regdesk.config``), so each setting,
    its default and its check are written once, here; config.example.toml documents them.
    """

    campaign_start: str = "09-01"
    """First day (MM-DD) of the yearly free-choice attachment campaign, included."""
    campaign_end: str = "11-01"
    """Last day (MM-DD) of the campaign, included."""
    campaign_effective: str = "01-01"
    """Day (MM-DD) of the next year from which a campaign attachment takes effect."""
    free_changes_per_year: int = 1
    """How many times a year a person may change clinic by free choice."""
    min_days_between_changes: int = 365
    """Days that must pass since the last attachment before a free-choice change."""
    anytime_bases: tuple[str, ...] = ("residence_change", "newborn", "released", "arrival")
    """Attachment bases that allow a change at any time, outside the campaign."""
    pension_age_men: int = 63
    """The age from which a man receives the state pension (the Social Code's, 2026)."""
    pension_age_women: int = 61
    """The age from which a woman receives the state pension (the Social Code's, 2026)."""

    def __post_init__(self) -> None:
        for name in ("campaign_start", "campaign_end", "campaign_effective"):
            _parse_month_day(getattr(self, name), name)
        known = {b.value for b in Basis}
        for code in self.anytime_bases:
            if code not in known:
                raise SettingError(
                    "anytime_bases", f"unknown basis {code!r} (known: {', '.join(sorted(known))})"
                )
        for name in ("free_changes_per_year", "min_days_between_changes"):
            if getattr(self, name) < 0:
                raise SettingError(name, f"{getattr(self, name)} is below 0")
        for name in ("pension_age_men", "pension_age_women"):
            if not ADULT_AGE <= getattr(self, name) <= 100:
                raise SettingError(name, f"{getattr(self, name)} is not an age {ADULT_AGE}..100")
        # One order and no repeats, so that two configs that say the same compare equal.
        object.__setattr__(self, "anytime_bases", tuple(sorted(set(self.anytime_bases))))

    def is_anytime(self, basis: Basis | str) -> bool:
        """Whether ``basis`` allows attachment outside the campaign and the interval."""
        return str(basis) in self.anytime_bases


@dataclass(frozen=True)
class Finding:
    """One thing the rules found about an applicant (text: catalogue ``core.finding.<code>``)."""

    code: str
    severity: Severity
    refusal_code: str | None = None
    """The refusal reason (``regdesk.core.refusals``) that fits when this finding blocks."""
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"core.finding.{self.code}"

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK


def blocking(findings: Collection[Finding]) -> list[Finding]:
    """The findings that stop the registration."""
    return [f for f in findings if f.blocks]


def _show(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day is not None else "—"


def campaign_window(year: int, settings: RuleSettings) -> tuple[date, date]:
    """The first and last day of the campaign that starts in ``year``."""
    start = _on(year, settings.campaign_start)
    end = _on(year, settings.campaign_end)
    if end < start:  # a window that runs over New Year
        end = _on(year + 1, settings.campaign_end)
    return start, end


def _on(year: int, month_day: str) -> date:
    month, day = _parse_month_day(month_day, "date")
    if (month, day) == (2, 29) and not _is_leap(year):
        return date(year, 3, 1)
    return date(year, month, day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def in_campaign(today: date, settings: RuleSettings) -> bool:
    """Whether ``today`` lies inside the attachment campaign (both ends included)."""
    for year in (today.year - 1, today.year):
        start, end = campaign_window(year, settings)
        if start <= today <= end:
            return True
    return False


def next_campaign(today: date, settings: RuleSettings) -> tuple[date, date]:
    """The campaign running on ``today``, or else the next one."""
    for year in (today.year - 1, today.year, today.year + 1):
        start, end = campaign_window(year, settings)
        if today <= end:
            return start, end
    raise AssertionError("a campaign window ends within two years")


def effective_date(
    basis: Basis | str, today: date, settings: RuleSettings, *, first_attachment: bool = False
) -> date:
    """The day from which an attachment registered ``today`` on ``basis`` takes effect.

    An any-time basis, and the first attachment of a person attached nowhere, take effect on
    the day of registration. A free-choice change takes effect on the next
    ``campaign_effective`` day after ``today`` (1 January of the next year with the usual
    settings); this is the answer for a change that ``check_applicant`` allowed, i.e. one made
    during the campaign.
    """
    if first_attachment or settings.is_anytime(basis):
        return today
    candidate = _on(today.year, settings.campaign_effective)
    if candidate <= today:
        candidate = _on(today.year + 1, settings.campaign_effective)
    return candidate


def check_applicant(
    person: PersonFacts,
    current_attachment: AttachmentFacts | None,
    clinic_bin: str,
    basis: Basis | str,
    today: date,
    settings: RuleSettings,
    *,
    has_representative: bool | None = None,
) -> list[Finding]:
    """What stands for and against attaching ``person`` to ``clinic_bin`` on ``basis`` today.

    ``has_representative``: whether a parent or guardian is recorded on the application; None
    while the form does not say yet (a minor then gets a warning instead of a block).
    A dead person gets only the ``deceased`` finding: nothing else matters then.
    """
    basis = Basis(basis)
    if person.life_status is LifeStatus.DEAD:
        return [
            Finding(
                "deceased",
                Severity.BLOCK,
                "deceased",
                {"death_date": _show(person.death_date)},
            )
        ]

    findings: list[Finding] = []
    anytime = settings.is_anytime(basis)

    if current_attachment is None:
        findings.append(Finding("first_attachment", Severity.INFO))
    elif current_attachment.clinic_bin.strip() == clinic_bin.strip():
        findings.append(
            Finding(
                "already_attached_here",
                Severity.BLOCK,
                "already_attached_here",
                {"since": _show(current_attachment.since)},
            )
        )
    else:
        findings.append(
            Finding(
                "attached_elsewhere",
                Severity.INFO,
                params={
                    "clinic_bin": current_attachment.clinic_bin,
                    "since": _show(current_attachment.since),
                },
            )
        )
        findings.extend(_free_choice_limits(current_attachment, basis, anytime, today, settings))

    if anytime:
        findings.append(Finding("anytime_basis", Severity.INFO))
    if basis is Basis.NEWBORN and age_on(person.birth_date, today) >= 1:
        findings.append(Finding("newborn_basis_age", Severity.WARN))

    if age_on(person.birth_date, today) < ADULT_AGE:
        if has_representative is None:
            findings.append(Finding("representative_required", Severity.WARN))
        elif not has_representative:
            findings.append(
                Finding("representative_missing", Severity.BLOCK, "representative_missing")
            )

    if person.citizenship is Citizenship.FOREIGN_TEMPORARY:
        if person.has_insurance is None:
            findings.append(Finding("insurance_unverified", Severity.WARN))
        elif not person.has_insurance:
            findings.append(Finding("insurance_required", Severity.BLOCK, "not_eligible"))
    return findings


def _free_choice_limits(
    current: AttachmentFacts,
    basis: Basis,
    anytime: bool,
    today: date,
    settings: RuleSettings,
) -> list[Finding]:
    # A person moving from another clinic without an any-time basis uses their free choice,
    # which is bounded by the campaign, the interval since the last change and a yearly count.
    if anytime:
        return []
    out: list[Finding] = []
    if not in_campaign(today, settings):
        start, end = next_campaign(today, settings)
        out.append(
            Finding(
                "outside_campaign",
                Severity.BLOCK,
                "outside_campaign",
                {"campaign_start": _show(start), "campaign_end": _show(end)},
            )
        )
    allowed_from = current.since + timedelta(days=settings.min_days_between_changes)
    if today < allowed_from:
        out.append(
            Finding(
                "changed_too_recently",
                Severity.BLOCK,
                "changed_too_recently",
                {"since": _show(current.since), "allowed_from": _show(allowed_from)},
            )
        )
    if (
        current.changes_this_year is not None
        and current.changes_this_year >= settings.free_changes_per_year
    ):
        out.append(
            Finding(
                "change_limit_reached",
                Severity.BLOCK,
                "changed_too_recently",
                {
                    "count": str(current.changes_this_year),
                    "limit": str(settings.free_changes_per_year),
                },
            )
        )
    return out


def required_documents(
    category: Citizenship | str,
    age: int,
    flags: Collection[DocumentFlag | str] | Mapping[str, bool] = (),
) -> list[DocumentKind]:
    """The documents an applicant of ``category`` and ``age`` presents, in the order to ask.

    Everyone shows an identity document; a child under 16, who has none yet, shows the birth
    certificate instead. A minor is attached by a parent or guardian, who shows their own
    identity document and the child's birth certificate. The flags add the pension
    certificate, the disability extract, the guardianship decision and the commission's
    minutes; the citizenship category adds the residence permit, the кандас or refugee
    certificate, or the insurance policy. ``flags`` is a collection of ``DocumentFlag`` codes
    or a mapping of them to booleans.
    """
    category = Citizenship(category)
    if isinstance(flags, Mapping):
        flags = [name for name, on in flags.items() if on]
    wanted = {DocumentFlag(f) for f in flags}
    out: list[DocumentKind] = []
    if age >= IDENTITY_AGE:
        out.append(DocumentKind.IDENTITY)
    if age < ADULT_AGE:
        out.append(DocumentKind.BIRTH_CERTIFICATE)
    if age < ADULT_AGE or DocumentFlag.GUARDIAN in wanted:
        out.append(DocumentKind.REPRESENTATIVE_IDENTITY)
    if DocumentFlag.GUARDIAN in wanted:
        out.append(DocumentKind.GUARDIANSHIP_DECISION)
    by_category = {
        Citizenship.FOREIGN_RESIDENT: DocumentKind.RESIDENCE_PERMIT,
        Citizenship.STATELESS_RESIDENT: DocumentKind.RESIDENCE_PERMIT,
        Citizenship.KANDAS: DocumentKind.KANDAS_CERTIFICATE,
        Citizenship.REFUGEE: DocumentKind.REFUGEE_CERTIFICATE,
        Citizenship.FOREIGN_TEMPORARY: DocumentKind.INSURANCE_POLICY,
    }
    if category in by_category:
        out.append(by_category[category])
    if DocumentFlag.PENSIONER in wanted:
        out.append(DocumentKind.PENSION_CERTIFICATE)
    if DocumentFlag.DISABLED in wanted:
        out.append(DocumentKind.DISABILITY_EXTRACT)
    if DocumentFlag.COMMISSION in wanted:
        out.append(DocumentKind.COMMISSION_MINUTES)
    return out
