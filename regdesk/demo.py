"""``regdesk demo``: a complete clinic in a throw-away folder, with nothing to set up.

The workspace holds a config, the database with two demo employees, a demo CA and a signing key
store per employee, a scanner folder with sample scans, and a folder that receives the prints.
The registry simulator runs in this process on a free loopback port. Everything is real — the
same code paths as a clinic's installation — only the data and the CA are made up.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regdesk.config import Config, load
from regdesk.core.clock import ClinicClock, wall_utc

if TYPE_CHECKING:
    from regdesk.tui.app import DemoInfo

KEY_PASSWORD = "demo-key-2026"

STAFF = (
    # role, birth date, sex, surname, given name, patronymic, password
    (
        "receptionist",
        date(1991, 4, 12),
        "female",
        "Нұрланова",
        "Айгүл",
        "Серікқызы",
        "Desk-2026-demo",
    ),
    ("admin", date(1983, 9, 30), "male", "Жақсыбеков", "Ерлан", "Маратұлы", "Admin-2026-demo"),
)

CLINIC_TOML = """\
# The demo clinic's configuration, written by `regdesk demo`. config.example.toml explains
# every setting.

[clinic]
name_kk = "№1 қалалық емхана (демо)"
name_ru = "Городская поликлиника №1 (демо)"
bin = "{bin}"
address_kk = "Алматы қ., Абай даңғылы, 10"
address_ru = "г. Алматы, проспект Абая, 10"
phone = "+7 727 000 00 00"
code = "DEMO"

[[districts]]
number = 1
doctor = "Сәрсенбаева Гүлнар Асқарқызы"
nurse = "Ким Елена Викторовна"
addresses = ["Төле би 1-90", "Жамбыл көшесі", "Панфилов көшесі"]

[[districts]]
number = 2
doctor = "Иванов Сергей Петрович"
nurse = "Омарова Әсем Болатқызы"
addresses = ["Төле би 91-180", "Қазыбек би көшесі", "Байтұрсынов көшесі"]

[[districts]]
number = 3
doctor = "Мұхамеджанов Қайрат Серікұлы"
nurse = "Ахметова Динара Ерланқызы"
addresses = ["Шевченко көшесі", "Абай даңғылы 1-45"]

[registry]
base_url = "{registry_url}"
token = "{registry_token}"
connect_timeout = 2.0
read_timeout = 6.0
retries = 1

[signing]
trusted_ca = ["keys/demo-ca.pem"]

[portal]
# The simulated portal's applicants sign with keys of the simulator's own CA.
trusted_ca = ["keys/portal-ca.pem"]

[printing]
default = "files"

[[printing.printers]]
name = "files"
kind = "folder"
folder = "{prints}"
format = "pdf-a5"

[[printing.printers]]
name = "receipt-80mm"
kind = "folder"
folder = "{prints}"
format = "text-80"

[storage]
data_dir = "data"
scan_dir = "scans"
max_attachment_mb = 10

[scans]
# The sample scans serve every walk through the demo; a clinic keeps the default, "remove".
after_store = "keep"

[security]
idle_lock_minutes = 10

[languages]
default = "{lang}"
"""


@dataclass
class DemoWorkspace:
    root: Path
    config: Config
    simulator: Any
    staff: tuple[tuple[str, str, str, str], ...]
    key_paths: dict[str, str]
    prints_dir: Path
    scan_dir: Path
    samples: dict[str, list[str]]

    def stop(self) -> None:
        self.simulator.stop()

    def info(self) -> DemoInfo:
        """What the desk's screens show of this workspace (accounts, key stores, folders)."""
        from regdesk.tui.app import DemoInfo

        return DemoInfo(
            workspace=str(self.root),
            staff=self.staff,
            key_password=KEY_PASSWORD,
            key_paths=self.key_paths,
            prints_dir=str(self.prints_dir),
            scan_dir=str(self.scan_dir),
            sample_iins=self.samples,
        )


def build(
    root: Path | None = None,
    *,
    lang: str = "ru",
    seed: int = 2026,
    clock: ClinicClock | None = None,
    persons: int | None = None,
) -> DemoWorkspace:
    """Create the demo workspace in ``root`` (a new temporary folder by default) and start it.

    The keys, the staff accounts, the scans' times and the registry's "today" are made around
    ``clock``'s now (the machine's clock by default): a test pins it to get the same workspace
    on every run and keys that are valid at its pinned moment. ``persons``: the registry's
    population (the simulator's default when None); a load benchmark needs more people.
    """
    from regdesk.core.ids import make_bin
    from regdesk.registry.population import DEFAULT_PERSONS
    from regdesk.registry.sim import start_simulator

    root = Path(root) if root else Path(tempfile.mkdtemp(prefix="regdesk-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    clinic_bin = make_bin(2004, 3, serial=417)
    now = clock.utc() if clock is not None else wall_utc()
    today = clock.today() if clock is not None else None
    simulator = start_simulator(
        host="127.0.0.1",
        port=0,
        seed=seed,
        clinic_bin=clinic_bin,
        today=today,
        persons=DEFAULT_PERSONS if persons is None else persons,
    )
    try:
        workspace = _build(root, simulator, clinic_bin, lang, now)
        _private(root)
        return workspace
    except BaseException:
        # A workspace that cannot be made must not leave its simulator serving in the background.
        simulator.stop()
        raise


def _private(root: Path) -> None:
    """Only this user may enter the workspace or read its files (issue 14: its data folder was
    0755 and its database 0644). Its people are synthetic, but its config holds the simulator's
    token and the keys' passwords are public: the workspace is still nobody else's to use."""
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, 0o700)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600)


def _build(root: Path, simulator: Any, clinic_bin: str, lang: str, now: datetime) -> DemoWorkspace:
    from regdesk.core.ids import make_iin

    prints = root / "prints"
    prints.mkdir(exist_ok=True)
    keys = root / "keys"
    keys.mkdir(exist_ok=True)
    scans = root / "scans"
    write_sample_scans(scans, now)

    staff_rows: list[tuple[str, str, str, str]] = []
    key_paths: dict[str, str] = {}
    # A kept workspace (--workspace DIR) keeps its CA and keys while they are valid: new ones
    # would make every signature already in its journal fail verification.
    ca = _kept_keys(keys, now, staff_rows, key_paths, make_iin)
    if ca is None:
        staff_rows.clear()
        key_paths.clear()
        ca = _make_keys(keys, now, staff_rows, key_paths, make_iin)

    text = CLINIC_TOML.format(
        bin=clinic_bin,
        registry_url=simulator.url,
        registry_token=simulator.token,
        prints=str(prints),
        lang=lang,
    )
    config_file = root / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    (keys / "demo-ca.pem").write_bytes(ca)
    (keys / "portal-ca.pem").write_bytes(simulator.app.portal_ca_pem)
    config = load(config_file)
    _init_data(config, staff_rows, now)
    return DemoWorkspace(
        root=root,
        config=config,
        simulator=simulator,
        staff=tuple(staff_rows),
        key_paths=key_paths,
        prints_dir=prints,
        scan_dir=scans,
        samples=simulator.cases,
    )


PORTAL_SAMPLES = ("wrong_signer",)
"""Portal applications the demo adds to the simulator's first ones (ordinary adults and minors),
so that the inbox shows one that failed its check."""


def receive_portal_samples(workspace: DemoWorkspace, clock: ClinicClock | None = None) -> None:
    """Portal applications waiting in the demo's inbox: one received long enough ago to be
    overdue by ``clock``'s now (the machine's clock by default), then the simulator's others and
    ``PORTAL_SAMPLES`` received now. Safe to repeat on a kept workspace: what is already in the
    journal stays once."""
    import asyncio

    from regdesk.core.clock import PinnedClock
    from regdesk.desk.context import DeskContext
    from regdesk.desk.portal_intake import deadline_for

    clock = clock or ClinicClock(workspace.config.work_hours.timezone)
    now = clock.utc()
    portal = workspace.simulator.app.portal
    past = PinnedClock(now - timedelta(days=2), workspace.config.work_hours.timezone)
    probe = DeskContext(workspace.config, clock=past)
    try:
        # Back a day at a time until one working day from then is over by now.
        while deadline_for(probe, past.now()) >= now:
            past.advance(timedelta(days=-1))
        late = portal.add("ordinary", submitted_at=past.utc() - timedelta(minutes=40))
        asyncio.run(_sync(probe, only={late}))
    finally:
        probe.close()
    for case in PORTAL_SAMPLES:
        portal.add(case, submitted_at=now - timedelta(minutes=30))
    desk = DeskContext(workspace.config, clock=clock)
    try:
        asyncio.run(_sync(desk))
    finally:
        desk.close()


async def _sync(ctx: Any, only: set[str] | None = None) -> None:
    from regdesk.desk.portal_intake import PortalIntake

    try:
        await PortalIntake(ctx).sync(only=only)
    finally:
        await ctx.aclose()


def _kept_keys(
    keys: Path,
    now: datetime,
    staff_rows: list[tuple[str, str, str, str]],
    key_paths: dict[str, str],
    make_iin: Any,
) -> bytes | None:
    """The CA certificate of keys made by an earlier run, when every key store is still there,
    opens and is valid for at least a day more; else None (and new keys are made)."""
    from regdesk.core.errors import UserError
    from regdesk.signing.keystore import open_key_store

    ca_file = keys / "demo-ca.pem"
    if not ca_file.is_file():
        return None
    for serial, (role, born, sex, surname, given, patronymic, password) in enumerate(STAFF, 1):
        iin = make_iin(born, sex, serial)
        path = keys / f"{role}-sign.p12"
        try:
            info = open_key_store(path, KEY_PASSWORD).info
        except (OSError, UserError):
            return None
        if info.iin != iin or info.not_after < now + timedelta(days=1):
            return None
        key_paths[iin] = str(path)
        staff_rows.append((role, iin, password, f"{surname} {given} {patronymic}"))
    return ca_file.read_bytes()


def _make_keys(
    keys: Path,
    now: datetime,
    staff_rows: list[tuple[str, str, str, str]],
    key_paths: dict[str, str],
    make_iin: Any,
) -> bytes:
    from regdesk.signing.testca import make_ca, make_employee_key_store, pem

    ca = make_ca("regdesk demo CA", now - timedelta(days=30), now + timedelta(days=3650))
    for serial, (role, born, sex, surname, given, patronymic, password) in enumerate(STAFF, 1):
        iin = make_iin(born, sex, serial)
        path = make_employee_key_store(
            ca,
            iin=iin,
            surname=surname,
            given_name=given,
            patronymic=patronymic,
            purpose="signing",
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=365),
            password=KEY_PASSWORD,
            path=keys / f"{role}-sign.p12",
        )
        key_paths[iin] = str(path)
        staff_rows.append((role, iin, password, f"{surname} {given} {patronymic}"))
    return pem(ca[1])


def _init_data(config: Config, staff_rows: list[tuple[str, str, str, str]], now: datetime) -> None:
    from regdesk.store import audit
    from regdesk.store.db import open_db
    from regdesk.store.districts import Districts
    from regdesk.store.paths import DataPaths
    from regdesk.store.staff import Staff
    from regdesk.store.vault import Vault

    paths = DataPaths.for_config(config)
    # A workspace kept from an older regdesk (--workspace) is the demo's own: brought up to date.
    db = open_db(paths.database, upgrade=True)
    try:
        Vault.create_key(paths.vault_key)
        if audit.seal_of(db.conn) is None:  # the audit chain's key, as `regdesk init` makes it
            Vault.create_key(paths.audit_key)
            audit.start_keying(db, actor_iin=None, at=now)
        staff = Staff(db, config.security, timezone=config.work_hours.timezone)
        for role, iin, password, name in staff_rows:
            if staff.get(iin) is None:
                staff.add(iin, name, role, password, now, actor="demo")
        Districts(db).import_config(config.districts, now, source=config.source)
    finally:
        db.conn.close()


# -- sample scans: small but real files of each accepted type, and two that must be refused --


def _png(width: int, height: int, shade: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes([shade, 255 - shade, 128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(148, 210))
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=title)
    return bytes(pdf.output())


def _tiff(width: int, height: int) -> bytes:
    # A minimal uncompressed greyscale baseline TIFF, as document scanners often write.
    pixels = bytes((x * 255 // max(1, width - 1)) for _ in range(height) for x in range(width))
    entries = [
        (256, 3, 1, width),
        (257, 3, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (277, 3, 1, 1),
        (278, 3, 1, height),
        (279, 4, 1, len(pixels)),
    ]
    ifd_offset = 8 + len(pixels)
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if typ == 3:
            ifd += struct.pack("<HHIHH", tag, typ, count, value, 0)
        else:
            ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + pixels + ifd


def write_sample_scans(folder: Path, now: datetime | None = None) -> None:
    """Scans a receptionist would find in the scanner's folder, oldest first, the last at now."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        ("udostoverenie-lichnosti.pdf", _pdf("Identity card (demo scan)")),
        ("svidetelstvo-o-rozhdenii.png", _png(120, 80, 60)),
        ("pensionnoe-udostoverenie.tif", _tiff(64, 48)),
        ("vid-na-zhitelstvo.pdf", _pdf("Residence permit (demo scan)")),
        ("povrezhdennyi-fail.pdf", b"\x00\x00garbage, not a PDF at all"),
        ("zametki.txt", "не скан\n".encode()),
    ]
    base = (now or wall_utc()).timestamp() - len(files) * 60
    import os

    for i, (name, data) in enumerate(files):
        path = folder / name
        path.write_bytes(data)
        os.utime(path, (base + i * 60, base + i * 60))
