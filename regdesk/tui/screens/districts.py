"""The districts (issue 15), for a head or an admin: the list with each district's doctor, nurse
and attached people against its target; one opened with its streets and every period of its
doctor and nurse; the name, target and streets edited; a doctor or nurse changed from a date.

Every action goes through ``desk.districts`` (which refuses a receptionist whatever called it)
in a worker; what cannot be read (a target, a date, a street's line) is said in the dialog, and
what was typed stays there to be corrected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Label, Static, TextArea

from regdesk.tui import calls
from regdesk.tui.base import DeskModal, DeskScreen
from regdesk.tui.said import Said, Sayable
from regdesk.tui.screens.staff import initials


def attached(row: Any) -> str:
    """``1523/1700``, or the count alone when no target is set."""
    target = row.district.target
    return f"{row.attached}/{target}" if target is not None else str(row.attached)


def day_text(day: Any) -> str:
    return day.strftime("%d.%m.%Y") if day is not None else "…"


class DistrictActions:
    """What the list and one opened district both do to a district: edit it (F4), change its
    doctor (F5) or nurse (F6); the screen says the outcome and reloads."""

    if TYPE_CHECKING:  # each screen that takes these actions has them

        def district_row(self) -> Any | None: ...

        def reload(self) -> None: ...

        def say(self, said: Sayable | str, error: bool = False) -> None: ...

    def _screen(self) -> DeskScreen[None]:
        assert isinstance(self, DeskScreen)
        return self

    def _done(self, number: int, key: str, **params: object) -> Callable[[bool | None], None]:
        def done(changed: bool | None) -> None:
            if changed is None:  # Esc
                return
            if changed:
                self.say(Said(key, number=number, **params))
            else:
                self.say(Said("districts.done.unchanged", number=number))
            self.reload()

        return done

    def action_edit(self) -> None:
        row = self.district_row()
        if row is None:
            return
        self._screen().app.push_screen(
            EditDistrictScreen(row), self._done(row.number, "districts.done.changed")
        )

    def action_doctor(self) -> None:
        self._appoint("doctor")

    def action_nurse(self) -> None:
        self._appoint("nurse")

    def _appoint(self, post: str) -> None:
        row = self.district_row()
        if row is None:
            return
        screen = self._screen()

        def done(result: tuple[str, str, bool] | None) -> None:
            if result is not None:
                name, day, changed = result
                key = f"districts.done.{post}_set"
                self._done(row.number, key, name=name or "—", day=day)(changed)

        screen.app.push_screen(AppointScreen(row, post, screen.desk_app.clock.today()), done)


class DistrictsScreen(DistrictActions, DeskScreen[None]):
    """The districts; Enter opens the highlighted one, F4-F6 change it at once."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("enter", "open", "Open", id="district_open"),
        Binding("f4", "edit", "Edit", id="district_edit"),
        Binding("f5", "doctor", "Doctor", id="district_doctor"),
        Binding("f6", "nurse", "Nurse", id="district_nurse"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, Any] = {}
        """The districts listed, by number (``desk.DistrictRow``)."""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(id="districts-title", classes="title")
        yield DataTable(id="districts-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="districts-detail", classes="hint")
        yield Static(id="districts-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#districts-table", DataTable).focus()
        self.reload()

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#districts-title", Static).update(self.tr("districts.title"))
        table = self.query_one("#districts-table", DataTable)
        table.clear(columns=True)
        for key in ("number", "name", "doctor", "nurse", "attached"):
            table.add_column(self.tr(f"districts.col.{key}"), key=key)
        self._fill()

    def reload(self) -> None:
        self.desk_call(
            calls.district_rows, then=self._loaded, failed=self._failed, group="districts"
        )

    def _loaded(self, rows: list[Any]) -> None:
        self.loaded = True
        self.rows = {r.number: r for r in rows}
        self._fill()

    def _failed(self, text: str) -> None:
        self.loaded = True
        self.say(text, error=True)

    def _fill(self) -> None:
        table = self.query_one("#districts-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in self.rows.values():
            d = r.district
            table.add_row(
                str(d.number),
                d.name[:14] or "—",
                initials(d.doctor) if d.doctor else "—",
                initials(d.nurse) if d.nurse else "—",
                attached(r) + (" !" if r.full else ""),
                key=str(d.number),
            )
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self._detail()

    @on(DataTable.RowHighlighted, "#districts-table")
    def _highlighted(self) -> None:
        self._detail()

    @on(DataTable.RowSelected, "#districts-table")
    def _selected(self) -> None:
        self.action_open()

    def district_row(self) -> Any | None:
        table = self.query_one("#districts-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(str(key)))

    def _detail(self) -> None:
        row = self.district_row()
        detail = self.query_one("#districts-detail", Static)
        if row is None:
            detail.update(self.tr("districts.none") if self.loaded else "")
            return
        d = row.district
        lines = [
            self._person("doctor", d.doctor, d.doctor_from),
            self._person("nurse", d.nurse, d.nurse_from),
        ]
        if row.full:
            lines.append(self.tr("districts.full"))
        detail.update("\n".join(lines))

    def _person(self, post: str, name: str, since: Any) -> str:
        """ "Doctor: <name> (since 01.12.2026)"; with no date for one imported from the config."""
        who = escape(name or self.tr("districts.vacant"))
        if since is None:
            return f"{self.tr(f'districts.col.{post}')}: {who}"
        return self.tr(f"districts.detail_{post}", name=who, since=day_text(since))

    def say(self, said: Sayable | str, error: bool = False) -> None:
        self.say_on("#districts-message", said, error=error, markup=False)

    def action_open(self) -> None:
        row = self.district_row()
        if row is not None:
            self.app.push_screen(DistrictDetailScreen(row.number), lambda _: self.reload())

    def action_back(self) -> None:
        self.app.pop_screen()


class DistrictDetailScreen(DistrictActions, DeskScreen[None]):
    """One district: attached against target, the streets, every doctor's and nurse's period."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f4", "edit", "Edit", id="district_edit"),
        Binding("f5", "doctor", "Doctor", id="district_doctor"),
        Binding("f6", "nurse", "Nurse", id="district_nurse"),
    ]

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.detail: Any | None = None
        """``desk.DistrictDetail`` as last read."""

    def compose(self) -> ComposeResult:
        yield Static(id="district-title", classes="title")
        with VerticalScroll(id="district-scroll"):
            yield Static(id="district-body")
        yield Static(id="district-message", classes="message")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#district-scroll", VerticalScroll).focus()
        self.reload()

    def retranslate(self) -> None:
        super().retranslate()
        self._show()

    def reload(self) -> None:
        self.desk_call(
            calls.district_detail,
            self.number,
            then=self._loaded,
            failed=lambda text: self.say(text, error=True),
            group="district",
        )

    def _loaded(self, detail: Any) -> None:
        self.detail = detail
        self._show()

    def district_row(self) -> Any | None:
        return self.detail.row if self.detail is not None else None

    def _show(self) -> None:
        title = self.query_one("#district-title", Static)
        body = self.query_one("#district-body", Static)
        if self.detail is None:
            title.update(self.tr("districts.cli.show_title", number=self.number, name="…"))
            return
        row = self.detail.row
        d = row.district
        title.update(
            self.tr("districts.cli.show_title", number=d.number, name=escape(d.name or "—"))
        )
        lines = [self.tr("districts.attached_line", attached=attached(row))]
        if row.full:
            lines.append(self.tr("districts.full"))
        lines += ["", self.tr("districts.streets")]
        lines += [f"  {escape(r.text())}" for r in d.ranges] or ["  —"]
        lines += ["", self.tr("districts.history")]
        for a in self.detail.history:
            since = day_text(a.valid_from)
            until = day_text(a.last_day) if a.valid_to is not None else "…"
            who = escape(a.full_name or self.tr("districts.vacant"))
            lines.append(f"  {self.tr(f'districts.post.{a.post}')}: {who}  {since} – {until}")
        body.update("\n".join(lines))

    def say(self, said: Sayable | str, error: bool = False) -> None:
        self.say_on("#district-message", said, error=error, markup=False)

    def action_back(self) -> None:
        self.dismiss(None)


class EditDistrictScreen(DeskModal[bool | None]):
    """The name, the target size and the streets (one range a line); F10 saves, Esc leaves it
    unchanged. Gives back whether anything changed."""

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "save", "Save", id="district_save"),
    ]

    def __init__(self, row: Any) -> None:
        super().__init__()
        self.row = row
        self.busy = False

    def compose(self) -> ComposeResult:
        d = self.row.district
        with Vertical(classes="dialog", id="district-edit-box"):
            yield Static(id="district-edit-title", classes="title")
            yield Label(id="district-name-label")
            yield Input(d.name, id="district-name", compact=True)
            yield Label(id="district-target-label")
            yield Input(
                str(d.target) if d.target is not None else "", id="district-target", compact=True
            )
            yield Label(id="district-streets-label")
            yield TextArea(
                "\n".join(r.text() for r in d.ranges), id="district-streets", soft_wrap=False
            )
            yield Static(id="district-edit-hint", classes="hint")
            yield Static(id="district-edit-message", classes="message")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        d = self.row.district
        self.query_one("#district-edit-title", Static).update(
            self.tr("districts.edit_title", number=d.number)
        )
        self.query_one("#district-name-label", Label).update(self.tr("districts.col.name"))
        self.query_one("#district-target-label", Label).update(
            self.tr("districts.target_label", attached=self.row.attached)
        )
        self.query_one("#district-streets-label", Label).update(self.tr("districts.streets"))
        self.query_one("#district-edit-hint", Static).update(self.tr("districts.edit_hint"))

    def on_mount(self) -> None:
        self.query_one("#district-name", Input).focus()

    @on(Input.Submitted, "#district-name")
    def _to_target(self) -> None:
        self.query_one("#district-target", Input).focus()

    @on(Input.Submitted, "#district-target")
    def _to_streets(self) -> None:
        self.query_one("#district-streets", TextArea).focus()

    def action_save(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.desk_call(
            calls.edit_district,
            self.row.number,
            self.query_one("#district-name", Input).value,
            self.query_one("#district-target", Input).value,
            self.query_one("#district-streets", TextArea).text,
            then=self.dismiss,
            failed=self._failed,
            group="district-edit",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        self.busy = False
        self.say_on("#district-edit-message", text, error=True, markup=False)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)


class AppointScreen(DeskModal[tuple[str, str, bool] | None]):
    """The district's doctor or nurse from a date (today unless changed); an empty name leaves
    the post vacant from then. F10 saves; gives back (name, date, whether it changed)."""

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "save", "Save", id="district_save"),
    ]

    def __init__(self, row: Any, post: str, today: Any) -> None:
        super().__init__()
        self.row = row
        self.post = post
        self.today = today
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="appoint-box"):
            yield Static(id="appoint-title", classes="title")
            yield Static(id="appoint-now")
            yield Label(id="appoint-name-label")
            yield Input(id="appoint-name", compact=True)
            yield Label(id="appoint-day-label")
            yield Input(self.today.strftime("%d.%m.%Y"), id="appoint-day", compact=True)
            yield Static(id="appoint-hint", classes="hint")
            yield Static(id="appoint-message", classes="message")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        d = self.row.district
        now = d.doctor if self.post == "doctor" else d.nurse
        since = d.doctor_from if self.post == "doctor" else d.nurse_from
        self.query_one("#appoint-title", Static).update(
            self.tr(f"districts.appoint_title_{self.post}", number=d.number)
        )
        who = escape(now or self.tr("districts.vacant"))
        self.query_one("#appoint-now", Static).update(
            self.tr("districts.appoint_now", name=who, since=day_text(since))
            if since is not None
            else self.tr("districts.appoint_now_always", name=who)
        )
        self.query_one("#appoint-name-label", Label).update(self.tr("districts.appoint_name"))
        self.query_one("#appoint-day-label", Label).update(self.tr("districts.appoint_day"))
        self.query_one("#appoint-hint", Static).update(self.tr("districts.appoint_hint"))

    def on_mount(self) -> None:
        self.query_one("#appoint-name", Input).focus()

    @on(Input.Submitted, "#appoint-name")
    def _to_day(self) -> None:
        self.query_one("#appoint-day", Input).focus()

    @on(Input.Submitted, "#appoint-day")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.busy:
            return
        name = self.query_one("#appoint-name", Input).value
        day = self.query_one("#appoint-day", Input).value
        self.busy = True
        self.desk_call(
            calls.appoint_district,
            self.row.number,
            self.post,
            name,
            day,
            then=lambda done: self.dismiss((" ".join(name.split()), done[0], done[1])),
            failed=self._failed,
            group="appoint",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        self.busy = False
        self.say_on("#appoint-message", text, error=True, markup=False)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
