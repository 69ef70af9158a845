"""A portal application registered (action 6) with its signed electronic talon (action 8).

``PortalDecision.register`` makes the talon's A5 PDF and signs it inside the registration's
``BEGIN IMMEDIATE`` transaction (the PDF carries the number just taken), so that share is the
time another terminal's write waits. Times ``REGDESK_BENCH_REPEAT`` registrations (default 20)
of received portal applications in a demo workspace, each of another person, and the talon's
PDF and CMS alone on the same records; then one ``deliver_pending`` round of the results to the
simulator over loopback (answered 404, as their portal ids are the bench's own: the round trip
and the bookkeeping are what is timed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from regdesk import demo
from regdesk.core.person import RegistryFacts
from regdesk.desk import Desk
from regdesk.store.journal import PortalArrival, PortalCheck

REPEAT = int(os.environ.get("REGDESK_BENCH_REPEAT", "20"))


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


async def _facts(desk: Desk, people: list[str]) -> list[RegistryFacts]:
    client = desk.context.registry()
    found = []
    for iin in people:
        person, attachment = await asyncio.gather(client.person(iin), client.attachment(iin))
        found.append(RegistryFacts(person, attachment))
    return found


def _adults(workspace: demo.DemoWorkspace, count: int) -> list[str]:
    """Living adult citizens not attached here: each may be registered once (any-time
    basis)."""
    population = workspace.simulator.app.population
    here = population.clinic_bin
    out = []
    for iin, person in population.persons.items():
        attached = population.attachments.get(iin)
        if person["life_status"] != "alive" or person["residency"] != "citizen":
            continue
        if person["birth_date"] > "2006-01-01":
            continue
        if attached is not None and attached.get("clinic_bin") == here:
            continue
        out.append(iin)
        if len(out) == count:
            break
    return out


async def _run(workspace: demo.DemoWorkspace) -> list[str]:
    """The registrations and the delivery on one event loop (the registry client is bound to
    it); returns the figures' lines."""
    desk = Desk(workspace.config)
    try:
        _role, iin, password, _name = next(s for s in workspace.staff if s[0] == "receptionist")
        desk.session.sign_in(iin, password)
        decision = desk.portal_decision
        check = decision.open_key(workspace.key_paths[iin], demo.KEY_PASSWORD)
        people = _adults(workspace, REPEAT)
        facts = await _facts(desk, people)
        now = desk.context.now()
        apps = []
        for n, (person_iin, known) in enumerate(zip(people, facts, strict=True)):
            arrival = PortalArrival(
                portal_id=f"BENCH-{n:06d}",
                submitted_at=now - timedelta(hours=1),
                applicant_iin=person_iin,
                representative_iin=None,
                relation="self",
                basis="residence_change",
                requested_district=1,
                phone="",
                payload=b"{}",
                signature=b"",
                check=PortalCheck.passed({"iin": person_iin}),
                form={"basis": "residence_change", "district": "1"},
                surname=known.person.surname if known.person else "",
                first_name=known.person.first_name if known.person else "",
            )
            app_id, _ = desk.context.journal.portal.receive(
                arrival, now=now, deadline=now + timedelta(days=1)
            )
            apps.append((app_id, known))
        registering, talons, sizes = [], [], []
        for app_id, known in apps:
            start = time.perf_counter()
            decision.register(app_id, check, facts=known)
            registering.append(time.perf_counter() - start)
        from regdesk.signing import sign

        for app_id, _known in apps:
            start = time.perf_counter()
            pdf = decision.talon_pdf(app_id)
            sign(check.key_store, pdf, signing_time=now)
            talons.append(time.perf_counter() - start)
            sizes.append(len(pdf))
        start = time.perf_counter()
        done = await decision.deliver_pending()
        round_trip = time.perf_counter() - start
    finally:
        await desk.aclose()
        desk.close()
    each = round_trip * 1000 / max(1, len(apps))
    return [
        f"register x{len(registering)} (EDS, number, talon, outbox): {_stats(registering)}",
        f"  of which the talon PDF + its CMS (inside the write lock): {_stats(talons)}",
        f"  talon PDF size: median {statistics.median(sizes) / 1024:.0f} KiB",
        f"deliver_pending of {len(apps)} results: {round_trip * 1000:.0f} ms ({each:.1f} ms"
        f" each; {done})",
    ]


def main() -> None:
    # The bench's portal ids are its own, so the portal refuses each result: expected, not news.
    logging.getLogger("regdesk.outbox").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="regdesk-bench-portal-") as folder:
        workspace = demo.build(Path(folder) / "workspace")
        try:
            lines = asyncio.run(_run(workspace))
        finally:
            workspace.stop()
    for line in lines:
        print(line)
