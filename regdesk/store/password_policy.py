"""The password policy of ``[security]`` and the one-time passwords an admin hands over.

Pure functions over the settings: ``store.staff`` applies them when a password is set, and the
change-password screen explains the same rules before anything is typed.
"""

from __future__ import annotations

import secrets
import unicodedata

from regdesk.config import Security

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


def check_policy(password: str, security: Security, *, iin: str | None = None) -> list[str]:
    """The catalogue keys of every policy rule ``password`` breaks; empty when it is acceptable.

    The texts take ``min``, ``max`` and ``classes`` parameters: format them with
    ``policy_params(security)``. ``iin`` is the account's own IIN, which a password must not
    contain.
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
    lock-out.
    """
    alphabet = _OTP_LOWER + _OTP_UPPER + _OTP_DIGITS
    groups = max(3, -(-(security.password_min_length + 1) // 5))
    while True:
        parts = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(groups)]
        candidate = "-".join(parts)
        if not check_policy(candidate, security):
            return candidate


__all__ = [
    "MAX_PASSWORD_LENGTH",
    "POLICY_KEYS",
    "check_policy",
    "one_time_password",
    "policy_params",
]
