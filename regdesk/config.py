"""The clinic's configuration: ``config.toml`` read into typed, frozen objects.

Every setting is documented in ``config.example.toml``; the docstring under each field here says
the same thing. An error names the file, the key, the bad value and what was expected, and an
unknown key is an error because it is nearly always a typo that would otherwise be ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

# The settings' ranges and shapes live in config_values; RANGES, SHAPES and month_day stay
# importable from here, as before the split.
from regdesk.config_values import RANGES as RANGES
from regdesk.config_values import SHAPES as SHAPES
from regdesk.config_values import hh_mm
from regdesk.core.rules import RuleSettings, SettingError
from regdesk.core.rules import month_day as month_day
from regdesk.core.security_settings import RETIRED, SecuritySettings

ENV_VAR = "REGDESK_CONFIG"


class ConfigError(Exception):
    """A configuration problem, in words that name the file, the key and what was expected."""

    def __init__(
        self,
        file: Path | str,
        key: str,
        problem: str,
        *,
        message: str = "",
        params: dict[str, object] | None = None,
    ) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.message = message
        """A catalogue key that says it in the user's language (with ``params``), if any."""
        self.params = params or {}
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + problem)


@dataclass(frozen=True)
class Clinic:
    name_kk: str = "Демо емхана"
    """The clinic's name in Kazakh, as printed on the talon."""
    name_ru: str = "Демо поликлиника"
    """The clinic's name in Russian."""
    bin: str = "000000000000"
    """The clinic's BIN (12 digits), checked by ``regdesk init``."""
    address_kk: str = ""
    """The clinic's address in Kazakh."""
    address_ru: str = ""
    """The clinic's address in Russian."""
    phone: str = ""
    """The reception phone printed on the talon."""
    code: str = "CLINIC"
    """A short code (letters, digits, dash) starting every number: CODE-2026-000001."""


@dataclass(frozen=True)
class District:
    number: int
    """The district (участок) number."""
    doctor: str = ""
    """The district doctor's full name."""
    nurse: str = ""
    """The district nurse's full name."""
    addresses: tuple[str, ...] = ()
    """Streets served, whole or by house numbers, e.g. "Абай даңғылы 1-45" (core.districts)."""


@dataclass(frozen=True)
class Registry:
    base_url: str = "http://127.0.0.1:8650"
    """The base URL of the registry integration service (docs/registry-api.md)."""
    token: str = ""
    """Bearer token; empty when the service authenticates by client certificate only."""
    client_cert: str = ""
    """Client certificate (PEM) for mutual TLS; empty for none."""
    client_key: str = ""
    """Private key (PEM) of the client certificate."""
    ca_bundle: str = ""
    """CA bundle (PEM) that the service's certificate must chain to; empty: the system's."""
    connect_timeout: float = 3.0
    """Seconds to wait for a connection."""
    read_timeout: float = 10.0
    """Seconds to wait for an answer."""
    retries: int = 2
    """How many times a safe request is retried after a transient failure."""
    deadline: float = 30.0
    """Seconds a request may take in all (connecting, retries, the whole answer however slowly
    it comes); then the registry "did not answer in time"."""


@dataclass(frozen=True)
class Signing:
    trusted_ca: tuple[str, ...] = ()
    """CA certificates (PEM or DER files) that may issue employees' signing keys."""
    crl: tuple[str, ...] = ()
    """CRL files (PEM or DER) checked before signing; empty for no CRL check."""
    crl_stale: Literal["warn", "block"] = "warn"
    """What an out-of-date CRL (past its nextUpdate) does: warn, or block signing."""
    ocsp_url: str = ""
    """OCSP responder URL; empty for none."""
    ocsp_timeout: float = 3.0
    """Seconds to wait for the OCSP responder."""
    ocsp_unreachable: Literal["warn", "block"] = "warn"
    """What an unreachable OCSP responder does: warn, or block signing."""
    signer_must_be_employee: bool = True
    """The IIN in the signing certificate must be the signed-in employee's IIN."""
    key_folder: str = ""
    """Folder the EDS dialog offers key stores from until an employee has used one: its one
    signing key store (.p12, not AUTH_…), or the folder to complete; empty: nothing offered."""
    training: bool = False  # training CA keys may sign, every paper marked (desk/training.py)


@dataclass(frozen=True)
class Printer:
    name: str
    """A name the receptionist chooses from, e.g. "reception-laser"."""
    kind: Literal["cups", "raw", "folder", "browser"] = "folder"
    """cups: through `lp -d QUEUE`; raw: a network receipt printer (host:port); folder: files;
    browser: a PDF handed to the browser (added by `regdesk serve` to its desks, never listed)."""
    queue: str = ""
    """CUPS queue name (kind = "cups")."""
    host: str = ""
    """Receipt printer host (kind = "raw")."""
    port: int = 9100
    """Receipt printer port (kind = "raw")."""
    folder: str = ""
    """Folder that receives the files (kind = "folder"); relative to the data folder."""
    format: Literal["pdf-a5", "pdf-a4", "text-80", "text-58", "escpos-80", "escpos-58"] = "pdf-a5"
    """What is sent: an A5 or A4 PDF, plain text for 80/58 mm, or ESC/POS bytes."""
    kz1048: bool = True
    """ESC/POS only: the printer has the Kazakh code page PC/RK1048; false: print as a raster."""
    options: tuple[str, ...] = ()
    """CUPS only: job options passed as `lp -o OPTION`, e.g. "media=A5", "sides=one-sided"."""
    timeout: float = 15.0
    """Seconds to wait for `lp` or for the receipt printer to take the document."""
    keep_hours: float = 24.0
    """Folder only: hours a printed file (it holds names and IINs) stays in the folder before the
    desk's start or `regdesk doctor --clean` removes it; 0 keeps them."""


@dataclass(frozen=True)
class Printing:
    default: str = "files"
    """The name of the printer used by the print key."""
    printers: tuple[Printer, ...] = (Printer(name="files", kind="folder", folder="prints"),)
    """The printers of this workstation."""


@dataclass(frozen=True)
class Storage:
    data_dir: str = ""
    """The clinic's data folder (database, vault, key file); empty: the platform's data folder."""
    scan_dir: str = ""
    """The scanner's output folder the desk picks attachments from; empty: ~/Scans."""
    max_attachment_mb: float = 20.0
    """The largest scan accepted, in megabytes."""
    durability: Literal["normal", "full"] = "normal"
    """``full``: every commit is on disk before the desk goes on, so a power cut loses nothing
    committed (slower); ``normal``: a power cut may lose the last moments of work."""


@dataclass(frozen=True)
class Scans:
    after_store: Literal["remove", "keep"] = "remove"
    """What becomes of a scan in the scanner folder once it is stored in the vault (encrypted,
    read back and recorded): remove the plaintext original, or keep it."""


@dataclass(frozen=True)
class Backup:
    max_age_hours: int = 26
    """`regdesk status` and the admin's menu warn when the last verified backup is older."""


Security = SecuritySettings
"""The ``[security]`` section: sign-in throttling, the idle lock, the password policy (core)."""
Rules = RuleSettings
"""The ``[rules]`` section: the rules of attachment, defined (fields, defaults) in core."""


@dataclass(frozen=True)
class WorkHours:
    start: str = "09:00"
    """When the working day starts (HH:MM, clinic time)."""
    end: str = "18:00"
    """When the working day ends."""
    timezone: str = "Asia/Almaty"
    """The clinic's time zone (IANA name); Kazakhstan keeps one zone, UTC+5."""


@dataclass(frozen=True)
class Portal:
    # The portal's applications; config.example.toml explains each setting.
    enabled: bool = True  # fetch new applications on its own; false: only when asked
    fetch_seconds: int = 300  # seconds between the desk's own fetches
    trusted_ca: tuple[str, ...] = ()  # CAs of applicants' keys; empty: [signing] trusted_ca
    crl: tuple[str, ...] = ()  # CRLs at the applicant's signing time; empty: [signing] crl


@dataclass(frozen=True)
class Languages:
    default: Literal["kk", "ru", "en"] = "ru"
    """The language a terminal starts in; each user can switch at run time."""


BROWSER_PRINTER = "browser"
"""The name of the printer a browser desk adds to its workstation's printers: the PDF is handed
to the browser, which prints it on the desk PC's own printer."""


@dataclass(frozen=True)
class Serve:
    host: str = "127.0.0.1"
    """Where `regdesk serve` listens; anything but loopback needs public_url and TLS (or a
    reverse proxy that terminates TLS, behind_proxy = true)."""
    port: int = 8000
    """The port `regdesk serve` listens on."""
    public_url: str = ""
    """The address browsers open, e.g. https://desk.clinic.kz/ (the only origin whose pages
    may start a desk); empty: http://HOST:PORT, for loopback only."""
    tls_cert: str = ""
    """Certificate chain (PEM) for https/wss served by regdesk itself; empty: no TLS here."""
    tls_key: str = ""
    """The certificate's private key (PEM, without a password)."""
    behind_proxy: bool = False
    """true: a reverse proxy (nginx, caddy) in front terminates TLS for public_url."""
    max_sessions: int = 10
    """Desks open at once (one browser tab each, one desk process each); more are refused with
    a page that says so."""
    printer: str = BROWSER_PRINTER
    """The printer of a browser desk: "browser" (the PDF goes to the desk PC's browser) or the
    name of one of [[printing.printers]] (printed at the server)."""


@dataclass(frozen=True)
class Logging:
    level: Literal["debug", "info", "warning", "error"] = "info"
    """What the operational log keeps; it never holds IINs or names at any level."""
    max_kb: int = 1024
    """The size in kilobytes at which ``logs/regdesk.log`` is rotated."""
    files: int = 5
    """How many rotated files are kept beside it (regdesk.log.1 … .N)."""


@dataclass(frozen=True)
class Config:
    clinic: Clinic = field(default_factory=Clinic)
    districts: tuple[District, ...] = ()
    registry: Registry = field(default_factory=Registry)
    signing: Signing = field(default_factory=Signing)
    printing: Printing = field(default_factory=Printing)
    storage: Storage = field(default_factory=Storage)
    scans: Scans = field(default_factory=Scans)
    backup: Backup = field(default_factory=Backup)
    security: Security = field(default_factory=Security)
    rules: Rules = field(default_factory=Rules)
    work_hours: WorkHours = field(default_factory=WorkHours)
    portal: Portal = field(default_factory=Portal)
    languages: Languages = field(default_factory=Languages)
    logging: Logging = field(default_factory=Logging)
    serve: Serve = field(default_factory=Serve)
    keymap: dict[str, str] = field(default_factory=dict)
    """Textual binding id -> keys, e.g. register = "f10"; changes the desk's keys."""
    source: str = ""
    """The file this configuration was read from (set by the loader, not a setting)."""

    def in_browser(self) -> Config:
        """This config for a desk opened in a browser: the browser printer added to the
        workstation's printers, and ``serve.printer`` as the default one."""
        browser = Printer(name=BROWSER_PRINTER, kind="browser", format="pdf-a5")
        printing = Printing(default=self.serve.printer, printers=(*self.printing.printers, browser))
        return dataclasses.replace(self, printing=printing)

    def data_path(self) -> Path:
        """The data folder, absolute; relative settings are taken from the config's folder."""
        if self.storage.data_dir:
            return self.resolve(self.storage.data_dir)
        from platformdirs import user_data_path

        return user_data_path("regdesk")

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        if not p.is_absolute() and self.source:
            p = Path(self.source).parent / p
        return p


def default_path() -> Path:
    """Where the config is looked for when neither --config nor REGDESK_CONFIG says."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    from platformdirs import user_config_path

    return user_config_path("regdesk") / "config.toml"


def _describe(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin is tuple:
        return f"a list of {_describe(get_args(tp)[0])}"
    if origin is dict:
        return "a table of strings"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, str(tp)
    )


def _convert(tp: Any, value: Any, file: Path | str, key: str) -> Any:
    origin = get_origin(tp)
    bad = ConfigError(file, key, f"{value!r} is not {_describe(tp)}")
    if origin is Literal:
        if value not in get_args(tp):
            raise bad
        return value
    if origin in (typing.Union, types.UnionType):
        for arg in get_args(tp):
            try:
                return _convert(arg, value, file, key)
            except ConfigError:
                continue
        raise bad
    if origin is tuple:
        if not isinstance(value, list):
            raise bad
        (item,) = get_args(tp)[:1]
        return tuple(_convert(item, v, file, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise bad
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise bad
        return _build(typing.cast(type, tp), value, file, key)
    if tp is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        if not math.isfinite(value):
            raise ConfigError(file, key, f"{value!r} is not a finite number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad
        if any(unicodedata.category(c) == "Cc" for c in value):
            # A line break or NUL breaks a printed line, a header, or a path given to the system.
            raise ConfigError(
                file, key, f"{value!r} contains a control character (line break, tab or NUL)"
            )
        return value
    raise ConfigError(file, key, f"unsupported setting type {tp}")


def _build(cls: type, table: dict[str, Any], file: Path | str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if dotted in RETIRED:
            raise ConfigError(file, dotted, RETIRED[dotted])
        if key not in fields:
            known = ", ".join(sorted(fields))
            near = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise ConfigError(file, dotted, f"unknown setting ({hint}known here: {known})")
        converted = _convert(hints[key], value, file, dotted)
        kwargs[key] = _checked(hints[key], converted, file, dotted)
    for name, f in fields.items():
        if (
            name not in kwargs
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ):
            dotted = f"{prefix}.{name}" if prefix else name
            raise ConfigError(file, dotted, f"missing; expected {_describe(hints[name])}")
    try:
        return cls(**kwargs)
    except SettingError as exc:  # a section whose class checks its own values (core's rules)
        raise ConfigError(file, f"{prefix}.{exc.name}", exc.problem) from None


def parse(text: str, source: Path | str = "<config>") -> Config:
    """A Config from TOML text; ``source`` names the file in errors."""
    # A byte order mark, as some Windows editors write, is not part of the TOML.
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None
    config: Config = _build(Config, data, source, "")
    config = dataclasses.replace(config, source=str(Path(source).resolve()) if source else "")
    _check(config, source)
    return config


def load(path: Path | str | None = None) -> Config:
    """Read the config from ``path``, REGDESK_CONFIG, or the platform's config folder."""
    file = Path(path) if path else default_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found (copy config.example.toml there)") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(
            file,
            "",
            f"cannot be read: {reason}",
            message="cli.config_unreadable",
            params={"path": str(file), "reason": reason},
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(file, "", "is not UTF-8 text") from None
    return parse(text, file)


def _checked(tp: Any, value: Any, file: Path | str, key: str) -> Any:
    """``value`` (already of type ``tp``) when it is in its setting's range and shape."""
    pattern = re.sub(r"\[\d+\]", "", key)
    if key == "keymap":
        return _keymap(value, file)
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            if not dataclasses.is_dataclass(item):  # tables were checked as they were built
                _checked(get_args(tp)[0], item, file, f"{key}[{i}]")
        return value
    if pattern in RANGES and isinstance(value, int | float):
        low, high, note = RANGES[pattern]
        if not low <= value <= high:
            expected = f"{_describe(tp)} from {low:g} to {high:g}" + (f" ({note})" if note else "")
            raise ConfigError(file, key, f"{value!r} is out of range: expected {expected}")
    check = SHAPES.get(pattern)
    if check is not None and isinstance(value, str):
        try:
            check(value)
        except ValueError as exc:
            raise ConfigError(file, key, str(exc)) from None
    return value


def binding_ids() -> frozenset[str]:
    """The ids of the desk's key bindings: the ``keys.<id>`` texts of the catalogue."""
    from regdesk.i18n import catalogue

    return frozenset(k.removeprefix("keys.") for k in catalogue() if k.startswith("keys."))


def _keymap(keymap: dict[str, str], file: Path | str) -> dict[str, str]:
    """The keymap with its keys in Textual's spelling; an unknown id or key is an error."""
    from regdesk.keynames import normalize_keys

    if not keymap:
        return keymap
    ids = binding_ids()
    out: dict[str, str] = {}
    for binding, keys in keymap.items():
        key = f"keymap.{binding}"
        if binding not in ids:
            near = difflib.get_close_matches(binding, sorted(ids), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            known = ", ".join(sorted(ids))
            raise ConfigError(file, key, f"not a key binding id ({hint}known: {known})")
        try:
            out[binding] = normalize_keys(keys)
        except ValueError as exc:
            raise ConfigError(file, key, str(exc)) from None
    return out


def _check_timezone(src: Path | str, name: str) -> None:
    """The clinic's time zone must be one this machine knows, or every date would be wrong."""
    from regdesk.core.clock import UnknownTimezone, zone

    try:
        zone(name)
    except UnknownTimezone:
        raise ConfigError(
            src,
            "work_hours.timezone",
            f"{name!r} is not a time zone known here; expected an IANA name such as"
            ' "Asia/Almaty" or "Asia/Aqtobe"',
        ) from None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and the loopback addresses (127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_token_transport(src: Path | str, registry: Registry) -> None:
    # A bearer token sent over plain http:// can be read by anyone on the clinic's network and
    # replayed against the registry; only a simulator on this machine may be reached that way.
    parts = urlsplit(registry.base_url)
    if registry.token and parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise ConfigError(
            src,
            "registry.base_url",
            f"{registry.base_url!r} is plain http:// and a token is set: use https://",
            message="cli.config_token_in_clear",
            params={"path": str(src), "url": registry.base_url},
        )


def _check(config: Config, src: Path | str) -> None:
    """Checks across fields that the types and ranges of single settings cannot express."""
    seen: set[int] = set()
    for i, d in enumerate(config.districts):
        if d.number in seen:
            raise ConfigError(src, f"districts[{i}].number", f"{d.number} appears twice")
        seen.add(d.number)
    if config.registry.client_key and not config.registry.client_cert:
        raise ConfigError(
            src, "registry.client_key", "is set without registry.client_cert (set both, or neither)"
        )
    base = config.registry.base_url.rstrip("/")
    if urlsplit(base).path.endswith("/v1"):
        # The client puts the contract's /v1 before every path; a base ending in it asks /v1/v1/.
        raise ConfigError(
            src,
            "registry.base_url",
            f"{config.registry.base_url!r} ends in /v1, which regdesk adds to every path itself:"
            f" write {base.removesuffix('/v1')!r}",
        )
    names: list[str] = []
    for i, printer in enumerate(config.printing.printers):
        if printer.name in names:
            raise ConfigError(
                src, f"printing.printers[{i}].name", f"{printer.name!r} appears twice"
            )
        names.append(printer.name)
        needed = {"cups": "queue", "raw": "host"}.get(printer.kind)
        if needed and not getattr(printer, needed):
            raise ConfigError(
                src,
                f"printing.printers[{i}].{needed}",
                f"is empty; a printer of kind {printer.kind!r} needs it",
            )
    if config.printing.default not in names:
        raise ConfigError(
            src, "printing.default", f"{config.printing.default!r} is not one of {names}"
        )
    _check_token_transport(src, config.registry)
    _check_serve(config, names, src)
    start, end = config.work_hours.start, config.work_hours.end
    if hh_mm(start) >= hh_mm(end):
        raise ConfigError(src, "work_hours.end", f"{end!r} is not later than start {start!r}")
    _check_timezone(src, config.work_hours.timezone)


def serve_exposure_problem(serve: Serve, host: str) -> tuple[str, str] | None:
    """(key, problem) when listening on ``host`` would expose the desk without TLS or without
    a known public address; None when it is safe. Used by the config check (for ``serve.host``)
    and by ``regdesk serve --host``."""
    if is_loopback(host):
        return None
    if not serve.public_url:
        return (
            "serve.public_url",
            f"is empty while serve.host {host!r} is reachable from other machines: set the"
            ' https:// address browsers open, e.g. "https://desk.clinic.kz/"',
        )
    if not (serve.tls_cert or serve.behind_proxy):
        return (
            "serve.tls_cert",
            f"is empty while serve.host {host!r} is reachable from other machines: set tls_cert"
            " and tls_key, or behind_proxy = true when a reverse proxy terminates TLS",
        )
    if urlsplit(serve.public_url).scheme != "https":
        return (
            "serve.public_url",
            f"{serve.public_url!r} is not https:// while serve.host {host!r} is reachable from"
            " other machines: passwords would cross the network in clear",
        )
    return None


def _check_serve(config: Config, printers: list[str], src: Path | str) -> None:
    serve = config.serve
    if bool(serve.tls_cert) != bool(serve.tls_key):
        missing = "serve.tls_key" if serve.tls_cert else "serve.tls_cert"
        raise ConfigError(src, missing, "is empty: set tls_cert and tls_key together, or neither")
    if serve.tls_cert and serve.behind_proxy:
        raise ConfigError(
            src,
            "serve.behind_proxy",
            "is true while tls_cert is set: either regdesk serves TLS itself or the proxy does",
        )
    if serve.tls_cert and serve.public_url and urlsplit(serve.public_url).scheme != "https":
        raise ConfigError(
            src, "serve.public_url", f"{serve.public_url!r} must be https:// when TLS is set"
        )
    if serve.printer not in (BROWSER_PRINTER, *printers):
        raise ConfigError(
            src,
            "serve.printer",
            f"{serve.printer!r} is neither {BROWSER_PRINTER!r} nor one of {printers}",
        )
    for i, printer in enumerate(config.printing.printers):
        if printer.name == BROWSER_PRINTER:
            raise ConfigError(
                src,
                f"printing.printers[{i}].name",
                f"{BROWSER_PRINTER!r} is the browser desks' own printer's name: choose another",
            )
        if printer.kind == "browser":
            # It exists only where there is a browser: `regdesk serve` adds it to its desks.
            raise ConfigError(
                src,
                f"printing.printers[{i}].kind",
                '"browser" is not a printer to list here: a desk opened in a browser has it'
                " already; serve.printer chooses it or another printer for browser desks",
            )
    problem = serve_exposure_problem(serve, serve.host)
    if problem is not None:
        raise ConfigError(src, *problem)
