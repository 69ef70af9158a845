"""Training: keys for practice (``regdesk key training``) and the TRAINING mark on paper.

An admin makes a training CA, a key store per employee and a CRL in one folder
(``signing.training.make_training_set``); each employee's key store is remembered for them (the
EDS dialog offers it), and the ``[signing]`` lines to paste are given back. Keys of a training
CA sign only under ``[signing] training = true``; then every document printed carries the
TRAINING mark, and so does any document whose signature came from a training CA, whatever the
config says later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regdesk.core.ids import parse_iin
from regdesk.core.roles import Permission
from regdesk.desk.context import DeskContext
from regdesk.desk.errors import DeskError, saving
from regdesk.store import audit
from regdesk.store.db import transaction
from regdesk.store.staff import canonical_iin

if TYPE_CHECKING:
    from regdesk.config import Config
    from regdesk.signing.training import Trainee, TrainingSet

DEFAULT_DAYS = 365
MAX_DAYS = 3 * 365


def paper_mark(config: Config, signer_issuer: str = "") -> str:
    """The TRAINING mark in the paper's languages (kk / ru) for a document printed under
    ``[signing] training`` or signed by a training CA's key; empty for a real one."""
    from regdesk.i18n import t
    from regdesk.printing.layout import PAPER_LANGS

    training = config.signing.training
    if not training and signer_issuer:
        from regdesk.signing.training import is_training_issuer

        training = is_training_issuer(signer_issuer)
    if not training:
        return ""
    return " / ".join(t("signing_admin.paper_mark", lang) for lang in PAPER_LANGS)


@dataclass(frozen=True)
class TrainingKeysMade:
    """What ``TrainingKeys.make`` did: the files, who got a key, and the lines to paste."""

    made: TrainingSet
    remembered: tuple[str, ...]
    """IINs whose account now offers their training key in the EDS dialog."""
    without_account: tuple[str, ...]
    """IINs named that have no staff account (the key is made; add the account to use it)."""
    signing_lines: tuple[str, ...]


class TrainingKeys:
    """An admin's training keys: one per named employee, or per active staff account."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def trainees(self, named: Sequence[tuple[str, str]] = ()) -> list[Trainee]:
        """``named`` (IIN, full name) checked, an IIN failing its check digit refused in words
        (``IinError``); with none named, every active staff account."""
        from regdesk.signing.training import Trainee

        self._ctx.require(Permission.SETTINGS, "training_keys")
        if named:
            seen: dict[str, Trainee] = {}
            for iin_text, name in named:
                iin = parse_iin(iin_text).value
                if not name.strip():
                    raise DeskError("signing_admin.training.no_name", iin=iin)
                seen[iin] = Trainee(iin, " ".join(name.split()))
            return list(seen.values())
        with self._ctx.locked():
            accounts = self._ctx.staff.list()
        trainees = [Trainee(a.iin, a.full_name) for a in accounts if not a.deactivated]
        if not trainees:
            raise DeskError("signing_admin.training.nobody")
        return trainees

    def make(
        self, folder: Path, named: Sequence[tuple[str, str]] = (), *, days: int = DEFAULT_DAYS
    ) -> TrainingKeysMade:
        """Make (or add to) the training set in ``folder`` and remember each employee's key."""
        from regdesk.signing.training import make_training_set

        ctx = self._ctx
        actor = ctx.require(Permission.SETTINGS, "training_keys")
        if not 1 <= days <= MAX_DAYS:
            raise DeskError("signing_admin.training.bad_days", days=days, max=MAX_DAYS)
        trainees = self.trainees(named)
        folder = Path(folder).expanduser().resolve()
        now = ctx.clock.utc()
        try:
            made = make_training_set(
                folder, trainees, clinic=ctx.config.clinic.name_ru, now=now, days=days
            )
        except OSError as exc:
            raise DeskError(
                "signing_admin.training.cannot_write",
                folder=str(folder),
                reason=exc.strerror or type(exc).__name__,
            ) from None
        remembered: list[str] = []
        missing: list[str] = []
        with (
            saving("training", ctx.paths.database.parent, where=str(folder)),
            ctx.locked(),
            transaction(ctx.db),
        ):
            for key in made.keys:
                iin = canonical_iin(key.trainee.iin)
                if ctx.staff.get(iin) is None:
                    missing.append(iin)
                    continue
                ctx.staff.set_key_store_path(iin, str(key.path), now, actor=actor.iin)
                remembered.append(iin)
            audit.append(
                ctx.db,
                actor_iin=actor.iin,
                action="admin.training_keys",
                detail={
                    "folder": str(folder),
                    "ca_reused": made.ca_reused,
                    "employees": [k.trainee.iin for k in made.keys],
                },
                at=now,
            )
        return TrainingKeysMade(made, tuple(remembered), tuple(missing), self.lines(made))

    def lines(self, made: TrainingSet) -> tuple[str, ...]:
        """The ``[signing]`` lines naming the training CA and CRL (relative to the config's
        folder when they are inside it) with ``training = true``."""
        source = self._ctx.config.source
        base = Path(source).parent if source else None

        def name(path: Path) -> str:
            if base is not None and path.is_relative_to(base):
                return path.relative_to(base).as_posix()
            return str(path)

        return (
            "[signing]",
            f'trusted_ca = ["{name(made.ca_cert)}"]',
            f'crl = ["{name(made.crl)}"]',
            "training = true",
        )


__all__ = ["TrainingKeys", "TrainingKeysMade", "paper_mark"]
