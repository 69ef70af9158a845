"""The registry's behaviour: routing, people, attachments, organisations, idempotency, state.

``SimulatorApp.route`` turns one request into one ``Reply``; it knows nothing of sockets (the
server) and nothing of faults beyond what it is told (the server asks the ``FaultSchedule``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from regdesk.core.clock import wall_utc
from regdesk.core.ids import BinError, IinError, parse_bin, parse_iin
from regdesk.registry import contract as c
from regdesk.registry.population import DEFAULT_PERSONS, Population, build_population
from regdesk.registry.sim.faults import Fault, Faults, FaultSchedule
from regdesk.registry.sim.portal import Portal
from regdesk.registry.sim.replies import Reply, error, json_bytes, now
from regdesk.registry.sim.request_log import LoggedRequest, RequestLog

VERSION: Final = "regdesk-registry-sim/1"
_BASIS = re.compile(r"^[a-z_]{1,40}$")


class SimulatorApp:
    """The registry's behaviour: population, recorded attachments, idempotency, portal, faults."""

    def __init__(
        self,
        *,
        seed: int = 0,
        persons: int = DEFAULT_PERSONS,
        clinic_bin: str = "",
        clinic_name: str = "Демо поликлиника",
        token: str = "",
        faults: Faults | None = None,
        state_file: Path | None = None,
        today: date | None = None,
        portal_applications: int = 4,
        portal: dict[str, Any] | None = None,
    ) -> None:
        """``portal`` holds the options of ``sim.portal.Portal`` (``cases``, ``rate_per_hour``,
        ``clock``, ``file_bytes``, ``huge_bytes``)."""
        self.today = today or wall_utc().date()
        self.population: Population = build_population(
            seed, persons, clinic_bin=clinic_bin, clinic_name=clinic_name, today=self.today
        )
        self.clinic_bin = self.population.clinic_bin
        self.clinic_name = clinic_name
        self.token = token
        self.seed = seed
        self.schedule = FaultSchedule(faults, seed)
        self.log = RequestLog()
        self.state_file = state_file
        self._person_cache: dict[str, bytes] = {}
        self.recorded: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        decided: dict[str, dict[str, Any]] = {}
        if state_file is not None and state_file.exists():
            data = json.loads(state_file.read_text(encoding="utf-8"))
            self.recorded = dict(data.get("attachments", {}))
            self.idempotency = dict(data.get("idempotency", {}))
            decided = dict(data.get("portal", {}))
        # What the register held before this clinic's attachments: an annulment goes back to it.
        self.before: dict[str, dict[str, Any] | None] = {
            iin: self.population.attachments.get(iin) for iin in self.recorded
        }
        for iin, record in self.recorded.items():
            self.population.attachments[iin] = record
        self.portal = Portal(
            self.population,
            seed=seed,
            today=self.today,
            count=portal_applications,
            decided=decided,
            **(portal or {}),
        )

    # -- control (any thread) -------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        return self.schedule.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.schedule.faults = faults

    def inject(self, *faults: Fault) -> None:
        self.schedule.inject(*faults)

    def requests(self) -> list[LoggedRequest]:
        return self.log.entries()

    def clear_log(self) -> None:
        self.log.clear()

    @property
    def portal_ca_pem(self) -> bytes:
        """The PEM certificate of the CA that issued the simulated applicants' signing keys."""
        return self.portal.ca_pem

    # -- state ----------------------------------------------------------------------------

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        data = {
            "version": 1,
            "attachments": self.recorded,
            "idempotency": self.idempotency,
            "portal": self.portal.decided,
        }
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_file)

    # -- authentication -------------------------------------------------------------------

    def authenticate(self, headers: dict[str, str], peer_cn: str) -> tuple[Reply | None, str]:
        """None and the client's name when the request may proceed, else the 401 answer."""
        if self.token:
            given = headers.get("authorization", "")
            if not given:
                return error(401, c.E_UNAUTHENTICATED, "bearer token required"), ""
            if given != f"Bearer {self.token}":
                return error(401, c.E_UNAUTHENTICATED, "bearer token not accepted"), ""
        if peer_cn:
            return None, f"certificate:{peer_cn}"
        return None, "token" if self.token else "anonymous"

    # -- routing --------------------------------------------------------------------------

    def route(
        self, method: str, target: str, body: bytes, headers: dict[str, str], client: str
    ) -> Reply:
        parts = urlsplit(target)
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] != ["v1"]:
            return error(404, "no_route", "no such path")
        rest = segments[1:]
        get = method == "GET"
        if rest == ["health"] and get:
            return self._health(client)
        if len(rest) == 2 and rest[0] == "persons" and get:
            return self._person(rest[1])
        if len(rest) == 3 and rest[0] == "persons" and rest[2] == "attachment" and get:
            return self._attachment(rest[1])
        if len(rest) == 2 and rest[0] == "organisations" and get:
            return self._organisation(rest[1])
        if rest == ["attachments"] and method == "POST":
            return self._idempotent("attachments", headers, body, self._record_attachment)
        if rest == ["attachments", "annulments"] and method == "POST":
            return self._idempotent("annulments", headers, body, self._annul_attachment)
        if rest[:2] == ["portal", "applications"]:
            if len(rest) == 2 and get:
                status = parse_qs(parts.query).get("status", ["new"])[0]
                return self.portal.list(status)
            if len(rest) == 3 and get:
                return self.portal.get(rest[2])
            if len(rest) == 4 and rest[3] == "result" and method == "POST":
                app_id = rest[2]
                return self._idempotent(
                    f"portal/{app_id}",
                    headers,
                    body,
                    lambda data: self.portal.result(app_id, data),
                )
        known = {"health", "persons", "organisations", "attachments", "portal"}
        if rest and rest[0] in known:
            return error(405, "method_not_allowed", "method not allowed here")
        return error(404, "no_route", "no such path")

    def _health(self, client: str) -> Reply:
        return Reply(
            200,
            json_bytes(
                {"status": "ok", "version": VERSION, "time": now().isoformat(), "client": client}
            ),
        )

    def _known_iin(self, text: str) -> tuple[str | None, Reply | None]:
        try:
            if not (text.isascii() and text.isdigit()):
                raise IinError("non_digit", char="?")
            return parse_iin(text).value, None
        except IinError:
            return None, error(400, c.E_INVALID_REQUEST, "not a valid IIN")

    def _person(self, text: str) -> Reply:
        iin, bad = self._known_iin(text)
        if bad is not None or iin is None:
            return bad or error(400, c.E_INVALID_REQUEST, "not a valid IIN")
        cached = self._person_cache.get(iin)
        if cached is None:
            record = self.population.persons.get(iin)
            if record is None:
                return error(404, c.E_NOT_FOUND, "no person with this IIN")
            cached = self._person_cache[iin] = json_bytes(record)
        return Reply(200, cached)

    def _attachment(self, text: str) -> Reply:
        iin, bad = self._known_iin(text)
        if bad is not None or iin is None:
            return bad or error(400, c.E_INVALID_REQUEST, "not a valid IIN")
        if iin not in self.population.persons:
            return error(404, c.E_NOT_FOUND, "no person with this IIN")
        record = self.population.attachments.get(iin)
        attachment = None
        if record is not None:
            attachment = {k: record[k] for k in ("clinic_bin", "clinic_name", "district", "since")}
        return Reply(200, json_bytes({"iin": iin, "attachment": attachment}))

    def _organisation(self, text: str) -> Reply:
        try:
            if not (text.isascii() and text.isdigit()):
                raise BinError("non_digit", char="?")
            value = parse_bin(text).value
        except BinError:
            return error(400, c.E_INVALID_REQUEST, "not a valid BIN")
        record = self.population.organisations.get(value)
        if record is None:
            return error(404, c.E_NOT_FOUND, "no organisation with this BIN")
        return Reply(200, json_bytes(record))

    def _idempotent(
        self,
        scope: str,
        headers: dict[str, str],
        body: bytes,
        work: Callable[[object], Reply],
    ) -> Reply:
        key = headers.get(c.IDEMPOTENCY_KEY.lower(), "")
        if not key or len(key) > 200:
            return error(400, c.E_IDEMPOTENCY_KEY_REQUIRED, "Idempotency-Key header required")
        try:
            data = json.loads(body)
        except ValueError:
            return error(400, c.E_INVALID_REQUEST, "body is not JSON")
        fingerprint = hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        slot = f"{scope}|{key}"
        stored = self.idempotency.get(slot)
        if stored is not None:
            if stored["fingerprint"] != fingerprint:
                return error(
                    422, c.E_IDEMPOTENCY_CONFLICT, "this key was used with a different request"
                )
            return Reply(
                stored["status"],
                stored["body"].encode(),
                headers=[(c.REPLAYED, "true")],
            )
        reply = work(data)
        if 200 <= reply.status < 300:
            self.idempotency[slot] = {
                "fingerprint": fingerprint,
                "status": reply.status,
                "body": reply.body.decode(),
            }
            self._save_state()
        return reply

    def _record_attachment(self, data: object) -> Reply:
        if not isinstance(data, dict):
            return error(400, c.E_INVALID_REQUEST, "body must be an object")
        iin = data.get("iin")
        clinic_bin = data.get("clinic_bin")
        district = data.get("district")
        basis = data.get("basis")
        effective = data.get("effective_date")
        try:
            parse_iin(str(iin))
            parse_bin(str(clinic_bin))
            if not isinstance(iin, str) or not isinstance(clinic_bin, str):
                raise ValueError
            if isinstance(district, bool) or not isinstance(district, int):
                raise ValueError
            if not 1 <= district <= 9999:
                raise ValueError
            if not isinstance(basis, str) or not _BASIS.match(basis):
                raise ValueError
            if not isinstance(effective, str) or len(effective) != 10:
                raise ValueError
            effective_date = date.fromisoformat(effective)
        except (ValueError, IinError, BinError):
            return error(400, c.E_INVALID_REQUEST, "iin, clinic_bin, district, basis, date")
        if clinic_bin != self.clinic_bin:
            return error(403, c.E_FORBIDDEN, "this client may attach only to its own clinic")
        person = self.population.persons.get(iin)
        if person is None:
            return error(404, c.E_NOT_FOUND, "no person with this IIN")
        if person["life_status"] == "dead":
            return error(409, c.E_PERSON_DECEASED, "the person is dead")
        record = {
            "clinic_bin": clinic_bin,
            "clinic_name": self.clinic_name,
            "district": district,
            "since": effective_date.isoformat(),
        }
        # The simulator applies an attachment at once, whatever its effective date.
        if iin not in self.recorded:
            self.before[iin] = self.population.attachments.get(iin)
        self.recorded[iin] = record
        self.population.attachments[iin] = record
        receipt = {
            "attachment_id": f"ATT-{uuid.uuid4().hex[:12].upper()}",
            "iin": iin,
            "clinic_bin": clinic_bin,
            "district": district,
            "basis": basis,
            "effective_date": effective_date.isoformat(),
            "recorded_at": now().isoformat(),
        }
        return Reply(201, json_bytes(receipt))

    def _annul_attachment(self, data: object) -> Reply:
        """Undo this clinic's attachment of a person: the register goes back to what it held
        before the clinic recorded it (another clinic, or nowhere)."""
        if not isinstance(data, dict):
            return error(400, c.E_INVALID_REQUEST, "body must be an object")
        iin = data.get("iin")
        clinic_bin = data.get("clinic_bin")
        number = data.get("application_number")
        reason = data.get("reason_code")
        try:
            if not isinstance(iin, str) or not isinstance(clinic_bin, str):
                raise ValueError
            parse_iin(iin)
            parse_bin(clinic_bin)
            if not isinstance(number, str) or not 1 <= len(number) <= 40:
                raise ValueError
            if not isinstance(reason, str) or not _BASIS.match(reason):
                raise ValueError
        except (ValueError, IinError, BinError):
            return error(400, c.E_INVALID_REQUEST, "iin, clinic_bin, application_number, reason")
        if clinic_bin != self.clinic_bin:
            return error(403, c.E_FORBIDDEN, "this client may annul only its own attachments")
        if iin not in self.population.persons:
            return error(404, c.E_NOT_FOUND, "no person with this IIN")
        current = self.population.attachments.get(iin)
        if iin not in self.recorded or current is None or current["clinic_bin"] != clinic_bin:
            return error(409, c.E_NOT_ATTACHED_HERE, "the person is not attached to this clinic")
        del self.recorded[iin]
        previous = self.before.pop(iin, None)
        if previous is None:
            self.population.attachments.pop(iin, None)
        else:
            self.population.attachments[iin] = previous
        receipt = {
            "annulment_id": f"ANN-{uuid.uuid4().hex[:12].upper()}",
            "iin": iin,
            "clinic_bin": clinic_bin,
            "application_number": number,
            "reason_code": reason,
            "annulled_at": now().isoformat(),
        }
        return Reply(200, json_bytes(receipt))
