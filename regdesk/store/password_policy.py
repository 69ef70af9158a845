"""The password policy of ``[security]`` and the one-time passwords an admin hands over.

Pure functions over the settings: ``store.staff`` applies them when a password is set, and the
change-password screen explains the same rules before anything is typed.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from functools import cache

from regdesk.config import Clinic, Security

MAX_PASSWORD_LENGTH = 256
"""Longer passwords are refused: hashing cost grows with length, and nobody types more."""

POLICY_KEYS = (
    "staff.policy.too_short",
    "staff.policy.too_long",
    "staff.policy.classes",
    "staff.policy.one_character",
    "staff.policy.sequence",
    "staff.policy.contains_iin",
    "staff.policy.control_character",
    "staff.policy.common",
)
"""Every rule of ``check_policy``, as its catalogue key."""


def _classes(password: str) -> int:
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not (c.isalpha() or c.isdigit()) for c in password)
    return lower + upper + digit + other


_RUNS = (
    "01234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
)


def _is_sequence(password: str) -> bool:
    # "1234567890", "abcdefgh", "987654321", "qwertyui", "йцукен": a run along the alphabet, the
    # digits or a keyboard row (Latin and Russian/Kazakh layouts), forwards or backwards.
    folded = password.casefold()
    return any(folded in run or folded in run[::-1] for run in _RUNS)


# Words of this country and this program that guessers of a Kazakh clinic's passwords try first
# and that no list of the world's common passwords carries: the cities (Kazakh, Russian and Latin
# spellings), the country, the word "password", the program and its place of work.
_LOCAL = """
    almaty alma-ata astana nursultan nur-sultan shymkent karaganda qaraghandy karagandy aktobe
    aqtobe taraz pavlodar oskemen ust-kamenogorsk ustkamenogorsk semey semipalatinsk atyrau
    kostanay qostanay kyzylorda qyzylorda oral uralsk petropavl petropavlovsk aktau aqtau
    turkistan turkestan kokshetau taldykorgan taldyqorgan ekibastuz zhezkazgan jezkazgan temirtau
    baikonur baikonyr konaev kapchagay kazakhstan qazaqstan kazakstan kazakh qazaq
    алматы алма-ата астана нурсултан нұрсұлтан шымкент караганда қарағанды актобе ақтөбе тараз
    павлодар өскемен усть-каменогорск семей семипалатинск атырау костанай қостанай кызылорда
    қызылорда орал уральск петропавл петропавловск актау ақтау туркестан түркістан кокшетау
    көкшетау талдыкорган талдықорған экибастуз екібастұз жезказган жезқазған темиртау теміртау
    байконур байқоңыр конаев қонаев казахстан қазақстан казах қазақ
    regdesk registratura reception clinic klinika poliklinika polyclinic emkhana emhana
    hospital bolnica bolnitsa medicine doctor admin administrator
    регистратура клиника поликлиника емхана больница медицина доктор врач дәрігер админ
    администратор әкімші пароль парол құпиясөз кұпиясөз қупиясөз құпия кілтсөз
    """
LOCAL_WORDS = frozenset(_LOCAL.split())


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 passwords most often found in breaches (pyproject.toml says why
    # this package); loaded on first use, since only setting a password needs it.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def clinic_words(clinic: Clinic) -> tuple[str, ...]:
    """The words of the clinic's names and its code that a password must not be."""
    words: list[str] = []
    for name in (clinic.name_kk, clinic.name_ru, clinic.code):
        folded = unicodedata.normalize("NFKC", name).casefold()
        parts = "".join(c if c.isalpha() else " " for c in folded).split()
        words += [p for p in parts if len(p) >= 4]
        if len(parts) > 1:
            words.append("".join(parts))
    return tuple(dict.fromkeys(words))


def _core(folded: str) -> str:
    # "Qwerty1234" -> "qwerty", "2024-Almaty!" -> "almaty": digits, years and signs added at
    # either end are what people do to a word to pass a policy; they add little to a guesser.
    start, end = 0, len(folded)
    while start < end and not folded[start].isalpha():
        start += 1
    while end > start and not folded[end - 1].isalpha():
        end -= 1
    return folded[start:end]


def is_common(password: str, banned: Iterable[str] = ()) -> bool:
    """Whether ``password`` is a common password, or a common or local word (a city, the clinic's
    name, ``banned``) with digits or signs added at either end."""
    folded = unicodedata.normalize("NFKC", password).casefold()
    core = _core(folded)
    common = _common_passwords()
    local = LOCAL_WORDS | {unicodedata.normalize("NFKC", w).casefold() for w in banned}
    if folded in common or folded in local:
        return True
    if not core:
        return False
    # "Демо-емхана 1" is the clinic's name however its words are joined.
    letters = "".join(c for c in core if c.isalpha())
    return (len(core) >= 4 and core in common) or core in local or letters in local


def check_policy(
    password: str,
    security: Security,
    *,
    iin: str | None = None,
    local_words: Iterable[str] = (),
) -> list[str]:
    """The catalogue keys of every policy rule ``password`` breaks; empty when it is acceptable.

    The texts take ``min``, ``max`` and ``classes`` parameters: format them with
    ``policy_params(security)``. ``iin`` is the account's own IIN, which a password must not
    contain; ``local_words`` the clinic's own words (``clinic_words``) that it must not be,
    beside ``security.banned_words``.
    """
    broken: list[str] = []
    normal = unicodedata.normalize("NFKC", password)
    if len(normal) < security.password_min_length:
        broken.append("staff.policy.too_short")
    if len(normal) > MAX_PASSWORD_LENGTH:
        broken.append("staff.policy.too_long")
    if _classes(normal) < security.password_classes:
        broken.append("staff.policy.classes")
    if len(normal) > 1 and len(set(normal.casefold())) == 1:
        broken.append("staff.policy.one_character")
    elif len(normal) > 2 and _is_sequence(normal):
        broken.append("staff.policy.sequence")
    if iin and iin in normal:
        broken.append("staff.policy.contains_iin")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in normal):
        broken.append("staff.policy.control_character")
    if is_common(normal, (*security.banned_words, *local_words)):
        broken.append("staff.policy.common")
    return broken


def policy_params(security: Security) -> dict[str, object]:
    """The parameters the policy texts are formatted with."""
    return {
        "min": security.password_min_length,
        "max": MAX_PASSWORD_LENGTH,
        "classes": security.password_classes,
    }


# No letters or digits that read alike on a slip of paper or a screen (0/O, 1/l/I, 5/S, 2/Z).
_OTP_LOWER = "abcdefghjkmnpqrstuvwxyz"
_OTP_UPPER = "ABCDEFGHJKMNPQRTUVWXY"
_OTP_DIGITS = "346789"


def one_time_password(security: Security) -> str:
    """A random password that meets the policy, in groups of four joined by hyphens.

    An admin reads it out or hands it over once; the employee must replace it at the next
    sign-in. About 5 bits a character: 14 characters are far beyond an online guess under the
    sign-in throttle.
    """
    alphabet = _OTP_LOWER + _OTP_UPPER + _OTP_DIGITS
    groups = max(3, -(-(security.password_min_length + 1) // 5))
    while True:
        parts = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(groups)]
        candidate = "-".join(parts)
        if not check_policy(candidate, security):
            return candidate


__all__ = [
    "LOCAL_WORDS",
    "MAX_PASSWORD_LENGTH",
    "POLICY_KEYS",
    "check_policy",
    "clinic_words",
    "is_common",
    "one_time_password",
    "policy_params",
]
