"""One workstation of ``test_desk_many_desks``, run in a process of its own (spawned, so it is
importable here beside the test, which the spawned interpreter finds on the same path); and the
registry's people that such desks (and the crash trials) register."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from regdesk import demo
from regdesk.config import load
from regdesk.core.clock import PinnedClock
from regdesk.core.errors import UserError
from regdesk.desk import Desk

BASIS = "residence_change"
"""A basis allowed at any time: people attached elsewhere may come outside the campaign."""


async def _register_all(
    config_file: str, staff: tuple[str, str], key_path: str, iins: list[str], at: str, barrier: Any
) -> dict[str, Any]:
    desk = Desk(load(config_file), clock=PinnedClock(datetime.fromisoformat(at), "Asia/Almaty"))
    done: list[tuple[int, str]] = []
    shown: list[str] = []
    raw: list[str] = []
    try:
        desk.session.sign_in(*staff)
        check = desk.registration.open_key(key_path, demo.KEY_PASSWORD)
        barrier.wait()  # signed in with the key open: the registrations start together
        for iin in iins:
            try:
                lookup = desk.intake.open_draft(await desk.intake.look_up(iin, BASIS))
                app_id = lookup.application_id
                assert app_id is not None
                required = desk.form.required_documents(desk.form.get(app_id))
                seen = ",".join(d.value for d in required) or "identity"
                desk.form.save_form(
                    app_id, {"basis": BASIS, "district": "1", "documents_seen": seen}
                )
                done.append((app_id, desk.registration.register(app_id, check)))
                await desk.registration.flush_outbox()
            except UserError as error:  # what the screen would show
                shown.append(error.message("en") + " / " + error.message("ru"))
            except Exception as error:  # what no user may see
                raw.append(f"{type(error).__name__}: {error}")
    finally:
        await desk.aclose()
        desk.close()
    return {"done": done, "shown": shown, "raw": raw}


def register_all(
    config_file: str,
    staff: tuple[str, str],
    key_path: str,
    iins: list[str],
    at: str,
    barrier: Any,
    results: Any,
) -> None:
    """Sign in, wait for the others at ``barrier``, register every one of ``iins``, put the
    outcome in ``results``."""
    results.put(asyncio.run(_register_all(config_file, staff, key_path, iins, at, barrier)))


def people(ws: demo.DemoWorkspace, today: date, count: int) -> list[str]:
    """Adults of the registry, alive, citizens, attached elsewhere or nowhere, no example case."""
    population = ws.simulator.app.population
    examples = {iin for iins in population.cases.values() for iin in iins}
    chosen = []
    for iin, person in sorted(population.persons.items()):
        attachment = population.attachments.get(iin) or {}
        born = date.fromisoformat(person["birth_date"])
        expires = (person.get("document") or {}).get("expires")
        if (
            iin not in examples
            and person.get("life_status") == "alive"
            and person.get("residency") == "citizen"
            and 19 <= today.year - born.year <= 60
            and not (expires and date.fromisoformat(expires) <= today)
            and attachment.get("clinic_bin") != population.clinic_bin
        ):
            chosen.append(iin)
    assert len(chosen) >= count
    return chosen[:count]
