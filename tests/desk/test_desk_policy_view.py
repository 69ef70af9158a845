"""The policy view (issue 15): the demo clinic's real config files, CA and CRL files made by
``regdesk key training``, a real backup, the registry simulator over loopback; an admin sees it,
a receptionist is refused by the use case and by ``regdesk policy``."""

from __future__ import annotations

import dataclasses
import io
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from desk_support import PINNED_AT, signed_in, with_registry

from regdesk import demo
from regdesk.cli import main
from regdesk.config import Config
from regdesk.core.clock import PinnedClock
from regdesk.desk.errors import NotAllowed
from regdesk.desk.policy_view import PolicyView, describe_policy, describe_registry
from regdesk.i18n import Translator, t
from regdesk.registry.contract import HEALTH
from regdesk.signing.training import Trainee, make_training_set

EN = Translator("en")


def cli(
    ws: demo.DemoWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    stdin: str = "",
    lang: str = "en",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    clock = PinnedClock(PINNED_AT, "Asia/Almaty")
    code = main(["--lang", lang, "--config", ws.config.source, *args], clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def training_config(ws: demo.DemoWorkspace) -> tuple[Config, Path]:
    """The demo clinic with a training CA and CRL (made a year long at the pinned moment)."""
    folder = Path(ws.config.source).parent / "training"
    made = make_training_set(
        folder, [Trainee(ws.staff[0][1], ws.staff[0][3])], clinic="Demo", now=PINNED_AT
    )
    signing = dataclasses.replace(
        ws.config.signing,
        trusted_ca=(str(made.ca_cert), "keys/missing.pem"),
        crl=(str(made.crl),),
        training=True,
        ocsp_url="http://127.0.0.1:9/ocsp",
    )
    return dataclasses.replace(ws.config, signing=signing), made.crl


async def test_an_admin_sees_the_demo_policy_and_the_backup(
    ws: demo.DemoWorkspace,
    clock: PinnedClock,
    admin: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with signed_in(ws.config, clock, admin[1], admin[2]) as desk:
        view = PolicyView(desk.context).overview()
        assert [ca.file for ca in view.trusted] == ["keys/demo-ca.pem"]
        (ca,) = view.trusted
        assert ca.valid_now and not ca.training
        assert ca.not_before.utcoffset() == timedelta(hours=5)  # clinic time
        assert view.crls == () and view.ocsp_url == "" and not view.training
        assert view.disk is not None and 0 < view.disk.free <= view.disk.total
        assert view.backup.last is None
        text = "\n".join(describe_policy(view, EN))
        for key in ("policy.no_crl", "policy.ocsp_off", "policy.training_off"):
            assert t(key, "en") in text
        assert t("backup.status_never", "en", max=view.backup.max_hours) in text

    # A real backup, then the view says when and where.
    code, _, err = cli(ws, monkeypatch, capsys, "backup", str(tmp_path / "nightly"))
    assert code == 0, err
    clock.advance(hours=2)
    async with signed_in(ws.config, clock, admin[1], admin[2]) as desk:
        view = PolicyView(desk.context).overview()
    assert view.backup.last is not None and view.backup.hours == pytest.approx(2.0)
    text = "\n".join(describe_policy(view, EN))
    assert str(tmp_path / "nightly") in text
    assert "2.0 h ago" in text


async def test_training_ca_crl_age_staleness_ocsp_and_an_unreadable_file(
    ws: demo.DemoWorkspace, clock: PinnedClock, admin: tuple[str, ...]
) -> None:
    config, _ = training_config(ws)
    clock.advance(hours=3)
    async with signed_in(config, clock, admin[1], admin[2]) as desk:
        view = PolicyView(desk.context).overview()
    (ca,) = view.trusted
    assert ca.training and "TRAINING" in ca.subject
    (crl,) = view.crls
    assert crl.age_hours == pytest.approx(3.0) and not crl.stale and crl.revoked == 0
    assert crl.next_update is not None
    assert crl.next_update - crl.this_update == timedelta(days=365)
    (bad,) = view.unusable
    assert bad.file == "keys/missing.pem"
    text = "\n".join(describe_policy(view, EN))
    assert t("policy.ca_training", "en") in text and t("policy.training_on", "en") in text
    assert "(3 h ago)" in text
    assert "http://127.0.0.1:9/ocsp" in text
    assert "missing.pem" in text  # the file that cannot be read, in words

    clock.advance(days=366)  # past the CRL's next update: stale, and the config only warns
    async with signed_in(config, clock, admin[1], admin[2]) as desk:
        view = PolicyView(desk.context).overview()
    (crl,) = view.crls
    assert crl.stale and view.trusted[0].valid_now  # the CA itself lives five years
    assert crl.next_update is not None
    since = crl.next_update.strftime("%d.%m.%Y %H:%M")
    assert t("policy.crl_stale_warn", "en", next=since) in describe_policy(view, EN)


async def test_the_registry_is_checked_only_when_asked(
    ws: demo.DemoWorkspace, clock: PinnedClock, admin: tuple[str, ...]
) -> None:
    def health_calls() -> int:
        return sum(1 for r in ws.simulator.requests() if r.path == HEALTH)

    before = health_calls()
    async with signed_in(ws.config, clock, admin[1], admin[2]) as desk:
        view = PolicyView(desk.context)
        overview = view.overview()
        assert health_calls() == before  # reading the view asks nothing of the network
        check = await view.check_registry()
        assert check.ok and check.version and check.ms >= 0
        assert health_calls() == before + 1
        lines = describe_registry(overview.registry_url, check, EN)
        assert t("policy.registry_url", "en", url=ws.config.registry.base_url) in lines
        assert any(line.startswith("  The registry at ") for line in lines)
    # A registry nobody answers at: said in words, not raised.
    gone = with_registry(ws.config, base_url="http://127.0.0.1:9", retries=0)
    async with signed_in(gone, clock, admin[1], admin[2]) as desk:
        check = await PolicyView(desk.context).check_registry()
    assert not check.ok and check.error is not None
    lines = describe_registry("http://127.0.0.1:9", check, EN)
    assert "  " + t("registry.check_failed", "en", url="http://127.0.0.1:9") in lines
    assert "  " + check.error.message("en") in lines


async def test_a_receptionist_is_refused_by_the_use_case(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    async with signed_in(ws.config, clock, receptionist[1], receptionist[2]) as desk:
        view = PolicyView(desk.context)
        assert not view.may_view()
        with pytest.raises(NotAllowed):
            view.overview()
        with pytest.raises(NotAllowed):
            await view.check_registry()
        denied = [
            r["detail"]
            for r in desk.context.db.query(
                "SELECT detail FROM audit_log WHERE action = ?", ["access_denied"]
            )
        ]
    assert len(denied) == 2 and all('"policy_view"' in d for d in denied)


def test_regdesk_policy_refuses_a_receptionist_and_shows_an_admin_the_policy(
    ws: demo.DemoWorkspace,
    receptionist: tuple[str, ...],
    admin: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = cli(
        ws,
        monkeypatch,
        capsys,
        "policy",
        "--as",
        receptionist[1],
        "--password-stdin",
        stdin=receptionist[2] + "\n",
    )
    assert code == 1 and out == ""
    assert t("admin.what.policy_view", "en") in err

    for lang in ("kk", "ru", "en"):
        code, out, err = cli(
            ws,
            monkeypatch,
            capsys,
            "policy",
            "--registry",
            "--as",
            admin[1],
            "--password-stdin",
            stdin=admin[2] + "\n",
            lang=lang,
        )
        assert code == 0, err
        assert out.startswith(t("policy.title", lang))
        assert t("policy.signing_heading", lang) in out
        assert t("policy.registry_heading", lang) in out
        assert t("policy.registry_unchecked_cli", lang) not in out  # it was checked
