"""Table 2 steps 3-4: the applicant's IIN, the registry's answer, the checks and the decision."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label, LoadingIndicator, Static
from textual.worker import Worker

from regdesk.core.rules import Finding
from regdesk.desk import HEARTBEAT_SECONDS, Lookup
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.calls import ApplicationRecord
from regdesk.tui.cards import findings_text, person_card
from regdesk.tui.widgets import IinInput

if TYPE_CHECKING:
    from regdesk.tui.flow import AttachFlow


class ApplicantScreen(DeskScreen[None]):
    """Type or scan the IIN, Enter asks the registry; the answer and the desk's checks follow.

    F9 or F10 hands the application to the flow (flow.py) and waits for it to come back.
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f5", "retry", "Retry", id="retry"),
        Binding("f9", "refuse", "Refuse", id="refuse"),
        Binding("f10", "form", "Form", id="form"),
        Binding("ctrl+l", "app.lock", "Lock", id="lock", show=False),
        # The card scrolls while the IIN field keeps the focus (no Tab to reach it first).
        Binding("pagedown", "card_page(1)", show=False),
        Binding("pageup", "card_page(-1)", show=False),
    ]

    def __init__(self, resume: ApplicationRecord | None = None) -> None:
        super().__init__()
        self.lookup: Lookup | None = None
        self.busy = False
        self._last_error = False
        self._resume = resume
        """An unfinished draft chosen after sign-in: its flow starts as this screen opens."""
        self._resumed: tuple[str, int] | None = None
        """The resumed draft's person and id while its flow runs (no look-up shows them)."""

    def compose(self) -> ComposeResult:
        yield Static(id="step-title", classes="title")
        with Horizontal(id="iin-row"):
            yield Label(id="iin-label")
            yield IinInput(id="iin")
        with Horizontal(id="progress-row"):
            yield LoadingIndicator(id="progress")
            yield Static(id="status", classes="message")
        with VerticalScroll(id="card-scroll"):
            yield Static(id="card")
            yield Static(id="findings")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#step-title", Static).update(self.tr("applicant.title"))
        self.query_one("#iin-label", Label).update(self.tr("applicant.iin"))
        self.query_one("#iin", IinInput).placeholder = self.tr("applicant.iin_placeholder")
        self._show()

    def on_mount(self) -> None:
        self.query_one("#progress", LoadingIndicator).display = False
        self.query_one("#iin", IinInput).focus()
        # The person open here stays marked for the colleagues' desks while it is shown (under
        # the form and the dialogs too); a desk that dies stops beating and its mark expires.
        self.set_interval(HEARTBEAT_SECONDS, self.beat)
        draft, self._resume = self._resume, None
        if draft is not None:
            self._resumed = (draft.applicant_iin, draft.id)
            self.beat()
            if (draft.registry_data or {}).get("person"):
                self._run_flow(self.flow.fill, draft.id)
            else:
                # The registry had no data for this person: the only step left is the refusal.
                self._run_flow(self.flow.refuse, draft.id, "no_data")

    def on_screen_resume(self) -> None:
        self.refresh_bindings()
        self.beat()  # back from the lock or a dialog: the mark again, the colleagues read anew

    # -- which keys make sense now ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self._last_error and not self.busy
        if action == "refuse":
            return self._card() is not None and not self.busy
        if action == "form":
            card = self._card()
            return card is not None and card.person is not None and not self.busy
        return True

    def _card(self) -> Lookup | None:
        """The look-up the keys act on: only while the field still holds its IIN. Any edit of
        the field (another IIN typed over it, without Enter yet) closes the card, so F9/F10
        never act on the previous person (issue 11, item 1)."""
        lookup = self.lookup
        if lookup is None or self.query_one("#iin", IinInput).value != lookup.iin:
            return None
        return lookup

    @on(Input.Changed, "#iin")
    def _iin_edited(self) -> None:
        if self.lookup is not None:
            self._show()
        self.refresh_bindings()

    # -- the look-up ----------------------------------------------------------------------------

    @on(Input.Submitted, "#iin")
    def _submitted(self) -> None:
        self.start_lookup()

    def start_lookup(self) -> None:
        iin = self.query_one("#iin", IinInput)
        if self.busy:
            return
        from regdesk.core.ids import IinError, parse_iin

        try:
            parse_iin(iin.value)
        except IinError as exc:
            self._status(exc.message(self.desk_app.lang), error=True)
            return
        self._drop_current_draft()
        self._set_busy(True)
        self._status(self.tr("applicant.asking"))
        self.query_one("#card", Static).update("")
        self.query_one("#findings", Static).update("")
        self.desk_call(
            calls.look_up,
            iin.value,
            then=self._found,
            failed=self._lookup_failed,
            group="lookup",
            exclusive=True,
        )

    def _found(self, lookup: Lookup) -> None:
        self._last_error = False
        self.lookup = lookup
        self._set_busy(False)
        self._show()
        self.refresh_bindings()
        # The next scan or typing replaces this IIN instead of being refused by a full field.
        self.query_one("#iin", IinInput).select_all()

    def _lookup_failed(self, text: str) -> None:
        self._set_busy(False)
        self._last_error = True
        self._status(text, error=True)
        self.refresh_bindings()
        self.query_one("#iin", IinInput).select_all()
        self.beat()  # the previous person is no longer open here

    # -- the person open at this desk (issue 14: the same person at two desks) -----------------

    def _showing(self) -> tuple[str | None, int | None]:
        """The person this screen (or the form over it) shows now, and their draft."""
        if self._resumed is not None:
            return self._resumed
        lookup = self._card()
        if lookup is None:
            return None, None
        return lookup.iin, lookup.application_id

    def beat(self) -> None:
        """Tell the desk who is open here (the colleagues' cards name this desk), and show what
        the journal says of the person now: a colleague who opened them since, a registration
        made meanwhile. Not while locked (the lock took the mark away) or looking up."""
        if self.desk_app.locked or self.desk_app.employee is None or self.busy:
            return
        iin, app_id = self._showing()

        def seen(found: list[Finding]) -> None:
            lookup = self._card()
            if lookup is None or lookup.iin != iin or lookup.application_id != app_id:
                return  # another person by now: the next beat reads theirs
            fresh = lookup.with_journal(found)
            if fresh.findings != lookup.findings:
                self.lookup = fresh
                self._show()
                self.refresh_bindings()

        self.desk_call(
            calls.keep_case_open,
            iin,
            app_id,
            then=seen,
            failed=lambda _text: None,  # the next beat tries again; the work goes on
            group="case",
            exclusive=True,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#progress", LoadingIndicator).display = busy
        self.refresh_bindings()

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")

    def _show(self) -> None:
        lookup = self.lookup
        card = self.query_one("#card", Static)
        findings = self.query_one("#findings", Static)
        if lookup is None:
            # Before a look-up: that the IIN may be typed on the Kazakh layout as well.
            card.update(escape(self.tr("applicant.hint_layout")))
            return
        current = self._card() is not None
        self.query_one("#card-scroll").display = current
        if not current:
            self._status(self.tr("applicant.iin_changed"))
            return
        mapped = self.tr("applicant.layout_mapped") + "\n" if lookup.mapped_layout else ""
        if lookup.person is None:
            self._status(mapped + self.tr("applicant.not_found"), error=True)
            card.update("")
            findings.update(self.tr("applicant.hint_refuse"))
            return
        self._status(mapped + self.tr("applicant.found"))
        age = lookup.age.years if lookup.age is not None else 0
        card.update(person_card(lookup.person, lookup.attachment, self.tr, age))
        findings.update(findings_text(lookup, self.tr))

    # -- keys ---------------------------------------------------------------------------------

    def action_card_page(self, direction: int) -> None:
        scroll = self.query_one("#card-scroll", VerticalScroll)
        if direction > 0:
            scroll.scroll_page_down(animate=False)
        else:
            scroll.scroll_page_up(animate=False)

    def action_back(self) -> None:
        if self.busy:
            self.workers.cancel_group(self, "lookup")
            self._set_busy(False)
            self._status(self.tr("applicant.cancelled"))
            return
        self._drop_current_draft()
        self.desk_do(calls.close_case, group="case")
        self.app.pop_screen()

    def action_retry(self) -> None:
        self.start_lookup()

    @property
    def flow(self) -> AttachFlow:
        from regdesk.tui.flow import AttachFlow

        return AttachFlow(self.desk_app)

    def action_refuse(self) -> None:
        lookup = self._card()
        if lookup is not None:
            self._go_on(lookup, refuse=True)

    def action_form(self) -> None:
        lookup = self._card()
        if lookup is not None and lookup.person is not None:
            self._go_on(lookup, refuse=False)

    def _go_on(self, lookup: Lookup, *, refuse: bool) -> None:
        """A look-up alone is no application: it is opened as the receptionist goes on (once;
        back from the form and F10 again continues the same draft), then the flow runs."""

        def opened(lookup: Lookup) -> None:
            self._set_busy(False)
            current = self._card()
            if current is None or current.iin != lookup.iin:
                return  # the receptionist moved on to another person meanwhile
            self.lookup = lookup
            app_id = lookup.application_id
            assert app_id is not None
            if refuse:
                self._run_flow(self.flow.refuse, app_id, lookup.suggested_refusal)
            else:
                self._run_flow(self.flow.fill, app_id)

        if self.busy:
            return
        self._set_busy(True)
        self.desk_call(
            calls.open_draft, lookup, then=opened, failed=self._open_failed, group="open"
        )

    def _open_failed(self, text: str) -> None:
        self._set_busy(False)
        self._status(text, error=True)

    def _run_flow(self, steps: Callable[..., Awaitable[str | None]], *args: object) -> None:
        """Run the flow's ``steps`` in this screen's worker (they wait for the screens they
        open); back here, clear for the next applicant, unless the receptionist went back."""

        async def run() -> None:
            next_iin = await steps(*args)
            self._resumed = None  # back here: the card (or nobody) is what shows now
            if next_iin is not None:
                self.next_applicant(next_iin)
            else:
                self.beat()

        _: Worker[None] = self.run_worker(run, name="flow", group="flow", exclusive=True)

    def next_applicant(self, iin: str) -> None:
        """Back from a refusal or a registration: clear for the next person (step 3 again);
        an IIN scanned on the result screen is looked up at once, as if scanned here."""
        self.lookup = None
        field = self.query_one("#iin", IinInput)
        field.value = iin
        self.query_one("#card", Static).update("")
        self.query_one("#findings", Static).update("")
        self._status(self.tr("applicant.next"))
        field.focus()
        self.refresh_bindings()
        if iin:
            self.start_lookup()

    def _drop_current_draft(self) -> None:
        # A person who walked away: the draft is closed as abandoned, not left open.
        # A person only looked up left no application, so there is nothing to close.
        if self.lookup is not None:
            app_id = self.lookup.application_id
            self.lookup = None
            if app_id is not None:
                self.desk_do(calls.abandon, app_id, group="abandon")
