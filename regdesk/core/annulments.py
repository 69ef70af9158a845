"""Grounds for annulling a registration made in error (issue 11, "Corrections after the fact").

Each ground has a stable code, stored with the ANNULLED event, sent to the register and bound
into the annulment's signed bytes; its words in kk, ru and en are the catalogue entries
``core.annul_reason.<code>``, printed on the annulment notice. ``other`` says nothing by itself
and needs the employee's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class AnnulmentReason:
    code: str
    needs_note: bool = False

    @property
    def key(self) -> str:
        """The catalogue key of the ground's words."""
        return f"core.annul_reason.{self.code}"


REASONS: Final = (
    AnnulmentReason("wrong_person"),  # registered for someone other than the applicant
    AnnulmentReason("duplicate"),  # the same person's application registered twice
    AnnulmentReason("data_error"),  # wrong basis, district or documents: register anew
    AnnulmentReason("applicant_withdrew"),  # withdrawn before the attachment took effect
    AnnulmentReason("other", needs_note=True),
)

_BY_CODE: Final = {r.code: r for r in REASONS}


def annulment_reason(code: str) -> AnnulmentReason | None:
    """The ground with ``code``, or None for a code not in the catalogue."""
    return _BY_CODE.get(code)


__all__ = ["REASONS", "AnnulmentReason", "annulment_reason"]
