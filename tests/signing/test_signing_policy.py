"""The certificate policy matrix, with generated CAs, key stores and CRLs at a fixed clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from signing_support import EMPLOYEE_IIN, NOW, PASSWORD, KeyStoreFactory

from regdesk.config import Signing
from regdesk.i18n import LANGS
from regdesk.signing import KeyStore, SigningConfigError, SigningPolicy, open_key_store, testca
from regdesk.signing.policy import Crl

DAY = timedelta(days=1)


def store(make_store: KeyStoreFactory, **overrides: Any) -> KeyStore:
    return open_key_store(make_store(**overrides), PASSWORD)


def crl(ca: testca.CA, revoked: list[tuple[int, Any, Any]], **times: Any) -> Crl:
    this_update = times.get("this_update", NOW - 2 * DAY)
    next_update = times.get("next_update", NOW + 5 * DAY)
    der = testca.make_crl(ca, revoked, this_update=this_update, next_update=next_update)
    return Crl("clinic.crl", x509.load_der_x509_crl(der))


def keys_of(problems: list[Any]) -> list[str]:
    return [p.key for p in problems]


def test_valid_signing_key_of_the_employee_has_no_problem(
    make_store: KeyStoreFactory, ca: testca.CA
) -> None:
    policy = SigningPolicy(trusted=(ca[1],), crls=(crl(ca, []),))
    assert policy.check(store(make_store), employee_iin=EMPLOYEE_IIN, now=NOW) == []


@pytest.mark.parametrize(
    ("overrides", "employee", "expected"),
    [
        ({"purpose": "authentication"}, EMPLOYEE_IIN, "signing.problem.authentication_key"),
        ({"not_before": NOW + DAY}, EMPLOYEE_IIN, "signing.problem.not_yet_valid"),
        ({"not_after": NOW - DAY}, EMPLOYEE_IIN, "signing.problem.expired"),
        ({"iin": "900202400456"}, EMPLOYEE_IIN, "signing.problem.other_person"),
    ],
    ids=["authentication", "not-yet-valid", "expired", "other-person"],
)
def test_each_failure_has_its_own_blocking_problem(
    make_store: KeyStoreFactory,
    ca: testca.CA,
    overrides: dict[str, Any],
    employee: str,
    expected: str,
) -> None:
    policy = SigningPolicy(trusted=(ca[1],))
    problems = policy.check(store(make_store, **overrides), employee_iin=employee, now=NOW)
    assert keys_of(problems) == [expected]
    assert problems[0].blocking
    for lang in LANGS:
        text = problems[0].message(lang)
        assert "{" not in text and text != expected


def test_other_person_is_allowed_when_the_clinic_says_so(
    make_store: KeyStoreFactory, ca: testca.CA
) -> None:
    other = store(make_store, iin="900202400456")
    relaxed = SigningPolicy(trusted=(ca[1],), signer_must_be_employee=False)
    assert relaxed.check(other, employee_iin=EMPLOYEE_IIN, now=NOW) == []
    # Nobody signed in (the CLI): the employee rule cannot apply.
    assert SigningPolicy(trusted=(ca[1],)).check(other, employee_iin=None, now=NOW) == []


def test_same_name_ca_with_another_key_is_not_trusted(
    make_store: KeyStoreFactory, ca: testca.CA, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    impostor = testca.make_ca(
        ca[1].subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value,  # type: ignore[arg-type]
        NOW - 10 * DAY,
        NOW + 10 * DAY,
        key=rsa_keys[5],
    )
    forged = store(make_store, ca=impostor, key=rsa_keys[4])
    assert forged.certificate.issuer == ca[1].subject  # the names agree…
    problems = SigningPolicy(trusted=(ca[1],)).check(forged, employee_iin=EMPLOYEE_IIN, now=NOW)
    assert keys_of(problems) == ["signing.problem.untrusted"]  # …the signature does not


def test_intermediate_ca_links_to_the_trusted_root(
    make_store: KeyStoreFactory, ca: testca.CA, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    issuing = testca.make_ca(
        "Issuing CA", NOW - 10 * DAY, NOW + 10 * DAY, issuer=ca, key=rsa_keys[3]
    )
    employee = store(make_store, ca=issuing)
    policy = SigningPolicy(trusted=(ca[1],))
    without = policy.check(employee, employee_iin=EMPLOYEE_IIN, now=NOW)
    assert keys_of(without) == ["signing.problem.untrusted"]
    linked = policy.check(employee, employee_iin=EMPLOYEE_IIN, now=NOW, intermediates=[issuing[1]])
    assert linked == []


def test_expired_ca_is_reported(
    make_store: KeyStoreFactory, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    old = testca.make_ca("Old CA", NOW - 100 * DAY, NOW - DAY, key=rsa_keys[2])
    employee = store(make_store, ca=old)
    problems = SigningPolicy(trusted=(old[1],)).check(employee, employee_iin=None, now=NOW)
    assert keys_of(problems) == ["signing.problem.ca_not_valid"]


def test_revoked_certificate_is_caught_with_date_and_reason(
    make_store: KeyStoreFactory, ca: testca.CA
) -> None:
    employee = store(make_store)
    serial = employee.certificate.serial_number
    revoked = crl(ca, [(serial, NOW - DAY, x509.ReasonFlags.key_compromise)])
    problems = SigningPolicy(trusted=(ca[1],), crls=(revoked,)).check(
        employee, employee_iin=EMPLOYEE_IIN, now=NOW
    )
    assert keys_of(problems) == ["signing.problem.revoked"]
    assert problems[0].params["reason"] == "keyCompromise"
    assert problems[0].params["date"] == (NOW - DAY).strftime("%Y-%m-%d %H:%M UTC")
    assert "keyCompromise" in problems[0].message("ru")
    # A signature made before the revocation is still judged as of its own time.
    earlier = SigningPolicy(trusted=(ca[1],), crls=(revoked,)).check(
        employee, employee_iin=EMPLOYEE_IIN, now=NOW - 2 * DAY
    )
    assert earlier == []


@pytest.mark.parametrize(("mode", "blocking"), [("warn", False), ("block", True)])
def test_out_of_date_crl_warns_or_blocks(
    make_store: KeyStoreFactory, ca: testca.CA, mode: str, blocking: bool
) -> None:
    stale = crl(ca, [], this_update=NOW - 10 * DAY, next_update=NOW - DAY)
    policy = SigningPolicy(trusted=(ca[1],), crls=(stale,), crl_stale=mode)  # type: ignore[arg-type]
    problems = policy.check(store(make_store), employee_iin=EMPLOYEE_IIN, now=NOW)
    assert keys_of(problems) == ["signing.problem.crl_stale"]
    assert problems[0].blocking is blocking


def test_crl_signed_by_another_key_is_refused(
    make_store: KeyStoreFactory, ca: testca.CA, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    employee = store(make_store)
    forger = (rsa_keys[5], ca[1])  # the CA's name and certificate, someone else's key
    forged = crl(forger, [])
    problems = SigningPolicy(trusted=(ca[1],), crls=(forged,)).check(
        employee, employee_iin=EMPLOYEE_IIN, now=NOW
    )
    assert keys_of(problems) == ["signing.problem.crl_bad_signature"]
    assert problems[0].blocking


def test_crl_of_another_ca_warns_that_revocation_was_not_checked(
    make_store: KeyStoreFactory, ca: testca.CA, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    other = testca.make_ca("Other CA", NOW - 10 * DAY, NOW + 10 * DAY, key=rsa_keys[2])
    policy = SigningPolicy(trusted=(ca[1], other[1]), crls=(crl(other, []),))
    problems = policy.check(store(make_store), employee_iin=EMPLOYEE_IIN, now=NOW)
    assert keys_of(problems) == ["signing.problem.crl_not_covering"]
    assert not problems[0].blocking


def test_no_trusted_ca_blocks_a_clinic_policy_but_only_warns_a_bare_check(
    make_store: KeyStoreFactory,
) -> None:
    employee = store(make_store)
    clinic = SigningPolicy.from_config(Signing(), Path)
    (problem,) = clinic.check(employee, employee_iin=EMPLOYEE_IIN, now=NOW)
    assert problem.key == "signing.problem.no_trusted_ca" and problem.blocking
    (warning,) = SigningPolicy.basic().check(employee, employee_iin=EMPLOYEE_IIN, now=NOW)
    assert warning.key == "signing.problem.no_trusted_ca" and not warning.blocking


def test_from_config_reads_pem_and_der_files_relative_to_the_config(
    make_store: KeyStoreFactory, ca: testca.CA, tmp_path: Path
) -> None:
    folder = tmp_path / "pki"
    folder.mkdir()
    (folder / "ca.pem").write_bytes(testca.pem(ca[1]))
    revoked = store(make_store)
    revoked_serial = revoked.certificate.serial_number
    (folder / "ca.crl").write_bytes(
        testca.make_crl(
            ca, [(revoked_serial, NOW - DAY, None)], this_update=NOW - DAY, next_update=NOW + DAY
        )
    )
    settings = Signing(trusted_ca=("pki/ca.pem",), crl=("pki/ca.crl",), crl_stale="block")
    policy = SigningPolicy.from_config(settings, lambda name: tmp_path / name)
    assert policy.trusted == (ca[1],) and policy.crl_stale == "block"
    fresh = store(make_store)
    assert policy.check(fresh, employee_iin=EMPLOYEE_IIN, now=NOW) == []
    assert keys_of(policy.check(revoked, employee_iin=None, now=NOW)) == ["signing.problem.revoked"]


@pytest.mark.parametrize("which", ["trusted_ca", "crl"])
def test_missing_or_wrong_policy_files_are_config_errors(tmp_path: Path, which: str) -> None:
    (tmp_path / "junk.pem").write_text("-----BEGIN CERTIFICATE-----\nnope\n", encoding="utf-8")
    for name in ("absent.pem", "junk.pem"):
        settings = Signing(**{which: (name,)})
        with pytest.raises(SigningConfigError) as caught:
            SigningPolicy.from_config(settings, lambda n: tmp_path / n)
        assert name in caught.value.message("kk")
