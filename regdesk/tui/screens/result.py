"""Table 2 steps 6-8: the number, the talon or the refusal notice, printing, and the survey."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Digits, Footer, Static

from regdesk.core.application import State
from regdesk.core.ids import normalize_digits
from regdesk.desk import Issued
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen, bind
from regdesk.tui.browser import hand_over

SURVEY_QUESTIONS = ("survey.q1", "survey.q2")

SCAN_GAP = 0.05
"""Seconds between keys below which they come from a barcode scanner, not a person."""
SCAN_RUN = 4
"""Digits in one fast run that make it a scan (an IIN) rather than survey answers."""
SAVE_DELAY = 0.3
"""Seconds the survey waits before it is stored, so a scan starting with 1-3 takes it back."""


class ResultScreen(DeskScreen[str]):
    """The result of the application and the Annex 3 survey (keys 1/2/3, S skips).

    Dismissed (Enter) with the next applicant's IIN when one was scanned here, else ``""``.
    """

    BINDINGS = [
        Binding("f6", "print", "Print", id="print"),
        Binding("f7", "choose_printer", "Printer", id="choose_printer"),
        bind("s", "skip_survey", "Skip survey", id="skip_survey"),
        Binding("enter", "next", "Next applicant", id="next"),
        Binding("escape", "next", "", show=False),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.answers: list[int] = []
        self.survey_done = False
        self.printer: str | None = None
        self.printed: Issued | None = None
        self.printing = False
        """A print is under way: F6 again must not print (and count) a second copy."""
        self.next_after_print = False
        """Enter came before anything was printed: the print runs first, then the next
        applicant, so step 8 is never skipped silently (issue 11, item 4)."""
        self.print_failed = False
        """A print failed and the screen said so: Enter then moves on (knowingly) without it."""
        self._run: list[str] = []
        """Digits of the current run of keys (a person's answers, or a scanner's IIN)."""
        self._run_answers = 0
        self._last_key = 0.0
        self._scanned = False
        self._survey_timer: Timer | None = None
        self.view: calls.Result | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="result-title", classes="title")
        yield Digits(id="number-digits")
        yield Static(id="number")
        with VerticalScroll(id="preview-scroll"):
            yield Static(id="preview")
        yield Static(id="print-status", classes="message")
        yield Static(id="survey", classes="survey")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#preview-scroll").focus()
        self.desk_call(calls.result_of, self.app_id, then=self._loaded, group="load")
        # The registration is already safe in the journal; telling the attachment register can
        # wait for the next registration when the registry is down, so its errors stay quiet
        # here (an unexpected one is still kept by the app).
        self.desk_call(calls.send_outbox, failed=lambda _: None, group="outbox")

    def _loaded(self, view: calls.Result) -> None:
        self.view = view
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self._show_survey()
        if self.printed is not None:
            self._show_printed(self.printed)
        if self.view is None:
            return
        record = self.view.record
        registered = record.state in (State.REGISTERED, State.ISSUED)
        title = self.query_one("#result-title", Static)
        digits = self.query_one("#number-digits", Digits)
        number = self.query_one("#number", Static)
        if registered:
            title.update(self.tr("result.registered"))
            digits.update((record.number or "").split("-", 1)[-1])
            number.update(self.tr("result.number", number=record.number or ""))
        else:
            title.update(self.tr("result.refused"))
            digits.display = False
            from regdesk.core.refusals import reason

            text = reason(record.refusal_code or "other").text(self.desk_app.lang)
            note = f" — {record.refusal_note}" if record.refusal_note else ""
            number.update(self.tr("result.refusal_reason", code=text) + note)
        self.query_one("#preview", Static).update(self.view.preview)

    def _show_survey(self) -> None:
        survey = self.query_one("#survey", Static)
        if self.survey_done:
            survey.update(self.tr("survey.thanks"))
            return
        question = SURVEY_QUESTIONS[len(self.answers)]
        survey.update(self.tr(question) + "\n" + self.tr("survey.scale"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("print", "choose_printer"):
            return not self.printing
        return True

    # -- printing -----------------------------------------------------------------------------

    def action_print(self) -> None:
        if self.printing:
            return
        self.printing = True
        self.refresh_bindings()
        self.query_one("#print-status", Static).update(self.tr("result.printing"))
        self.desk_call(
            calls.issue,
            self.app_id,
            self.printer,
            then=self._printed,
            failed=self._print_failed,
            group="print",
            exclusive=True,
        )

    def _print_failed(self, text: str) -> None:
        self._print_done()
        status = self.query_one("#print-status", Static)
        status.update(self._after_failure(text))
        status.add_class("error")

    def _printed(self, issued: Issued) -> None:
        self._print_done()
        hand_over(self.app, issued)
        self._show_printed(issued)
        if issued.status != "failed" and self.next_after_print:
            self._move_on()

    def _after_failure(self, text: str) -> str:
        """A failed print's words, and that Enter now moves on without the talon."""
        self.print_failed = True
        self.next_after_print = False
        return text + "\n" + self.tr("result.enter_moves_on")

    def _print_done(self) -> None:
        self.printing = False
        self.refresh_bindings()

    def _show_printed(self, issued: Issued) -> None:
        self.printed = issued
        status = self.query_one("#print-status", Static)
        if issued.status == "failed":
            text = self.tr("result.print_failed", detail=issued.message(self.desk_app.lang))
            status.update(self._after_failure(text))
            status.add_class("error")
        elif issued.status == "delivered":
            status.update(self.tr("serve.delivered", file=issued.file_name))
            status.remove_class("error")
        else:
            where = str(issued.path) if issued.path else issued.detail
            status.update(self.tr("result.printed", where=where))
            status.remove_class("error")

    def action_choose_printer(self) -> None:
        from regdesk.tui.screens.printers import PrinterScreen

        self.app.push_screen(PrinterScreen(), self._printer_chosen)

    def _printer_chosen(self, name: object) -> None:
        if isinstance(name, str):
            self.printer = name
            self.action_print()

    # -- survey (Annex 3) -------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Digits answer the survey — unless they come as a scanner's burst: the next IIN.

        A receptionist may scan the next applicant's ID before pressing Enter; its digits must
        not become survey answers. A run of fast digits is taken as a scan: answers it gave
        are taken back, and Enter starts the look-up of that IIN on the applicant screen.
        """
        digits, _ = normalize_digits(event.character or "")
        if len(digits) != 1 or not digits.isdigit():
            return
        event.stop()
        event.prevent_default()
        # When the key arrived (the driver stamps each event as it reads it), not when it is
        # handled here: a desk busy drawing the previous key, or keys bunched by a network
        # (a browser desk, SSH), would otherwise break a scanner's burst in two.
        now = event.time
        if now - self._last_key > SCAN_GAP:
            self._run, self._run_answers = [], 0
        self._last_key = now
        self._run.append(digits)
        if len(self._run) >= SCAN_RUN:
            if not self._scanned:
                self._scanned = True
                self._take_back(self._run_answers)
            return
        if digits in "123" and not self.survey_done:
            self._run_answers += 1
            self.action_answer(int(digits))

    def _take_back(self, count: int) -> None:
        if self._survey_timer is not None:
            self._survey_timer.stop()
            self._survey_timer = None
        if count:
            del self.answers[-count:]
            self.survey_done = False
            self._show_survey()

    def action_answer(self, value: int) -> None:
        if self.survey_done:
            return
        self.answers.append(value)
        if len(self.answers) == len(SURVEY_QUESTIONS):
            self.survey_done = True
            self._survey_timer = self.set_timer(SAVE_DELAY, self._save_survey)
        self._show_survey()

    def save_typing(self) -> None:
        """Save complete answers now, not after the pause (the app is ending: a hang-up)."""
        if self._survey_timer is not None:
            self._survey_timer.stop()
            self._save_survey()

    def _save_survey(self) -> None:
        self._survey_timer = None
        if len(self.answers) == len(SURVEY_QUESTIONS):
            q1, q2 = self.answers
            self.desk_do(calls.save_survey, self.app_id, q1, q2, group="survey")

    def action_skip_survey(self) -> None:
        self.survey_done = True
        self.answers = []
        self._show_survey()

    def action_next(self) -> None:
        """Enter: the next applicant, once the talon (or the refusal notice) is printed; with
        nothing printed yet it prints first. After a failed print it moves on as asked."""
        nothing_printed = self.printed is None or self.printed.status == "failed"
        if nothing_printed and not self.print_failed:
            self.next_after_print = True
            if not self.printing:
                self.action_print()
            return
        self._move_on()

    def _move_on(self) -> None:
        if self._survey_timer is not None:
            self._survey_timer.stop()
            self._save_survey()
        # The next applicant's ID scanned here: the flow has the applicant screen look it up.
        scanned = self._scanned and len(self._run) == 12
        self.dismiss("".join(self._run) if scanned else "")
