"""The district suggestion: the config's ranges, street types in kk and ru, whole words."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from regdesk.core.districts import parse_range, suggest_district
from regdesk.core.person import Address


@dataclass(frozen=True)
class District:
    number: int
    addresses: tuple[str, ...]


DISTRICTS = (
    District(1, ("Абай даңғылы 1-45", "Сәтбаев көшесі")),
    District(2, ("Абай даңғылы 47, 51-99", "Төле би")),
    District(3, ("мкр. Самал-2", "Жамбыл 2-40", "мкр. 5")),
    District(4, ("Абай",)),  # the rest of Абай: a whole street loses to a range that covers
)


def _registered(street: str, house: str = "") -> Address:
    return Address("г. Алматы", "", "Алматы", street, house, None, "")


def test_an_entry_is_the_street_words_then_house_numbers_and_ranges() -> None:
    r = parse_range("Абай даңғылы 47, 51-99")
    assert r.street == ("абай",) and r.houses == ((47, 47), (51, 99))
    assert parse_range("ул. Төле би").street == ("толе", "би")
    assert parse_range("Төле би").houses == ()
    assert parse_range("мкр. 5").street == ("5",)  # a street named by a number keeps it
    assert parse_range("Абай 45-1").houses == ((1, 45),)
    assert parse_range("Абай 1 - 45").houses == ((1, 45),)


@pytest.mark.parametrize(
    ("address", "district", "entry"),
    [
        # Street type words in kk and ru, before or after the name, with or without dots.
        ("пр. Абая, 12", 1, "Абай даңғылы 1-45"),
        ("проспект Абая 45А, кв. 3", 1, "Абай даңғылы 1-45"),
        ("Абай даңғылы, 10", 1, "Абай даңғылы 1-45"),
        ("Алматы қ., Абай даңғ. 47", 2, "Абай даңғылы 47, 51-99"),
        ("г. Алматы, Абай даңғылы д. 60", 2, "Абай даңғылы 47, 51-99"),
        # House 46 and 101 are in no range of Абай: the whole-street entry of district 4 takes them.
        ("ул. Абая 46", 4, "Абай"),
        ("Абай көшесі, 101", 4, "Абай"),
        # Kazakh letters and their Russian look-alikes; the Russian genitive.
        ("ул. Толе би 15", 2, "Төле би"),
        ("Төле би көшесі, 3", 2, "Төле би"),
        ("улица Сатбаева 7", 1, "Сәтбаев көшесі"),
        ("ул. Жамбыла 12", 3, "Жамбыл 2-40"),
        ("Жамбыл көш. 40/2", 3, "Жамбыл 2-40"),
        ("мкр. Самал-2, д. 8", 3, "мкр. Самал-2"),
        ("Самал-2 шағын ауданы, 8", 3, "мкр. Самал-2"),
        ("ш.а. 5, 14", 3, "мкр. 5"),
    ],
)
def test_the_actual_address_matches_by_street_and_house(
    address: str, district: int, entry: str
) -> None:
    got = suggest_district(DISTRICTS, actual=address)
    assert (got.source, got.district, got.entry) == ("actual", district, entry)
    assert got.address == address and got.matched


@pytest.mark.parametrize(
    "address",
    [
        "ул. Төлеген Тәжібаев 5",  # not Төле би: words are compared whole
        "Абайская область, г. Семей, ул. Ленина 4",  # not the district's Абай street
        "Абай облысы, Семей қ., Ленин көшесі 4",
        "г. Абай, ул. Ленина 4",  # a town called Абай
        "Абай ауданы, Қарағанды облысы",
        "ул. Жамбыла 41",  # Жамбыл is served only for houses 2-40
        "ул. Жамбыла",  # a range needs a house number
        "мкр. Самал-3, 8",
        "ул. Абылай хана 5",
        "",
    ],
)
def test_no_range_matches_and_nothing_is_made_up(address: str) -> None:
    got = suggest_district(DISTRICTS, actual=address)
    assert got.district is None and got.entry == "" and not got.matched


def test_the_actual_address_wins_over_the_registered_one() -> None:
    registered = _registered("ул. Толе би", "15")
    from_registry = suggest_district(DISTRICTS, registered=registered)
    assert (from_registry.source, from_registry.district) == ("registered", 2)
    assert from_registry.address == "ул. Толе би 15"
    moved = suggest_district(DISTRICTS, actual="пр. Абая 3", registered=registered)
    assert (moved.source, moved.district) == ("actual", 1)
    # A typed actual address that no range covers says so: no falling back to the registered.
    away = suggest_district(DISTRICTS, actual="ул. Ленина 4", registered=registered)
    assert (away.source, away.district) == ("actual", None)
    blank = suggest_district(DISTRICTS, actual="   ", registered=registered)
    assert blank.source == "registered" and blank.district == 2


def test_no_address_and_no_districts_give_no_district() -> None:
    assert suggest_district(DISTRICTS).source is None
    assert suggest_district(DISTRICTS, registered=_registered("", "")).district is None
    assert suggest_district((), actual="пр. Абая 3").district is None


def test_the_first_district_wins_among_equal_ranges() -> None:
    twice = (District(5, ("Төле би",)), District(6, ("Төле би",)))
    assert suggest_district(twice, actual="Төле би 1").district == 5
