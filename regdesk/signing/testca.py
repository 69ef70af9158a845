"""A throw-away CA and NCA-shaped employee key stores, for the tests and the demo.

Certificates look like NCA RK's: SERIALNUMBER ``IIN…``, SURNAME, GIVENNAME (the patronymic),
CN "SURNAME NAME", O and OU ``BIN…`` for a legal entity's employee, and the key usage, extended
key usage and role OIDs that tell a signing key from an authentication key. Nothing here is fit
for real signatures: the keys are written wherever the caller says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA = tuple[rsa.RSAPrivateKey, x509.Certificate]
"""A CA: its private key and its certificate."""

ROLE_INDIVIDUAL = x509.ObjectIdentifier("1.2.398.3.3.4.1.1")
ROLE_EMPLOYEE = x509.ObjectIdentifier("1.2.398.3.3.4.1.2")
ROLE_STAFF = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.5")
# NCA's certificate policy for RSA keys of individuals.
_POLICY = x509.ObjectIdentifier("1.2.398.3.3.2.3")


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: rsa.RSAPublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    """A certificate of ``subject``'s ``key`` from ``issuer``, with a random serial."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def make_ca(
    common_name: str,
    not_before: datetime,
    not_after: datetime,
    *,
    issuer: CA | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> CA:
    """A root CA (self-signed), or an intermediate one signed by ``issuer``."""
    key = key or new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    signer_key, signer_name = (key, name) if issuer is None else (issuer[0], issuer[1].subject)
    builder = (
        _builder(name, signer_name, key.public_key(), not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
    )
    return key, builder.sign(signer_key, hashes.SHA256())


def make_employee_certificate(
    ca: CA,
    key: rsa.RSAPublicKey,
    *,
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str,
    purpose: Literal["signing", "authentication"] = "signing",
    not_before: datetime,
    not_after: datetime,
    organisation: str | None = None,
    bin: str | None = None,
    policies: Iterable[x509.ObjectIdentifier] = (),
) -> x509.Certificate:
    """A certificate shaped like the ones NCA RK issues to individuals and employees;
    ``policies`` are certificate policies besides NCA's (a training key's, ``training.py``)."""
    attrs = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {given_name}".strip()),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if patronymic:
        attrs.append(x509.NameAttribute(NameOID.GIVEN_NAME, patronymic))
    if bin:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin}"))
    signing = purpose == "signing"
    roles = [ROLE_EMPLOYEE, ROLE_STAFF] if bin else [ROLE_INDIVIDUAL]
    usage = ExtendedKeyUsageOID.EMAIL_PROTECTION if signing else ExtendedKeyUsageOID.CLIENT_AUTH
    ca_key, ca_cert = ca
    builder = (
        _builder(x509.Name(attrs), ca_cert.subject, key, not_before, not_after)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=signing,
                key_encipherment=not signing,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage, *roles]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(oid, None) for oid in (_POLICY, *policies)]
            ),
            critical=False,
        )
    )
    return builder.sign(ca_key, hashes.SHA256())


def make_employee_key_store(
    ca: CA,
    *,
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str,
    purpose: Literal["signing", "authentication"] = "signing",
    not_before: datetime,
    not_after: datetime,
    password: str,
    path: Path,
    organisation: str | None = None,
    bin: str | None = None,
    key: rsa.RSAPrivateKey | None = None,
    legacy: bool = False,
) -> Path:
    """Write an NCA-shaped key store to ``path`` and return ``path``.

    ``key`` reuses an existing RSA key (tests keep a few to save generation time). ``legacy``
    encrypts as NCA does (3DES, SHA-1 MAC) instead of AES-256 with a SHA-256 MAC.
    """
    key = key or new_key()
    cert = make_employee_certificate(
        ca,
        key.public_key(),
        iin=iin,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        purpose=purpose,
        not_before=not_before,
        not_after=not_after,
        organisation=organisation,
        bin=bin,
    )
    builder = serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
    if legacy:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(
            hashes.SHA1()
        )
    else:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(
            hashes.SHA256()
        )
    data = pkcs12.serialize_key_and_certificates(
        format(cert.serial_number, "x").encode(),
        key,
        cert,
        None,
        builder.build(password.encode("utf-8")),
    )
    path = Path(path)
    path.write_bytes(data)
    return path


def make_crl(
    ca: CA,
    revoked: Iterable[tuple[int, datetime, x509.ReasonFlags | None]] = (),
    *,
    this_update: datetime,
    next_update: datetime,
) -> bytes:
    """A CRL (DER) signed by ``ca`` listing ``(serial, revocation date, reason)``."""
    ca_key, ca_cert = ca
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(this_update)
        .next_update(next_update)
    )
    for serial, when, reason in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def one_year_from(start: datetime) -> tuple[datetime, datetime]:
    """``(start, start + 365 days)``: the validity NCA gives an employee's key."""
    return start, start + timedelta(days=365)
