"""The attachment vault: type by content, size limit, AES-GCM at rest, hash checked on reading."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from regdesk.core.errors import UserError
from regdesk.store.vault import (
    CorruptError,
    KeyFileError,
    MissingError,
    TooLargeError,
    UnreadableError,
    UnsupportedTypeError,
    Vault,
    detect_type,
    max_bytes,
)

SAMPLES = {
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4,
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
    "image/tiff": b"II*\x00\x08\x00\x00\x00" + b"\x01" * 40,
}


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    key = tmp_path / "vault.key"
    assert Vault.create_key(key)
    return Vault(tmp_path / "vault", key, max_bytes=4096)


@pytest.mark.parametrize("media_type", sorted(SAMPLES))
def test_round_trip_of_every_accepted_type(vault: Vault, tmp_path: Path, media_type: str) -> None:
    source = tmp_path / "scan.bin"
    source.write_bytes(SAMPLES[media_type])
    stored = vault.put(source)
    assert stored.media_type == media_type
    assert stored.size == len(SAMPLES[media_type])
    assert stored.sha256 == hashlib.sha256(SAMPLES[media_type]).hexdigest()
    on_disk = (vault.folder / stored.vault_name).read_bytes()
    assert SAMPLES[media_type][:16] not in on_disk  # encrypted at rest
    assert len(on_disk) == 12 + len(SAMPLES[media_type]) + 16  # nonce, ciphertext, tag
    assert stat.S_IMODE((vault.folder / stored.vault_name).stat().st_mode) == 0o600
    assert vault.get(stored.vault_name, stored.sha256) == SAMPLES[media_type]
    # A second vault object (another terminal) reads it with the same key file.
    other = Vault(vault.folder, vault.key_file, vault.max_bytes)
    assert other.get(stored.vault_name, stored.sha256) == SAMPLES[media_type]


def test_every_file_gets_its_own_nonce_and_name(vault: Vault) -> None:
    a = vault.put_bytes(SAMPLES["image/png"])
    b = vault.put_bytes(SAMPLES["image/png"])
    assert a.vault_name != b.vault_name and a.sha256 == b.sha256
    blob_a = (vault.folder / a.vault_name).read_bytes()
    blob_b = (vault.folder / b.vault_name).read_bytes()
    assert blob_a[:12] != blob_b[:12] and blob_a[12:] != blob_b[12:]
    assert not list(vault.folder.glob(".*.part"))


def test_type_is_judged_by_content_not_name(vault: Vault, tmp_path: Path) -> None:
    fake = tmp_path / "passport.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(UnsupportedTypeError) as caught:
        vault.put(fake)
    assert "passport.pdf" in caught.value.message("en")
    assert "PDF, JPEG, PNG" in caught.value.message("kk")
    assert detect_type(b"GIF89a") is None
    assert detect_type(b"MM\x00*\x00\x00\x00\x08") == "image/tiff"
    assert detect_type(b"") is None
    assert not vault.folder.exists() or not any(vault.folder.iterdir())


def test_size_limit(vault: Vault, tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-" + b"x" * 4092)
    with pytest.raises(TooLargeError):
        vault.put(big)
    big.write_bytes(b"%PDF-" + b"x" * 4091)  # exactly the limit is accepted
    assert vault.put(big).size == 4096
    assert max_bytes(20.0) == 20 * 1024 * 1024
    message = TooLargeError(name="a.pdf", size_mb="25.0", max_mb="20").message("ru")
    assert "25.0" in message and "20" in message


def test_unreadable_source(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(UnreadableError):
        vault.put(tmp_path / "no-such-scan.pdf")


def test_a_flipped_byte_is_detected(vault: Vault) -> None:
    stored = vault.put_bytes(SAMPLES["image/jpeg"], name="id.jpg")
    target = vault.folder / stored.vault_name
    for position in (0, 20, len(target.read_bytes()) - 1):  # nonce, ciphertext, tag
        blob = bytearray(target.read_bytes())
        blob[position] ^= 0x01
        target.write_bytes(bytes(blob))
        with pytest.raises(CorruptError) as caught:
            vault.get(stored.vault_name, stored.sha256)
        assert isinstance(caught.value, UserError)
        assert stored.vault_name in caught.value.message("en")
        blob[position] ^= 0x01
        target.write_bytes(bytes(blob))
    assert vault.get(stored.vault_name, stored.sha256) == SAMPLES["image/jpeg"]


def test_a_swapped_file_or_a_wrong_hash_is_detected(vault: Vault) -> None:
    a = vault.put_bytes(SAMPLES["image/png"])
    b = vault.put_bytes(SAMPLES["application/pdf"])
    with pytest.raises(CorruptError):
        vault.get(a.vault_name, b.sha256)
    (vault.folder / a.vault_name).write_bytes((vault.folder / b.vault_name).read_bytes())
    with pytest.raises(CorruptError):
        vault.get(a.vault_name, a.sha256)
    (vault.folder / a.vault_name).write_bytes(b"short")
    with pytest.raises(CorruptError):
        vault.get(a.vault_name, a.sha256)


def test_missing_files_and_names_outside_the_vault(vault: Vault) -> None:
    with pytest.raises(MissingError):
        vault.get("0" * 32, "0" * 64)
    with pytest.raises(MissingError):
        vault.get("../vault.key", "0" * 64)
    stored = vault.put_bytes(SAMPLES["image/png"])
    vault.remove(stored.vault_name)
    vault.remove("../vault.key")
    assert vault.key_file.exists()
    with pytest.raises(MissingError):
        vault.get(stored.vault_name, stored.sha256)


def test_the_key_is_owner_only_and_never_replaced(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "vault.key"
    assert Vault.create_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_bytes()
    assert len(first) == 32
    assert not Vault.create_key(key)
    assert key.read_bytes() == first


def test_another_key_cannot_read_and_a_bad_key_file_is_reported(tmp_path: Path) -> None:
    Vault.create_key(tmp_path / "a.key")
    Vault.create_key(tmp_path / "b.key")
    stored = Vault(tmp_path / "v", tmp_path / "a.key", 4096).put_bytes(SAMPLES["image/png"])
    with pytest.raises(CorruptError):
        Vault(tmp_path / "v", tmp_path / "b.key", 4096).get(stored.vault_name, stored.sha256)
    (tmp_path / "c.key").write_bytes(b"short")
    with pytest.raises(KeyFileError):
        Vault(tmp_path / "v", tmp_path / "c.key", 4096).put_bytes(SAMPLES["image/png"])
    with pytest.raises(KeyFileError) as caught:
        Vault(tmp_path / "v", tmp_path / "none.key", 4096).put_bytes(SAMPLES["image/png"])
    assert "regdesk init" in caught.value.message("en")
