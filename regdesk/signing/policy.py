"""The clinic's certificate policy: may this certificate sign, at this moment, for this employee?

Built from ``[signing]`` in the config. ``check`` returns every problem it finds rather than the
first, so that ``regdesk key inspect`` and the desk can show the whole picture at once; signing is
allowed when no problem is ``blocking``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from regdesk.signing.certinfo import CertInfo
from regdesk.signing.errors import Problem, SigningConfigError

if TYPE_CHECKING:
    from regdesk.config import Signing
    from regdesk.signing.keystore import KeyStore

Mode = Literal["warn", "block"]

# NCA's chain is root → issuing CA → employee; a longer path is a configuration mistake.
_MAX_DEPTH = 5


@dataclass(frozen=True)
class Crl:
    """One configured CRL and the file it came from (named in messages)."""

    file: str
    crl: x509.CertificateRevocationList


@dataclass(frozen=True)
class SigningPolicy:
    """Trusted CAs, CRLs, OCSP and the employee rule of ``[signing]``."""

    trusted: tuple[x509.Certificate, ...] = ()
    crls: tuple[Crl, ...] = ()
    crl_stale: Mode = "warn"
    ocsp_url: str = ""
    ocsp_timeout: float = 3.0
    ocsp_unreachable: Mode = "warn"
    signer_must_be_employee: bool = True
    require_trusted_ca: bool = True
    """Without trusted CAs, block (a clinic's policy) or only warn (inspecting a key, no config)."""
    training: bool = False
    """``[signing] training``: keys of a training CA (``training.py``) may sign."""

    @classmethod
    def from_config(cls, signing: Signing, resolve: Callable[[str], Path]) -> SigningPolicy:
        """Load the trusted CA and CRL files named in ``signing`` (relative to the config)."""
        trusted: list[x509.Certificate] = []
        for name in signing.trusted_ca:
            trusted.extend(load_certificates(resolve(name)))
        crls = tuple(Crl(name, load_crl(resolve(name))) for name in signing.crl)
        return cls(
            trusted=tuple(trusted),
            crls=crls,
            crl_stale=signing.crl_stale,
            ocsp_url=signing.ocsp_url,
            ocsp_timeout=signing.ocsp_timeout,
            ocsp_unreachable=signing.ocsp_unreachable,
            signer_must_be_employee=signing.signer_must_be_employee,
            training=signing.training,
        )

    @classmethod
    def basic(cls) -> SigningPolicy:
        """Validity and purpose only, with a warning that no trusted CA is configured."""
        return cls(require_trusted_ca=False)

    def check(
        self,
        subject: CertInfo | KeyStore | x509.Certificate,
        *,
        employee_iin: str | None,
        now: datetime,
        intermediates: Sequence[x509.Certificate] = (),
        use_ocsp: bool = True,
    ) -> list[Problem]:
        """Every problem with signing by ``subject`` at ``now`` (an aware datetime).

        ``employee_iin`` None skips the employee rule (nobody is signed in, e.g. the CLI).
        ``intermediates`` are extra certificates (from the key store or a CMS) that may link the
        certificate to a trusted CA.
        """
        cert, info, extra = _unpack(subject)
        problems: list[Problem] = []
        if info.purpose == "authentication":
            problems.append(Problem("signing.problem.authentication_key"))
        elif info.purpose != "signing":
            problems.append(Problem("signing.problem.not_signing_key"))
        if now < info.not_before:
            problems.append(Problem("signing.problem.not_yet_valid", since=_day(info.not_before)))
        elif now > info.not_after:
            problems.append(Problem("signing.problem.expired", until=_day(info.not_after)))
        if self.signer_must_be_employee and employee_iin is not None and info.iin != employee_iin:
            problems.append(Problem("signing.problem.other_person", owner=info.full_name))
        if not self.training and _training(cert, [*extra, *intermediates]):
            # Said before the trust path: a pasted training CA may well be trusted.
            problems.append(Problem("signing.problem.training_key"))
        if not self.trusted:
            problems.append(
                Problem("signing.problem.no_trusted_ca", blocking=self.require_trusted_ca)
            )
            return problems
        path = build_path(cert, self.trusted, [*extra, *intermediates])
        if path is None:
            problems.append(Problem("signing.problem.untrusted", issuer=info.issuer))
            return problems
        for ca in path[1:]:
            if not ca.not_valid_before_utc <= now <= ca.not_valid_after_utc:
                problems.append(
                    Problem("signing.problem.ca_not_valid", ca=ca.subject.rfc4514_string())
                )
        for child, issuer in itertools.pairwise(path):
            problems.extend(self._check_crls(child, issuer, now))
        if self.ocsp_url and use_ocsp:
            problems.extend(self._check_ocsp(cert, path[1], now))
        return problems

    def _check_crls(
        self, cert: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> list[Problem]:
        if not self.crls:
            return []
        problems: list[Problem] = []
        covered = False
        for entry in self.crls:
            crl = entry.crl
            if crl.issuer != cert.issuer:
                continue
            covered = True
            if not _crl_signed_by(crl, issuer):
                problems.append(Problem("signing.problem.crl_bad_signature", file=entry.file))
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            # A revocation after ``now`` does not matter when checking a signature made before it.
            if revoked is not None and revoked.revocation_date_utc <= now:
                problems.append(
                    Problem(
                        "signing.problem.revoked",
                        date=_day(revoked.revocation_date_utc),
                        reason=_reason(revoked),
                        file=entry.file,
                    )
                )
            next_update = crl.next_update_utc
            if next_update is not None and now > next_update:
                problems.append(
                    Problem(
                        "signing.problem.crl_stale",
                        blocking=self.crl_stale == "block",
                        file=entry.file,
                        next_update=_day(next_update),
                    )
                )
        if not covered:
            problems.append(
                Problem(
                    "signing.problem.crl_not_covering",
                    blocking=False,
                    issuer=cert.issuer.rfc4514_string(),
                )
            )
        return problems

    def _check_ocsp(
        self, cert: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> list[Problem]:
        from regdesk.signing import ocsp

        blocking = self.ocsp_unreachable == "block"
        try:
            answer = ocsp.query(self.ocsp_url, cert, issuer, timeout=self.ocsp_timeout)
        except ocsp.OcspUnavailable:
            return [Problem("signing.problem.ocsp_unreachable", blocking=blocking)]
        except ocsp.OcspBadAnswer as exc:
            return [Problem("signing.problem.ocsp_bad_answer", blocking=blocking, detail=str(exc))]
        if answer.status == "revoked":
            when = answer.revocation_time
            if when is None or when <= now:
                return [
                    Problem(
                        "signing.problem.ocsp_revoked",
                        date=_day(when) if when else "?",
                        reason=answer.reason or "unspecified",
                    )
                ]
            return []
        if answer.status == "unknown":
            return [Problem("signing.problem.ocsp_unknown", blocking=blocking)]
        return []


def _unpack(
    subject: CertInfo | KeyStore | x509.Certificate,
) -> tuple[x509.Certificate, CertInfo, tuple[x509.Certificate, ...]]:
    if isinstance(subject, x509.Certificate):
        return subject, CertInfo.from_certificate(subject), ()
    if isinstance(subject, CertInfo):
        return subject.certificate(), subject, ()
    return subject.certificate, subject.info, subject.chain


def _training(cert: x509.Certificate, others: Sequence[x509.Certificate]) -> bool:
    from regdesk.signing.training import is_training_certificate

    return any(is_training_certificate(c) for c in (cert, *others))


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _reason(revoked: x509.RevokedCertificate) -> str:
    try:
        ext = revoked.extensions.get_extension_for_class(x509.CRLReason)
    except x509.ExtensionNotFound:
        return "unspecified"
    return str(ext.value.reason.value)


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s key signed ``cert`` (and the names agree)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def build_path(
    cert: x509.Certificate,
    trusted: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    depth: int = _MAX_DEPTH,
) -> list[x509.Certificate] | None:
    """``[cert, issuer, …, trusted CA]`` with every signature checked, or None."""
    for anchor in trusted:
        if issued_by(cert, anchor):
            return [cert, anchor]
    if depth <= 1:
        return None
    for inter in intermediates:
        if inter == cert or not _is_ca(inter) or not issued_by(cert, inter):
            continue
        rest = [i for i in intermediates if i != inter]
        tail = build_path(inter, trusted, rest, depth - 1)
        if tail is not None:
            return [cert, *tail]
    return None


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    try:
        return bool(crl.is_signature_valid(issuer.public_key()))  # type: ignore[arg-type]
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return False


def load_certificates(path: Path) -> list[x509.Certificate]:
    """The certificates of a PEM file (one or more) or a DER file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningConfigError(
            "signing.config.ca_unreadable", file=str(path), reason=exc.strerror or ""
        ) from None
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SigningConfigError(
            "signing.config.ca_unreadable", file=str(path), reason="not a certificate"
        ) from None
    return certs


def load_crl(path: Path) -> x509.CertificateRevocationList:
    """A CRL from a PEM or DER file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningConfigError(
            "signing.config.crl_unreadable", file=str(path), reason=exc.strerror or ""
        ) from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise SigningConfigError(
            "signing.config.crl_unreadable", file=str(path), reason="not a CRL"
        ) from None
