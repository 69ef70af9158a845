"""What each setting of ``config.toml`` may hold beyond its type: the range of every number and
the shape of the strings that have one. ``regdesk.config`` checks each value against these as it
builds the config; a test checks that every number setting has its range here.
"""

from __future__ import annotations

import difflib
import re
from typing import Any
from urllib.parse import urlsplit

from regdesk.core.rules import month_day

RANGES: dict[str, tuple[float, float, str]] = {
    "districts.number": (1, 9999, ""),
    "registry.connect_timeout": (0.1, 120, "seconds"),
    "registry.read_timeout": (0.1, 600, "seconds"),
    "registry.retries": (0, 10, ""),
    "registry.deadline": (1, 600, "seconds for a whole request, its retries included"),
    "signing.ocsp_timeout": (0.1, 120, "seconds"),
    "printing.printers.port": (1, 65535, ""),
    "printing.printers.timeout": (0.1, 600, "seconds"),
    "storage.max_attachment_mb": (0.1, 100, "megabytes"),
    "serve.port": (1, 65535, ""),
    "serve.max_sessions": (1, 500, "desks open at once"),
    "printing.printers.keep_hours": (0, 8760, "hours; 0 keeps printed files"),
    "backup.max_age_hours": (1, 8760, "hours"),
    "security.throttle_free_attempts": (1, 20, "failed sign-ins for one IIN before delays"),
    "security.throttle_account_max_seconds": (5, 900, "seconds"),
    "security.throttle_terminal_free_attempts": (1, 50, "failed sign-ins at one terminal"),
    "security.throttle_terminal_max_seconds": (30, 86400, "seconds"),
    "security.throttle_forget_minutes": (1, 1440, "minutes per failure forgotten"),
    "security.idle_lock_minutes": (0, 480, "minutes; 0 turns the idle lock off"),
    "security.password_min_length": (8, 64, "characters"),
    "security.password_classes": (1, 4, "of lower case, upper case, digits, other"),
    "logging.max_kb": (16, 1048576, "kilobytes"),
    "logging.files": (1, 100, "rotated files"),
    "rules.free_changes_per_year": (0, 12, ""),
    "rules.min_days_between_changes": (0, 3660, "days"),
    "rules.pension_age_men": (40, 80, "years"),
    "rules.pension_age_women": (40, 80, "years"),
    "portal.fetch_seconds": (10, 86400, "seconds between fetches; turn them off with enabled"),
}
"""(lowest, highest, note) of every number setting, both ends allowed; list indexes are left
out of the key. A test checks that every int and float setting has its range here."""


def hh_mm(text: str) -> int:
    """Minutes after midnight of ``HH:MM``; ValueError otherwise."""
    hh, sep, mm = text.partition(":")
    if not (sep and hh.isdigit() and len(mm) == 2 and mm.isdigit()):
        raise ValueError(f"{text!r} is not a time HH:MM")
    if not (int(hh) < 24 and int(mm) < 60):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return int(hh) * 60 + int(mm)


def _http_url(text: str) -> None:
    parts = urlsplit(text)
    try:
        port = parts.port  # ValueError for a port that is not a number up to 65535
    except ValueError:
        port = 0
    if port == 0 and parts.netloc.rpartition("]")[2].count(":") == 1:
        raise ValueError(f"{text!r} has a port that is not a number from 1 to 65535")
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
        raise ValueError(f"{text!r} is not an http:// or https:// URL, e.g. https://host/path")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{text!r}: the URL must have no ?query, #fragment or user:password@")


_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def _host(text: str) -> None:
    import ipaddress

    try:
        ipaddress.ip_address(text)
        return
    except ValueError:
        pass
    if len(text) > 253 or not _HOSTNAME.fullmatch(text):
        raise ValueError(f"{text!r} is not a host name or an IP address")


def _cups_queue(text: str) -> None:
    # CUPS refuses these in a queue name (lpadmin(8)); lp would only fail at the first print.
    if len(text) > 127 or any(c in " \t/\\#'\"" or not c.isprintable() for c in text):
        raise ValueError(f"{text!r} is not a CUPS queue name (no spaces, /, \\, # or quotes)")


def _not_empty(text: str) -> None:
    if not text.strip():
        raise ValueError("is empty")


def _only(pattern: str, what: str) -> Any:
    def check(text: str) -> None:
        if not re.fullmatch(pattern, text):
            raise ValueError(f"{text!r} is not {what}")

    return check


def _basis(text: str) -> None:
    from regdesk.core.rules import Basis

    known = [b.value for b in Basis]
    if text not in known:
        near = difflib.get_close_matches(text, known, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise ValueError(f"{text!r} is not an attachment basis ({hint}one of {', '.join(known)})")


def _if_set(check: Any) -> Any:
    def maybe(text: str) -> None:
        if text:
            check(text)

    return maybe


SHAPES: dict[str, Any] = {
    "clinic.name_kk": _not_empty,
    "clinic.name_ru": _not_empty,
    "clinic.bin": _only(r"[0-9]{12}", "12 digits"),
    "clinic.code": _only(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}", "1 to 16 Latin letters, digits, dashes"),
    "districts.addresses": _not_empty,
    "registry.base_url": _http_url,
    "registry.token": _only(r"[!-~]*", "printable ASCII without spaces"),
    "signing.trusted_ca": _not_empty,
    "signing.crl": _not_empty,
    "signing.ocsp_url": _if_set(_http_url),
    "printing.default": _not_empty,
    "printing.printers.name": _not_empty,
    "printing.printers.queue": _if_set(_cups_queue),
    "printing.printers.host": _if_set(_host),
    "printing.printers.options": _only(r"[^\s=-][^\s=]*(=\S+)?", "an option NAME or NAME=VALUE"),
    "rules.campaign_start": month_day,
    "rules.campaign_end": month_day,
    "rules.campaign_effective": month_day,
    "rules.anytime_bases": _basis,
    "portal.trusted_ca": _not_empty,
    "portal.crl": _not_empty,
    "work_hours.start": hh_mm,
    "work_hours.end": hh_mm,
    "serve.host": _host,
    "serve.public_url": _if_set(_http_url),
    "serve.printer": _not_empty,
}
"""Checks of string settings (a list's items are checked one by one): raise ValueError saying
what is wrong with the value."""
