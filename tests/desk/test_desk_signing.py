"""Confirming with EDS at the desk: the employee's own key, its password, and the policy."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from desk_support import assert_explained, draft, journal_counts, signed_in

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.desk import Desk
from regdesk.i18n import t
from regdesk.signing.errors import FileUnreadable, NotAKeyStore, Problem, WrongPassword


async def test_wrong_key_password_then_the_right_one(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...]
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0])
    key_path = ws.key_paths[receptionist[1]]
    with pytest.raises(WrongPassword) as caught:
        desk.registration.open_key(key_path, demo.KEY_PASSWORD.upper())
    assert_explained(caught.value)
    for lang in ("kk", "ru", "en"):
        assert caught.value.message(lang) == t(
            "signing.keystore.wrong_password", lang, **caught.value.params
        )
    assert desk.form.get(app_id).state == State.DRAFT

    check = desk.registration.open_key(f"  {key_path}  ", demo.KEY_PASSWORD)
    assert check.can_sign
    number = desk.registration.register(app_id, check)
    assert desk.form.get(app_id).number == number
    assert desk.journal.detail(app_id).signature_ok is True


async def test_key_of_another_employee_is_refused(
    ws: demo.DemoWorkspace, desk: Desk, admin: tuple[str, ...]
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0])
    check = desk.registration.open_key(ws.key_paths[admin[1]], demo.KEY_PASSWORD)
    assert check.info.iin == admin[1]
    assert not check.can_sign
    blocking = [p for p in check.problems if isinstance(p, Problem) and p.blocking]
    assert [p.key for p in blocking] == ["signing.problem.other_person"]
    assert admin[3].split()[0] in blocking[0].message("ru")
    for problem in check.problems:
        assert_explained(problem)
    with pytest.raises(Problem) as caught:
        desk.registration.register(app_id, check)
    assert caught.value.key == "signing.problem.other_person"
    assert desk.form.get(app_id).state == State.DRAFT
    assert journal_counts(ws)["signatures"] == 0


async def test_key_checked_for_one_employee_cannot_sign_for_the_next(
    ws: demo.DemoWorkspace, desk: Desk, receptionist: tuple[str, ...], admin: tuple[str, ...]
) -> None:
    # The receptionist opened her key, then the admin signed in at the same terminal: the key
    # checked a minute ago is still not the signed-in employee's own.
    app_id = await draft(desk, ws.samples["unattached"][0])
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    assert check.can_sign
    desk.session.sign_in(admin[1], admin[2])
    with pytest.raises(Problem) as caught:
        desk.registration.register(app_id, check)
    assert caught.value.key == "signing.problem.other_person"
    assert_explained(caught.value)
    assert journal_counts(ws)["signatures"] == 0


async def test_expired_key_cannot_sign(
    ws: demo.DemoWorkspace, desk: Desk, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    app_id = await draft(desk, ws.samples["unattached"][0])
    clock.advance(days=400)  # the demo key is valid for 365 days
    check = desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    assert not check.can_sign
    assert "signing.problem.expired" in [p.key for p in check.problems]
    with pytest.raises(Problem) as caught:
        desk.registration.register(app_id, check)
    assert caught.value.blocking
    assert_explained(caught.value)
    assert desk.form.get(app_id).state == State.DRAFT


async def test_unusable_key_files_are_explained(ws: demo.DemoWorkspace, desk: Desk) -> None:
    with pytest.raises(FileUnreadable) as missing:
        desk.registration.open_key(str(ws.root / "keys" / "nobody.p12"), demo.KEY_PASSWORD)
    assert_explained(missing.value)
    with pytest.raises(NotAKeyStore) as not_p12:
        desk.registration.open_key(
            str(ws.scan_dir / "udostoverenie-lichnosti.pdf"), demo.KEY_PASSWORD
        )
    assert_explained(not_p12.value)


async def test_key_store_is_remembered_per_employee(
    ws: demo.DemoWorkspace,
    desk: Desk,
    clock: PinnedClock,
    receptionist: tuple[str, ...],
    admin: tuple[str, ...],
) -> None:
    assert desk.registration.key_store_hint() == ""
    desk.registration.open_key(ws.key_paths[receptionist[1]], demo.KEY_PASSWORD)
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as again:
        assert again.registration.key_store_hint() == ws.key_paths[receptionist[1]]
    async with signed_in(ws.config, clock, admin[1], admin[2]) as other:
        assert other.registration.key_store_hint() == ""


async def test_key_folder_is_offered_until_a_key_store_is_remembered(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    receptionist: tuple[str, ...],
    admin: tuple[str, ...],
    tmp_path: Path,
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    signing_key = Path(ws.key_paths[receptionist[1]])
    (stick / "RSA256_a1b2.p12").write_bytes(signing_key.read_bytes())
    (stick / "AUTH_RSA256_c3d4.p12").write_bytes(signing_key.read_bytes())  # cannot sign
    config = dataclasses.replace(
        ws.config, signing=dataclasses.replace(ws.config.signing, key_folder=str(stick))
    )
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        # The only signing key store on the stick is offered whole.
        assert desk.registration.key_store_hint() == str(stick / "RSA256_a1b2.p12")
        (stick / "RSA256_e5f6.p12").write_bytes(b"a second one")
        # Two of them: the folder, for the employee to type the file name after it.
        assert desk.registration.key_store_hint() == str(stick) + os.sep
        desk.registration.open_key(str(signing_key), demo.KEY_PASSWORD)
        # Once a key store was used, it is offered again instead.
        assert desk.registration.key_store_hint() == str(signing_key)
    # A relative folder is taken from the config's folder, as every path in the config is.
    relative = dataclasses.replace(
        ws.config, signing=dataclasses.replace(ws.config.signing, key_folder="keys")
    )
    async with signed_in(relative, clock, admin[1], admin[2]) as other:
        assert other.registration.key_store_hint() == str(ws.root / "keys") + os.sep
