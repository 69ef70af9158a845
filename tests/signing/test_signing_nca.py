"""The real NCA RK test key stores, CA, CRL and Kalkan-made CMS (shared/nca-test, see its README).

They are all expired today, so every check fixes the clock inside the relevant validity window.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from signing_support import NCA_PASSWORD

from regdesk.signing import (
    GostKey,
    SigningPolicy,
    WrongPassword,
    open_key_store,
    sign,
    verify,
)
from regdesk.signing.policy import Crl, build_path, load_certificates, load_crl

WHILE_ACTIVE = datetime(2020, 6, 1, 12, 0, tzinfo=UTC)  # active_* keys: 2020-01-28 – 2021-01-27
CRL_ERA_VALID = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)  # crl-era_valid: 2021-01-18 – 2022-01-18
INSIDE_CRL = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)  # CRL: 2022-03-29 – 2022-09-25
AFTER_CRL = datetime(2022, 12, 1, 12, 0, tzinfo=UTC)


def rsa_stores(nca: Path) -> list[Path]:
    return sorted(p for p in nca.glob("*/*.p12") if "GOST" not in p.name)


def policy(nca: Path, crl_stale: str = "warn") -> SigningPolicy:
    return SigningPolicy(
        trusted=tuple(load_certificates(nca / "ca" / "nca_rsa_test.crt")),
        crls=(Crl("nca_rsa_test.crl", load_crl(nca / "ca" / "nca_rsa_test.crl")),),
        crl_stale=crl_stale,  # type: ignore[arg-type]
    )


def test_every_rsa_key_store_loads_with_nca_shaped_owner(nca: Path) -> None:
    stores = rsa_stores(nca)
    assert len(stores) == 7
    for path in stores:
        store = open_key_store(path, NCA_PASSWORD)
        info = store.info
        assert info.iin == "123456789011"  # not a valid IIN, and read all the same
        assert (info.surname, info.given_name, info.patronymic) == ("ТЕСТОВ", "ТЕСТ", "ТЕСТОВИЧ")
        assert info.key_algorithm == "RSA-2048"
        assert info.issuer == "CN=ҰКО 3.0 (RSA TEST),C=KZ"


def test_legal_entity_key_gives_organisation_bin_and_roles(nca: Path) -> None:
    (path,) = nca.glob("organization/active_AUTH_RSA256_*.p12")
    info = open_key_store(path, NCA_PASSWORD).info
    assert info.bin == "123456789021"
    assert info.organisation == 'АО "ТЕСТ"'
    assert info.role_oids == ("1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1")


def test_gost_key_store_gets_the_gost_message_not_the_password_one(nca: Path) -> None:
    (path,) = nca.glob("organization/active_GOSTKNCA_*.p12")
    with pytest.raises(GostKey) as caught:
        open_key_store(path, NCA_PASSWORD)
    assert caught.value.params["algorithm"].startswith("1.2.398.3.10.")
    assert "GOST" in caught.value.message("en")
    assert "ГОСТ" in caught.value.message("kk")
    with pytest.raises(WrongPassword):
        open_key_store(path, "Qwerty13")


def test_wrong_password_gets_the_password_message(nca: Path) -> None:
    for path in rsa_stores(nca):
        with pytest.raises(WrongPassword) as caught:
            open_key_store(path, "qwerty12")
        assert "password" in caught.value.message("en")


def test_signing_and_authentication_keys_are_told_apart(nca: Path) -> None:
    purposes = {p.name: open_key_store(p, NCA_PASSWORD).info.purpose for p in rsa_stores(nca)}
    for name, purpose in purposes.items():
        assert purpose == ("authentication" if "AUTH" in name else "signing"), name
    (auth,) = nca.glob("personal/active_AUTH_RSA256_*.p12")
    problems = policy(nca).check(
        open_key_store(auth, NCA_PASSWORD), employee_iin="123456789011", now=WHILE_ACTIVE
    )
    assert [p.key for p in problems] == ["signing.problem.authentication_key"]


def test_all_chain_to_the_test_ca(nca: Path) -> None:
    trusted = load_certificates(nca / "ca" / "nca_rsa_test.crt")
    for path in rsa_stores(nca):
        assert build_path(open_key_store(path, NCA_PASSWORD).certificate, trusted) is not None


def test_active_signing_key_passes_the_policy_while_valid_and_fails_after(nca: Path) -> None:
    (path,) = nca.glob("personal/active_RSA256_*.p12")
    store = open_key_store(path, NCA_PASSWORD)
    assert policy(nca).check(store, employee_iin="123456789011", now=WHILE_ACTIVE) == []
    later = policy(nca).check(store, employee_iin="123456789011", now=CRL_ERA_VALID)
    assert [p.key for p in later] == ["signing.problem.expired"]


def test_crl_catches_the_revoked_key_inside_its_validity(nca: Path) -> None:
    store = open_key_store(nca / "personal" / "crl-era_revoked_RSA256_sign.p12", NCA_PASSWORD)
    problems = policy(nca).check(store, employee_iin="123456789011", now=INSIDE_CRL)
    assert [p.key for p in problems] == ["signing.problem.revoked"]
    assert problems[0].blocking
    assert problems[0].params["reason"] == "superseded"
    assert problems[0].params["date"].startswith("2022-01-18")


def test_crl_era_valid_key_passes(nca: Path) -> None:
    store = open_key_store(nca / "personal" / "crl-era_valid_RSA256_sign.p12", NCA_PASSWORD)
    assert policy(nca).check(store, employee_iin="123456789011", now=CRL_ERA_VALID) == []


def test_out_of_date_crl_warns_or_blocks_as_configured(nca: Path) -> None:
    store = open_key_store(nca / "personal" / "crl-era_revoked_RSA256_sign.p12", NCA_PASSWORD)
    for mode, blocking in (("warn", False), ("block", True)):
        problems = policy(nca, mode).check(store, employee_iin=None, now=AFTER_CRL)
        stale = [p for p in problems if p.key == "signing.problem.crl_stale"]
        assert len(stale) == 1 and stale[0].blocking is blocking


@pytest.mark.parametrize("kind", ["active_RSA256", "active_AUTH_RSA256"])
def test_kalkan_cms_verifies_and_fails_after_one_changed_byte(nca: Path, kind: str) -> None:
    (path,) = nca.glob(f"personal/{kind}_*.cms")
    result = verify(path.read_bytes(), policy=policy(nca), employee_iin="123456789011")
    assert result.content is not None and result.signing_time is not None
    assert result.signing_time.year == 2020
    assert result.signer.iin == "123456789011"
    signature_problems = [p.key for p in result.problems if p.key.startswith("signing.verify")]
    assert signature_problems == []
    if kind == "active_RSA256":
        assert result.valid and result.problems == []
    else:  # a signature made with an authentication key is cryptographically fine, yet refused
        assert not result.valid
        assert [p.key for p in result.problems] == ["signing.problem.authentication_key"]
    changed = bytearray(result.content)
    changed[0] ^= 0x01
    tampered = verify(path.read_bytes(), bytes(changed), policy=policy(nca))
    assert not tampered.valid
    assert "signing.verify.digest_mismatch" in [p.key for p in tampered.problems]


def test_our_signature_with_an_nca_key_verifies(nca: Path) -> None:
    (path,) = nca.glob("personal/active_RSA256_*.p12")
    store = open_key_store(path, NCA_PASSWORD)
    cms = sign(store, "өтініш".encode(), signing_time=WHILE_ACTIVE)
    result = verify(cms, "өтініш".encode(), policy=policy(nca), employee_iin="123456789011")
    assert result.valid, result.problems
    assert result.signing_time == WHILE_ACTIVE
