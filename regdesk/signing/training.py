"""A clinic's training CA: keys for practice that can never pass for NCA RK's.

``regdesk key training`` makes, in one folder, a CA marked as a training CA, a PKCS#12 key store
per employee shaped like NCA RK's (the IIN in SERIALNUMBER, so the desk's "the key is the
signed-in employee's" check passes) and the CA's CRL. What marks them:

- the CA's subject: ``OU=regdesk TRAINING`` and "TRAINING" in its CN;
- the certificate policy ``TRAINING_POLICY`` in the CA's and every employee's certificate. The OID
  is under the UUID arc 2.25 (ITU-T X.667), which anyone may use without registration; this one
  was drawn once for regdesk and means "a training key, not fit for real signatures".

``SigningPolicy`` refuses a training key unless ``[signing] training = true``; the desk marks
every document printed under training (``regdesk.printing`` ``mark``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from regdesk.signing import testca

TRAINING_POLICY = x509.ObjectIdentifier("2.25.121097218403314314014034720266143662291")
"""regdesk's certificate policy "training key" (a UUID OID, see the module's text)."""

TRAINING_OU = "regdesk TRAINING"
"""The OU of a training CA's subject: how an issuer's name alone (kept with a signature) is known
for a training CA's without parsing the certificate."""

CA_CERT = "training-ca.crt"
CA_KEY = "training-ca.key"
CA_CRL = "training-ca.crl"
PASSWORDS = "passwords.txt"

CA_YEARS = 5
"""A training CA outlives the keys it issues, so new employees can be given keys later."""

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Password letters without the look-alikes (i/l/1, o/0) someone copies from paper."""


def is_training_issuer(issuer: str) -> bool:
    """Whether an issuer's name (RFC 4514, as kept with a signature) is a training CA's."""
    return f"OU={TRAINING_OU}" in issuer


def is_training_certificate(cert: x509.Certificate) -> bool:
    """Whether ``cert`` carries the training policy, or was issued by (or is) a training CA."""
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        policies = None
    except ValueError:  # a malformed extension: judged by the names below
        policies = None
    if policies is not None and any(p.policy_identifier == TRAINING_POLICY for p in policies):
        return True
    return any(is_training_issuer(name.rfc4514_string()) for name in (cert.issuer, cert.subject))


def new_password() -> str:
    """A key store password: 12 letters and digits in three groups, about 59 bits."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


@dataclass(frozen=True)
class Trainee:
    """Who a training key is made for: the IIN (already checked) and the full name."""

    iin: str
    full_name: str

    @property
    def names(self) -> tuple[str, str, str]:
        """(surname, given name, patronymic) from "Surname Name Patronymic"."""
        words = self.full_name.split()
        surname = words[0] if words else self.iin
        given = words[1] if len(words) > 1 else ""
        return surname, given, " ".join(words[2:])


@dataclass(frozen=True)
class TrainingKey:
    trainee: Trainee
    path: Path
    password: str
    not_after: datetime


@dataclass(frozen=True)
class TrainingSet:
    """What ``make_training_set`` wrote."""

    folder: Path
    ca_cert: Path
    ca_key: Path
    crl: Path
    passwords: Path
    keys: tuple[TrainingKey, ...]
    ca_reused: bool


def _write_private(path: Path, data: bytes) -> None:
    """``data`` into ``path`` readable by its owner only (0600), replacing it whole."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def make_training_ca(clinic: str, now: datetime) -> testca.CA:
    """A self-signed CA named as a training CA, with the training policy."""
    key = testca.new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, (clinic or "regdesk")[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TRAINING_OU),
            x509.NameAttribute(NameOID.COMMON_NAME, "TRAINING CA - NOT NCA RK"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(TRAINING_POLICY, None)]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def load_training_ca(folder: Path) -> testca.CA | None:
    """The training CA kept in ``folder`` (its certificate and key), or None when there is none."""
    cert_file, key_file = folder / CA_CERT, folder / CA_KEY
    if not cert_file.is_file() or not key_file.is_file():
        return None
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or not is_training_certificate(cert):
        return None
    return key, cert


def key_file_name(iin: str) -> str:
    """``RSA256_TRAINING_<IIN>.p12``: a signing key's name as NCA spells it (the EDS dialog offers
    ``RSA256_…`` files, not ``AUTH_…`` ones), and the word TRAINING for whoever sees the file."""
    return f"RSA256_TRAINING_{iin}.p12"


def make_training_set(
    folder: Path,
    trainees: Sequence[Trainee],
    *,
    clinic: str,
    now: datetime,
    days: int = 365,
) -> TrainingSet:
    """The training CA (kept from an earlier run in ``folder``, else new), a key store for each
    of ``trainees`` (replacing theirs), a fresh CRL (valid as long as the keys), and the
    passwords appended to ``passwords.txt`` (0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = load_training_ca(folder)
    reused = ca is not None
    if ca is None:
        ca = make_training_ca(clinic, now)
        _write_private(
            folder / CA_KEY,
            ca[0].private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        (folder / CA_CERT).write_bytes(testca.pem(ca[1]))
    not_before, not_after = now - timedelta(minutes=5), now + timedelta(days=days)
    not_after = min(not_after, ca[1].not_valid_after_utc)
    keys: list[TrainingKey] = []
    for trainee in trainees:
        surname, given, patronymic = trainee.names
        password = new_password()
        path = folder / key_file_name(trainee.iin)
        _write_store(ca, trainee, surname, given, patronymic, not_before, not_after, password, path)
        keys.append(TrainingKey(trainee, path, password, not_after))
    crl = testca.make_crl(ca, (), this_update=now, next_update=not_after)
    (folder / CA_CRL).write_bytes(crl)
    passwords = folder / PASSWORDS
    _append_passwords(passwords, keys, now)
    return TrainingSet(
        folder=folder,
        ca_cert=folder / CA_CERT,
        ca_key=folder / CA_KEY,
        crl=folder / CA_CRL,
        passwords=passwords,
        keys=tuple(keys),
        ca_reused=reused,
    )


def _write_store(
    ca: testca.CA,
    trainee: Trainee,
    surname: str,
    given: str,
    patronymic: str,
    not_before: datetime,
    not_after: datetime,
    password: str,
    path: Path,
) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = testca.new_key()
    cert = testca.make_employee_certificate(
        ca,
        key.public_key(),
        iin=trainee.iin,
        surname=surname,
        given_name=given,
        patronymic=patronymic,
        not_before=not_before,
        not_after=not_after,
        policies=(TRAINING_POLICY,),
    )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )
    data = pkcs12.serialize_key_and_certificates(
        format(cert.serial_number, "x").encode(), key, cert, None, encryption
    )
    _write_private(path, data)


def _append_passwords(path: Path, keys: Iterable[TrainingKey], now: datetime) -> None:
    """This run's passwords after the earlier runs' (a key made again gets a new one: the last
    line of an IIN is its password)."""
    lines = [f"# {now.isoformat(timespec='minutes')}"]
    lines += [f"{k.trainee.iin}\t{k.password}\t{k.path.name}\t{k.trainee.full_name}" for k in keys]
    old = path.read_bytes() if path.is_file() else b""
    _write_private(path, old + ("\n".join(lines) + "\n").encode("utf-8"))


__all__ = [
    "TRAINING_OU",
    "TRAINING_POLICY",
    "Trainee",
    "TrainingKey",
    "TrainingSet",
    "is_training_certificate",
    "is_training_issuer",
    "make_training_set",
]
