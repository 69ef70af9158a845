"""What ``regdesk init`` checks beyond the config's text: the files, folders and queues it names.

``config.load`` checks what each setting may hold; whether the trusted CA file exists, the client
certificate matches its key or the CUPS queue is there can only be seen on the machine, so init
looks, and says every problem at once in the same form as a config error (file: key: problem).
A problem makes the config unusable here; a warning is said and init goes on.
"""

from __future__ import annotations

import errno
import os
import shutil
import ssl
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regdesk.config import Config

_LPSTAT_TIMEOUT = 15.0


@dataclass(frozen=True)
class Finding:
    """One thing found: the setting, a catalogue key and its parameters."""

    setting: str
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Findings:
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def problem(self, setting: str, key: str, /, **params: object) -> None:
        self.problems.append(Finding(setting, key, params))

    def warning(self, setting: str, key: str, /, **params: object) -> None:
        self.warnings.append(Finding(setting, key, params))


def check_named_places(config: Config, now: datetime) -> Findings:
    """Every problem with the files, folders and CUPS queues that ``config`` names; ``now``
    (aware) is the moment certificates and CRLs are checked at."""
    found = Findings()
    _signing(config, found, now)
    _registry_tls(config, found)
    _scan_folder(config, found)
    _key_folder(config, found)
    _cups_queues(config, found)
    _token_private(config, found)
    return found


def _token_private(config: Config, found: Findings) -> None:
    # The registry token in a config every user of the server can read is every user's token.
    import stat

    if not (config.registry.token and config.source):
        return
    try:
        mode = stat.S_IMODE(Path(config.source).stat().st_mode)
    except OSError:
        return  # unreadable configs are said where they are loaded
    if mode & 0o007:
        found.warning(
            "registry.token", "cli.check.token_readable", path=config.source, mode=f"{mode:o}"
        )


def _readable_file(path: Path, setting: str, found: Findings) -> bool:
    """True when ``path`` is a regular file this user can read; else a problem is noted."""
    try:
        if not path.exists():
            found.problem(setting, "cli.check.absent", path=str(path))
            return False
        if not path.is_file():
            found.problem(setting, "cli.check.not_a_file", path=str(path))
            return False
        with path.open("rb"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        found.problem(setting, "cli.check.unreadable", path=str(path), reason=reason)
        return False
    return True


def _signing(config: Config, found: Findings, now: datetime) -> None:
    """The CAs and CRLs of ``[signing]`` (employees), then those of ``[portal]`` (applicants;
    a CRL there may be issued by a CA of either)."""
    signing, portal = config.signing, config.portal
    trusted = _trust(config, "signing", signing.trusted_ca, signing.crl, [], found, now)
    _trust(config, "portal", portal.trusted_ca, portal.crl, trusted, found, now)


def _trust(
    config: Config,
    section: str,
    cas: tuple[str, ...],
    crls: tuple[str, ...],
    others: list[Any],
    found: Findings,
    now: datetime,
) -> list[Any]:
    """Check the CA files ``cas`` and the CRLs ``crls`` named in ``section``; the CAs read."""
    from cryptography import x509

    from regdesk.core.errors import UserError
    from regdesk.signing.policy import load_certificates, load_crl

    trusted: list[x509.Certificate] = []
    for i, name in enumerate(cas):
        setting, path = f"{section}.trusted_ca[{i}]", config.resolve(name)
        if not _readable_file(path, setting, found):
            continue
        try:
            certs = load_certificates(path)
        except (UserError, ValueError):
            found.problem(setting, "cli.check.not_certificate", path=str(path))
            continue
        for cert in certs:
            subject = cert.subject.rfc4514_string()
            try:
                is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            except (x509.ExtensionNotFound, ValueError):
                is_ca = False
            if not is_ca:
                found.problem(setting, "cli.check.not_ca", path=str(path), subject=subject)
            elif cert.not_valid_after_utc < now:
                found.problem(
                    setting,
                    "cli.check.ca_expired",
                    path=str(path),
                    subject=subject,
                    date=cert.not_valid_after_utc.date().isoformat(),
                )
            trusted.append(cert)
    issuers = trusted + others
    for i, name in enumerate(crls):
        setting, path = f"{section}.crl[{i}]", config.resolve(name)
        if not _readable_file(path, setting, found):
            continue
        try:
            crl = load_crl(path)
        except (UserError, ValueError):
            found.problem(setting, "cli.check.not_crl", path=str(path))
            continue
        if issuers and not any(_issued(crl, ca) for ca in issuers):
            found.problem(
                setting,
                "cli.check.crl_issuer",
                path=str(path),
                issuer=crl.issuer.rfc4514_string(),
            )
        due = crl.next_update_utc
        if due is not None and due < now:
            found.warning(setting, "cli.check.crl_stale", path=str(path), date=due.date())
    return trusted


def _issued(crl: Any, ca: Any) -> bool:
    try:
        return bool(crl.issuer == ca.subject and crl.is_signature_valid(ca.public_key()))
    except (TypeError, ValueError):
        return False


def _registry_tls(config: Config, found: Findings) -> None:
    """The CA bundle and the client certificate + key, loaded as the registry client loads them."""
    from regdesk.registry.tls import load_client_cert

    registry = config.registry
    if registry.ca_bundle:
        path = config.resolve(registry.ca_bundle)
        if _readable_file(path, "registry.ca_bundle", found):
            try:
                ssl.create_default_context(cafile=str(path))
            except (ssl.SSLError, ValueError) as exc:
                found.problem(
                    "registry.ca_bundle", "cli.check.not_ca_bundle", path=str(path), reason=exc
                )
    if not registry.client_cert:
        return
    cert = config.resolve(registry.client_cert)
    key = config.resolve(registry.client_key) if registry.client_key else None
    ok = _readable_file(cert, "registry.client_cert", found)
    if key is not None:
        ok = _readable_file(key, "registry.client_key", found) and ok
    if not ok:
        return
    key_path = str(key) if key is not None else None
    problem = load_client_cert(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), str(cert), key_path)
    if problem is None:
        return
    kind, reason = problem
    setting = "registry.client_key" if key is not None else "registry.client_cert"
    what = "cli.check.client_key_missing" if kind == "key_needed" else f"cli.check.client_{kind}"
    found.problem(setting, what, cert=str(cert), key=str(key or cert), reason=reason)


def _scan_folder(config: Config, found: Findings) -> None:
    if not config.storage.scan_dir:
        default = Path.home() / "Scans"
        if not default.is_dir():
            found.warning("storage.scan_dir", "cli.check.scan_dir_default", path=str(default))
        return
    path = config.resolve(config.storage.scan_dir)
    if not path.exists():
        found.problem("storage.scan_dir", "cli.check.absent", path=str(path))
    elif not path.is_dir():
        found.problem("storage.scan_dir", "cli.check.not_a_folder", path=str(path))
    elif not os.access(path, os.R_OK | os.X_OK):
        reason = os.strerror(errno.EACCES)
        found.problem("storage.scan_dir", "cli.check.unreadable", path=str(path), reason=reason)


def _key_folder(config: Config, found: Findings) -> None:
    # A warning only: the folder is often a USB stick, plugged in when someone signs.
    if config.signing.key_folder:
        path = config.resolve(config.signing.key_folder)
        if not path.is_dir():
            found.warning("signing.key_folder", "cli.check.key_folder_absent", path=str(path))


def _cups_queues(config: Config, found: Findings) -> None:
    from regdesk.printing.printers import stopped_reason

    cups = [(i, p) for i, p in enumerate(config.printing.printers) if p.kind == "cups"]
    if not cups:
        return
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        for i, printer in cups:
            found.warning(
                f"printing.printers[{i}].queue", "cli.check.no_lpstat", queue=printer.queue
            )
        return
    for i, printer in cups:
        setting = f"printing.printers[{i}].queue"
        answer = _lpstat(lpstat, "-p", printer.queue)
        if answer is None:
            found.problem(setting, "cli.check.cups_silent", queue=printer.queue)
            continue
        code, out, err = answer
        if code != 0 or not out.startswith(f"printer {printer.queue} "):
            if "scheduler" in err.lower() or "connect" in err.lower():
                found.problem(setting, "cli.check.cups_down", queue=printer.queue, detail=err)
            else:
                found.problem(setting, "cli.check.queue_missing", queue=printer.queue)
            continue
        reason = stopped_reason(printer.queue, out)
        if reason is not None:
            found.problem(
                setting, "cli.check.queue_stopped", queue=printer.queue, reason=reason or "-"
            )
        accepting = _lpstat(lpstat, "-a", printer.queue)
        if accepting is not None and "not accepting" in accepting[1]:
            found.problem(setting, "cli.check.queue_rejecting", queue=printer.queue)


def _lpstat(lpstat: str, *args: str) -> tuple[int, str, str] | None:
    from regdesk.printing.printers import c_locale

    try:
        done = subprocess.run(
            [lpstat, *args],
            capture_output=True,
            timeout=_LPSTAT_TIMEOUT,
            env=c_locale(),  # lpstat's answers are parsed: not translated
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError):
        return None
    out = done.stdout.decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace").strip()
    return done.returncode, out, err
