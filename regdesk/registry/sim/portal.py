"""The portal's applications the simulator serves: made from the population, signed, decided.

A few new applications are made on first use (signing keys cost a moment), each signed with CMS
by a simulated applicant's key from a CA made for the run (``portal_keys``). A result posted for
one is kept (and saved with the rest of the simulator's state).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import date, timedelta
from typing import Any

from regdesk.registry import contract as c
from regdesk.registry.population import Population
from regdesk.registry.sim.replies import Reply, error, json_bytes, now

STATUSES = ("new", "registered", "refused")
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Portal:
    """The clinic's applications on the portal and the results posted for them."""

    def __init__(
        self,
        population: Population,
        *,
        seed: int,
        today: date,
        count: int,
        decided: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.population = population
        self.seed = seed
        self.today = today
        self.count = count
        self.decided: dict[str, dict[str, Any]] = decided if decided is not None else {}
        """Results by application id: ``{"status", "result", "at"}`` (kept in the state file)."""
        self._applications: dict[str, dict[str, Any]] | None = None
        self._ca_pem = b""

    def applications(self) -> dict[str, dict[str, Any]]:
        """The applications by id, made (and signed) on first use."""
        if self._applications is None:
            self._applications, self._ca_pem = self._make()
            for app_id, decided in self.decided.items():
                if app_id in self._applications:
                    self._applications[app_id]["status"] = decided["status"]
        return self._applications

    @property
    def ca_pem(self) -> bytes:
        """The PEM certificate of the CA that issued the simulated applicants' signing keys."""
        self.applications()
        return self._ca_pem

    # -- the contract's operations -------------------------------------------------------------

    def list(self, status: str) -> Reply:
        if status not in STATUSES:
            return error(400, c.E_INVALID_REQUEST, "status is new, registered or refused")
        items = [
            {k: a[k] for k in ("id", "submitted_at", "service", "applicant_iin", "subject_iin")}
            | {"status": a["status"]}
            for a in self.applications().values()
            if a["status"] == status
        ]
        return Reply(200, json_bytes({"items": items}))

    def get(self, app_id: str) -> Reply:
        app = self.applications().get(app_id)
        if app is None:
            return error(404, c.E_NOT_FOUND, "no such application")
        return Reply(200, json_bytes(app))

    def result(self, app_id: str, data: object) -> Reply:
        app = self.applications().get(app_id)
        if app is None:
            return error(404, c.E_NOT_FOUND, "no such application")
        if not isinstance(data, dict) or data.get("outcome") not in ("registered", "refused"):
            return error(400, c.E_INVALID_REQUEST, "outcome is registered or refused")
        outcome = data["outcome"]
        try:
            if outcome == "registered":
                if not isinstance(data.get("application_number"), str):
                    raise ValueError
                base64.b64decode(data["talon"], validate=True)
                base64.b64decode(data["talon_signature"], validate=True)
            elif not isinstance(data.get("reason_code"), str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return error(400, c.E_INVALID_REQUEST, "result fields missing or malformed")
        if app["status"] != "new":
            return error(409, c.E_ALREADY_DECIDED, "this application already has a result")
        app["status"] = outcome
        recorded_at = now().isoformat()
        self.decided[app_id] = {"status": outcome, "result": data, "at": recorded_at}
        body = {"application_id": app_id, "status": outcome, "recorded_at": recorded_at}
        return Reply(200, json_bytes(body))

    # -- making them ---------------------------------------------------------------------------

    def _make(self) -> tuple[dict[str, dict[str, Any]], bytes]:
        """A few new applications from the population, signed by simulated applicants' keys."""
        from regdesk.registry.portal_keys import PortalSigner

        signer = PortalSigner.generate(seed=self.seed)
        rng = random.Random(f"regdesk-sim-portal/{self.seed}")
        cases = self.population.cases
        people = self.population.persons
        subjects: list[tuple[str, str, str]] = []  # (applicant, subject, relation)
        for iin in cases["adult"] + cases["attached_elsewhere_long_ago"]:
            subjects.append((iin, iin, "self"))
        for iin in cases["child"]:
            rep = people[iin]["representatives"][0]
            subjects.append((rep["iin"], iin, rep["relation"]))
        out: dict[str, dict[str, Any]] = {}
        year = self.today.year
        for n, (applicant, subject, relation) in enumerate(subjects[: self.count], start=1):
            app_id = f"P-{year}-{n:06d}"
            submitted = (now() - timedelta(hours=2 * n)).isoformat()
            form = {
                "id": app_id,
                "service": "attachment",
                "clinic_bin": self.population.clinic_bin,
                "applicant_iin": applicant,
                "subject_iin": subject,
                "relation": relation,
                "basis": "free_choice",
                "submitted_at": submitted,
            }
            payload = json.dumps(form, ensure_ascii=False, sort_keys=True).encode()
            person = people[applicant]
            name = " ".join(p for p in (person["surname"], person["first_name"]) if p)
            signature = signer.sign(payload, applicant, name)
            files = [
                {
                    "name": "identity-document.pdf",
                    "media_type": "application/pdf",
                    "sha256": hashlib.sha256(_PDF).hexdigest(),
                    "content": base64.b64encode(_PDF).decode(),
                }
            ]
            out[app_id] = {
                "id": app_id,
                "submitted_at": submitted,
                "service": "attachment",
                "status": "new",
                "applicant_iin": applicant,
                "subject_iin": subject,
                "relation": relation,
                "basis": "free_choice",
                "district": None,
                "phone": f"+7 701 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                "payload": base64.b64encode(payload).decode(),
                "signature": base64.b64encode(signature).decode(),
                "files": files,
            }
        return out, signer.ca_pem
