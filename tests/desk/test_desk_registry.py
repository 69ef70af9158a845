"""The registry as the desk meets it: down, hung, cancelled, refusing, garbled; bad IINs.

A look-up that fails leaves nothing in the journal (no application, no event): the draft is opened
only once the registry has answered, so a retry starts clean.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from desk_support import assert_explained, journal_counts, signed_in, with_registry

from regdesk import demo
from regdesk.core.application import State
from regdesk.core.clock import PinnedClock
from regdesk.core.ids import IinError
from regdesk.desk import Desk
from regdesk.registry.errors import BadAnswer, Refused, Unavailable
from regdesk.registry.sim import Fault, Faults

EMPTY = {t: 0 for t in ("applications", "events", "attachments", "signatures", "prints", "outbox")}


async def test_registry_down_writes_nothing_then_retry_succeeds(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    iin = ws.samples["adult"][0]
    ws.simulator.set_faults(Faults(fail_rate=1.0))
    ws.simulator.clear_log()
    with pytest.raises(Unavailable) as caught:
        await desk.intake.look_up(iin)
    assert_explained(caught.value)
    statuses = {r.status for r in ws.simulator.requests() if r.path.startswith("/v1/persons")}
    assert statuses and statuses <= {502, 503, 504}
    assert journal_counts(ws) == EMPTY

    # The registry is back: the same IIN goes through and opens exactly one draft.
    ws.simulator.set_faults(Faults())
    lookup = desk.intake.open_draft(await desk.intake.look_up(iin))
    assert lookup.person is not None and lookup.person.iin == iin
    assert desk.form.get(lookup.application_id).state == State.DRAFT
    counts = journal_counts(ws)
    assert counts["applications"] == 1
    assert counts["events"] >= 2


async def test_one_503_is_retried_by_the_client(ws: demo.DemoWorkspace, desk: Desk) -> None:
    # demo config: retries = 1, so a single 503 is absorbed without the receptionist noticing.
    ws.simulator.clear_log()
    ws.simulator.inject(Fault("status", status=503, path="/v1/persons/", method="GET"))
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["unattached"][0]))
    assert lookup.person is not None
    person_requests = [
        r
        for r in ws.simulator.requests()
        if r.path.startswith("/v1/persons/") and not r.path.endswith("/attachment")
    ]
    assert [r.status for r in person_requests] == [503, 200]


async def test_closed_port_is_unavailable_and_writes_nothing(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = with_registry(ws.config, base_url=f"http://127.0.0.1:{port}", connect_timeout=0.5)
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        with pytest.raises(Unavailable) as caught:
            await desk.intake.look_up(ws.samples["adult"][0])
    assert_explained(caught.value)
    assert journal_counts(ws) == EMPTY


async def test_hung_registry_times_out_and_writes_nothing(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    config = with_registry(ws.config, read_timeout=0.3, retries=0)
    ws.simulator.set_faults(Faults(hang_rate=1.0))
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        with pytest.raises(Unavailable) as caught:
            await desk.intake.look_up(ws.samples["adult"][0])
        assert_explained(caught.value)
        assert journal_counts(ws) == EMPTY
        ws.simulator.set_faults(Faults())
        lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["adult"][0]))
        assert lookup.person is not None
    assert journal_counts(ws)["applications"] == 1


async def test_cancelled_look_up_writes_nothing(ws: demo.DemoWorkspace, desk: Desk) -> None:
    # Esc on the progress indicator cancels the worker while the registry has not answered.
    ws.simulator.clear_log()
    ws.simulator.set_faults(Faults(hang_rate=1.0))
    task = asyncio.create_task(desk.intake.look_up(ws.samples["adult"][0]))
    for _ in range(200):
        if any(r.outcome == "hung" for r in ws.simulator.requests()):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the look-up never reached the registry")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert journal_counts(ws) == EMPTY
    ws.simulator.set_faults(Faults())
    lookup = desk.intake.open_draft(await desk.intake.look_up(ws.samples["adult"][0]))
    assert lookup.person is not None
    assert journal_counts(ws)["applications"] == 1


async def test_garbled_answer_is_bad_answer_and_writes_nothing(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    ws.simulator.set_faults(Faults(garbage_rate=1.0))
    with pytest.raises(BadAnswer) as caught:
        await desk.intake.look_up(ws.samples["adult"][0])
    assert_explained(caught.value)
    assert journal_counts(ws) == EMPTY


async def test_wrong_token_is_refused_and_writes_nothing(
    ws: demo.DemoWorkspace, clock: PinnedClock, receptionist: tuple[str, ...]
) -> None:
    config = with_registry(ws.config, token="not-the-token")
    async with signed_in(config, clock, receptionist[1], receptionist[2]) as desk:
        with pytest.raises(Refused) as caught:
            await desk.intake.look_up(ws.samples["adult"][0])
    assert_explained(caught.value)
    assert journal_counts(ws) == EMPTY


async def test_invalid_iin_is_explained_before_any_request(
    ws: demo.DemoWorkspace, desk: Desk
) -> None:
    ws.simulator.clear_log()
    cases = {
        "": "ids.iin_length",
        "12345": "ids.iin_length",
        "9801033513744": "ids.iin_length",
        "98O103351374": "ids.iin_",  # a letter O where a zero belongs
        "123456789012": "ids.iin_century",
        "980103351375": "ids.iin_",  # the check digit does not fit
    }
    for text, key in cases.items():
        with pytest.raises(IinError) as caught:
            await desk.intake.look_up(text)
        assert caught.value.key.startswith(key), (text, caught.value.key)
        assert_explained(caught.value)
    assert ws.simulator.requests() == []
    assert journal_counts(ws) == EMPTY


async def test_kazakh_layout_digit_row_is_accepted(ws: demo.DemoWorkspace, desk: Desk) -> None:
    iin = ws.samples["unattached"][0]
    # What keys 1..0 type on the Windows Kazakh layout (KBDKAZ) without Shift.
    kazakh_row = dict(zip("1234567890", '"әіңғ,.үұқ', strict=True))
    typed = "".join(kazakh_row[c] for c in iin)
    assert not any(c.isdigit() for c in typed)
    lookup = desk.intake.open_draft(await desk.intake.look_up(f" {typed}\n"))
    assert lookup.mapped_layout is True
    assert lookup.iin == iin
    assert lookup.person is not None and lookup.person.iin == iin
    plain = desk.intake.open_draft(await desk.intake.look_up(iin))
    assert plain.mapped_layout is False
