"""The contract's documents name every path, error code and status the client and simulator use."""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from pathlib import Path

from regdesk.core.ids import make_bin
from regdesk.registry import contract
from regdesk.registry import contract as c
from regdesk.registry.sim import Faults, SimulatorHandle

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_openapi_and_the_guide_cover_the_contract() -> None:
    openapi = (DOCS / "registry-openapi.yaml").read_text(encoding="utf-8")
    guide = (DOCS / "registry-api.md").read_text(encoding="utf-8")
    assert openapi.startswith("openapi: 3.1")
    paths = [v for k, v in vars(contract).items() if k.isupper() and str(v).startswith("/v1/")]
    assert len(paths) >= 8
    for path in paths:
        assert f"{path}:" in openapi, path
        assert path in guide, path
    codes = [v for k, v in vars(contract).items() if k.startswith("E_")]
    for code in codes:
        assert code in openapi and code in guide, code
    for header in (contract.REQUEST_ID, contract.IDEMPOTENCY_KEY, contract.REPLAYED):
        assert header in openapi and header in guide, header


# --- every status the simulator answers is documented for its operation ----------------------

SIM = Path(__file__).resolve().parents[2] / "regdesk" / "registry" / "sim"


def _spec_statuses() -> dict[tuple[str, str], set[int]]:
    """(METHOD, path) -> the statuses the OpenAPI document lists for that operation."""
    out: dict[tuple[str, str], set[int]] = {}
    path = method = ""
    in_responses = False
    for line in (DOCS / "registry-openapi.yaml").read_text(encoding="utf-8").splitlines():
        if re.match(r"^  /v1/\S*:$", line):
            path, method = line.strip().rstrip(":"), ""
        elif not line.startswith(" "):
            path = method = ""
        elif path and re.match(r"^    (get|post|put|delete|patch):$", line):
            method, in_responses = line.strip().rstrip(":").upper(), False
        elif path and method and line == "      responses:":
            in_responses = True
        elif in_responses and re.match(r"^      \S", line):
            in_responses = False
        elif in_responses and (found := re.match(r'^        "(\d{3})":', line)):
            out.setdefault((method, path), set()).add(int(found.group(1)))
    return out


def _statuses_in_code() -> set[int]:
    """Every status the simulator's code can put in an answer (literals in error(...)/Reply(...)
    calls, and the statuses its fault rates choose from)."""
    found: set[int] = set()
    for file in SIM.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("error", "Reply"):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, int):
                    found.add(first.value)
            if (
                isinstance(node, ast.Tuple)
                and node.elts
                and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, int) and e.value >= 500
                    for e in node.elts
                )
            ):
                found.update(e.value for e in node.elts)  # type: ignore[attr-defined]
    return found


def _probe(sim: SimulatorHandle) -> dict[tuple[str, str], set[int]]:
    """Drive every branch of every operation over real HTTP; the statuses each one answered."""
    import httpx

    cases = sim.cases
    adult, dead, nobody = cases["adult"][0], cases["deceased"][0], cases["no_record"][0]
    other_bin = make_bin(2012, 5, serial=777)
    today = date(2026, 11, 25).isoformat()

    def attach(iin: str, clinic: str = sim.clinic_bin, district: object = 3) -> bytes:
        body = {"iin": iin, "clinic_bin": clinic, "district": district, "basis": "free_choice",
                "effective_date": today}  # fmt: skip
        return json.dumps(body).encode()

    def annul(iin: str, clinic: str = sim.clinic_bin, reason: str = "duplicate") -> bytes:
        body = {"iin": iin, "clinic_bin": clinic, "application_number": "DEMO-2026-000001",
                "reason_code": reason}  # fmt: skip
        return json.dumps(body).encode()

    refuse = json.dumps({"outcome": "refused", "reason_code": "no_data"}).encode()
    too_big = b'{"x": "' + b"x" * ((1 << 20) + 10) + b'"}'
    with httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {sim.token}"}) as http:
        new = http.get(c.PORTAL_APPLICATIONS).json()["items"]
        app_a, app_b = new[0]["id"], new[1]["id"]
        result_a = c.PORTAL_RESULT.format(id=app_a)
        probes: list[tuple[str, str, str, dict[str, str], bytes | None]] = [
            ("GET", c.PERSON, f"/v1/persons/{adult}", {}, None),
            ("GET", c.PERSON, "/v1/persons/12345", {}, None),
            ("GET", c.PERSON, f"/v1/persons/{nobody}", {}, None),
            ("GET", c.PERSON_ATTACHMENT, f"/v1/persons/{adult}/attachment", {}, None),
            ("GET", c.PERSON_ATTACHMENT, "/v1/persons/1234/attachment", {}, None),
            ("GET", c.PERSON_ATTACHMENT, f"/v1/persons/{nobody}/attachment", {}, None),
            ("GET", c.ORGANISATION, f"/v1/organisations/{sim.clinic_bin}", {}, None),
            ("GET", c.ORGANISATION, "/v1/organisations/12", {}, None),
            ("GET", c.ORGANISATION, f"/v1/organisations/{other_bin}", {}, None),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a1"}, attach(adult)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {}, attach(adult)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a2"}, b"{not json"),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a3"},
             attach(adult, district=0)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a4"},
             attach(adult, clinic=other_bin)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a5"}, attach(nobody)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a6"}, attach(dead)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a1"},
             attach(adult, district=4)),
            ("POST", c.ATTACHMENTS, c.ATTACHMENTS, {"Idempotency-Key": "a7"}, too_big),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n1"}, annul(adult)),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {}, annul(adult)),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n2"}, b"{not json"),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n3"},
             annul(adult, reason="No!")),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n4"},
             annul(adult, clinic=other_bin)),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n5"}, annul(nobody)),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n6"}, annul(adult)),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n1"},
             annul(adult, reason="other")),
            ("POST", c.ANNULMENTS, c.ANNULMENTS, {"Idempotency-Key": "n7"}, too_big),
            ("GET", c.PORTAL_APPLICATIONS, c.PORTAL_APPLICATIONS + "?status=refused", {}, None),
            ("GET", c.PORTAL_APPLICATIONS, c.PORTAL_APPLICATIONS + "?status=lost", {}, None),
            ("GET", c.PORTAL_APPLICATION, c.PORTAL_APPLICATION.format(id=app_a), {}, None),
            ("GET", c.PORTAL_APPLICATION, "/v1/portal/applications/P-1999-000001", {}, None),
            ("POST", c.PORTAL_RESULT, result_a, {"Idempotency-Key": "r1"}, refuse),
            ("POST", c.PORTAL_RESULT, result_a, {"Idempotency-Key": "r2"}, refuse),
            ("POST", c.PORTAL_RESULT, result_a, {"Idempotency-Key": "r1"},
             json.dumps({"outcome": "refused", "reason_code": "other"}).encode()),
            ("POST", c.PORTAL_RESULT, c.PORTAL_RESULT.format(id=app_b),
             {"Idempotency-Key": "r3"}, b'{"outcome": "lost"}'),
            ("POST", c.PORTAL_RESULT, "/v1/portal/applications/P-1999-1/result",
             {"Idempotency-Key": "r4"}, refuse),
            ("POST", c.PORTAL_RESULT, result_a, {"Idempotency-Key": "r5"}, too_big),
            ("GET", c.HEALTH, c.HEALTH, {}, None),
        ]  # fmt: skip
        seen: dict[tuple[str, str], set[int]] = {}

        def send(method: str, label: str, url: str, headers: dict[str, str], body: bytes | None,
                 **extra: str) -> None:  # fmt: skip
            answer = http.request(method, url, headers={**headers, **extra}, content=body)
            seen.setdefault((method, label), set()).add(answer.status_code)

        for probe in probes:
            send(*probe)
        first: dict[tuple[str, str], tuple[str, str, str, dict[str, str], bytes | None]] = {}
        for probe in probes:
            first.setdefault((probe[0], probe[1]), probe)
        for method, label, url, headers, body in first.values():
            send(method, label, url, headers, body, Authorization="Bearer wrong")
        # The fault rates pick 502, 503 or 504 at random: ask until each operation has had all.
        sim.set_faults(Faults(fail_rate=1.0))
        for method, label, url, headers, body in first.values():
            for _ in range(200):
                if {502, 503, 504} <= seen[(method, label)]:
                    break
                send(method, label, url, headers, body)
        sim.set_faults(Faults())
    return seen


def test_every_status_the_simulator_answers_is_in_the_spec_for_that_operation(
    sim: SimulatorHandle,
) -> None:
    spec = _spec_statuses()
    assert len(spec) == 9 and all(spec.values())
    seen = _probe(sim)
    assert set(seen) == set(spec), "every operation of the spec was probed"
    for operation, statuses in seen.items():
        missing = statuses - spec[operation]
        assert not missing, f"{operation} answers {sorted(missing)}, not in the spec"
    # The probes reach every status the simulator's code can answer (405 is for a method the
    # contract has no operation for), so a new one without a probe fails here.
    answered = set().union(*seen.values())
    assert _statuses_in_code() - {405} <= answered
    assert {400, 401, 403, 404, 409, 413, 422} <= answered
