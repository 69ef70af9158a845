"""Annulling an attachment recorded by mistake (issue 11): the client over real HTTP to the
simulator, which goes back to the person's attachment from before, once per idempotency key."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from regdesk.core.ids import make_bin
from regdesk.registry.client import Backoff, RegistryClient
from regdesk.registry.errors import NotFound, Refused
from regdesk.registry.sim import SimulatorHandle, running_simulator

DAY = date(2026, 11, 25)


async def test_an_annulment_restores_no_attachment_for_a_person_attached_nowhere(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    iin = sim.cases["unattached"][0]
    assert await client.attachment(iin) is None
    await client.record_attachment(iin, sim.clinic_bin, 3, "free_choice", DAY, "A-1")
    assert await client.attachment(iin) is not None
    receipt = await client.annul_attachment(
        iin, sim.clinic_bin, "DEMO-2026-000001", "duplicate", "N-1"
    )
    assert (receipt.iin, receipt.clinic_bin) == (iin, sim.clinic_bin)
    assert (receipt.application_number, receipt.reason_code) == ("DEMO-2026-000001", "duplicate")
    assert receipt.annulment_id.startswith("ANN-") and not receipt.replayed
    assert await client.attachment(iin) is None


async def test_an_annulment_gives_the_person_back_to_the_clinic_before(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    iin = sim.cases["attached_elsewhere_recent"][0]
    before = await client.attachment(iin)
    assert before is not None and before.clinic_bin != sim.clinic_bin
    await client.record_attachment(iin, sim.clinic_bin, 2, "free_choice", DAY, "A-2")
    await client.annul_attachment(iin, sim.clinic_bin, "DEMO-2026-000002", "wrong_person", "N-2")
    assert await client.attachment(iin) == before


async def test_a_repeated_key_replays_and_a_second_annulment_is_refused(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    iin = sim.cases["unattached"][1]
    await client.record_attachment(iin, sim.clinic_bin, 1, "free_choice", DAY, "A-3")
    first = await client.annul_attachment(iin, sim.clinic_bin, "DEMO-2026-000003", "other", "N-3")
    again = await client.annul_attachment(iin, sim.clinic_bin, "DEMO-2026-000003", "other", "N-3")
    assert again.replayed and again.annulment_id == first.annulment_id
    with pytest.raises(Refused) as caught:
        await client.annul_attachment(iin, sim.clinic_bin, "DEMO-2026-000003", "other", "N-4")
    assert caught.value.status == 409 and caught.value.code == "not_attached_here"
    with pytest.raises(Refused) as conflict:
        await client.annul_attachment(iin, sim.clinic_bin, "DEMO-2026-000003", "duplicate", "N-3")
    assert conflict.value.status == 422 and conflict.value.code == "idempotency_conflict"


async def test_only_the_clinics_own_attachment_can_be_annulled(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    elsewhere = sim.cases["attached_elsewhere_long_ago"][0]
    with pytest.raises(Refused) as not_here:
        await client.annul_attachment(elsewhere, sim.clinic_bin, "X-1", "duplicate", "N-5")
    assert not_here.value.status == 409
    other = make_bin(2012, 5, serial=777)
    with pytest.raises(Refused) as forbidden:
        await client.annul_attachment(elsewhere, other, "X-1", "duplicate", "N-6")
    assert forbidden.value.status == 403
    with pytest.raises(NotFound):
        await client.annul_attachment(
            sim.cases["no_record"][0], sim.clinic_bin, "X", "other", "N-7"
        )


async def test_an_annulment_survives_a_restart_with_a_state_file(
    tmp_path: Path, fast_backoff: Backoff, sim_options: dict[str, Any]
) -> None:
    state = tmp_path / "registry-state.json"
    with running_simulator(**sim_options, token="", state_file=state) as sim:
        iin = sim.cases["attached_elsewhere_recent"][0]
        async with RegistryClient(sim.settings(), backoff=fast_backoff) as client:
            before = await client.attachment(iin)
            await client.record_attachment(iin, sim.clinic_bin, 4, "free_choice", DAY, "S-1")
    with running_simulator(**sim_options, token="", state_file=state) as sim:
        async with RegistryClient(sim.settings(), backoff=fast_backoff) as client:
            await client.annul_attachment(iin, sim.clinic_bin, "DEMO-2026-000009", "other", "S-2")
            after = await client.attachment(iin)
    assert after == before
    with running_simulator(**sim_options, token="", state_file=state) as sim:
        async with RegistryClient(sim.settings(), backoff=fast_backoff) as client:
            assert await client.attachment(iin) == before
