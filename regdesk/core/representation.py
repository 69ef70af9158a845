"""Who attaches a minor: the legal representative on an application, and when one is valid.

A minor is attached by a parent or a legal representative (a guardian appointed by the
guardianship authority or a court, or a trustee), who shows their own identity document. The
registry names a child's parents (``Person.representatives``): a parent on the application must
be one of them, with the same relation. Anyone else must be a living adult the registry knows,
acting as guardian or trustee, and the decision that appointed them is shown as well
(``DocumentFlag.GUARDIAN``). Pure rules: the desk records the choice, these judge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from regdesk.core.age import age_on
from regdesk.core.ids import IinError, parse_iin
from regdesk.core.person import RELATIONS, Person, Relation
from regdesk.core.rules import ADULT_AGE

PARENTS: Final[frozenset[Relation]] = frozenset({"mother", "father"})
"""Relations the registry confirms; the others rest on a decision shown at the desk."""

APPOINTED: Final[frozenset[Relation]] = frozenset({"guardian", "trustee"})


@dataclass(frozen=True)
class ChosenRepresentative:
    """The representative recorded on an application (the form's ``representative`` entry)."""

    iin: str
    relation: Relation
    name: str = ""
    """The full name as the registry gives it."""
    birth_date: date | None = None
    alive: bool = True
    known: bool = False
    """The registry answered for this IIN when it was chosen (a parent it lists is known too)."""

    def to_json(self) -> dict[str, str | bool]:
        return {
            "iin": self.iin,
            "relation": self.relation,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "alive": self.alive,
            "known": self.known,
        }

    @classmethod
    def from_json(cls, data: object) -> ChosenRepresentative | None:
        """The entry as stored; None when there is none or it is not one (a hand-edited form)."""
        if not isinstance(data, dict):
            return None
        relation = data.get("relation")
        iin = data.get("iin")
        if relation not in RELATIONS or not isinstance(iin, str) or not iin:
            return None
        born = data.get("birth_date")
        try:
            birth = date.fromisoformat(born) if isinstance(born, str) and born else None
        except ValueError:
            birth = None
        return cls(
            iin=iin,
            relation=relation,
            name=str(data.get("name") or ""),
            birth_date=birth,
            alive=data.get("alive") is not False,
            known=data.get("known") is True,
        )


def needs_representative(person: Person | None, today: date) -> bool:
    """A minor by the registry's birth date (a person the registry does not know is refused)."""
    return person is not None and age_on(person.birth_date, today) < ADULT_AGE


def representative_problem(
    person: Person | None, chosen: ChosenRepresentative | None, today: date
) -> str | None:
    """Why ``chosen`` cannot represent ``person`` today (a catalogue key), or None.

    None also for an adult applicant, who needs no representative.
    """
    if not needs_representative(person, today):
        return None
    assert person is not None
    if chosen is None:
        return "representative.missing"
    try:
        parsed = parse_iin(chosen.iin)
    except IinError:
        return "representative.invalid_iin"
    iin = parsed.value
    if iin == person.iin:
        return "representative.self"
    listed = {r.iin: r.relation for r in person.representatives}
    if chosen.relation in PARENTS:
        if iin not in listed or listed[iin] not in PARENTS:
            return "representative.not_a_parent"
        if listed[iin] != chosen.relation:
            return "representative.relation_differs"
    elif not chosen.known and iin not in listed:
        return "representative.not_looked_up"
    if not chosen.alive:
        return "representative.deceased"
    if age_on(chosen.birth_date or parsed.birth_date, today) < ADULT_AGE:
        return "representative.minor"
    return None


__all__ = [
    "APPOINTED",
    "PARENTS",
    "ChosenRepresentative",
    "needs_representative",
    "representative_problem",
]
