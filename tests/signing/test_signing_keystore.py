"""Opening generated key stores: each failure is told apart, and the certificate is read."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pytest
from asn1crypto import algos, cms, core, keys, pkcs12
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.serialization import pkcs12 as c_pkcs12
from signing_support import EMPLOYEE_IIN, PASSWORD, KeyStoreFactory

from regdesk.signing import (
    FileUnreadable,
    GostKey,
    NoPrivateKey,
    NotAKeyStore,
    WrongPassword,
    load_key_store,
    open_key_store,
    p12,
    testca,
)


@pytest.mark.parametrize("legacy", [False, True], ids=["aes-sha256", "3des-sha1"])
def test_generated_store_opens_and_reads_like_nca(
    make_store: KeyStoreFactory, legacy: bool
) -> None:
    path = make_store(legacy=legacy, organisation="ГКП «Емхана №1»", bin="990240000123")
    store = open_key_store(path, PASSWORD)
    info = store.info
    assert info.iin == EMPLOYEE_IIN
    assert info.bin == "990240000123"
    assert (info.surname, info.given_name, info.patronymic) == ("ТЕСТОВА", "ӘЛИЯ", "ҚАНАТҚЫЗЫ")
    assert info.organisation == "ГКП «Емхана №1»"
    assert info.purpose == "signing"
    assert info.key_usage == {"digital_signature", "non_repudiation"}
    assert info.role_oids == ("1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5")
    assert info.serial == format(store.certificate.serial_number, "x")
    assert info.certificate() == store.certificate
    assert PASSWORD not in repr(store)


def test_authentication_store_is_an_authentication_key(make_store: KeyStoreFactory) -> None:
    info = open_key_store(make_store(purpose="authentication"), PASSWORD).info
    assert info.purpose == "authentication"
    assert "non_repudiation" not in info.key_usage
    assert "1.3.6.1.5.5.7.3.2" in info.ext_key_usage


@pytest.mark.parametrize("legacy", [False, True], ids=["sha256-mac", "sha1-mac"])
def test_our_mac_check_agrees_with_openssl(make_store: KeyStoreFactory, legacy: bool) -> None:
    # The stores are written by OpenSSL (through cryptography); our KDF and HMAC must agree.
    pfx = p12.parse(make_store(legacy=legacy).read_bytes())
    assert p12.verify_mac(pfx, PASSWORD) is True
    assert p12.verify_mac(pfx, PASSWORD + " ") is False
    contents = p12.read_contents(pfx, PASSWORD)
    assert contents.key_algorithms == ("1.2.840.113549.1.1.1",)


def test_wrong_password(make_store: KeyStoreFactory) -> None:
    path = make_store()
    with pytest.raises(WrongPassword) as caught:
        open_key_store(path, "Құпия-сөз 2")
    assert caught.value.params == {"file": path.name}  # the password is in no message


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(FileUnreadable):
        open_key_store(tmp_path / "nowhere.p12", PASSWORD)


@pytest.mark.parametrize(
    "data", [b"", b"not a key store", b"\x30\x03\x02\x01\x03", os.urandom(900)]
)
def test_garbage_is_not_a_key_store(data: bytes) -> None:
    with pytest.raises(NotAKeyStore):
        load_key_store(data, PASSWORD, name="x.p12")


def test_damaged_store_is_not_a_key_store_or_wrong_password(make_store: KeyStoreFactory) -> None:
    data = bytearray(make_store().read_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises((NotAKeyStore, WrongPassword)):
        load_key_store(bytes(data), PASSWORD)


def test_certificate_only_store_has_no_private_key(ca: testca.CA, tmp_path: Path) -> None:
    encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
    data = c_pkcs12.serialize_key_and_certificates(b"ca", None, None, [ca[1]], encryption)
    with pytest.raises(NoPrivateKey):
        load_key_store(data, PASSWORD)


def _gost_like_store(password: str) -> bytes:
    """A PKCS#12 built by hand the way NCA's GOST stores are (3DES key bag, SHA-1 MAC) holding
    a key whose algorithm is GOST 34.310-2004: so that GOST detection is tested on every machine,
    not only where shared/nca-test is. The KDF used is the one checked against OpenSSL above."""
    oid = "1.2.398.3.10.1.1.1.1"
    info = core.Sequence(
        contents=core.Integer(0).dump()
        + core.Sequence(contents=core.ObjectIdentifier(oid).dump()).dump()
        + core.OctetString(os.urandom(32)).dump()
    ).dump()
    bmp = password.encode("utf-16-be") + b"\0\0"
    salt, rounds = os.urandom(20), 1024
    key = p12.kdf("sha1", bmp, salt, 1, rounds, 24)
    iv = p12.kdf("sha1", bmp, salt, 2, rounds, 8)
    padder = padding.PKCS7(64).padder()
    encryptor = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padder.update(info) + padder.finalize()) + encryptor.finalize()
    shrouded = keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": algos.EncryptionAlgorithm(
                {
                    "algorithm": "pkcs12_sha1_tripledes_3key",
                    "parameters": algos.Pbes1Params({"salt": salt, "iterations": rounds}),
                }
            ),
            "encrypted_data": encrypted,
        }
    )
    bags = pkcs12.SafeContents([{"bag_id": "pkcs8_shrouded_key_bag", "bag_value": shrouded}])
    safe = pkcs12.AuthenticatedSafe([{"content_type": "data", "content": bags.dump()}])
    content = safe.dump()
    mac_salt = os.urandom(20)
    mac_key = p12.kdf("sha1", bmp, mac_salt, 3, rounds, 20)
    mac = hmac.new(mac_key, content, hashlib.sha1).digest()
    pfx = pkcs12.Pfx(
        {
            "version": "v3",
            "auth_safe": cms.ContentInfo({"content_type": "data", "content": content}),
            "mac_data": {
                "mac": {"digest_algorithm": {"algorithm": "sha1"}, "digest": mac},
                "mac_salt": mac_salt,
                "iterations": rounds,
            },
        }
    )
    return bytes(pfx.dump())


def test_gost_key_is_told_from_a_wrong_password() -> None:
    data = _gost_like_store(PASSWORD)
    with pytest.raises(GostKey):
        load_key_store(data, PASSWORD)
    with pytest.raises(WrongPassword):
        load_key_store(data, "something else")


def test_kdf_matches_rfc7292_shape() -> None:
    # Different IDs and lengths give independent material; the output is a prefix-stable stream.
    pw = "a".encode("utf-16-be") + b"\0\0"
    long = p12.kdf("sha256", pw, b"salt", 1, 3, 80)
    assert p12.kdf("sha256", pw, b"salt", 1, 3, 32) == long[:32]
    assert p12.kdf("sha256", pw, b"salt", 2, 3, 32) != long[:32]
    assert len(long) == 80
    assert hashes.SHA256.digest_size == 32
