"""A key store is read within limits: its stated work, its size, and only from a regular file.

Each refusal happens before any key derivation runs (the KDF is replaced by one that fails the
test if called) and says in kk, ru and en what is wrong with which file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from pathlib import Path

import pytest
from asn1crypto import algos, cms, keys, pkcs12
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from signing_support import PASSWORD, KeyStoreFactory

from regdesk.core.errors import UserError
from regdesk.signing import load_key_store, open_key_store, p12
from regdesk.signing.errors import IsDevice, IsFolder, IsPipe, TooLarge, TooMuchWork
from regdesk.signing.keystore import MAX_KEY_STORE_BYTES

HUGE = 2**31 - 1  # what the report used: minutes of work before the fix
NCA_ROUNDS = 2048  # testca writes every part with this many, as NCA RK does


def said(error: UserError, *words: str) -> None:
    texts = {lang: error.message(lang) for lang in ("kk", "ru", "en")}
    assert len(set(texts.values())) == 3, texts
    for lang, text in texts.items():
        assert "{" not in text, (lang, text)
        for word in words:
            assert word in text, (lang, word, text)


@pytest.fixture
def no_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> bytes:
        raise AssertionError("a key derivation ran for a store that should have been refused")

    monkeypatch.setattr(p12, "kdf", refuse)


def pfx_with(pfx: pkcs12.Pfx, content: bytes, mac_iterations: int) -> bytes:
    """``pfx`` with new authenticated-safe bytes and MAC iterations (its MAC then no longer
    verifies, which does not matter: the stated counts are judged before the MAC is)."""
    mac = pfx["mac_data"]
    return bytes(
        pkcs12.Pfx(
            {
                "version": "v3",
                "auth_safe": cms.ContentInfo({"content_type": "data", "content": content}),
                "mac_data": {
                    "mac": mac["mac"].native,
                    "mac_salt": mac["mac_salt"].native,
                    "iterations": mac_iterations,
                },
            }
        ).dump()
    )


def key_bag_rounds(pfx: pkcs12.Pfx, rounds: int, copies: int = 1) -> bytes:
    """``pfx``'s authenticated safe with every shrouded key bag in an unencrypted part stating
    ``rounds`` PBKDF2 iterations (and repeated ``copies`` times)."""
    infos: list[cms.ContentInfo] = []
    for info in pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native):
        if info["content_type"].native != "data":
            infos.append(info)
            continue
        bags: list[pkcs12.SafeBag] = []
        for bag in pkcs12.SafeContents.load(info["content"].native):
            if bag["bag_id"].native != "pkcs8_shrouded_key_bag":
                bags.append(bag)
                continue
            alg = bag["bag_value"]["encryption_algorithm"]
            alg["parameters"]["key_derivation_func"]["parameters"]["iteration_count"] = rounds
            bags.extend([pkcs12.SafeBag.load(bag.dump(force=True))] * copies)
        content = pkcs12.SafeContents(bags).dump()
        infos.append(cms.ContentInfo({"content_type": "data", "content": content}))
    return bytes(pkcs12.AuthenticatedSafe(infos).dump())


def test_a_store_counts_its_work_as_it_states_it(make_store: KeyStoreFactory) -> None:
    for legacy in (False, True):
        pfx = p12.parse(make_store(legacy=legacy).read_bytes())
        # A MAC, the certificates' part and the key: three derivations of NCA_ROUNDS each.
        assert p12.check_work(pfx, "k.p12", PASSWORD) == 3 * NCA_ROUNDS
    assert NCA_ROUNDS * 400 < p12.MAX_ITERATIONS  # the cap leaves real stores far behind


def test_a_huge_mac_iteration_count_is_refused_before_any_work(
    make_store: KeyStoreFactory, no_derivation: None
) -> None:
    pfx = p12.parse(make_store().read_bytes())
    data = pfx_with(pfx, pfx["auth_safe"]["content"].native, HUGE)
    with pytest.raises(TooMuchWork) as caught:
        load_key_store(data, PASSWORD, name="RSA256_x.p12")
    said(caught.value, "RSA256_x.p12", f"{HUGE:,}", f"{p12.MAX_ITERATIONS:,}")
    # One more than the cap is refused too; the cap itself is not.
    with pytest.raises(TooMuchWork):
        p12.check_work(p12.parse(pfx_with(pfx, pfx["auth_safe"]["content"].native, 10**6 + 1)))
    at_cap = pfx_with(pfx, pfx["auth_safe"]["content"].native, p12.MAX_ITERATIONS)
    assert p12.check_work(p12.parse(at_cap)) == p12.MAX_ITERATIONS + 2 * NCA_ROUNDS


def test_a_huge_count_on_the_key_is_refused_before_any_work(
    make_store: KeyStoreFactory, no_derivation: None
) -> None:
    pfx = p12.parse(make_store().read_bytes())  # AES: the key bag sits in an unencrypted part
    data = pfx_with(pfx, key_bag_rounds(pfx, HUGE), NCA_ROUNDS)
    with pytest.raises(TooMuchWork) as caught:
        load_key_store(data, PASSWORD, name="k.p12")
    said(caught.value, "k.p12", f"{HUGE:,}")


def test_many_parts_at_the_cap_are_refused_as_a_whole(
    make_store: KeyStoreFactory, no_derivation: None
) -> None:
    pfx = p12.parse(make_store().read_bytes())
    data = pfx_with(pfx, key_bag_rounds(pfx, p12.MAX_ITERATIONS, copies=4), NCA_ROUNDS)
    total = 4 * p12.MAX_ITERATIONS + 2 * NCA_ROUNDS  # four keys, the certificates, the MAC
    with pytest.raises(TooMuchWork) as caught:
        load_key_store(data, PASSWORD, name="k.p12")
    said(caught.value, f"{total:,}", f"{p12.MAX_TOTAL_ITERATIONS:,}")


def _store_with_a_hidden_key_bag(password: str, key_rounds: int) -> bytes:
    """A store whose key bag sits inside a 3DES-encrypted part (legal, and what some tools
    write): its stated count is only readable after decrypting that part with the password.
    Built by hand with a valid MAC; 1024 rounds for the MAC and the part."""
    bmp = password.encode("utf-16-be") + b"\0\0"
    rounds = 1024
    shrouded = keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": algos.EncryptionAlgorithm(
                {
                    "algorithm": "pkcs12_sha1_tripledes_3key",
                    "parameters": algos.Pbes1Params(
                        {"salt": os.urandom(8), "iterations": key_rounds}
                    ),
                }
            ),
            "encrypted_data": os.urandom(64),
        }
    )
    inner = pkcs12.SafeContents([{"bag_id": "pkcs8_shrouded_key_bag", "bag_value": shrouded}])
    salt = os.urandom(8)
    key = p12.kdf("sha1", bmp, salt, 1, rounds, 24)
    iv = p12.kdf("sha1", bmp, salt, 2, rounds, 8)
    padder = padding.PKCS7(64).padder()
    encryptor = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
    plain = inner.dump()
    sealed = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    part = cms.EncryptedData(
        {
            "version": "v0",
            "encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": {
                    "algorithm": "pkcs12_sha1_tripledes_3key",
                    "parameters": algos.Pbes1Params({"salt": salt, "iterations": rounds}),
                },
                "encrypted_content": sealed,
            },
        }
    )
    content = pkcs12.AuthenticatedSafe([{"content_type": "encrypted_data", "content": part}]).dump()
    mac_salt = os.urandom(20)
    mac_key = p12.kdf("sha1", bmp, mac_salt, 3, rounds, 20)
    return bytes(
        pkcs12.Pfx(
            {
                "version": "v3",
                "auth_safe": cms.ContentInfo({"content_type": "data", "content": content}),
                "mac_data": {
                    "mac": {
                        "digest_algorithm": {"algorithm": "sha1"},
                        "digest": hmac.new(mac_key, content, hashlib.sha1).digest(),
                    },
                    "mac_salt": mac_salt,
                    "iterations": rounds,
                },
            }
        ).dump()
    )


def test_a_huge_count_inside_an_encrypted_part_is_refused_before_openssl_runs_it() -> None:
    data = _store_with_a_hidden_key_bag(PASSWORD, HUGE)
    pfx = p12.parse(data)
    assert p12.check_work(pfx) == 2 * 1024  # without the password the key bag is unseen
    assert p12.verify_mac(pfx, PASSWORD) is True
    with pytest.raises(TooMuchWork) as caught:
        load_key_store(data, PASSWORD, name="k.p12")
    said(caught.value, f"{HUGE:,}")


# --- What the file is -----------------------------------------------------------------------


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "keys.p12"
    folder.mkdir()
    with pytest.raises(IsFolder) as caught:
        open_key_store(folder, PASSWORD)
    said(caught.value, str(folder))


def test_a_link_to_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("this system has no /dev/zero")
    link = tmp_path / "RSA256_x.p12"
    link.symlink_to("/dev/zero")
    with pytest.raises(IsDevice) as caught:
        open_key_store(link, PASSWORD)
    said(caught.value, str(link), "/dev/zero")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "RSA256_x.p12"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def open_it() -> None:
        try:
            open_key_store(fifo, PASSWORD)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    # In a thread so that a regression fails the test instead of hanging the run: no writer
    # ever comes, and an open that waited for one would still be waiting when the join gives up.
    worker = threading.Thread(target=open_it, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "opening a FIFO blocked"
    assert len(outcome) == 1 and isinstance(outcome[0], IsPipe), outcome
    said(outcome[0], str(fifo))


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "backup.p12"
    with big.open("wb") as out:
        out.truncate(1024**3)  # 1 GiB, sparse: no disk space used
    with pytest.raises(TooLarge) as caught:
        open_key_store(big, PASSWORD)
    said(caught.value, str(big), "1024", "1")
    # The limit itself: one byte over is refused; at the limit the file is read (and judged).
    with big.open("wb") as out:
        out.truncate(MAX_KEY_STORE_BYTES + 1)
    with pytest.raises(TooLarge):
        open_key_store(big, PASSWORD)
    with big.open("wb") as out:
        out.truncate(MAX_KEY_STORE_BYTES)
    with pytest.raises(UserError) as judged:
        open_key_store(big, PASSWORD)
    assert judged.value.key == "signing.keystore.not_a_key_store"


def test_a_link_to_a_real_store_still_opens(make_store: KeyStoreFactory, tmp_path: Path) -> None:
    link = tmp_path / "current.p12"
    link.symlink_to(make_store())
    assert open_key_store(link, PASSWORD).name == "current.p12"
