"""What every use case of one workstation shares: config, database, clinic clock, who acts, lock.

One ``DeskContext`` per workstation (or per CLI command). The use cases hold it and nothing
else of each other, apart from the few they build on (registration reads the form's checks).

Threads: the TUI calls the blocking use cases from worker threads and the ``async`` ones on its
event loop. One SQLite connection is shared, so every use of it holds ``locked()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from regdesk.config import Config
from regdesk.core.clock import ClinicClock
from regdesk.core.errors import UserError
from regdesk.core.roles import Permission, Role, may
from regdesk.core.rules import RuleSettings
from regdesk.desk.errors import NotAllowed, NotSaved, NotSignedIn, PasswordChangeRequired, saving
from regdesk.desk.open_cases import OpenCases
from regdesk.desk.terminal import terminal_id
from regdesk.desk.terminal_name import workstation_name
from regdesk.store import audit
from regdesk.store.db import open_db, transaction
from regdesk.store.districts import Districts
from regdesk.store.journal import ApplicationRecord, Journal
from regdesk.store.password_policy import clinic_words
from regdesk.store.paths import DataPaths
from regdesk.store.staff import Employee, Staff
from regdesk.store.vault import Vault

if TYPE_CHECKING:  # heavy modules, loaded on first use
    from regdesk.core.calendar import WorkCalendar
    from regdesk.registry.client import RegistryClient
    from regdesk.signing.policy import SigningPolicy


@dataclass(frozen=True)
class Actor:
    """Who the journal and the audit name for what the desk does: an employee, or the CLI."""

    iin: str
    """The employee's IIN, or ``cli:<os user>`` for the command line."""
    role: Role
    name: str = ""


class DeskContext:
    """One workstation of the clinic: the config, the database, the clock, who is acting."""

    def __init__(
        self,
        config: Config,
        *,
        clock: ClinicClock | None = None,
        db: Database | None = None,
        terminal: str | None = None,
    ) -> None:
        self.config = config
        # The one clock of the desk: clinic time for all a person reads or the rules count.
        self.clock = clock if clock is not None else ClinicClock(config.work_hours.timezone)
        self.paths = DataPaths(config.data_path())
        self.workstation = workstation_name()
        """This workstation's name (``REGDESK_WORKSTATION`` or the host's): the printers' choice
        and what colleagues and the audit are told of "where"."""
        self.terminal = terminal if terminal is not None else terminal_id(self.workstation)
        """Where this desk's sign-ins come from: the key its failures are throttled under
        (``desk.terminal``: the browser's or SSH client's address, or this workstation and OS
        user)."""
        self.db = db if db is not None else open_db(self.paths.database, config.storage.durability)
        self._lock = threading.RLock()
        self.journal = Journal(self.db)
        self.staff = Staff(
            self.db,
            config.security,
            timezone=config.work_hours.timezone,
            clinic_words=clinic_words(config.clinic),
        )
        self.employee: Employee | None = None
        """The employee signed in at this workstation (set by the session)."""
        self.operator: Actor | None = None
        """Who acts when no employee is signed in: the CLI (``cli:<os user>``)."""
        self._registry: RegistryClient | None = None
        self._vault: Vault | None = None
        self._policy: SigningPolicy | None = None
        self._portal_policy: SigningPolicy | None = None
        self._calendar: WorkCalendar | None = None
        self.cases = OpenCases(self)
        """The person open at this workstation, as the colleagues' desks see it
        (``desk.open_cases``)."""
        self._districts: Districts | None = None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the workstation's one database connection."""
        with self._lock:
            yield

    def actor(self) -> Actor:
        """The signed-in employee (or the CLI's operator); NotSignedIn otherwise.

        An employee who signed in with a one-time password acts only once they have replaced
        it (``PasswordChangeRequired``): the sign-in flow shows the change first, and no use
        case can be reached around it.
        """
        if self.employee is not None:
            e = self.employee
            if e.must_change_password:
                raise PasswordChangeRequired()
            return Actor(e.iin, Role(e.role), e.full_name)
        if self.operator is not None:
            return self.operator
        raise NotSignedIn()

    def may(self, permission: Permission) -> bool:
        """Whether whoever acts now may do what ``permission`` names (menus ask it)."""
        try:
            return may(self.actor().role, permission)
        except UserError:  # nobody signed in, or a one-time password not yet replaced
            return False

    def require(self, permission: Permission, what: str) -> Actor:
        """The actor, when their role grants ``permission``; otherwise the refusal is written
        to the audit (who, what was asked) and ``NotAllowed`` raised. Every role-gated use
        case starts here, whatever screen or command called it. ``what`` names the action
        (catalogue ``admin.what.<what>``)."""
        actor = self.actor()
        if may(actor.role, permission):
            return actor
        detail = {"role": actor.role.value, "permission": permission.value, "what": what}
        # The refusal stands whether or not its record could be written (``saving`` logs that
        # it was not): the person is told what they may not do, not what became of the disk.
        with (
            suppress(NotSaved),
            saving("access_denied", self.paths.database.parent),
            self.locked(),
            transaction(self.db),
        ):
            audit.append(
                self.db,
                actor_iin=actor.iin,
                action="access_denied",
                detail=detail,
                at=self.clock.utc(),
            )
        raise NotAllowed(actor.role.value, what)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    @property
    def rules(self) -> RuleSettings:
        """The year's rules of attachment (the config's ``[rules]``)."""
        return self.config.rules

    def record(self, app_id: int) -> ApplicationRecord:
        with self.locked():
            return self.journal.search.get(app_id)

    # -- the parts made on first use ----------------------------------------------------------

    @property
    def districts(self) -> Districts:
        """The districts kept in the database; on first use the config's are imported into a
        database that never had them (``store.districts``), and a config that differs from
        what was imported is logged, once."""
        if self._districts is None:
            import logging

            districts = Districts(self.db)
            with self.locked():
                done = districts.import_config(
                    self.config.districts, self.clock.utc(), source=self.config.source
                )
            if done.first_notice:
                logging.getLogger("regdesk.desk").warning(
                    "the config's [[districts]] differ from those imported on %s; the database's"
                    " are used (change them in the desk or with regdesk district)",
                    self.clock.local(done.imported_at).date() if done.imported_at else "?",
                )
            self._districts = districts
        return self._districts

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            max_bytes = int(self.config.storage.max_attachment_mb * 1024 * 1024)
            self._vault = Vault(self.paths.vault_dir, self.paths.vault_key, max_bytes)
        return self._vault

    def registry(self) -> RegistryClient:
        """The registry client, created on first use (httpx is not imported at start-up)."""
        if self._registry is None:
            from regdesk.registry.client import RegistryClient

            base = Path(self.config.source).parent if self.config.source else None
            self._registry = RegistryClient(self.config.registry, base_dir=base)
        return self._registry

    def signing_policy(self) -> SigningPolicy:
        if self._policy is None:
            from regdesk.signing.policy import SigningPolicy

            self._policy = SigningPolicy.from_config(self.config.signing, self.config.resolve)
        return self._policy

    def portal_policy(self) -> SigningPolicy:
        """The policy an applicant's portal signature is checked under: ``[portal]`` trusted CAs
        and CRLs (those of ``[signing]`` when empty), the rest as for employees (no employee
        rule: the applicant is not staff)."""
        if self._portal_policy is None:
            import dataclasses

            from regdesk.signing.policy import SigningPolicy

            portal, signing = self.config.portal, self.config.signing
            chosen = dataclasses.replace(
                signing,
                trusted_ca=portal.trusted_ca or signing.trusted_ca,
                crl=portal.crl or signing.crl,
                signer_must_be_employee=False,
            )
            self._portal_policy = SigningPolicy.from_config(chosen, self.config.resolve)
        return self._portal_policy

    @property
    def calendar(self) -> WorkCalendar:
        """The clinic's working days and ``[work_hours]``, for "within one working day"."""
        if self._calendar is None:
            from regdesk.core.calendar import WorkCalendar

            hours = self.config.work_hours
            self._calendar = WorkCalendar.from_settings(hours.start, hours.end, hours.timezone)
        return self._calendar

    # -- time norms: each step's start and end as events --------------------------------------

    def begin_step(self, app_id: int, step: str) -> None:
        """Note that a step of the regulation started, once (a form reopened keeps its start)."""
        actor = self.actor()
        with self.locked():
            history = self.journal.events.history(app_id)
            if not any(e.kind == "step_start" and e.step == step for e in history):
                self.journal.events.record_step(
                    app_id, step, "step_start", actor.iin, actor.role, self.now()
                )

    def end_step(self, app_id: int, step: str, started: datetime | None = None) -> None:
        """Note that a step ended (and when it started, for a step timed in one call)."""
        actor = self.actor()
        with self.locked():
            events = self.journal.events
            if started is not None:
                events.record_step(app_id, step, "step_start", actor.iin, actor.role, started)
            events.record_step(app_id, step, "step_end", actor.iin, actor.role, self.now())

    # -- closing --------------------------------------------------------------------------------

    def close(self) -> None:
        self.cases.close()  # the colleagues' cards stop naming this desk
        with self.locked():
            self.db.conn.close()

    async def aclose(self) -> None:
        if self._registry is not None:
            await self._registry.aclose()
            self._registry = None


__all__ = ["Actor", "DeskContext"]
