"""Table 1: the portal's applications by deadline; Enter opens one to register or refuse it."""

from __future__ import annotations

import contextlib

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Label, Select, Static
from textual.widgets.data_table import RowDoesNotExist

from regdesk.desk import INBOX_PAGE, InboxPage, InboxStatus
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.inbox_cards import counts_text, inbox_row

MORE_AT = 20
"""Rows before the end of those read at which the next page is asked for, so scrolling on does
not wait for it."""

FILTERS = (
    InboxStatus.PENDING,
    InboxStatus.OVERDUE,
    InboxStatus.FAILED,
    InboxStatus.UNDELIVERED,
    InboxStatus.DECIDED,
    InboxStatus.ALL,
)
"""The status filter's choices, in the order a receptionist needs them."""

RELOAD_AT_MOST = 600
"""Rows read again at most when the list is refreshed (a cursor further down goes back up)."""

REFRESH_SECONDS = 60.0
"""How often the time left is counted again while the list is on screen."""


class InboxScreen(DeskScreen[None]):
    """The applications, the earliest deadline first; F4 filters by status, F5 fetches new ones
    and sends decided results now (as the timer does every ``[portal] fetch_seconds``), Enter
    opens one."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f4", "focus_filter", "Status", id="inbox_filter"),
        Binding("f5", "fetch", "Fetch now", id="inbox_fetch"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page: InboxPage | None = None
        """The last page read (its counts and total)."""
        self.loaded = 0
        """Rows in the table: the offset of the next page."""
        self.loading = False
        self.listed = InboxStatus.PENDING.value
        """The filter of the rows in the table (or being read)."""
        self._keep: str | None = None
        """The application under the cursor before a reload, to put the cursor back on it."""

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-title", classes="title")
        with Horizontal(id="inbox-row"):
            yield Label(id="inbox-filter-label")
            # Named from the catalogue in ``retranslate``; a Select with no blank needs options.
            yield Select[str](
                [(f.value, f.value) for f in FILTERS],
                value=InboxStatus.PENDING.value,
                id="inbox-filter",
                allow_blank=False,
                compact=True,
            )
            yield Static(id="inbox-counts")
        yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="inbox-legend", classes="hint")
        yield Static(id="inbox-sync", classes="hint")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#inbox-table", DataTable).focus()
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.reload()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Back from an application (decided or not): the list as it is now.
        if self.page is not None:
            self.reload()

    @property
    def which(self) -> str:
        value = self.query_one("#inbox-filter", Select).value
        return value if isinstance(value, str) else InboxStatus.PENDING.value

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#inbox-title", Static).update(self.tr("inbox.title"))
        self.query_one("#inbox-filter-label", Label).update(self.tr("inbox.filter"))
        select = self.query_one("#inbox-filter", Select)
        keep = self.which
        select.set_options((self.tr(f"inbox.filter_{f}"), f.value) for f in FILTERS)
        select.value = keep
        # The same value set again does not redraw its label: the watcher is run by hand.
        select.mutate_reactive(Select.value)  # type: ignore[misc]
        table = self.query_one("#inbox-table", DataTable)
        table.clear(columns=True)
        table.add_column(" ", key="mark", width=2)
        for key in ("deadline", "left", "name", "status"):
            table.add_column(self.tr(f"inbox.col_{key}"), key=key)
        self.loaded = 0
        self.query_one("#inbox-legend", Static).update(self.tr("inbox.legend"))
        self._show_counts()
        self._show_sync()
        if self.page is not None:
            self.reload()

    # -- reading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """The list from its start (the cursor kept on the same application)."""
        table = self.query_one("#inbox-table", DataTable)
        if table.row_count:
            self._keep = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.loading = True
        self.listed = self.which
        # As many rows as were read, so the cursor stays where the receptionist left it.
        self.desk_call(
            calls.inbox_page,
            self.which,
            0,
            min(max(INBOX_PAGE, self.loaded), RELOAD_AT_MOST),
            then=self._fill,
            failed=self._failed,
            group="inbox",
            exclusive=True,
        )

    def _more(self) -> None:
        if self.loading or self.page is None or self.loaded >= self.page.total:
            return
        self.loading = True
        self.desk_call(
            calls.inbox_page,
            self.listed,
            self.loaded,
            INBOX_PAGE,
            then=self._fill,
            failed=self._failed,
            group="inbox",
            exclusive=True,
        )

    def _fill(self, page: InboxPage) -> None:
        self.loading = False
        table = self.query_one("#inbox-table", DataTable)
        if page.offset == 0:
            table.clear()
            self.loaded = 0
        elif page.offset != self.loaded:
            return  # a page for a list since reloaded
        self.page = page
        tr = self.tr
        for row in page.rows:
            table.add_row(*inbox_row(row, tr), key=str(row.app_id))
        self.loaded += len(page.rows)
        if page.offset == 0 and self._keep is not None:
            # The application may have left this list (decided, filtered out): cursor stays.
            with contextlib.suppress(RowDoesNotExist):
                table.move_cursor(row=table.get_row_index(self._keep))
            self._keep = None
        self._show_counts()
        if page.offset == 0:
            # The next page is read once the first is on screen, before the cursor needs it.
            self.call_after_refresh(self._more)

    def _show_counts(self) -> None:
        counts = self.query_one("#inbox-counts", Static)
        page = self.page
        if page is None:
            counts.update(self.tr("inbox.loading"))
            return
        counts.update(counts_text(page.counts, self.tr))
        counts.remove_class("error")
        shown = self.tr("inbox.shown", shown=self.loaded, total=page.total)
        if page.total == 0:
            shown = self.tr("inbox.empty")
        self.query_one("#inbox-legend", Static).update(shown + "   " + self.tr("inbox.legend"))

    def _failed(self, text: str) -> None:
        self.loading = False
        counts = self.query_one("#inbox-counts", Static)
        counts.update(text)
        counts.add_class("error")

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.loaded - MORE_AT:
            self._more()

    @on(Select.Changed, "#inbox-filter")
    def _filter_changed(self) -> None:
        if self.page is not None and self.which != self.listed:
            self._keep = None
            self.reload()
            self.query_one("#inbox-table", DataTable).focus()

    # -- keys ---------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#inbox-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        from regdesk.tui.screens.portal_case import PortalCaseScreen

        if event.row_key.value is not None:
            self.app.push_screen(PortalCaseScreen(int(event.row_key.value)))

    def action_focus_filter(self) -> None:
        self.query_one("#inbox-filter", Select).focus()

    def action_fetch(self) -> None:
        """Fetch new applications and send decided results now; the list follows."""
        if not self.desk_app.portal_poll.run_now():
            self.query_one("#inbox-sync", Static).update(self.tr("inbox.poll_busy"))

    def portal_synced(self) -> None:
        """A round started or ended (the timer's or F5's): its words here, and the list again."""
        self._show_sync()
        if not self.desk_app.portal_poll.running and self.page is not None:
            self.reload()

    def _show_sync(self) -> None:
        text, bad = self.desk_app.portal_poll.status(self.tr, self.desk_app.lang)
        line = self.query_one("#inbox-sync", Static)
        line.update(text)
        line.set_class(bad, "error")

    def action_back(self) -> None:
        self.app.pop_screen()
