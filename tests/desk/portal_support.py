"""Portal applications of the demo's simulator recorded in a desk's journal as received, and the
registry's answer about their applicant, for the portal decision's tests."""

from __future__ import annotations

import asyncio
import base64
from datetime import date, timedelta
from typing import Any

from regdesk import demo
from regdesk.core.person import RegistryFacts
from regdesk.desk import Desk
from regdesk.store.journal import PortalArrival, PortalCheck


def portal_apps(ws: demo.DemoWorkspace) -> list[dict[str, Any]]:
    """The simulator's portal applications of adults applying for themselves, in id order."""
    apps = ws.simulator.app.portal.applications().values()
    return sorted((a for a in apps if a["relation"] == "self"), key=lambda a: a["id"])


def receive(
    ws: demo.DemoWorkspace, desk: Desk, n: int = 0, check: PortalCheck | None = None
) -> tuple[int, str]:
    """The ``n``-th portal application recorded in the journal as received (its check passed,
    unless ``check`` says otherwise): (id, portal id)."""
    app = portal_apps(ws)[n]
    person = ws.simulator.app.population.persons[app["subject_iin"]]
    now = desk.context.now()
    arrival = PortalArrival(
        portal_id=app["id"],
        submitted_at=now - timedelta(hours=1),
        applicant_iin=app["subject_iin"],
        representative_iin=None,
        relation="self",
        # An any-time basis: the pinned day is outside the free-choice campaign, and the
        # simulator's applicants are attached elsewhere.
        basis="residence_change",
        requested_district=2,
        phone=app["phone"],
        payload=base64.b64decode(app["payload"]),
        signature=base64.b64decode(app["signature"]),
        check=check or PortalCheck.passed({"iin": app["applicant_iin"]}),
        form={"basis": "residence_change", "district": "2", "phone": app["phone"]},
        surname=person["surname"],
        first_name=person["first_name"],
        patronymic=person["patronymic"] or "",
        birth_date=date.fromisoformat(person["birth_date"]),
    )
    app_id, new = desk.context.journal.portal.receive(
        arrival, now=now, deadline=now + timedelta(days=1)
    )
    assert new
    return app_id, app["id"]


async def asked(desk: Desk, iin: str) -> RegistryFacts:
    """The registry's answer about ``iin`` now, as the inbox asks it when it opens a case."""
    client = desk.context.registry()
    person, attachment = await asyncio.gather(client.person(iin), client.attachment(iin))
    return RegistryFacts(person, attachment)


def received_by_portal(ws: demo.DemoWorkspace, portal_id: str) -> dict[str, Any]:
    """What the simulator recorded as the result of ``portal_id``."""
    return dict(ws.simulator.app.portal.decided[portal_id]["result"])
