"""The simulator's synthetic population: people, clinics and attachments, from a seed.

Everything is drawn from ``random.Random`` seeded with the seed, so one seed gives the same people
on every run in the same calendar year (birth dates are anchored to the current year, so that a
"child" stays a child; newborns are anchored to the day). The records are plain JSON-ready dicts
in the contract's shapes (docs/registry-api.md), which the simulator serves as they are.

Every case the desk handles has examples (``CASES``), listed by ``Population.cases`` and by
``sample_cases``; the rest of the population is households of citizens of all ages with a few
foreigners, living in real regions and cities. The demo clinic is a parameter (``clinic_bin``);
which people are attached to it does not depend on its BIN, so the examples stay the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from regdesk.core.clock import wall_utc
from regdesk.core.ids import EntityAttribute, EntityType, make_bin, make_iin

Record = dict[str, Any]

DEFAULT_PERSONS: Final = 2000
EXAMPLES_PER_CASE: Final = 3

CASES: Final[tuple[str, ...]] = (
    "adult",
    "unattached",
    "child",
    "newborn",
    "pensioner",
    "deceased",
    "no_record",
    "attached_here",
    "attached_elsewhere_recent",
    "attached_elsewhere_long_ago",
    "foreign_resident",
    "foreign_temporary_insured",
    "foreign_temporary_uninsured",
    "kandas",
    "refugee",
    "stateless",
    "expired_document",
)
"""The cases the desk handles; each has ``EXAMPLES_PER_CASE`` people (IINs for no_record)."""

CASE_DESCRIPTIONS: Final[dict[str, str]] = {
    "adult": "ordinary adult citizen, attached to another clinic more than a year ago",
    "unattached": "adult citizen attached to no clinic",
    "child": "minor whose parents are in the registry (representatives)",
    "newborn": "baby under two months, attached nowhere, birth certificate",
    "pensioner": "citizen aged 65 or more",
    "deceased": "dead according to the registry (life_status dead, death_date)",
    "no_record": "valid IIN that the registry does not know (404)",
    "attached_here": "already attached to the demo clinic",
    "attached_elsewhere_recent": "attached to another clinic less than a year ago",
    "attached_elsewhere_long_ago": "attached to another clinic several years ago",
    "foreign_resident": "foreigner with a residence permit",
    "foreign_temporary_insured": "temporarily staying foreigner with medical insurance",
    "foreign_temporary_uninsured": "temporarily staying foreigner without insurance",
    "kandas": "кандас (ethnic Kazakh resettled), residence permit",
    "refugee": "refugee with a refugee certificate",
    "stateless": "stateless person with a residence permit",
    "expired_document": "adult citizen whose identity card has expired",
}

# --- names, with the Kazakh letters as they are written --------------------------------------

KK_MALE: Final = (
    "Әлихан", "Нұрсұлтан", "Ерлан", "Асқар", "Дәурен", "Ғалым", "Бауыржан", "Жандос", "Қайрат",
    "Мұрат", "Серік", "Талғат", "Өмірзақ", "Ұлан", "Рүстем", "Айдос", "Нұрлан", "Ерболат",
    "Дархан", "Еркебұлан", "Санжар", "Әділет", "Ақжол", "Мейірхан", "Бақытжан", "Ілияс",
)  # fmt: skip
KK_FEMALE: Final = (
    "Әсел", "Айгүл", "Гүлназ", "Ақмарал", "Жанар", "Дина", "Әйгерім", "Назерке", "Гүлмира",
    "Сәуле", "Мөлдір", "Қарлығаш", "Ұлжан", "Аружан", "Балнұр", "Жұлдыз", "Іңкәр", "Томирис",
    "Нұрай", "Гауһар", "Айбөпе", "Шұғыла", "Ләззат", "Күләш",
)  # fmt: skip
KK_SURNAMES: Final = (
    "Жұмабаев", "Сәрсенбаев", "Қасымов", "Төлеуов", "Оспанов", "Ғабдуллин", "Құдайбергенов",
    "Әлиев", "Нұрғалиев", "Серікбаев", "Мұхаметжанов", "Үсенов", "Өмірбеков", "Ысқақов",
    "Шәкенов", "Тілеубердиев", "Ержанов", "Әбдірахманов", "Бейсенбаев", "Сұлтанбеков",
    "Қожахметов", "Есенғалиев", "Баймұханов", "Төлегенов",
)  # fmt: skip
RU_MALE: Final = (
    ("Александр", "Александрович", "Александровна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Пётр", "Петрович", "Петровна"),
)
RU_FEMALE: Final = (
    "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Юлия",
    "Екатерина", "Алёна", "Людмила",
)  # fmt: skip
RU_SURNAMES: Final = (
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Ковалёв", "Лебедев", "Егоров", "Павлов",
    "Козлов", "Степанов",
)  # fmt: skip

# Foreigners: (citizenship code, country, nationality code and name, male names with
# patronymic stems, female names, surnames, passport issuer). Patronymics are empty where the
# naming custom has none.
FOREIGN: Final[dict[str, dict[str, Any]]] = {
    "UZB": {
        "country": "Узбекистан",
        "nationality": ("uzbek", "узбек"),
        "male": (("Бахтиёр", "Бахтиёрович", "Бахтиёровна"), ("Рустам", "Рустамович", "Рустамовна"),
                 ("Шерзод", "Шерзодович", "Шерзодовна"), ("Жасур", "Жасурович", "Жасуровна")),
        "female": ("Дилноза", "Малика", "Гулнора", "Нодира"),
        "surnames": ("Каримов", "Рахимов", "Юсупов", "Абдуллаев", "Турсунов"),
        "issuer": "МВД Республики Узбекистан",
    },
    "KGZ": {
        "country": "Кыргызстан",
        "nationality": ("kyrgyz", "кыргыз"),
        "male": (("Азамат", "Азаматович", "Азаматовна"), ("Бакыт", "Бакытович", "Бакытовна"),
                 ("Эрлан", "Эрланович", "Эрлановна")),
        "female": ("Айпери", "Жылдыз", "Нурзат"),
        "surnames": ("Асанов", "Токтогулов", "Мамбетов"),
        "issuer": "ГРС Кыргызской Республики",
    },
    "RUS": {
        "country": "Россия",
        "nationality": ("russian", "русский"),
        "male": RU_MALE,
        "female": RU_FEMALE,
        "surnames": RU_SURNAMES,
        "issuer": "МВД России",
    },
    "CHN": {
        "country": "Китай",
        "nationality": ("chinese", "китаец"),
        "male": (("Вэй", "", ""), ("Лэй", "", ""), ("Мин", "", "")),
        "female": ("Фан", "Цзин", "Ли"),
        "surnames": ("Ли", "Ван", "Чжан", "Лю"),
        "issuer": "МОБ КНР",
        "plain_surnames": True,
    },
    "AFG": {
        "country": "Афганистан",
        "nationality": None,
        "male": (("Фарид", "", ""), ("Ахмад", "", ""), ("Наджиб", "", "")),
        "female": ("Мариям", "Захра", "Фатима"),
        "surnames": ("Ахмади", "Хайдари", "Рахими"),
        "issuer": "МВД РК",
        "plain_surnames": True,
    },
}  # fmt: skip
KANDAS_FROM: Final = (("MNG", "Монголия"), ("CHN", "Китай"), ("UZB", "Узбекистан"))

KAZ: Final = {"code": "KAZ", "name": "Казахстан"}
STATELESS: Final = {"code": "XXA", "name": "Лицо без гражданства"}

# --- places --------------------------------------------------------------------------------

DEMO_AREA: Final = ("г. Алматы", "Алмалинский район", "Алматы")
"""Region, district and city where a third of the population lives (the demo clinic's area)."""
DEMO_STREETS: Final = (
    "ул. Толе би",
    "ул. Жамбыла",
    "ул. Казыбек би",
    "ул. Панфилова",
    "ул. Байтурсынова",
    "ул. Шевченко",
)
"""Streets of the demo clinic's service area; the demo's districts are drawn from these."""

PLACES: Final = (
    ("г. Алматы", "Бостандыкский район", "Алматы"),
    ("г. Алматы", "Медеуский район", "Алматы"),
    ("г. Алматы", "Ауэзовский район", "Алматы"),
    ("г. Алматы", "Турксибский район", "Алматы"),
    ("г. Астана", "район Есиль", "Астана"),
    ("г. Астана", "район Сарыарка", "Астана"),
    ("г. Астана", "район Алматы", "Астана"),
    ("г. Шымкент", "Абайский район", "Шымкент"),
    ("г. Шымкент", "Аль-Фарабийский район", "Шымкент"),
    ("Карагандинская область", "", "Караганда"),
    ("Павлодарская область", "", "Павлодар"),
    ("Восточно-Казахстанская область", "", "Усть-Каменогорск"),
    ("Абайская область", "", "Семей"),
    ("Актюбинская область", "", "Актобе"),
    ("Атырауская область", "", "Атырау"),
    ("Мангистауская область", "", "Актау"),
    ("Жамбылская область", "", "Тараз"),
    ("Туркестанская область", "", "Туркестан"),
    ("Кызылординская область", "", "Кызылорда"),
    ("Костанайская область", "", "Костанай"),
    ("Северо-Казахстанская область", "", "Петропавловск"),
    ("Западно-Казахстанская область", "", "Уральск"),
    ("Акмолинская область", "", "Кокшетау"),
    ("Жетысуская область", "", "Талдыкорган"),
    ("Улытауская область", "", "Жезказган"),
    ("Алматинская область", "Талгарский район", "Талгар"),
    ("Алматинская область", "", "Конаев"),
)
STREETS: Final = (
    "ул. Абая", "пр. Абылай хана", "ул. Сатпаева", "ул. Кабанбай батыра", "пр. Достык",
    "ул. Гоголя", "ул. Пушкина", "пр. Республики", "ул. Кенесары", "ул. Момышулы",
    "мкр. Самал-2", "мкр. Аксай-4", "ул. Бейбитшилик", "ул. Желтоксан",
)  # fmt: skip

# Other clinics (name in Russian, in Kazakh); their BINs are drawn from the seed.
OTHER_CLINICS: Final = (
    ("ГКП на ПХВ «Городская поликлиника №4»", "«№4 қалалық емхана» ШЖҚ МКК"),
    ("ГКП на ПХВ «Городская поликлиника №7»", "«№7 қалалық емхана» ШЖҚ МКК"),
    ("ГКП на ПХВ «Городская поликлиника №11»", "«№11 қалалық емхана» ШЖҚ МКК"),
    ("ГКП на ПХВ «Городская поликлиника №17»", "«№17 қалалық емхана» ШЖҚ МКК"),
    ("ТОО «Медицинский центр „Мейірім“»", "«Мейірім» медициналық орталығы ЖШС"),
    ("ТОО «Семейная клиника „Шипагер“»", "«Шипагер» отбасылық клиникасы ЖШС"),
)


@dataclass
class Population:
    """The simulator's data: people by IIN, attachments by IIN, organisations by BIN."""

    persons: dict[str, Record] = field(default_factory=dict)
    attachments: dict[str, Record] = field(default_factory=dict)
    """IIN -> {clinic_bin, clinic_name, district, since}; absent: attached nowhere."""
    organisations: dict[str, Record] = field(default_factory=dict)
    cases: dict[str, list[str]] = field(default_factory=dict)
    clinic_bin: str = ""


def _female(surname: str) -> str:
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname


class _Builder:
    def __init__(self, seed: int, today: date, clinic_bin: str, clinic_name: str) -> None:
        self.rng = random.Random(f"regdesk-registry-sim/{seed}")
        self.today = today
        self.pop = Population(clinic_bin=clinic_bin)
        self.here = {"bin": clinic_bin, "name": clinic_name}
        self.others: list[dict[str, str]] = []
        for i, (ru, kk) in enumerate(OTHER_CLINICS):
            bin_ = make_bin(
                self.rng.randint(2000, 2015),
                self.rng.randint(1, 12),
                EntityType.RESIDENT,
                EntityAttribute.HEAD,
                self.rng.randrange(100000),
            )
            self.others.append({"bin": bin_, "name": ru})
            street = STREETS[i % len(STREETS)]
            self.pop.organisations[bin_] = _organisation(bin_, kk, ru, f"Алматы, {street}, {i + 3}")

    # -- drawing --------------------------------------------------------------------------

    def birth(self, age: int) -> date:
        rng = self.rng
        born = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        return born if born <= self.today else born.replace(year=born.year - 1)

    def iin(self, birth: date, sex: str) -> str:
        serial = self.rng.randrange(10000)
        while True:
            value = make_iin(birth, "male" if sex == "male" else "female", serial)
            if value not in self.pop.persons:
                return value
            serial = (serial + 1) % 10000

    def address(self, home: bool | None = None) -> Record:
        rng = self.rng
        in_area = rng.random() < 0.35 if home is None else home
        if in_area:
            region, district, city = DEMO_AREA
            street = rng.choice(DEMO_STREETS)
        else:
            region, district, city = rng.choice(PLACES)
            street = rng.choice(STREETS)
        flat = str(rng.randint(1, 180)) if rng.random() < 0.7 else None
        return {
            "region": region,
            "district": district,
            "city": city,
            "street": street,
            "house": str(rng.randint(1, 180)),
            "flat": flat,
            "ar_code": str(rng.randrange(10**11, 10**12)),
        }

    def document(self, kind: str, birth: date, issuer: str = "МВД РК") -> Record:
        rng, today = self.rng, self.today
        if kind == "birth_certificate":
            issued = min(today, birth + timedelta(days=rng.randint(3, 30)))
            return {
                "type": kind,
                "number": str(rng.randrange(10**6, 10**7)),
                "issued": issued.isoformat(),
                "expires": None,
                "issuer": "МЮ РК",
            }
        years = 10 if kind in ("id_card", "passport", "residence_permit") else 5
        # Issued at 16 or later and still valid today (the expired case is made on purpose).
        earliest = max(birth + timedelta(days=16 * 366), today - timedelta(days=years * 365 - 90))
        span = max(0, (today - earliest).days)
        issued = earliest + timedelta(days=rng.randint(0, span)) if span else today
        number = {
            "id_card": f"0{rng.randrange(10**7, 10**8)}",
            "passport": f"N{rng.randrange(10**7, 10**8)}",
            "residence_permit": f"F{rng.randrange(10**7, 10**8)}",
            "foreign_passport": f"FA{rng.randrange(10**6, 10**7)}",
        }.get(kind, f"{rng.randrange(10**5, 10**6)}")
        return {
            "type": kind,
            "number": number,
            "issued": issued.isoformat(),
            "expires": (issued + timedelta(days=years * 365)).isoformat(),
            "issuer": issuer,
        }

    def add(self, record: Record) -> str:
        self.pop.persons[record["iin"]] = record
        return str(record["iin"])

    def person(
        self,
        age: int,
        sex: str,
        *,
        ethnic: str = "kk",
        surname: str | None = None,
        father: str | None = None,
        birth: date | None = None,
        residency: str = "citizen",
        country: str = "KAZ",
        address: Record | None = None,
    ) -> Record:
        """A living person; ``surname`` is the male form, ``father`` the father's first name."""
        rng = self.rng
        born = birth or self.birth(age)
        male = sex == "male"
        patronymic: str | None
        if ethnic == "kk":
            first = rng.choice(KK_MALE if male else KK_FEMALE)
            root = surname or rng.choice(KK_SURNAMES)
            dad = father or rng.choice(KK_MALE)
            patronymic = dad + ("ұлы" if male else "қызы")
            nationality: Any = {"code": "kazakh", "name": "казах"}
        else:
            table = FOREIGN["RUS"] if ethnic == "ru" else FOREIGN[ethnic]
            dads = table["male"]
            first = rng.choice(dads)[0] if male else rng.choice(table["female"])
            root = surname or rng.choice(table["surnames"])
            dad_entry = next((d for d in dads if d[0] == father), None) or rng.choice(dads)
            patronymic = (dad_entry[1] if male else dad_entry[2]) or None
            nat = table["nationality"]
            nationality = None if nat is None else {"code": nat[0], "name": nat[1]}
        plain = ethnic != "kk" and FOREIGN.get(ethnic, {}).get("plain_surnames", False)
        citizenship = KAZ
        if country == "XXA":
            citizenship = STATELESS
        elif country != "KAZ":
            name = FOREIGN[country]["country"] if country in FOREIGN else dict(KANDAS_FROM)[country]
            citizenship = {"code": country, "name": name}
        if residency == "citizen":
            kind = "id_card" if age >= 16 else "birth_certificate"
            issuer = "МВД РК"
        elif residency == "foreign_temporary":
            kind, issuer = "foreign_passport", FOREIGN[country]["issuer"]
        elif residency == "refugee":
            kind, issuer = "refugee_certificate", "МВД РК"
        elif residency == "stateless_resident":
            kind, issuer = "residence_permit", "МВД РК"
        else:
            kind, issuer = "residence_permit", "МВД РК"
        return {
            "iin": self.iin(born, sex),
            "surname": root if male or plain else _female(root),
            "first_name": first,
            "patronymic": patronymic,
            "birth_date": born.isoformat(),
            "sex": sex,
            "citizenship": dict(citizenship),
            "nationality": nationality,
            "residency": residency,
            "has_insurance": None,
            "life_status": "alive",
            "death_date": None,
            "address": address if address is not None else self.address(),
            "document": self.document(kind, born, issuer),
            "representatives": [],
        }

    def attach(self, iin: str, clinic: dict[str, str] | None, since: date) -> None:
        if clinic is None:
            self.pop.attachments.pop(iin, None)
            return
        born = date.fromisoformat(self.pop.persons[iin]["birth_date"])
        self.pop.attachments[iin] = {
            "clinic_bin": clinic["bin"],
            "clinic_name": clinic["name"],
            "district": self.rng.randint(1, 12),
            "since": max(since, born).isoformat(),
        }

    def long_ago(self) -> date:
        return self.today - timedelta(days=self.rng.randint(2 * 365, 12 * 365))

    def recently(self) -> date:
        return self.today - timedelta(days=self.rng.randint(20, 300))

    def elsewhere(self) -> dict[str, str]:
        return self.rng.choice(self.others)

    # -- households -----------------------------------------------------------------------

    def family(self, ethnic: str, kids: list[int]) -> tuple[Record, Record, list[Record]]:
        """Two parents and children of the given ages, all at one address."""
        rng = self.rng
        youngest_parent = max([*kids, 0]) + 20
        dad_age = rng.randint(max(youngest_parent + 2, 24), max(youngest_parent + 22, 40))
        home = self.address()
        if ethnic == "kk":
            root = rng.choice(KK_SURNAMES)
        else:
            root = rng.choice(RU_SURNAMES)
        dad = self.person(dad_age, "male", ethnic=ethnic, surname=root, address=home)
        mum_age = max(youngest_parent, dad_age - rng.randint(0, 6))
        mum = self.person(mum_age, "female", ethnic=ethnic, address=home)
        if rng.random() < 0.8:
            mum["surname"] = _female(root)
        children = []
        for age in kids:
            kid = self.person(
                age,
                rng.choice(("male", "female")),
                ethnic=ethnic,
                surname=root,
                father=dad["first_name"],
                address=dict(home),
            )
            kid["representatives"] = [
                {"iin": mum["iin"], "relation": "mother"},
                {"iin": dad["iin"], "relation": "father"},
            ]
            children.append(kid)
        for p in (dad, mum, *children):
            self.add(p)
        return dad, mum, children

    def random_household(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.04:
            country = rng.choice(("UZB", "KGZ", "RUS", "CHN"))
            temporary = rng.random() < 0.4
            p = self.person(
                rng.randint(18, 60),
                rng.choice(("male", "female")),
                ethnic=country,
                residency="foreign_temporary" if temporary else "foreign_resident",
                country=country,
            )
            if temporary:
                p["has_insurance"] = rng.random() < 0.7
            self.add(p)
            if not temporary:
                self.attach(p["iin"], self.elsewhere(), self.long_ago())
            return
        ethnic = "kk" if rng.random() < 0.75 else "ru"
        if rng.random() < 0.3:
            # A single adult or an elderly person living alone.
            p = self.person(rng.randint(18, 95), rng.choice(("male", "female")), ethnic=ethnic)
            self.add(p)
            members = [p]
        else:
            n_kids = rng.choice((0, 1, 1, 2, 2, 3))
            dad, mum, kids = self.family(ethnic, [rng.randint(0, 17) for _ in range(n_kids)])
            members = [dad, mum, *kids]
        clinic: dict[str, str] | None
        roll = rng.random()
        clinic = self.here if roll < 0.1 else (self.elsewhere() if roll < 0.95 else None)
        since = self.long_ago()
        for m in members:
            age = self.today.year - int(m["birth_date"][:4])
            if age > 70 and rng.random() < 0.05:
                _kill(m, self.today - timedelta(days=rng.randint(10, 900)))
                continue
            self.attach(m["iin"], clinic, since)


def _organisation(bin_: str, kk: str, ru: str, address: str) -> Record:
    return {
        "bin": bin_,
        "name_kk": kk,
        "name_ru": ru,
        "kind": "clinic",
        "address": address,
        "active": True,
    }


def _kill(record: Record, when: date) -> None:
    record["life_status"] = "dead"
    record["death_date"] = max(when, date.fromisoformat(record["birth_date"])).isoformat()


def build_population(
    seed: int = 0,
    persons: int = DEFAULT_PERSONS,
    *,
    clinic_bin: str = "",
    clinic_name: str = "Демо поликлиника",
    today: date | None = None,
) -> Population:
    """The population for ``seed``: the examples of every case, then households up to ``persons``.

    ``clinic_bin`` is the demo clinic (a valid BIN drawn from the seed when empty); it is also
    served as an organisation.
    """
    today = today or wall_utc().date()
    if not clinic_bin:
        clinic_bin = make_bin(2010, 1, serial=seed % 100000)
    b = _Builder(seed, today, clinic_bin, clinic_name)
    pop = b.pop
    pop.organisations[clinic_bin] = _organisation(clinic_bin, clinic_name, clinic_name, "")
    cases: dict[str, list[str]] = {case: [] for case in CASES}
    for _ in range(EXAMPLES_PER_CASE):
        _examples(b, cases)
    pop.cases = cases
    while len(pop.persons) < persons:
        b.random_household()
    # IINs with no record: valid numbers nobody has, drawn from their own generator so that
    # they stay the same whatever the population's size.
    own = random.Random(f"regdesk-registry-sim/no-record/{seed}")
    missing: list[str] = []
    while len(missing) < EXAMPLES_PER_CASE:
        born = date(today.year - own.randint(18, 80), own.randint(1, 12), own.randint(1, 28))
        value = make_iin(born, own.choice(("male", "female")), own.randrange(10000))
        if value not in pop.persons and value not in missing:
            missing.append(value)
    cases["no_record"] = missing
    return pop


def _examples(b: _Builder, cases: dict[str, list[str]]) -> None:
    """One example of every case (no_record is drawn after the population)."""
    rng = b.rng

    def adult(**kw: Any) -> Record:
        sex = rng.choice(("male", "female"))
        p = b.person(rng.randint(kw.pop("low", 25), kw.pop("high", 55)), sex, **kw)
        b.add(p)
        return p

    p = adult(ethnic="kk" if rng.random() < 0.7 else "ru")
    b.attach(p["iin"], b.elsewhere(), b.long_ago())
    cases["adult"].append(p["iin"])

    p = adult(low=19, high=45)
    cases["unattached"].append(p["iin"])

    dad, mum, kids = b.family("kk" if rng.random() < 0.7 else "ru", [rng.randint(3, 14)])
    clinic = b.elsewhere()
    for m in (dad, mum, *kids):
        b.attach(m["iin"], clinic, b.long_ago())
    cases["child"].append(kids[0]["iin"])

    dad, mum, _ = b.family("kk", [])
    baby = b.person(
        0,
        rng.choice(("male", "female")),
        surname=dad["surname"],
        father=dad["first_name"],
        birth=b.today - timedelta(days=rng.randint(5, 50)),
        address=dict(dad["address"]),
    )
    baby["representatives"] = [{"iin": mum["iin"], "relation": "mother"}]
    b.add(baby)
    cases["newborn"].append(baby["iin"])

    p = adult(low=65, high=88)
    b.attach(p["iin"], b.elsewhere(), b.long_ago())
    cases["pensioner"].append(p["iin"])

    p = adult(low=60, high=90)
    _kill(p, b.today - timedelta(days=rng.randint(30, 700)))
    cases["deceased"].append(p["iin"])

    p = adult(low=20, high=70)
    p["address"] = b.address(home=True)
    b.attach(p["iin"], b.here, b.long_ago())
    cases["attached_here"].append(p["iin"])

    p = adult()
    b.attach(p["iin"], b.elsewhere(), b.recently())
    cases["attached_elsewhere_recent"].append(p["iin"])

    p = adult()
    b.attach(p["iin"], b.elsewhere(), b.long_ago())
    cases["attached_elsewhere_long_ago"].append(p["iin"])

    country = rng.choice(("UZB", "KGZ", "RUS"))
    p = adult(ethnic=country, residency="foreign_resident", country=country)
    cases["foreign_resident"].append(p["iin"])

    for case, insured in (
        ("foreign_temporary_insured", True),
        ("foreign_temporary_uninsured", False),
    ):
        country = rng.choice(("UZB", "CHN", "KGZ"))
        p = adult(ethnic=country, residency="foreign_temporary", country=country)
        p["has_insurance"] = insured
        cases[case].append(p["iin"])

    p = adult(residency="kandas", country=rng.choice(KANDAS_FROM)[0])
    cases["kandas"].append(p["iin"])

    p = adult(ethnic="AFG", residency="refugee", country="AFG")
    cases["refugee"].append(p["iin"])

    p = adult(
        ethnic="ru" if rng.random() < 0.5 else "kk", residency="stateless_resident", country="XXA"
    )
    cases["stateless"].append(p["iin"])

    p = adult(low=30, high=60)
    expired = b.today - timedelta(days=rng.randint(10, 300))
    p["document"]["expires"] = expired.isoformat()
    p["document"]["issued"] = (expired - timedelta(days=3650)).isoformat()
    b.attach(p["iin"], b.elsewhere(), b.long_ago())
    cases["expired_document"].append(p["iin"])


def sample_cases(
    seed: int = 0, persons: int = DEFAULT_PERSONS, *, today: date | None = None
) -> dict[str, list[str]]:
    """Example IINs of every case (``CASES``) in the population that ``seed`` gives."""
    return build_population(seed, persons, today=today).cases


__all__ = [
    "CASES",
    "CASE_DESCRIPTIONS",
    "DEFAULT_PERSONS",
    "DEMO_AREA",
    "DEMO_STREETS",
    "Population",
    "build_population",
    "sample_cases",
]
