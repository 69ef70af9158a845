"""Grounds of a motivated refusal (дәлелденген бас тарту / мотивированный отказ).

Each reason has a stable code (stored with the application's REFUSED event) and its text in
Kazakh, Russian and English, written to stand on a printed refusal notice after a heading such
as "Ground of refusal". The texts live here as data, beside the codes, because a notice prints
two languages at once and the codes and texts must change together. ``other`` needs a free-text
note, printed after its text.

The regulation refuses at two points: before registration (Table 2 step 4, "no data in the
state databases", and a portal request refused before it is registered) and after registration
(Table 2 step 7 and Table 1 action 7, "violations in the applicant's data").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from regdesk.core.application import State


class RefusalStep(StrEnum):
    """When in the process a refusal is made."""

    BEFORE_REGISTRATION = "before"
    """Table 2 step 4 (a desk draft) or a portal request refused before it gets a number."""
    AFTER_REGISTRATION = "after"
    """Table 2 step 7 / Table 1 action 7: the application already has its number."""


_BOTH: Final = frozenset(RefusalStep)
_BEFORE: Final = frozenset({RefusalStep.BEFORE_REGISTRATION})


@dataclass(frozen=True)
class RefusalReason:
    """One ground of refusal with its formal text in the three languages."""

    code: str
    kk: str
    ru: str
    en: str
    applies_to: frozenset[RefusalStep] = _BOTH
    needs_note: bool = False
    """True when the text alone does not state the ground and a note must complete it."""

    @property
    def texts(self) -> dict[str, str]:
        """The texts by language code."""
        return {"kk": self.kk, "ru": self.ru, "en": self.en}

    def text(self, lang: str) -> str:
        """The text in ``lang`` (English for an unknown language)."""
        return self.texts.get(lang, self.en)

    def applies(self, *, before_registration: bool) -> bool:
        """Whether this reason may be given before (or else after) registration."""
        if before_registration:
            return RefusalStep.BEFORE_REGISTRATION in self.applies_to
        return RefusalStep.AFTER_REGISTRATION in self.applies_to


class UnknownRefusalReason(KeyError):
    """A refusal code that is not in the catalogue (a programming or data error)."""


CATALOGUE: Final[tuple[RefusalReason, ...]] = (
    RefusalReason(
        code="no_data",
        kk="«Жеке тұлғалар» мемлекеттік мәліметтер базасында көрсетілген ЖСН бойынша "
        "қызмет алушы туралы мәліметтер жоқ.",
        ru="В государственной базе данных «Физические лица» отсутствуют сведения "
        "об услугополучателе по указанному ИИН.",
        en='The state database "Individuals" holds no data on the applicant for the IIN given.',
        applies_to=_BEFORE,
    ),
    RefusalReason(
        code="deceased",
        kk="«Жеке тұлғалар» мемлекеттік мәліметтер базасының деректері бойынша қызмет алушы "
        "қайтыс болған.",
        ru="По сведениям государственной базы данных «Физические лица» услугополучатель умер.",
        en='According to the state database "Individuals", the applicant has died.',
    ),
    RefusalReason(
        code="already_attached_here",
        kk="Қызмет алушы осы медициналық ұйымға бұрыннан тіркелген.",
        ru="Услугополучатель уже прикреплён к данной медицинской организации.",
        en="The applicant is already attached to this medical organisation.",
    ),
    RefusalReason(
        code="changed_too_recently",
        kk="Қызмет алушы медициналық ұйымды еркін таңдау бойынша белгіленген мерзімнен ерте "
        "ауыстырған және осы мерзімнен тыс тіркелуге негіз (тұрғылықты жерін ауыстыру немесе "
        "өзге негіз) ұсынбаған.",
        ru="Услугополучатель менял медицинскую организацию по свободному выбору ранее "
        "установленного срока и не представил основания для прикрепления вне этого срока "
        "(перемена места жительства или иное основание).",
        en="The applicant changed medical organisation by free choice sooner than the "
        "established interval allows and presented no ground for attachment outside it "
        "(a change of residence or another ground).",
    ),
    RefusalReason(
        code="outside_campaign",
        kk="Еркін таңдау бойынша тіркелу тіркеу науқаны кезеңінде жүзеге асырылады; осы "
        "кезеңнен тыс тіркелуге негіз ұсынылмаған.",
        ru="Прикрепление по свободному выбору осуществляется в период кампании по "
        "прикреплению; основание для прикрепления вне этого периода не представлено.",
        en="Attachment by free choice takes place during the attachment campaign; no ground "
        "for attachment outside that period was presented.",
    ),
    RefusalReason(
        code="documents_missing",
        kk="Тіркелу үшін қажетті құжаттар толық ұсынылмаған.",
        ru="Не представлен полный пакет документов, необходимых для прикрепления.",
        en="The documents required for attachment were not all presented.",
    ),
    RefusalReason(
        code="data_mismatch",
        kk="Ұсынылған құжаттардағы мәліметтер «Жеке тұлғалар» мемлекеттік мәліметтер "
        "базасындағы мәліметтерге сәйкес келмейді.",
        ru="Сведения в представленных документах не соответствуют сведениям государственной "
        "базы данных «Физические лица».",
        en='The data in the documents presented do not match the state database "Individuals".',
    ),
    RefusalReason(
        code="not_eligible",
        kk="Қызмет алушы тіркелуге құқығы бар адамдарға жатпайды: Қазақстан Республикасында "
        "уақытша болатын шетелдіктер мен азаматтығы жоқ адамдар медициналық сақтандыру "
        "болған жағдайда ғана тіркеледі.",
        ru="Услугополучатель не относится к лицам, имеющим право на прикрепление: временно "
        "пребывающие в Республике Казахстан иностранцы и лица без гражданства прикрепляются "
        "только при наличии медицинского страхования.",
        en="The applicant is not among the persons entitled to attachment: foreigners and "
        "stateless persons staying in the Republic of Kazakhstan temporarily are attached "
        "only with medical insurance.",
    ),
    RefusalReason(
        code="representative_missing",
        kk="Кәмелетке толмаған немесе әрекетке қабілетсіз адамды оның заңды өкілі (ата-анасы, "
        "қорғаншысы) тіркейді; заңды өкіл жүгінбеген немесе өкілеттігін растайтын құжатты "
        "ұсынбаған.",
        ru="Прикрепление несовершеннолетнего или недееспособного лица осуществляется его "
        "законным представителем (родителем, опекуном); законный представитель не обратился "
        "или не представил документ, подтверждающий его полномочия.",
        en="A minor or a legally incapable person is attached by their legal representative "
        "(a parent or guardian); the representative did not apply or did not present a "
        "document confirming their authority.",
    ),
    RefusalReason(
        code="duplicate_application",
        kk="Осы қызмет алушыны тіркеу туралы қаралу үстіндегі өтініш бар.",
        ru="Заявление о прикреплении данного услугополучателя уже находится на рассмотрении.",
        en="An application for the attachment of this applicant is already under consideration.",
    ),
    RefusalReason(
        code="other",
        kk="Ескертпеде көрсетілген өзге негіз.",
        ru="Иное основание, изложенное в примечании.",
        en="Another ground, stated in the note.",
        needs_note=True,
    ),
)

"""Every refusal reason, in the order a list on screen shows them."""

BY_CODE: Final[dict[str, RefusalReason]] = {r.code: r for r in CATALOGUE}
"""The same reasons by code."""


def reason(code: str) -> RefusalReason:
    """The reason with ``code``; ``UnknownRefusalReason`` (a ``KeyError``) when there is none."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownRefusalReason(code) from None


def step_of(state: State) -> RefusalStep:
    """The refusal step for an application currently in ``state``.

    Only the states a refusal may start from (``DRAFT``, ``RECEIVED``, ``REGISTERED``) have one;
    any other raises ``ValueError``.
    """
    if state in (State.DRAFT, State.RECEIVED):
        return RefusalStep.BEFORE_REGISTRATION
    if state is State.REGISTERED:
        return RefusalStep.AFTER_REGISTRATION
    raise ValueError(f"an application in state {state.value} cannot be refused")


def for_step(step: RefusalStep | State) -> list[RefusalReason]:
    """The reasons that may be given at ``step`` (or for an application in that state)."""
    if isinstance(step, State):
        step = step_of(step)
    return [r for r in CATALOGUE if step in r.applies_to]
