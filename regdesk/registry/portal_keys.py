"""Signing keys of simulated portal applicants, so that portal applications carry real CMS.

The simulator makes one certification authority and one RSA key per run, and a certificate per
applicant whose subject carries the applicant's IIN the way NCA RK certificates do
(``SERIALNUMBER=IIN…``). The signature is a detached CMS (PKCS#7) SignedData with SHA-256 over
the application's payload, with the signer's certificate inside. A verifier that trusts
``ca_pem`` accepts it. Keys are random, so signatures differ between runs; the payloads do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from regdesk.core.clock import wall_utc


@dataclass
class PortalSigner:
    """The simulated portal's CA and its applicants' signing certificates."""

    ca_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate
    key: rsa.RSAPrivateKey
    certs: dict[str, x509.Certificate] = field(default_factory=dict)

    @classmethod
    def generate(cls, seed: int = 0) -> PortalSigner:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, f"regdesk registry-sim portal CA (seed {seed})"
                ),
            ]
        )
        now = wall_utc()
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
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
            .sign(ca_key, hashes.SHA256())
        )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(ca_key=ca_key, ca_cert=ca_cert, key=key)

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    def certificate(self, iin: str, full_name: str) -> x509.Certificate:
        """The applicant's signing certificate (nonRepudiation), made once per IIN."""
        cert = self.certs.get(iin)
        if cert is not None:
            return cert
        now = wall_utc()
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, full_name),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.ca_cert.subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.certs[iin] = cert
        return cert

    def sign(self, payload: bytes, iin: str, full_name: str) -> bytes:
        """A detached CMS signature (DER) of ``payload`` by the applicant ``iin``."""
        cert = self.certificate(iin, full_name)
        return (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(payload)
            .add_signer(cert, self.key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
        )
