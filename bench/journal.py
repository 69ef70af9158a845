"""Journal search over a million applications, each form the desk accepts (budget: median <= 20 ms).

The forms: a whole IIN, an IIN prefix (6 to 11 digits, some typed on the Kazakh layout's digit
row), a number's tail ("000123", "2026-000123", the whole number in small letters or with
Cyrillic look-alikes), and a surname prefix typed with Kazakh or Russian letters.

The first run generates 1,000,000 applications with Kazakh and Russian names and valid-looking
IINs into a file under the system's temp folder (keyed by the schema version and the size) and
keeps it for later runs; ``REGDESK_BENCH_ROWS`` changes the size, ``REGDESK_BENCH_FRESH=1``
rebuilds it. Each query goes through ``desk.journal.search_journal`` as the desk's journal calls
it (the typed text read by ``parse_query``, limit 50).
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from regdesk.core.ids import KAZAKH_DIGIT_ROW
from regdesk.desk.journal import search_journal
from regdesk.store import schema
from regdesk.store.db import open_db
from regdesk.store.journal import Journal, make_name_key

ROWS = int(os.environ.get("REGDESK_BENCH_ROWS", "1000000"))
QUERIES = 200
SEED = 20261125

# (male form, female form) of common surnames.
# Russian spellings of Kazakh surnames, as a Russian keyboard types them.
RU_SPELT = str.maketrans("ҒҚҢҮҰӨӘІҺғқңүұөәіһ", "ГКНУУОАИХгкнууоаих")
_KK_ROW: dict[str, str] = {}
for _key, _digit in KAZAKH_DIGIT_ROW.items():  # the unshifted key comes first
    _KK_ROW.setdefault(_digit, _key)

SURNAMES = [
    ("Ахметов", "Ахметова"), ("Әбілов", "Әбілова"), ("Байжанов", "Байжанова"),
    ("Бекмұратов", "Бекмұратова"), ("Дәулетов", "Дәулетова"), ("Ержанов", "Ержанова"),
    ("Жұмабаев", "Жұмабаева"), ("Иманғалиев", "Иманғалиева"), ("Қасымов", "Қасымова"),
    ("Құрманов", "Құрманова"), ("Мұқанов", "Мұқанова"), ("Нұрланов", "Нұрланова"),
    ("Оспанов", "Оспанова"), ("Өмірбеков", "Өмірбекова"), ("Рахимов", "Рахимова"),
    ("Сәрсенбаев", "Сәрсенбаева"), ("Серікбаев", "Серікбаева"), ("Тоқтаров", "Тоқтарова"),
    ("Үсенов", "Үсенова"), ("Ұзақов", "Ұзақова"), ("Шәкенов", "Шәкенова"),
    ("Ысқақов", "Ысқақова"), ("Ғабдуллин", "Ғабдуллина"), ("Есенов", "Есенова"),
    ("Жақсылықов", "Жақсылықова"), ("Нұрпейісов", "Нұрпейісова"), ("Сейітов", "Сейітова"),
    ("Төлеген", "Төлеген"), ("Кенжебаев", "Кенжебаева"), ("Әлиев", "Әлиева"),
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"), ("Васильев", "Васильева"), ("Петров", "Петрова"),
    ("Соколов", "Соколова"), ("Михайлов", "Михайлова"), ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"),
    ("Егоров", "Егорова"), ("Павлов", "Павлова"), ("Ким", "Ким"), ("Пак", "Пак"),
    ("Цой", "Цой"), ("Шевченко", "Шевченко"), ("Бондаренко", "Бондаренко"),
]  # fmt: skip
KAZAKH_SURNAMES = 30
"""The first 30 surnames take Kazakh patronymics (-ұлы, -қызы), the rest Russian ones."""
MALE = ["Асқар", "Ерлан", "Нұрлан", "Дәурен", "Ғалым", "Бауыржан", "Қайрат", "Серік", "Әлішер",
        "Арман", "Данияр", "Ержан", "Иван", "Сергей", "Алексей", "Дмитрий", "Андрей", "Олег",
        "Тимур", "Руслан", "Мұхтар", "Жандос", "Ілияс", "Өркен"]  # fmt: skip
FEMALE = ["Айгүл", "Гүлнұр", "Әсем", "Жанар", "Мәдина", "Ақбота", "Динара", "Сәуле", "Айнұр",
          "Гүлмира", "Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Мария", "Жұлдыз",
          "Ұлжан", "Балжан", "Күләш", "Нұргүл"]  # fmt: skip
FATHERS = ["Серік", "Қайрат", "Нұрлан", "Ерлан", "Асқар", "Бақыт", "Марат", "Болат", "Ғани",
           "Омар"]  # fmt: skip
RU_FATHERS = ["Иван", "Сергей", "Петр", "Алексей", "Владимир", "Николай"]
STATES = ["issued"] * 80 + ["refused"] * 8 + ["registered"] * 6 + ["abandoned"] * 4 + ["draft"] * 2


_W1 = tuple(range(1, 12))
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_EPOCH = date(1930, 1, 1).toordinal()


def _check_digit(first_eleven: str) -> int | None:
    digits = [ord(c) - 48 for c in first_eleven]
    for weights in (_W1, _W2):
        value = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if value != 10:
            return value
    return None


def make_iin(rng: random.Random) -> str:
    """A valid-looking IIN: a birth date, the century and sex digit, a serial, the check digit."""
    while True:
        born = date.fromordinal(_EPOCH + int(rng.random() * 34000))
        sex = 0 if rng.random() < 0.5 else 1
        century = 3 if born.year < 2000 else 5
        head = (
            f"{born.year % 100:02d}{born.month:02d}{born.day:02d}{century + sex}"
            f"{int(rng.random() * 10000):04d}"
        )
        digit = _check_digit(head)
        if digit is not None:
            return head + str(digit)


def _patronymic(father: str, male: bool, russian: bool) -> str:
    if russian:
        return father + ("ович" if male else "овна")
    return father + ("ұлы" if male else "қызы")


def cache_path(rows: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "regdesk-bench"
    return folder / f"journal-schema{schema.SCHEMA_VERSION}-{rows}.sqlite3"


def generate(path: Path, rows: int) -> None:
    """Fill a new database at ``path`` with ``rows`` applications."""
    rng = random.Random(SEED)
    partial = path.with_suffix(".part")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    open_db(partial).conn.close()  # the real schema, through the real migrations
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    # Indexes are dropped while loading and built once at the end: much faster than row by row.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applications'"
        " AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    start = datetime(2024, 1, 1, 3, 0, tzinfo=UTC)
    span = int((datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds())
    seqs: dict[int, int] = {}
    keys: dict[tuple[str, str, str], str] = {}
    clerks = [make_iin(rng) for _ in range(12)]
    conn.execute("BEGIN")
    batch: list[tuple[object, ...]] = []
    offsets = sorted(rng.randrange(span) for _ in range(rows))
    for i in range(rows):
        which = int(rng.random() * len(SURNAMES))
        male_form, female_form = SURNAMES[which]
        male = rng.random() < 0.5
        russian = which >= KAZAKH_SURNAMES
        surname = male_form if male else female_form
        first = rng.choice(MALE if male else FEMALE)
        patronymic = _patronymic(rng.choice(RU_FATHERS if russian else FATHERS), male, russian)
        iin = make_iin(rng)
        created = start + timedelta(seconds=offsets[i], microseconds=int(rng.random() * 1e6))
        state = rng.choice(STATES)
        number = year = seq = None
        registered = decided = None
        created_text = created.isoformat(timespec="microseconds")  # already UTC
        if state in ("issued", "registered", "refused") and rng.random() < 0.9:
            year = created.year
            seq = seqs[year] = seqs.get(year, 0) + 1
            number = f"EMH-{year}-{seq:06d}"
            registered = created_text
        if state in ("issued", "refused"):
            decided = created_text
        batch.append(
            (
                "desk" if rng.random() < 0.7 else "portal",
                state,
                number,
                year,
                seq,
                iin,
                surname,
                first,
                patronymic,
                keys.get((surname, first, patronymic))
                or keys.setdefault(
                    (surname, first, patronymic), make_name_key(surname, first, patronymic)
                ),
                iin_birth_date(iin),
                1 + int(rng.random() * 39),
                "no_data" if state == "refused" else None,
                rng.choice(clerks),
                created_text,
                created_text,
                registered,
                decided,
            )
        )
        if len(batch) >= 50_000:
            _insert(conn, batch)
            batch.clear()
    _insert(conn, batch)
    for year, last in seqs.items():
        conn.execute("INSERT INTO number_counters VALUES ('EMH', ?, ?)", (year, last))
    conn.execute("COMMIT")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    os.replace(partial, path)


def iin_birth_date(iin: str) -> str:
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[iin[6]]
    return f"{century + int(iin[:2])}-{iin[2:4]}-{iin[4:6]}"


def _insert(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO applications (channel, state, number, number_year, number_seq,"
        " applicant_iin, surname, first_name, patronymic, name_key, birth_date, district,"
        " refusal_code, created_by, created_at, updated_at, registered_at, decided_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch,
    )


def _median_ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def main() -> None:
    path = cache_path(ROWS)
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("REGDESK_BENCH_FRESH") == "1":
        path.unlink(missing_ok=True)
    if path.exists():
        print(f"reusing {ROWS:,} generated applications in {path}")
    else:
        began = time.perf_counter()
        generate(path, ROWS)
        print(f"generated {ROWS:,} applications in {time.perf_counter() - began:.1f} s: {path}")
    journal = Journal(open_db(path))
    rng = random.Random(SEED + 1)
    iins = [
        r[0]
        for r in journal.db.conn.execute(
            "SELECT applicant_iin FROM applications WHERE id % ? = 0 LIMIT ?",
            (max(ROWS // (QUERIES * 2), 1), QUERIES),
        )
    ]
    # Half of the IIN look-ups are people who are not in the journal (a walk-in's first visit).
    probes = [iin if i % 2 else make_iin(rng) for i, iin in enumerate(iins)]
    prefixes = []
    for _ in range(QUERIES):
        male_form, female_form = rng.choice(SURNAMES)
        name = rng.choice((male_form, female_form, f"{female_form} {rng.choice(FEMALE)}"))
        cut = name[: rng.randrange(2, len(name) + 1)]
        cut = rng.choice((cut, cut.translate(RU_SPELT)))  # Габдуллин as well as Ғабдуллин
        prefixes.append(rng.choice((cut, cut.upper(), cut.lower())))
    iin_prefixes = []
    for i, iin in enumerate(iins):
        cut = iin[: rng.randrange(6, 12)]
        # One in four typed on the Kazakh layout's digit row.
        iin_prefixes.append("".join(_KK_ROW[d] for d in cut) if i % 4 == 0 else cut)
    year, last = journal.db.conn.execute(
        "SELECT number_year, max(number_seq) FROM applications WHERE number_year IS NOT NULL"
        " GROUP BY number_year ORDER BY number_year DESC LIMIT 1"
    ).fetchone()
    tails = []
    for i in range(QUERIES):
        seq = 1 + int(rng.random() * last)
        tails.append(
            (
                f"{seq:06d}",
                f"{year}-{seq:06d}",
                f"emh-{year}-{seq:06d}",
                f"ЕМН-{year}-{seq:06d}",  # Cyrillic Е, М, Н
                str(seq),
            )[i % 5]
        )
    for warm in probes[:10]:
        search_journal(journal.search, warm)
    forms = {
        "whole IIN": probes,
        "IIN prefix": iin_prefixes,
        "number tail": tails,
        "surname": prefixes,
    }
    runs: dict[str, list[float]] = {kind: [] for kind in forms}
    hits: dict[str, int] = dict.fromkeys(forms, 0)
    for i in range(QUERIES):
        for kind, texts in forms.items():
            if i >= len(texts):
                continue
            t0 = time.perf_counter()
            found = search_journal(journal.search, texts[i], limit=50)
            runs[kind].append(time.perf_counter() - t0)
            hits[kind] += len(found)
    for kind, samples in runs.items():
        median, p95 = _median_ms(samples)
        print(
            f"search by {kind:<11} over {ROWS:,}: median {median:.2f} ms, p95 {p95:.2f} ms"
            f" ({len(samples)} queries; budget 20 ms; rows found {hits[kind]})"
        )
