"""Common passwords are refused (issue 14): a maintained list of breached passwords (zxcvbn's),
the words a guesser of a Kazakh clinic tries first (cities, the clinic's name, "regdesk"), and
any of them with digits or signs added; the refusal says why and what to do, in kk, ru and en."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from regdesk.config import Clinic, Security
from regdesk.core.ids import make_iin
from regdesk.i18n import t
from regdesk.store.db import open_db
from regdesk.store.password_policy import check_policy, clinic_words, is_common
from regdesk.store.staff import HashParams, PasswordPolicyError, Staff

FAST = HashParams(memory_kib=64, iterations=1, lanes=1)
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
IIN = make_iin(date(1992, 11, 3), "male", 4567)
CLINIC = Clinic(name_kk="Байтерек емханасы", name_ru="Поликлиника Байтерек", code="BTR")


@pytest.mark.parametrize(
    "password",
    [
        "password12",  # found in breaches as it is
        "Qwerty1234",  # the same, whatever the case
        "Monkey!2024",  # a breached word with a year and a sign
        "Almaty2024!",  # a city
        "Шымкент-1990",  # a city in Cyrillic
        "Regdesk2026",  # the program
        "Пароль2026!",  # "password" in Russian
        "Байтерек-2026",  # the clinic's name (config [clinic])
        "Baiterek2026!",  # a word the admin added: [security] banned_words
    ],
)
def test_common_and_local_words_with_digits_are_refused(password: str) -> None:
    security = Security(banned_words=("Baiterek",))
    broken = check_policy(password, security, local_words=clinic_words(CLINIC))
    assert "staff.policy.common" in broken


@pytest.mark.parametrize(
    "password", ["Kelbet-2026-qala", "Тау-бұлақ-жапырақ 7", "Tree-House-42!", "Сары-Арқа-сағат 9"]
)
def test_passwords_of_unrelated_words_pass(password: str) -> None:
    assert check_policy(password, Security(), local_words=clinic_words(CLINIC)) == []


def test_the_clinics_words_come_from_its_names_and_code() -> None:
    words = clinic_words(CLINIC)
    assert {"байтерек", "емханасы", "поликлиника"} <= set(words)
    assert "btr" not in words  # shorter than four letters: too many passwords would hold it
    assert is_common("Байтерек Емханасы 1", words)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_refusal_says_why_and_what_to_do(tmp_path: Path, lang: str) -> None:
    staff = Staff(open_db(tmp_path / "regdesk.sqlite3"), Security(), params=FAST)
    for password in ("password12", "Qwerty1234"):
        with pytest.raises(PasswordPolicyError) as refused:
            staff.add(IIN, "Иванов Пётр", "admin", password, T0, actor="init")
        assert refused.value.broken == ["staff.policy.common"]
        text = refused.value.message(lang)
        # The heading, then why (a common password, with an example) and what to do instead.
        assert text.splitlines()[0] == t("staff.policy_refused", lang)
        why = {"kk": "жиі құпиясөз", "ru": "частым паролем", "en": "common password"}
        advice = {"kk": "бөлек сөзді", "ru": "не связанных слов", "en": "unrelated words"}
        assert why[lang] in text and "password12" in text and advice[lang] in text
    assert staff.get(IIN) is None
