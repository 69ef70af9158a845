"""The client's TLS: its context from the ``[registry]`` settings, and what a TLS failure means.

A file named in the settings that cannot be used is a ``NotConfigured`` saying which setting and
which file, before anything is sent (and never an OpenSSL password prompt on the terminal). A
handshake that fails is a ``Refused`` saying whose certificate was not accepted, the registry's
or this workstation's, and why: not issued by a trusted CA, expired, made out for another host.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Final, Literal

from regdesk.config import Registry
from regdesk.registry.errors import NotConfigured, Refused

# OpenSSL's X509_V_ERR_* codes that mean "issued by nobody this workstation trusts".
_UNTRUSTED: Final = frozenset({2, 18, 19, 20, 21})
_EXPIRED: Final = frozenset({9, 10})  # not yet valid, expired
_HOSTNAME: Final = frozenset({62, 64})  # host name or IP address mismatch

# TLS alerts by which the registry says it did not accept this workstation's certificate.
_CLIENT_REJECTED: Final = frozenset(
    {
        "TLSV1_ALERT_UNKNOWN_CA",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "TLSV1_ALERT_ACCESS_DENIED",
    }
)
_CLIENT_EXPIRED: Final = "SSLV3_ALERT_CERTIFICATE_EXPIRED"
_CLIENT_REQUIRED: Final = frozenset(
    {"TLSV13_ALERT_CERTIFICATE_REQUIRED", "PEER_DID_NOT_RETURN_A_CERTIFICATE"}
)


class _PasswordAsked(Exception):
    """OpenSSL asked for the key's password: the key file is encrypted."""


def _no_password() -> bytes:
    # Without this callable OpenSSL would prompt on the terminal and the desk would hang.
    raise _PasswordAsked


def _readable(setting: str, path: Path) -> str:
    shown = str(path)
    if not path.exists():
        raise NotConfigured("registry.setting_file_missing", setting=setting, path=shown)
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise NotConfigured(
            "registry.setting_file_unreadable",
            setting=setting,
            path=shown,
            reason=exc.strerror or type(exc).__name__,
        ) from None
    return shown


ClientCertProblem = Literal["key_encrypted", "key_mismatch", "key_needed", "cert_unusable"]


def load_client_cert(
    context: ssl.SSLContext, cert: str, key: str | None
) -> tuple[ClientCertProblem, str] | None:
    """Load this workstation's certificate and key into ``context``: None when they load, else
    what is wrong with them and OpenSSL's reason. Never prompts for a key's password.

    Shared by the client and ``regdesk init``'s checks, so both judge the files alike.
    """
    try:
        context.load_cert_chain(cert, key, password=_no_password)
    except _PasswordAsked:
        return "key_encrypted", "the key is encrypted"
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc)
        if exc.reason == "KEY_VALUES_MISMATCH":
            return "key_mismatch", reason
        if key is None and b"PRIVATE KEY" not in Path(cert).read_bytes():
            return "key_needed", reason
        return "cert_unusable", reason
    return None


def client_context(settings: Registry, base_dir: Path | None) -> ssl.SSLContext:
    """The TLS context for ``settings``; relative paths are taken from ``base_dir``."""

    def path(p: str) -> Path:
        q = Path(p).expanduser()
        return base_dir / q if base_dir is not None and not q.is_absolute() else q

    cafile = None
    if settings.ca_bundle:
        cafile = _readable("ca_bundle", path(settings.ca_bundle))
    try:
        # No CA bundle: the system's store, as for any other HTTPS client on this machine.
        context = ssl.create_default_context(cafile=cafile)
    except ssl.SSLError:
        raise NotConfigured("registry.ca_bundle_unusable", path=str(cafile)) from None
    if settings.client_cert:
        cert = _readable("client_cert", path(settings.client_cert))
        key = _readable("client_key", path(settings.client_key)) if settings.client_key else None
        problem = load_client_cert(context, cert, key)
        if problem is not None:
            kind = problem[0]
            if kind == "key_encrypted":
                raise NotConfigured("registry.client_key_encrypted", path=key or cert)
            if kind == "key_needed":
                raise NotConfigured("registry.client_key_needed", path=cert)
            raise NotConfigured(f"registry.client_{kind}", cert=cert, key=key or cert)
    return context


def _tls_error(exc: BaseException) -> ssl.SSLError | ssl.CertificateError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _words(alert: str) -> str:
    """``TLSV1_ALERT_UNKNOWN_CA`` as "tlsv1 alert unknown ca", as OpenSSL itself words it."""
    return alert.lower().replace("_", " ")


def tls_refusal(
    exc: BaseException, *, host: str, client_cert: bool, request_id: str
) -> Refused | None:
    """The outcome of a failed handshake, saying whose certificate and why; None if not TLS."""
    error = _tls_error(exc)
    if error is None:
        return None
    if isinstance(error, ssl.SSLCertVerificationError):
        code = error.verify_code
        reason = error.verify_message or str(error)
        if code in _UNTRUSTED:
            key = "registry.refused_tls_untrusted"
        elif code in _EXPIRED:
            key = "registry.refused_tls_expired"
        elif code in _HOSTNAME:
            key = "registry.refused_tls_hostname"
        else:
            key = "registry.refused_tls_server"
        return Refused(key, request_id=request_id, host=host, reason=reason)
    alert = getattr(error, "reason", None) or ""
    if alert in _CLIENT_REQUIRED:
        key = (
            "registry.refused_tls_client_rejected"
            if client_cert
            else "registry.refused_tls_client_required"
        )
        return Refused(key, request_id=request_id, host=host, reason=_words(alert))
    if alert == _CLIENT_EXPIRED:
        return Refused("registry.refused_tls_client_expired", request_id=request_id, host=host)
    if alert in _CLIENT_REJECTED:
        return Refused(
            "registry.refused_tls_client_rejected",
            request_id=request_id,
            host=host,
            reason=_words(alert),
        )
    reason = _words(alert) if alert else str(error) or type(error).__name__
    return Refused("registry.refused_tls", request_id=request_id, host=host, reason=reason)
