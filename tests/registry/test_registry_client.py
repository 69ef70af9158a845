"""The client against the real simulator over loopback: answers, outcomes, retries, idempotency."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from regdesk.core.ids import IinError, make_bin, make_iin
from regdesk.registry.client import Backoff, RegistryClient, SyncRegistryClient
from regdesk.registry.errors import BadAnswer, NotFound, Refused, Unavailable
from regdesk.registry.sim import (
    GARBAGE_KINDS,
    Fault,
    Faults,
    SimulatorHandle,
    running_simulator,
)

KAZAKH_LETTERS = set("әіңғүұқөһӘІҢҒҮҰҚӨҺ")


def api_requests(sim: SimulatorHandle) -> list:  # type: ignore[type-arg]
    return [r for r in sim.requests() if r.path.startswith("/v1/")]


# --- answers ---------------------------------------------------------------------------------


async def test_person_of_each_case_has_the_case_properties(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    cases = sim.cases
    child = await client.person(cases["child"][0])
    assert child.age_on(today) < 18
    parents = [await client.person(r.iin) for r in child.representatives]
    assert {r.relation for r in child.representatives} == {"mother", "father"}
    assert any(p.surname[:4] == child.surname[:4] for p in parents)

    dead = await client.person(cases["deceased"][0])
    assert dead.life_status == "dead" and dead.death_date is not None and not dead.alive

    assert (await client.person(cases["pensioner"][0])).age_on(today) >= 65
    baby = await client.person(cases["newborn"][0])
    assert (today - baby.birth_date).days < 60 and baby.document is not None
    assert baby.document.type == "birth_certificate"

    resident = await client.person(cases["foreign_resident"][0])
    assert resident.residency == "foreign_resident" and resident.citizenship.code != "KAZ"
    assert resident.document is not None and resident.document.type == "residence_permit"
    insured = await client.person(cases["foreign_temporary_insured"][0])
    uninsured = await client.person(cases["foreign_temporary_uninsured"][0])
    assert (insured.has_insurance, uninsured.has_insurance) == (True, False)
    assert (await client.person(cases["kandas"][0])).residency == "kandas"
    assert (await client.person(cases["refugee"][0])).residency == "refugee"
    assert (await client.person(cases["stateless"][0])).residency == "stateless_resident"
    expired = await client.person(cases["expired_document"][0])
    assert expired.document is not None and not expired.document.valid_on(today)


async def test_names_carry_kazakh_letters_and_addresses_real_places(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    people = [await client.person(iin) for iins in sim.cases.values() for iin in iins[:1]
              if iin not in sim.cases["no_record"]]  # fmt: skip
    assert any(KAZAKH_LETTERS & set(p.full_name) for p in people)
    cities = {p.address.city for p in people if p.address is not None}
    assert cities and cities <= {
        "Алматы", "Астана", "Шымкент", "Караганда", "Павлодар", "Усть-Каменогорск", "Семей",
        "Актобе", "Атырау", "Актау", "Тараз", "Туркестан", "Кызылорда", "Костанай",
        "Петропавловск", "Уральск", "Кокшетау", "Талдыкорган", "Жезказган", "Талгар", "Конаев",
    }  # fmt: skip


async def test_attachment_here_elsewhere_and_none(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    here = await client.attachment(sim.cases["attached_here"][0])
    assert here is not None and here.clinic_bin == sim.clinic_bin
    recent = await client.attachment(sim.cases["attached_elsewhere_recent"][0])
    assert recent is not None and recent.clinic_bin != sim.clinic_bin
    assert (today - recent.since).days < 365
    old = await client.attachment(sim.cases["attached_elsewhere_long_ago"][0])
    assert old is not None and (today - old.since).days > 365
    assert await client.attachment(sim.cases["unattached"][0]) is None


async def test_organisation_by_bin(sim: SimulatorHandle, client: RegistryClient) -> None:
    org = await client.organisation(sim.clinic_bin)
    assert org.bin == sim.clinic_bin and org.active
    with pytest.raises(NotFound) as caught:
        await client.organisation(make_bin(2001, 2, serial=4242))
    assert caught.value.key == "registry.organisation_not_found"


async def test_health_names_the_client(client: RegistryClient) -> None:
    health = await client.health()
    assert health.status == "ok" and health.client == "token"


async def test_kazakh_layout_iin_is_mapped_to_digits(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    iin = sim.cases["adult"][0]
    typed = iin.translate(str.maketrans("1234567890", '"әіңғ,.үұқ'))
    assert (await client.person(typed)).iin == iin


# --- outcomes --------------------------------------------------------------------------------


async def test_not_found_carries_the_request_id_the_registry_logged(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    with pytest.raises(NotFound) as caught:
        await client.person(sim.cases["no_record"][0])
    logged = api_requests(sim)
    assert len(logged) == 1 and logged[0].status == 404
    assert caught.value.request_id == logged[0].request_id
    for lang in ("kk", "ru", "en"):
        assert caught.value.message(lang) != "registry.not_found"


async def test_invalid_iin_sends_nothing(sim: SimulatorHandle, client: RegistryClient) -> None:
    for bad in ("12345", "900101300124", "9001013001ab", "991301300120"):
        with pytest.raises(IinError):
            await client.person(bad)
    assert api_requests(sim) == []


async def test_404_without_the_contracts_body_is_a_bad_answer_not_no_data(
    sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    # A wrong base URL (a proxy's 404 page) must never look like "the registry has no data".
    settings = sim.settings(base_url=sim.url + "/regdesk/v1")
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        with pytest.raises(BadAnswer) as caught:
            await client.person(sim.cases["adult"][0])
    # The message names the URL asked (with the path's template, not the person's IIN).
    asked = sim.url + "/regdesk/v1/v1/persons/{iin}"
    assert caught.value.key == "registry.bad_answer_no_route"
    for lang in ("kk", "ru", "en"):
        text = caught.value.message(lang)
        assert asked in text and caught.value.request_id in text
        assert sim.cases["adult"][0] not in text


@pytest.mark.parametrize("kind", GARBAGE_KINDS)
async def test_malformed_answers_are_bad_answers_with_the_request_id(
    sim: SimulatorHandle, client: RegistryClient, kind: str
) -> None:
    sim.inject(Fault("garbage", garbage=kind))
    with pytest.raises(BadAnswer) as caught:
        await client.person(sim.cases["adult"][0])
    logged = api_requests(sim)
    assert len(logged) == 1, "a bad answer is not retried"
    assert caught.value.request_id == logged[0].request_id
    assert logged[0].request_id in caught.value.message("kk")


async def test_garbage_in_the_attachment_answer_is_a_bad_answer(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    sim.inject(Fault("garbage", garbage="bad_iin"))
    with pytest.raises(BadAnswer):
        await client.attachment(sim.cases["attached_here"][0])


async def test_wrong_or_missing_token_is_refused(
    sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    for token in ("not-the-token", ""):
        async with RegistryClient(sim.settings(token=token), backoff=fast_backoff) as client:
            with pytest.raises(Refused) as caught:
                await client.person(sim.cases["adult"][0])
            assert caught.value.status == 401
            assert caught.value.key == "registry.refused_credentials"
    assert len(api_requests(sim)) == 2, "a refusal is not retried"


async def test_attaching_to_another_clinic_is_forbidden(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    other = make_bin(2012, 5, serial=777)
    with pytest.raises(Refused) as caught:
        await client.record_attachment(
            sim.cases["unattached"][0], other, 1, "free_choice", today, "key-403"
        )
    assert caught.value.status == 403 and caught.value.key == "registry.refused_permission"


async def test_a_dead_person_cannot_be_attached(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    with pytest.raises(Refused) as caught:
        await client.record_attachment(
            sim.cases["deceased"][0], sim.clinic_bin, 1, "free_choice", today, "key-dead"
        )
    assert caught.value.status == 409 and caught.value.code == "person_deceased"


# --- retries ---------------------------------------------------------------------------------


async def test_transient_failures_are_retried_until_an_answer(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    sim.inject(Fault("status", status=503), Fault("drop"))
    person = await client.person(sim.cases["adult"][0])
    assert person.iin == sim.cases["adult"][0]
    # The server marks the last request answered after flushing it: wait for that, not a time.
    logged = sim.wait_for_requests(3)
    assert [(r.status, r.outcome) for r in logged] == [
        (503, "answered"),
        (0, "dropped"),
        (200, "answered"),
    ]
    assert len({r.request_id for r in logged}) == 3, "every attempt has its own request id"


@pytest.mark.parametrize("retries", [0, 1, 3])
async def test_retries_stop_at_the_configured_count(
    sim: SimulatorHandle, retries: int, fast_backoff: Backoff
) -> None:
    sim.set_faults(Faults(fail_rate=1.0))
    settings = sim.settings(retries=retries)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        with pytest.raises(Unavailable) as caught:
            await client.person(sim.cases["adult"][0])
    logged = api_requests(sim)
    assert len(logged) == retries + 1
    assert {r.status for r in logged} <= {502, 503, 504}
    assert caught.value.request_id == logged[-1].request_id


async def test_a_500_is_not_retried(sim: SimulatorHandle, client: RegistryClient) -> None:
    sim.inject(Fault("status", status=500))
    with pytest.raises(Unavailable):
        await client.person(sim.cases["adult"][0])
    assert len(api_requests(sim)) == 1


async def test_retry_after_is_honoured(sim: SimulatorHandle, client: RegistryClient) -> None:
    sim.inject(Fault("status", status=503, retry_after="1"))
    started = time.monotonic()
    await client.person(sim.cases["adult"][0])
    assert time.monotonic() - started >= 0.95
    assert len(api_requests(sim)) == 2


async def test_a_retry_after_beyond_the_cap_ends_at_once_and_says_how_long(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    sim.inject(Fault("status", status=429, retry_after="120"))
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        await client.person(sim.cases["adult"][0])
    # Far below the 120 s it would wait, with room for a loaded machine.
    assert time.monotonic() - started < 30
    assert caught.value.retry_after == 120
    assert "120" in caught.value.message("ru")
    assert len(api_requests(sim)) == 1


async def test_a_hung_registry_times_out_after_the_retries(
    sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    sim.set_faults(Faults(hang_rate=1.0))
    settings = sim.settings(read_timeout=0.2, retries=1)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable) as caught:
            await client.person(sim.cases["adult"][0])
    # Two read timeouts of 0.2 s; the 30 s deadline would be the next thing to end it.
    assert time.monotonic() - started < 15
    assert caught.value.key == "registry.unavailable_timeout"
    assert len(api_requests(sim)) == 2


async def test_no_server_is_a_refused_connection_and_names_the_address(
    fast_backoff: Backoff,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from regdesk.config import Registry

    url = f"http://127.0.0.1:{port}"
    settings = Registry(base_url=url, retries=1, connect_timeout=0.5)
    async with RegistryClient(settings, backoff=fast_backoff) as client:
        with pytest.raises(Unavailable) as caught:
            await client.person(make_iin(date(1990, 1, 1), "male", 12))
    # "Nothing listens there", not "not answering in time" (which the hung test gets).
    assert caught.value.key == "registry.unavailable_refused"
    for lang in ("kk", "ru", "en"):
        text = caught.value.message(lang)
        assert url in text and "{" not in text


async def test_a_refused_request_says_its_code_in_every_language(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    # The desk stores message("en") in the outbox: it must not be the bare template "({code})".
    with pytest.raises(Refused) as caught:
        await client.record_attachment(
            sim.cases["deceased"][0], sim.clinic_bin, 1, "free_choice", today, "key-code"
        )
    assert caught.value.key == "registry.refused_request"
    for lang in ("kk", "ru", "en"):
        text = caught.value.message(lang)
        assert "(person_deceased)" in text and "{" not in text, text
    assert "(person_deceased)" in str(caught.value)


# --- cancellation ----------------------------------------------------------------------------


async def test_cancelling_a_hung_request_returns_at_once_and_closes_the_connection(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    sim.inject(Fault("hang"))
    task = asyncio.create_task(client.person(sim.cases["adult"][0]))
    # Waited for on another thread, so that this loop keeps sending the request meanwhile.
    await asyncio.to_thread(sim.wait_for, lambda log: any(r.outcome == "hung" for r in log))
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # At once, not at the 30 s deadline the hung request would otherwise reach.
    assert time.monotonic() - started < 10
    (closed,) = await asyncio.to_thread(sim.wait_for_requests, 1)
    assert closed.outcome == "client_closed"
    # The client still works afterwards.
    assert (await client.person(sim.cases["adult"][0])).iin == sim.cases["adult"][0]


# --- recording an attachment: idempotent POST ------------------------------------------------


async def test_a_lost_answer_to_a_post_is_retried_and_recorded_once(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    iin = sim.cases["attached_elsewhere_long_ago"][0]
    sim.inject(Fault("drop_after_commit", path="/v1/attachments"))
    receipt = await client.record_attachment(iin, sim.clinic_bin, 4, "free_choice", today, "A-1")
    posts = [r for r in sim.wait_for_requests(2) if r.method == "POST"]
    assert [(r.idempotency_key, r.outcome) for r in posts] == [
        ("A-1", "dropped"),
        ("A-1", "answered"),
    ]
    assert receipt.replayed and receipt.iin == iin and receipt.district == 4
    assert list(sim.app.recorded) == [iin], "recorded exactly once"
    attachment = await client.attachment(iin)
    assert attachment is not None and attachment.clinic_bin == sim.clinic_bin

    again = await client.record_attachment(iin, sim.clinic_bin, 4, "free_choice", today, "A-1")
    assert again.replayed and again.attachment_id == receipt.attachment_id


async def test_a_key_reused_for_another_request_is_refused(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    iin = sim.cases["unattached"][0]
    first = await client.record_attachment(iin, sim.clinic_bin, 2, "free_choice", today, "K")
    assert not first.replayed
    with pytest.raises(Refused) as caught:
        await client.record_attachment(iin, sim.clinic_bin, 3, "free_choice", today, "K")
    assert caught.value.status == 422 and caught.value.code == "idempotency_conflict"


async def test_recorded_attachments_survive_a_restart_with_a_state_file(
    tmp_path: Path, fast_backoff: Backoff, sim_options: dict[str, Any]
) -> None:
    state = tmp_path / "registry-state.json"
    today = sim_options["today"]
    with running_simulator(**sim_options, token="", state_file=state) as sim:
        iin = sim.cases["unattached"][0]
        async with RegistryClient(sim.settings(), backoff=fast_backoff) as client:
            await client.record_attachment(iin, sim.clinic_bin, 5, "newborn", today, "S-1")
    assert state.exists()
    with running_simulator(**sim_options, token="", state_file=state) as sim:
        async with RegistryClient(sim.settings(), backoff=fast_backoff) as client:
            attachment = await client.attachment(iin)
            again = await client.record_attachment(iin, sim.clinic_bin, 5, "newborn", today, "S-1")
    assert attachment is not None and attachment.district == 5 and attachment.since == today
    assert again.replayed


async def test_a_post_needs_an_idempotency_key(
    sim: SimulatorHandle, client: RegistryClient, today: date
) -> None:
    with pytest.raises(ValueError):
        await client.record_attachment(
            sim.cases["adult"][0], sim.clinic_bin, 1, "free_choice", today, ""
        )
    assert api_requests(sim) == []


# --- the portal ------------------------------------------------------------------------------


async def test_portal_applications_are_listed_fetched_signed_and_decided(
    sim: SimulatorHandle, client: RegistryClient
) -> None:
    items = await client.portal_list()
    assert len(items) >= 2 and all(i.status == "new" for i in items)
    app = await client.portal_get(items[0].id)
    assert app.applicant_iin == items[0].applicant_iin and app.files
    assert b'"applicant_iin"' in app.payload
    (cert,) = pkcs7.load_der_pkcs7_certificates(app.signature)
    serial = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    assert serial == f"IIN{app.applicant_iin}"
    assert b"BEGIN CERTIFICATE" in sim.app.portal_ca_pem

    refused = await client.portal_result(
        items[0].id, "refused", idempotency_key="R-1", reason_code="no_data", reason_text="-"
    )
    assert refused.status == "refused" and not refused.replayed
    replay = await client.portal_result(
        items[0].id, "refused", idempotency_key="R-1", reason_code="no_data", reason_text="-"
    )
    assert replay.replayed
    registered = await client.portal_result(
        items[1].id,
        "registered",
        idempotency_key="G-1",
        application_number="CLINIC-2026-000001",
        talon=b"%PDF talon",
        talon_signature=b"\x30\x03cms",
    )
    assert registered.status == "registered"
    with pytest.raises(Refused) as caught:
        await client.portal_result(
            items[1].id, "refused", idempotency_key="G-2", reason_code="no_data"
        )
    assert caught.value.code == "already_decided"
    remaining = {i.id for i in await client.portal_list()}
    assert items[0].id not in remaining and items[1].id not in remaining
    assert {i.id for i in await client.portal_list("registered")} == {items[1].id}
    with pytest.raises(NotFound):
        await client.portal_get("P-1999-000001")


# --- the sync facade -------------------------------------------------------------------------


def test_the_sync_facade_asks_the_same_registry(
    sim: SimulatorHandle, fast_backoff: Backoff
) -> None:
    with SyncRegistryClient(sim.settings(), backoff=fast_backoff) as client:
        person = client.person(sim.cases["pensioner"][0])
        attachment = client.attachment(sim.cases["pensioner"][0])
        with pytest.raises(NotFound):
            client.person(sim.cases["no_record"][1])
        assert client.health().status == "ok"
    assert person.iin == sim.cases["pensioner"][0] and attachment is not None
    assert len(api_requests(sim)) == 4


def test_latency_is_added_to_every_answer(sim: SimulatorHandle, fast_backoff: Backoff) -> None:
    sim.set_faults(Faults(latency_ms=(150.0, 160.0)))
    with SyncRegistryClient(sim.settings(), backoff=fast_backoff) as client:
        started = time.monotonic()
        client.person(sim.cases["adult"][0])
        assert time.monotonic() - started >= 0.14
