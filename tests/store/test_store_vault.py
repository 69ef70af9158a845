"""The attachment vault: type by content, size limit, AES-GCM at rest, hash checked on reading."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from scan_samples import SAMPLES, damaged, image, pdf

from regdesk.core.clock import PinnedClock
from regdesk.core.errors import UserError
from regdesk.i18n import t
from regdesk.store import scan_check
from regdesk.store.vault import (
    STALE_PART_AGE,
    CorruptError,
    DamagedError,
    DiskFullError,
    KeyFileError,
    MissingError,
    NotStoredError,
    TooLargeError,
    UnreadableError,
    UnsupportedTypeError,
    Vault,
    VerifyFailedError,
    check_scan,
    detect_type,
    max_bytes,
)


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
    # The owner and the clinic's group (README, group sharing), never more than the umask lets.
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((vault.folder / stored.vault_name).stat().st_mode) == 0o660 & ~umask
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


DAMAGED = damaged()


@pytest.mark.parametrize("what", sorted(DAMAGED))
def test_a_scan_that_does_not_open_is_damaged_and_not_kept(
    vault: Vault, tmp_path: Path, what: str
) -> None:
    # Issue 11, item 16: these passed on their first bytes alone.
    source = tmp_path / "passport.pdf"
    source.write_bytes(DAMAGED[what])
    with pytest.raises(DamagedError) as caught:
        vault.put(source)
    words = {"kk": "бүлінген", "ru": "повреждён", "en": "damaged"}
    for lang, word in words.items():
        text = caught.value.message(lang)
        assert word in text and "passport.pdf" in text, (lang, text)
        assert "{" not in text
    assert not vault.folder.exists() or leftovers(vault.folder) == []
    with pytest.raises(DamagedError):
        check_scan(DAMAGED[what], name="passport.pdf")


def test_whole_scans_open_with_their_pages(tmp_path: Path) -> None:
    assert scan_check.check(pdf(pages=3), "application/pdf") == 3
    assert scan_check.check(image("JPEG", (40, 30)), "image/jpeg") == 1
    # A multi-page TIFF, as a document feeder writes one.
    pages = [Image.new("L", (20, 20), shade) for shade in (0, 128, 255)]
    out = BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:])
    assert scan_check.check(out.getvalue(), "image/tiff") == 3


def test_an_image_too_large_to_unpack_is_refused_before_it_is_unpacked() -> None:
    # 10,000 x 10,000 pixels of one colour: a PNG of a few kilobytes that would unpack to 100 MB.
    bomb = BytesIO()
    Image.new("L", (10_000, 10_000), 0).save(bomb, "PNG", optimize=True)
    assert len(bomb.getvalue()) < 200_000
    assert scan_check.MAX_PIXELS < 10_000 * 10_000
    with pytest.raises(DamagedError):
        check_scan(bomb.getvalue(), name="bomb.png")


def test_size_limit(vault: Vault, tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    padding = 4096 - len(pdf())
    exact = pdf(padding=padding)
    padding += 4096 - len(exact)  # the padding's own digits may shift the offsets
    exact = pdf(padding=padding)
    assert len(exact) == 4096
    big.write_bytes(pdf(padding=padding + 1))
    with pytest.raises(TooLargeError):
        vault.put(big)
    big.write_bytes(exact)  # exactly the limit is accepted
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


def test_a_sealed_scan_is_recognised_by_its_tag_without_hashing_it_again(vault: Vault) -> None:
    a = vault.put_bytes(SAMPLES["image/png"])
    b = vault.put_bytes(SAMPLES["application/pdf"])
    blob = (vault.folder / a.vault_name).read_bytes()
    assert vault.sealed_for(blob, a.sha256)
    # Another scan's hash, another scan's file, a flipped bit anywhere, or a stub: refused.
    assert not vault.sealed_for(blob, b.sha256)
    assert not vault.sealed_for((vault.folder / b.vault_name).read_bytes(), a.sha256)
    for position in (0, 20, len(blob) - 1):  # nonce, ciphertext, tag
        flipped = bytearray(blob)
        flipped[position] ^= 0x01
        assert not vault.sealed_for(bytes(flipped), a.sha256)
    assert not vault.sealed_for(b"short", a.sha256)


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


# --- Nothing stored is ever less than the scan ---------------------------------------------

# The incident this guards against: on a full disk a 500,009-byte scan was kept as 98,304 bytes
# and reported as stored. Scans of that size are stored below with a limit that lets them in.
SCAN = pdf(padding=500_000)  # a whole PDF of about 500,000 bytes
SMALLER = pdf(padding=200 * 1024)
FULL_AT = 98_304


@pytest.fixture
def big_vault(tmp_path: Path) -> Vault:
    key = tmp_path / "vault.key"
    assert Vault.create_key(key)
    return Vault(tmp_path / "vault", key, max_bytes=1024 * 1024)


def leftovers(folder: Path) -> list[str]:
    """Every file in the vault folder, hidden ``.part`` files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_said_not_stored(error: UserError, name: str, words: dict[str, str]) -> None:
    unexpected = {lang: t("error.unexpected", lang) for lang in ("kk", "ru", "en")}
    for lang, word in words.items():
        text = error.message(lang)
        assert name in text and word in text, (lang, text)
        assert text != unexpected[lang]


def test_short_writes_are_continued_until_every_byte_is_written(
    big_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.write may write fewer bytes than asked and say so; the rest must be written again.
    # Stand-in for a kernel that does this (pipes, signals, a filling disk): at most 4 KiB a call.
    real_write = os.write
    calls: list[int] = []

    def short_write(fd: int, data: bytes | memoryview) -> int:
        calls.append(fd)
        return real_write(fd, memoryview(data)[:4096])

    monkeypatch.setattr(os, "write", short_write)
    stored = big_vault.put_bytes(SCAN, name="passport.pdf")
    monkeypatch.undo()
    assert len(calls) >= len(SCAN) // 4096
    assert stored.size == len(SCAN)
    assert (big_vault.folder / stored.vault_name).stat().st_size == 12 + len(SCAN) + 16
    assert big_vault.get(stored.vault_name, stored.sha256) == SCAN
    assert leftovers(big_vault.folder) == [stored.vault_name]


def test_a_disk_that_fills_during_a_scan_keeps_nothing_and_says_so(
    big_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-in for a full file system that runs everywhere (the tmpfs test below needs mount):
    # os.write behaves as Linux does when the disk fills, writing what fits, returning that
    # short count, then failing with ENOSPC on the next call.
    real_write = os.write
    room = [FULL_AT]

    def filling_write(fd: int, data: bytes | memoryview) -> int:
        if room[0] == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real_write(fd, memoryview(data)[: room[0]])
        room[0] -= written
        return written

    monkeypatch.setattr(os, "write", filling_write)
    with pytest.raises(DiskFullError) as caught:
        big_vault.put_bytes(SCAN, name="passport.pdf")
    monkeypatch.undo()
    assert room[0] == 0  # the disk did fill: the error is not a guess
    assert leftovers(big_vault.folder) == []
    assert isinstance(caught.value, NotStoredError)
    assert_said_not_stored(
        caught.value, "passport.pdf", {"kk": "толып", "ru": "заполнен", "en": "is full"}
    )
    assert str(big_vault.folder) in caught.value.message("en")


def test_bytes_lost_after_a_write_are_caught_by_reading_back(
    big_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-in for a disk that accepts a write and loses part of it: the call says every byte
    # was written but only the first FULL_AT reach the file. Only the read-back can see this.
    real_write = os.write

    def lying_write(fd: int, data: bytes | memoryview) -> int:
        view = memoryview(data)
        real_write(fd, view[:FULL_AT])
        return len(view)

    monkeypatch.setattr(os, "write", lying_write)
    with pytest.raises(VerifyFailedError) as caught:
        big_vault.put_bytes(SCAN, name="passport.pdf")
    monkeypatch.undo()
    assert leftovers(big_vault.folder) == []
    assert_said_not_stored(
        caught.value, "passport.pdf", {"kk": "сақталмады", "ru": "не сохранён", "en": "not stored"}
    )


def test_a_failed_fsync_keeps_nothing(big_vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand-in for an I/O error that only shows when the data is flushed to the disk.
    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(NotStoredError) as caught:
        big_vault.put_bytes(SCAN, name="passport.pdf")
    monkeypatch.undo()
    assert type(caught.value) is NotStoredError
    assert leftovers(big_vault.folder) == []
    assert os.strerror(errno.EIO) in caught.value.message("en")
    assert_said_not_stored(
        caught.value, "passport.pdf", {"kk": "сақталмады", "ru": "не сохранён", "en": "not stored"}
    )


def test_a_file_size_limit_makes_the_kernel_write_short(tmp_path: Path) -> None:
    # A real kernel short write that needs no mount: under RLIMIT_FSIZE, write() stores what
    # fits below the limit, returns that count, and the next write fails with EFBIG.
    script = f"""
import json, resource, signal, sys
from pathlib import Path
from regdesk.core.errors import UserError
from regdesk.store.vault import Vault
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
vault = Vault(Path(sys.argv[1]) / "vault", Path(sys.argv[1]) / "vault.key", 1024 * 1024)
vault.folder.mkdir()
resource.setrlimit(resource.RLIMIT_FSIZE, ({FULL_AT}, {FULL_AT}))
try:
    vault.put_bytes(Path(sys.argv[2]).read_bytes(), name="passport.pdf")
    print(json.dumps({{"stored": True}}))
except UserError as exc:
    print(json.dumps({{"stored": False, "key": exc.key, "en": exc.message("en")}}))
"""
    assert Vault.create_key(tmp_path / "vault.key")
    (tmp_path / "scan.pdf").write_bytes(SCAN)
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(tmp_path / "scan.pdf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["stored"] is False
    assert answer["key"] == "store.vault_not_stored"
    assert os.strerror(errno.EFBIG) in answer["en"]
    assert leftovers(tmp_path / "vault") == []


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs, where the machine lets this test mount one (root, no sandbox)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = (mounted.stderr or "").strip() or f"exit status {mounted.returncode}"
        pytest.skip(f"cannot mount a small tmpfs here ({reason}); the stand-in tests cover it")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_a_real_full_file_system_keeps_nothing_and_the_next_scan_fits(
    small_tmpfs: Path, tmp_path: Path
) -> None:
    key = tmp_path / "vault.key"
    assert Vault.create_key(key)
    vault = Vault(small_tmpfs / "vault", key, max_bytes=1024 * 1024)
    vault.folder.mkdir()
    filler = small_tmpfs / "filler"
    filler.write_bytes(b"\0" * (160 * 1024))  # leaves less room than the scan needs
    free_before = os.statvfs(small_tmpfs).f_bavail
    assert free_before * os.statvfs(small_tmpfs).f_frsize < len(SCAN)
    with pytest.raises(DiskFullError) as caught:
        vault.put_bytes(SCAN, name="passport.pdf")
    assert leftovers(vault.folder) == []
    assert os.statvfs(small_tmpfs).f_bavail == free_before  # no space held by a half file
    assert_said_not_stored(
        caught.value, "passport.pdf", {"kk": "толып", "ru": "заполнен", "en": "is full"}
    )
    # With room again, a scan is stored whole and reads back as it was.
    filler.unlink()
    smaller = SMALLER
    stored = vault.put_bytes(smaller, name="passport.pdf")
    assert leftovers(vault.folder) == [stored.vault_name]
    assert vault.get(stored.vault_name, stored.sha256) == smaller


def test_part_files_left_by_a_killed_writer_are_removed_when_old(tmp_path: Path) -> None:
    key = tmp_path / "vault.key"
    assert Vault.create_key(key)
    folder = tmp_path / "vault"
    folder.mkdir()
    clock = PinnedClock(datetime(2026, 12, 1, 20, 29, tzinfo=UTC))
    now = clock.utc().timestamp()

    def file_at(name: str, age: timedelta) -> Path:
        path = folder / name
        path.write_bytes(b"half a scan")
        os.utime(path, (now - age.total_seconds(), now - age.total_seconds()))
        return path

    old_part = file_at(f".{'a' * 32}.part", STALE_PART_AGE + timedelta(seconds=1))
    fresh_part = file_at(f".{'b' * 32}.part", STALE_PART_AGE - timedelta(seconds=1))
    old_scan = file_at("c" * 32, timedelta(days=400))  # a stored scan, however old, stays
    other = file_at(".notes.part", timedelta(days=1))  # not a name the vault writes
    Vault(folder, key, max_bytes=4096, clock=clock)
    assert not old_part.exists()
    assert fresh_part.exists() and old_scan.exists() and other.exists()
    # Later (another terminal's write has had its time), the next opening removes it too.
    clock.advance(minutes=1)
    assert Vault(folder, key, max_bytes=4096, clock=clock).remove_stale_parts() == 0
    assert not fresh_part.exists()
    assert old_scan.exists() and other.exists()
