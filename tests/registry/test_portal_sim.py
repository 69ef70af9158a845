"""The simulator's portal: applications arriving over time by its clock (a mix of every case,
the same for a seed), each served with a payload that signs its files, and the results kept for
a test to read."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from regdesk.cli import main
from regdesk.core.clock import PinnedClock
from regdesk.registry.client import RegistryClient
from regdesk.registry.population import build_population
from regdesk.registry.sim import running_simulator
from regdesk.registry.sim.portal import CASES, Portal, make_pdf
from regdesk.store import scan_check

START = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
POPULATION = build_population(7, 200, today=date(2026, 11, 25))


def portal(clock: PinnedClock, **options: object) -> Portal:
    return Portal(
        POPULATION,
        seed=7,
        today=date(2026, 11, 25),
        clock=clock.utc,
        **options,  # type: ignore[arg-type]
    )


def listed(p: Portal, status: str = "new") -> list[dict[str, object]]:
    reply = p.list(status)
    assert reply.status == 200
    items: list[dict[str, object]] = json.loads(reply.body)["items"]
    return items


def test_applications_arrive_with_the_clock_at_the_rate_asked() -> None:
    clock = PinnedClock(START)
    p = portal(clock, cases=[], rate_per_hour=6)
    assert listed(p) == []
    clock.advance(minutes=29)
    assert len(listed(p)) == 2  # at 10 and 20 minutes
    clock.advance(minutes=1)
    items = listed(p)
    assert len(items) == 3
    assert items[2]["submitted_at"] == (START + timedelta(minutes=30)).isoformat()
    # The same seed and the same clock make the same applications.
    again = portal(PinnedClock(START + timedelta(minutes=30)), cases=[], rate_per_hour=6)
    again.start = START
    assert [i["id"] for i in listed(again)] == [i["id"] for i in items]
    assert [again.case_of(str(i["id"])) for i in items] == [p.case_of(str(i["id"])) for i in items]


def test_the_mix_over_a_day_has_every_case() -> None:
    clock = PinnedClock(START)
    p = portal(clock, cases=[], rate_per_hour=20, huge_bytes=4096)
    clock.advance(hours=24)
    seen = Counter(p.case_of(i) for i in p.ids())
    assert sum(seen.values()) == 480
    assert set(seen) == set(CASES)
    assert seen.most_common(1)[0][0] == "ordinary"


def test_initial_cases_and_what_each_one_serves() -> None:
    p = portal(PinnedClock(START), cases=list(CASES), huge_bytes=9000)
    by_case = {p.case_of(i): json.loads(p.get(i).body) for i in p.ids()}
    for case, app in by_case.items():
        payload = json.loads(base64.b64decode(app["payload"]))
        content = base64.b64decode(app["files"][0]["content"])
        signed = payload["files"][0]["sha256"]
        actual = hashlib.sha256(content).hexdigest()
        assert app["files"][0]["sha256"] == actual  # the transport's hash is always right
        assert (signed == actual) is (case != "tampered_file"), case
        assert payload["applicant_iin"] == app["applicant_iin"]
        assert payload["subject_iin"] == app["subject_iin"]
        assert scan_check.check(content, "application/pdf") == 1
    assert len(base64.b64decode(by_case["huge_file"]["files"][0]["content"])) >= 9000
    minor = by_case["minor"]
    assert minor["relation"] != "self" and minor["subject_iin"] != minor["applicant_iin"]
    dead = POPULATION.persons[by_case["deceased"]["subject_iin"]]
    assert dead["life_status"] == "dead"
    with pytest.raises(ValueError):
        portal(PinnedClock(START), cases=["nonsense"])


def test_make_pdf_gives_a_pdf_of_the_size_asked_that_opens() -> None:
    for size in (2048, 1 << 20):
        pdf = make_pdf(size, seed=3)
        assert size <= len(pdf) <= size + 700
        assert scan_check.check(pdf, "application/pdf") == 1
    assert make_pdf(4096, 1) != make_pdf(4096, 2)


async def test_results_posted_are_there_for_the_test_to_read() -> None:
    with running_simulator(persons=200, portal={"cases": ["ordinary"]}) as sim:
        client = RegistryClient(sim.settings())
        try:
            (item,) = await client.portal_list()
            await client.portal_result(
                item.id, "refused", idempotency_key="k-1", reason_code="no_data"
            )
        finally:
            await client.aclose()
        results = sim.portal_results()
    assert list(results) == [item.id]
    assert results[item.id]["status"] == "refused"
    assert results[item.id]["result"]["reason_code"] == "no_data"


def test_the_simulators_portal_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "registry-sim", "--portal-cases", "ordinary,nonsense"])
    err = capsys.readouterr().err
    assert code == 2 and "nonsense" in err and "tampered_file" in err
    code = main(["--lang", "en", "registry-sim", "--portal-rate", "-1"])
    assert code == 2 and "--portal-rate" in capsys.readouterr().err
