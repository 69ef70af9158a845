"""The portal's applications the simulator serves: made from the population, signed, decided.

Applications come in two ways, both deterministic for a seed:

- ``cases``: the ones there from the start, one per case named (``ordinary`` and ``minor`` by
  default);
- ``rate_per_hour``: more arriving over time — the k-th at ``start + k / rate`` hours of the
  simulator's ``clock`` — with a mix of every case (``MIX``). A test passes its own clock and
  moves it; nothing sleeps.

The cases (``CASES``): ``ordinary`` (an adult for themselves), ``minor`` (a child by a parent the
registry names), ``deceased`` (the registry now says the person died), ``bad_signature`` (the
CMS is over other bytes than the payload), ``wrong_signer`` (signed by another person's key),
``tampered_file`` (a file is not the one whose SHA-256 the applicant signed) and ``huge_file``
(a file of ``huge_bytes``: over the desk's vault limit by default, over the client's 64 MiB
answer limit when asked).

Only a small description of each application is kept; its payload, signature and files are made
when it is fetched, so a long run with large files does not grow in memory. A result posted for
one is kept (and saved with the simulator's state); ``results()`` gives them to a test.

The payload the applicant signs is UTF-8 JSON: the envelope's ``id``, ``service``,
``clinic_bin``, ``applicant_iin``, ``subject_iin``, ``relation``, ``basis``, ``district``,
``phone``, ``submitted_at``, the person to be attached (``subject``: names and birth date) and
``files``: ``[{name, media_type, size, sha256}]`` — so the signature covers every file.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from regdesk.registry import contract as c
from regdesk.registry.population import Population
from regdesk.registry.sim.replies import Reply, error, json_bytes, now

STATUSES = ("new", "registered", "refused")

CASES: Final = (
    "ordinary",
    "minor",
    "deceased",
    "bad_signature",
    "wrong_signer",
    "tampered_file",
    "huge_file",
)
"""Every kind of application the simulator makes."""

MIX: Final[dict[str, int]] = {
    "ordinary": 10,
    "minor": 3,
    "deceased": 1,
    "bad_signature": 1,
    "wrong_signer": 1,
    "tampered_file": 1,
    "huge_file": 1,
}
"""Relative weights of the cases among the applications arriving over time."""

HUGE_BYTES: Final = 21 << 20
"""The default size of a ``huge_file`` case's file: over the vault's default 20 MB."""

FILE_BYTES: Final = 2048
"""The default size of an ordinary file (a small PDF)."""


@dataclass(frozen=True)
class _Spec:
    """What is kept of one application until it is fetched."""

    id: str
    n: int
    case: str
    submitted_at: datetime
    applicant: str
    subject: str
    relation: str
    signer: str
    """Whose key signs it (the applicant's, but for ``wrong_signer``)."""
    phone: str


@functools.cache
def _signer(seed: int) -> Any:
    """The portal's CA and applicants' key for ``seed``, made once per process: RSA key
    generation takes a noticeable moment, and every demo workspace and test starts a simulator."""
    from regdesk.registry.portal_keys import PortalSigner

    return PortalSigner.generate(seed=seed)


@functools.lru_cache(maxsize=4)
def _document(size: int, seed: int) -> tuple[bytes, str, str]:
    """``make_pdf(size, seed)``, its base64 and its SHA-256 (hex), made once."""
    content = make_pdf(size, seed)
    return content, base64.b64encode(content).decode("ascii"), hashlib.sha256(content).hexdigest()


def make_pdf(size: int, seed: int) -> bytes:
    """A one-page PDF of ``size`` bytes and a few hundred more, that opens whole
    (``store.scan_check``).

    The bulk is an unreferenced stream of bytes drawn from ``seed``, so two seeds give two
    different files of the same size.
    """
    pad = random.Random(f"regdesk-sim-pdf/{seed}").randbytes(max(0, size))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R >>",
        b"<< /Length 21 >>\nstream\nBT /F1 12 Tf ET    \nendstream",
        b"<< /Length %d >>\nstream\n" % len(pad) + pad + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class Portal:
    """The clinic's applications on the portal and the results posted for them."""

    def __init__(
        self,
        population: Population,
        *,
        seed: int,
        today: date,
        count: int = 4,
        decided: dict[str, dict[str, Any]] | None = None,
        cases: Sequence[str] | None = None,
        rate_per_hour: float = 0.0,
        clock: Callable[[], datetime] = now,
        file_bytes: int = FILE_BYTES,
        huge_bytes: int = HUGE_BYTES,
    ) -> None:
        unknown = [case for case in cases or () if case not in CASES]
        if unknown:
            raise ValueError(f"unknown portal cases {unknown}; known: {', '.join(CASES)}")
        if rate_per_hour < 0:
            raise ValueError("the portal's rate is not negative")
        self.population = population
        self.seed = seed
        self.today = today
        self.clock = clock
        self.rate_per_hour = rate_per_hour
        self.file_bytes = file_bytes
        self.huge_bytes = huge_bytes
        self.decided: dict[str, dict[str, Any]] = decided if decided is not None else {}
        """Results by application id: ``{"status", "result", "at"}`` (kept in the state file)."""
        self.start = clock()
        initial = list(cases) if cases is not None else ["ordinary", "minor"] * (count // 2)
        if cases is None and count % 2:
            initial.append("ordinary")
        self._initial = initial
        self._specs: dict[str, _Spec] = {}
        self._arrived = 0
        """How many of the applications arriving over time exist so far."""
        self._signer: Any = None
        self._rng = random.Random(f"regdesk-sim-portal/{seed}")
        self._picks: dict[str, int] = {}
        for case in initial:
            self._add(case, self.start - timedelta(hours=2 * (len(initial) - len(self._specs))))

    # -- control (tests, the demo) -------------------------------------------------------------

    def add(self, case: str = "ordinary", submitted_at: datetime | None = None) -> str:
        """One more application of ``case`` (now by the simulator's clock); its id."""
        if case not in CASES:
            raise ValueError(f"unknown portal case {case!r}; known: {', '.join(CASES)}")
        return self._add(case, submitted_at or self.clock()).id

    def results(self) -> dict[str, dict[str, Any]]:
        """The results received, by application id: ``{"status", "result", "at"}`` where
        ``result`` is the body as posted (the talon and its signature in base64)."""
        return {k: dict(v) for k, v in self.decided.items()}

    def case_of(self, app_id: str) -> str:
        """The case an application was made as (a test knows what to expect of it)."""
        self._arrive()
        return self._specs[app_id].case

    def applications(self) -> dict[str, dict[str, Any]]:
        """Every application as the contract serves it, by id (made now: for tests, with small
        files)."""
        self._arrive()
        return {app_id: self._application(spec) for app_id, spec in self._specs.items()}

    def ids(self) -> list[str]:
        """Every application's id, in the order they were made."""
        self._arrive()
        return list(self._specs)

    @property
    def ca_pem(self) -> bytes:
        """The PEM certificate of the CA that issued the simulated applicants' signing keys."""
        return self._keys().ca_pem

    # -- the contract's operations -------------------------------------------------------------

    def list(self, status: str) -> Reply:
        if status not in STATUSES:
            return error(400, c.E_INVALID_REQUEST, "status is new, registered or refused")
        self._arrive()
        items = [
            {
                "id": s.id,
                "submitted_at": s.submitted_at.isoformat(),
                "service": "attachment",
                "applicant_iin": s.applicant,
                "subject_iin": s.subject,
                "status": self._status(s.id),
            }
            for s in self._specs.values()
            if self._status(s.id) == status
        ]
        return Reply(200, json_bytes({"items": items}))

    def get(self, app_id: str) -> Reply:
        self._arrive()
        spec = self._specs.get(app_id)
        if spec is None:
            return error(404, c.E_NOT_FOUND, "no such application")
        # ASCII JSON: encoding megabytes of base64 is several times faster than with
        # ensure_ascii=False, and names in \u escapes are the same JSON.
        return Reply(200, json.dumps(self._application(spec), separators=(",", ":")).encode())

    def result(self, app_id: str, data: object) -> Reply:
        self._arrive()
        if app_id not in self._specs:
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
        if self._status(app_id) != "new":
            return error(409, c.E_ALREADY_DECIDED, "this application already has a result")
        recorded_at = now().isoformat()
        self.decided[app_id] = {"status": outcome, "result": data, "at": recorded_at}
        body = {"application_id": app_id, "status": outcome, "recorded_at": recorded_at}
        return Reply(200, json_bytes(body))

    # -- making them ---------------------------------------------------------------------------

    def _status(self, app_id: str) -> str:
        decided = self.decided.get(app_id)
        return str(decided["status"]) if decided else "new"

    def _keys(self) -> Any:
        if self._signer is None:
            self._signer = _signer(self.seed)
        return self._signer

    def _arrive(self) -> None:
        """Add the applications that have arrived by the clock's now."""
        if self.rate_per_hour <= 0:
            return
        hours = (self.clock() - self.start).total_seconds() / 3600
        due = int(hours * self.rate_per_hour)
        while self._arrived < due:
            self._arrived += 1
            pick = random.Random(f"regdesk-sim-portal-mix/{self.seed}/{self._arrived}")
            case = pick.choices(list(MIX), weights=list(MIX.values()))[0]
            at = self.start + timedelta(hours=self._arrived / self.rate_per_hour)
            self._add(case, at.replace(microsecond=0))

    def _next(self, case: str, people: Sequence[str]) -> str:
        """The next person of ``people`` for ``case``, in turn."""
        turn = self._picks.get(case, 0)
        self._picks[case] = turn + 1
        return people[turn % len(people)]

    def _add(self, case: str, submitted: datetime) -> _Spec:
        cases = self.population.cases
        people = self.population.persons
        n = len(self._specs) + 1
        adults = cases["adult"] + cases["attached_elsewhere_long_ago"] + cases["unattached"]
        if case == "minor":
            subject = self._next(case, cases["child"])
            rep = people[subject]["representatives"][0]
            applicant, relation = rep["iin"], rep["relation"]
        elif case == "deceased":
            subject = applicant = self._next(case, cases["deceased"])
            relation = "self"
        else:
            subject = applicant = self._next("adult", adults)
            relation = "self"
        signer = applicant
        if case == "wrong_signer":
            signer = next(i for i in adults if i != applicant)
        spec = _Spec(
            id=f"P-{self.today.year}-{n:06d}",
            n=n,
            case=case,
            submitted_at=submitted.replace(microsecond=0),
            applicant=applicant,
            subject=subject,
            relation=relation,
            signer=signer,
            phone=f"+7 701 {self._rng.randrange(100, 999)} {self._rng.randrange(1000, 9999)}",
        )
        self._specs[spec.id] = spec
        return spec

    def _application(self, spec: _Spec) -> dict[str, Any]:
        """The application as the contract serves it, made now from its description."""
        people = self.population.persons
        size = self.huge_bytes if spec.case == "huge_file" else self.file_bytes
        # Every application carries the same document (made once per size): the simulator's
        # time goes to the desk under test, not to drawing megabytes of random bytes.
        signed_content, content_b64, signed_sha = _document(size, self.seed)
        content_sha = signed_sha
        if spec.case == "tampered_file":
            _, content_b64, content_sha = _document(size, self.seed + 1)
        person = people[spec.subject]
        name = "identity-document.pdf"
        # What the portal's envelope says, and the applicant signed too.
        envelope = {
            "id": spec.id,
            "service": "attachment",
            "applicant_iin": spec.applicant,
            "subject_iin": spec.subject,
            "relation": spec.relation,
            "basis": "free_choice",
            "district": None,
            "phone": spec.phone,
            "submitted_at": spec.submitted_at.isoformat(),
        }
        form = envelope | {
            "clinic_bin": self.population.clinic_bin,
            "subject": {
                "surname": person["surname"],
                "first_name": person["first_name"],
                "patronymic": person.get("patronymic") or "",
                "birth_date": person["birth_date"],
            },
            "files": [
                {
                    "name": name,
                    "media_type": "application/pdf",
                    "size": len(signed_content),
                    "sha256": signed_sha,
                }
            ],
        }
        payload = json.dumps(form, ensure_ascii=False, sort_keys=True).encode()
        signer = people[spec.signer]
        signer_name = " ".join(p for p in (signer["surname"], signer["first_name"]) if p)
        signed = payload + b" " if spec.case == "bad_signature" else payload
        signature = self._keys().sign(signed, spec.signer, signer_name)
        return envelope | {
            "status": self._status(spec.id),
            "payload": base64.b64encode(payload).decode(),
            "signature": base64.b64encode(signature).decode(),
            "files": [
                {
                    "name": name,
                    "media_type": "application/pdf",
                    "sha256": content_sha,
                    "content": content_b64,
                }
            ],
        }
