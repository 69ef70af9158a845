"""The policy in force (issue 15), for an admin: signing, the registry, free space, the backup.

Read through ``desk.policy_view`` (which refuses anybody but an admin, whatever called it) when
the screen opens and on F6; the registry is asked only on F5, since that goes over the network
and may take the registry's time. The text scrolls (arrows, PgUp/PgDn) when it is longer than
the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from regdesk.desk import describe_policy, describe_registry
from regdesk.i18n import Translator
from regdesk.tui.base import DeskScreen

if TYPE_CHECKING:
    from regdesk.desk import Desk, PolicyOverview, RegistryCheck


def read_policy(desk: Desk) -> PolicyOverview:
    return desk.policy_view.overview()


async def check_registry(desk: Desk) -> RegistryCheck:
    return await desk.policy_view.check_registry()


class PolicyScreen(DeskScreen[None]):
    """The signing policy, the registry (F5 checks it), the data folder; F6 reads it again."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f5", "check", "Registry", id="policy_check"),
        Binding("f6", "reload", "Reload", id="policy_reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview: PolicyOverview | None = None
        self.check: RegistryCheck | None = None
        self.checking = False
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Static(id="policy-title", classes="title")
        with VerticalScroll(id="policy-scroll"):
            yield Static(id="policy-body")
        yield Static(id="policy-message", classes="hint")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#policy-scroll", VerticalScroll).focus()
        self.action_reload()

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#policy-title", Static).update(self.tr("policy.title"))
        self._show()

    def _show(self) -> None:
        tr = Translator(self.desk_app.lang)
        lines: list[str] = []
        view = self.overview
        if view is not None:
            lines += describe_policy(view, tr)
            lines.append("")
            if self.checking:
                lines += [tr("policy.registry_heading"), tr("policy.registry_checking")]
            else:
                lines += describe_registry(view.registry_url, self.check, tr)
        if self.error:
            lines.append(self.error)
        self.query_one("#policy-body", Static).update(escape("\n".join(lines)))
        message = self.query_one("#policy-message", Static)
        if view is not None:
            message.update(self.tr("policy.read_at", when=view.at.strftime("%d.%m.%Y %H:%M")))

    def action_reload(self) -> None:
        self.desk_call(
            read_policy, then=self._read, failed=self._failed, group="policy", exclusive=True
        )

    def _read(self, overview: PolicyOverview) -> None:
        self.overview = overview
        self.error = ""
        self._show()

    def _failed(self, text: str) -> None:
        self.checking = False
        self.error = text
        self._show()

    def action_check(self) -> None:
        if self.checking or self.overview is None:
            return
        self.checking = True
        self._show()
        self.desk_call(
            check_registry,
            then=self._checked,
            failed=self._failed,
            group="policy-registry",
            exclusive=True,
        )

    def _checked(self, check: RegistryCheck) -> None:
        self.checking = False
        self.check = check
        self._show()

    def action_back(self) -> None:
        self.dismiss(None)
