"""The Reports service: a report of the journal over a period, as tables and small charts.

The report, its grouping and its period are chosen by keys: F4 the report, F5 today, F6 this
week, F7 this month, F8 a period typed (from, to; Enter shows it), F9 the grouping (day, week,
month). Each change asks the desk again (``calls.report``, in a worker); a receptionist sees
their own figures, an admin the clinic's (the use case decides). The tables and the charts
(bars of block characters) are the text of ``regdesk.reporting.text``: readable at 80x24 and
without colour. F1 explains what each figure counts (the definitions of ``report_data.help``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static

from regdesk.reporting.cells import report_title, scope_text
from regdesk.reporting.periods import default_grouping, parse_day, this_month, this_week
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.widgets import TypeaheadInput

if TYPE_CHECKING:
    from regdesk.desk import Report

Grouping = Literal["day", "week", "month"]
GROUPINGS: tuple[Grouping, ...] = ("day", "week", "month")

DEFINITIONS = (
    "durations",
    "missing_end",
    "within",
    "portal_late",
    "refusal_steps",
    "survey",
    "periods",
)
"""The definitions F1 shows under the screen's help (``report_data.help.<name>``)."""


class ReportsScreen(DeskScreen[None]):
    """Choose a report, its period and grouping; read its tables and charts."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f4", "choose_report", "Report", id="report_choose"),
        # Named under the dates (the status line) and in F1: the footer has no room for them.
        Binding("f5", "today", "Today", id="report_today", show=False),
        Binding("f6", "this_week", "Week", id="report_week", show=False),
        Binding("f7", "this_month", "Month", id="report_month", show=False),
        Binding("f8", "type_period", "Period", id="report_period"),
        Binding("f9", "next_grouping", "Grouping", id="report_grouping"),
        # The figures scroll from wherever the focus is (F1 lists these keys).
        Binding("pagedown", "page(1)", "Page down", id="report_page_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="report_page_up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        from regdesk.desk import REPORTS

        self.names: tuple[str, ...] = tuple(REPORTS)
        self.name_shown = self.names[0]
        self.first = self.last = date.min
        self.by: Grouping = "day"
        self.report: Report | None = None
        """The report on screen: a language change shows it again without asking the desk."""
        self.busy = False
        self._laid_out = ("", 0)
        """The language and width of the text being laid out with the report asked for."""

    def compose(self) -> ComposeResult:
        yield Static(id="reports-title", classes="title")
        with Horizontal(id="reports-choice", classes="reports-row"):
            yield Label(id="reports-name-label")
            yield Select[str]([], id="reports-name", compact=True)
        with Horizontal(id="reports-period", classes="reports-row"):
            yield Label(id="reports-period-label")
            yield TypeaheadInput(id="reports-first", compact=True, advance=True)
            yield Label("–", id="reports-dash")
            yield TypeaheadInput(id="reports-last", compact=True)
            yield Label(id="reports-by-label")
            yield Select[str]([], id="reports-by", compact=True)
        yield Static(id="reports-status", classes="hint")
        with VerticalScroll(id="reports-body"):
            yield Static(id="reports-content")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        # The first report is this month's, grouped by day; retranslate (Translated.on_mount,
        # after this) fills the choices, and the answer shows the figures.
        self.first, self.last = this_month(self.desk_app.clock.today())
        self.by = default_grouping(self.first, self.last)
        self.query_one("#reports-body", VerticalScroll).focus()
        self._ask()

    # -- words ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#reports-title", Static).update(self.tr("report.screen.title"))
        self.query_one("#reports-name-label", Label).update(self.tr("report.screen.report"))
        self.query_one("#reports-by-label", Label).update(self.tr("report.screen.by"))
        self.query_one("#reports-period-label", Label).update(self.tr("report.screen.period"))
        names = self.query_one("#reports-name", Select)
        with names.prevent(Select.Changed):
            names.set_options((report_title(n, self.desk_app.lang), n) for n in self.names)
            names.value = self.name_shown
        groupings = self.query_one("#reports-by", Select)
        with groupings.prevent(Select.Changed):
            groupings.set_options((self.tr(f"report.screen.by_{g}"), g) for g in GROUPINGS)
            groupings.value = self.by
        for field in ("first", "last"):
            self.query_one(f"#reports-{field}", Input).placeholder = self.tr(
                "report.screen.date_placeholder"
            )
        self._show_dates()
        self._show()

    def help_lines(self) -> list[str]:
        """What F1 adds under the screen's help: the definitions of what the figures count."""
        lines = [self.tr("report.screen.definitions")]
        for name in DEFINITIONS:
            lines += ["", self.tr(f"report_data.help.{name}")]
        return lines

    # -- asking the desk --------------------------------------------------------------------

    def _ask(self) -> None:
        self.busy = True
        status = self.query_one("#reports-status", Static)
        status.remove_class("error")
        status.update(self.tr("report.screen.working"))
        self._laid_out = (self.desk_app.lang, self._width())
        self.desk_call(
            calls.report,
            self.name_shown,
            self.first,
            self.last,
            self.by,
            *self._laid_out,
            then=self._got,
            failed=self._failed,
            group="report",
            exclusive=True,
        )

    def _got(self, shown: calls.ReportOnScreen) -> None:
        self.busy = False
        self.report = shown.report
        self._status()
        self._lines(shown.lines)
        self.query_one("#reports-body", VerticalScroll).scroll_home(animate=False)
        if self._laid_out != (self.desk_app.lang, self._width()):
            self._show()  # the language or the size changed while the desk was asked

    def _failed(self, text: str) -> None:
        self.busy = False
        status = self.query_one("#reports-status", Static)
        status.update(text)
        status.add_class("error")

    def _width(self) -> int:
        body = self.query_one("#reports-body", VerticalScroll)
        return max(40, body.scrollable_content_region.width or self.app.size.width - 6)

    def _status(self) -> None:
        """Whose figures, and the period keys the footer has no room for."""
        if self.report is not None:
            scope = scope_text(self.report.scope, self.desk_app.lang)
            status = self.query_one("#reports-status", Static)
            status.update(f"{scope} · {self.tr('report.screen.period_keys')}")
            status.remove_class("error")

    def _lines(self, lines: list[str]) -> None:
        text = "\n".join(lines or [self.tr("report.file.empty")])
        self.query_one("#reports-content", Static).update(Text(text))

    def _show(self) -> None:
        """The report on screen again, in the current language and at the body's width."""
        report = self.report
        if report is None:
            return
        self._status()

        def lines(laid_out: list[str]) -> None:
            if report is self.report:  # not a report replaced meanwhile
                self._lines(laid_out)

        self.desk_call(
            calls.report_lines,
            report,
            self.desk_app.lang,
            self._width(),
            then=lines,
            group="layout",
            exclusive=True,
        )

    def on_resize(self) -> None:
        self._show()

    # -- the choices ------------------------------------------------------------------------

    def _show_dates(self) -> None:
        self.query_one("#reports-first", Input).value = self.first.strftime("%d.%m.%Y")
        self.query_one("#reports-last", Input).value = self.last.strftime("%d.%m.%Y")

    def _period(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self._show_dates()
        self._ask()

    # The choices are Selects with a blank (Textual updates a Select's label only when its value
    # changes, and a language change keeps the value): choosing the blank keeps what was shown.

    @on(Select.Changed, "#reports-name")
    def _name_chosen(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            self.query_one("#reports-name", Select).value = self.name_shown
        elif event.value != self.name_shown:
            self.name_shown = event.value
            self._ask()

    @on(Select.Changed, "#reports-by")
    def _by_chosen(self, event: Select.Changed) -> None:
        if event.value not in GROUPINGS:
            self.query_one("#reports-by", Select).value = self.by
        elif event.value != self.by:
            self.by = GROUPINGS[GROUPINGS.index(str(event.value))]
            self._ask()

    @on(Input.Submitted, "#reports-last")
    def _typed(self) -> None:
        """The period as typed: both dates must be dates, the first not after the last."""
        first_text = self.query_one("#reports-first", Input).value
        last_text = self.query_one("#reports-last", Input).value
        first, last = parse_day(first_text), parse_day(last_text)
        status = self.query_one("#reports-status", Static)
        bad = first_text if first is None else last_text if last is None else None
        if bad is not None or first is None or last is None:
            status.update(self.tr("report.screen.bad_date", value=bad))
            status.add_class("error")
            return
        if last < first:
            status.update(self.tr("report.screen.bad_period", first=first_text, last=last_text))
            status.add_class("error")
            return
        self.query_one("#reports-body", VerticalScroll).focus()
        self._period(first, last)

    def action_choose_report(self) -> None:
        self.query_one("#reports-name", Select).focus()

    def action_today(self) -> None:
        today = self.desk_app.clock.today()
        self._period(today, today)

    def action_this_week(self) -> None:
        self._period(*this_week(self.desk_app.clock.today()))

    def action_this_month(self) -> None:
        self._period(*this_month(self.desk_app.clock.today()))

    def action_type_period(self) -> None:
        field = self.query_one("#reports-first", Input)
        field.focus()
        field.select_all()

    def action_next_grouping(self) -> None:
        self.by = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]
        groupings = self.query_one("#reports-by", Select)
        with groupings.prevent(Select.Changed):
            groupings.value = self.by
        self._ask()

    def action_page(self, direction: int) -> None:
        body = self.query_one("#reports-body", VerticalScroll)
        if direction > 0:
            body.scroll_page_down()
        else:
            body.scroll_page_up()

    def action_back(self) -> None:
        self.app.pop_screen()
