"""Staff administration (issue 15), for an admin: the accounts, and what may be done to one.

The list shows each account's role and state; the line under it tells the highlighted one's
sign-in delay's end, last sign-in (clinic time) and whether a one-time password is still to be
changed.
Every action goes through ``desk.staff_admin`` (which refuses anybody but an admin, whatever
called it) and asks for a confirmation first; a one-time password is shown once, in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.core.roles import STAFF_ROLES
from regdesk.tui import calls
from regdesk.tui.base import DeskModal, DeskScreen
from regdesk.tui.said import Said, Sayable
from regdesk.tui.widgets import IinInput, TypeaheadInput


def initials(full_name: str) -> str:
    """ "Нұрланова А. С." for "Нұрланова Айгүл Серікқызы": a journal row fits 80 columns."""
    surname, *others = full_name.split() or [""]
    return " ".join([surname, *(f"{name[0]}." for name in others)])


def when(moment: Any) -> str:
    """A clinic-time moment as the lists show it."""
    return moment.strftime("%d.%m.%Y %H:%M") if moment is not None else "—"


ACTIONS = ("role", "lock", "reset", "deactivate")
"""What may be done to one account, in the order the actions dialog lists them (F5-F8)."""


class StaffScreen(DeskScreen[None]):
    """The accounts; Enter lists what may be done to the highlighted one (F5-F8 do it at
    once), F4 adds one, F9 opens the journal, F3 the terminals whose sign-ins wait."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("enter", "actions", "Actions", id="staff_actions"),
        Binding("f3", "terminals", "Terminals", id="staff_terminals"),
        Binding("f4", "add", "Add", id="staff_add"),
        Binding("f9", "journal", "Journal", id="admin_journal"),
        # Shortcuts for the actions dialog's entries: F1 lists them, the footer has no room.
        Binding("f5", "role", "Role", id="staff_role", show=False),
        Binding("f6", "lock", "Lock", id="staff_lock", show=False),
        Binding("f7", "reset", "Password", id="staff_reset", show=False),
        Binding("f8", "deactivate", "Deactivate", id="staff_deactivate", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Any] = {}
        """The accounts listed, by IIN (``desk.StaffRow``)."""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(id="staff-title", classes="title")
        yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="staff-detail", classes="hint")
        yield Static(id="staff-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def on_mount(self) -> None:
        self.query_one("#staff-table", DataTable).focus()
        self.reload()

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#staff-title", Static).update(self.tr("staff_admin.title"))
        table = self.query_one("#staff-table", DataTable)
        table.clear(columns=True)
        for key in ("iin", "name", "role", "state"):
            table.add_column(self.tr(f"staff_admin.col_{key}"), key=key)
        self._fill(list(self.rows.values()))

    def reload(self) -> None:
        self.desk_call(
            calls.staff_accounts, then=self._loaded, failed=self._say_error, group="staff"
        )

    def _loaded(self, rows: list[Any]) -> None:
        self.loaded = True
        self.rows = {r.iin: r for r in rows}
        self._fill(rows)

    def _fill(self, rows: list[Any]) -> None:
        table = self.query_one("#staff-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            state = self.tr(f"admin.state_short.{'locked' if r.state == 'disabled' else r.state}")
            name = r.full_name + (" *" if r.is_self else "")
            table.add_row(r.iin, name, self.tr(f"role.{r.role}"), state, key=r.iin)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self._detail()

    @on(DataTable.RowHighlighted, "#staff-table")
    def _highlighted(self) -> None:
        self._detail()

    @on(DataTable.RowSelected, "#staff-table")
    def _selected(self) -> None:
        self.action_actions()

    def action_actions(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(action: str | None) -> None:
            if action in ACTIONS:
                getattr(self, f"action_{action}")()

        self.app.push_screen(ActionsScreen(row), chosen)

    def current(self) -> Any | None:
        table = self.query_one("#staff-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(str(key))

    def _detail(self) -> None:
        row = self.current()
        detail = self.query_one("#staff-detail", Static)
        if row is None:
            detail.update("")
            return
        if row.state == "locked":
            until = row.locked_until.strftime("%H:%M:%S")
            state = self.tr("signin_throttle.state_delayed", until=until)
        else:
            state = self.tr(f"admin.state.{row.state}")
        parts = [f"[b]{escape(row.full_name)}[/b]: {state}"]
        parts.append(self.tr("staff_admin.last_sign_in", at=when(row.last_sign_in)))
        if row.must_change_password and row.state != "deactivated":
            parts.append(self.tr("admin.state.must_change"))
        detail.update("; ".join(parts))

    def _say(self, said: Sayable) -> None:
        self.say_on("#staff-message", said)

    def _say_error(self, text: str) -> None:
        self.say_on("#staff-message", text, error=True)

    # -- the actions ------------------------------------------------------------------------------

    def _then(self, done_key: str, row: Any) -> Callable[[object], None]:
        def done(_: object) -> None:
            self._say(Said(done_key, name=escape(row.full_name)))
            self.reload()

        return done

    def _confirmed(self, question: str, row: Any, then: Callable[[], object]) -> None:
        text = self.tr(question, name=escape(row.full_name), iin=row.iin)

        def answer(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(text), answer)

    def action_add(self) -> None:
        def added(result: tuple[str, str, str] | None) -> None:
            if result is not None:
                self._say(Said("staff_admin.added", name=escape(result[1])))
                self.app.push_screen(OneTimeScreen(result[1], result[0], result[2]))
                self.reload()

        self.app.push_screen(AddEmployeeScreen(), added)

    def action_role(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(role: str | None) -> None:
            if role is not None and role != row.role:
                self.desk_call(
                    calls.set_role,
                    row.iin,
                    role,
                    then=self._then("staff_admin.role_done", row),
                    failed=self._say_error,
                    group="staff-action",
                )

        self.app.push_screen(RoleScreen(row.full_name, str(row.role)), chosen)

    def action_lock(self) -> None:
        """Lock an active account; unlock a locked one (by an admin or after failed sign-ins)."""
        row = self.current()
        if row is None:
            return
        job: Callable[..., object]
        done: Callable[[Any], None]
        if row.state in ("disabled", "locked"):
            job, question = calls.unlock_employee, "staff_admin.unlock_q"

            def unlocked(forgotten: object) -> None:
                # Says that the sign-in delay is lifted too, and how many failures it forgot.
                name = escape(row.full_name)
                self._say(Said("signin_throttle.unlock_done", name=name, failures=forgotten))
                self.reload()

            done = unlocked
        else:
            job, question = calls.lock_employee, "staff_admin.lock_q"
            done = self._then("staff_admin.lock_done", row)
        self._confirmed(
            question,
            row,
            lambda: self.desk_call(
                job, row.iin, then=done, failed=self._say_error, group="staff-action"
            ),
        )

    def action_reset(self) -> None:
        row = self.current()
        if row is None:
            return

        def shown(password: str) -> None:
            self._say(Said("staff_admin.reset_done", name=escape(row.full_name)))
            self.app.push_screen(OneTimeScreen(row.full_name, row.iin, password))
            self.reload()

        self._confirmed(
            "staff_admin.reset_q",
            row,
            lambda: self.desk_call(
                calls.reset_password,
                row.iin,
                then=shown,
                failed=self._say_error,
                group="staff-action",
            ),
        )

    def action_deactivate(self) -> None:
        row = self.current()
        if row is None:
            return
        self._confirmed(
            "staff_admin.deactivate_q",
            row,
            lambda: self.desk_call(
                calls.deactivate_employee,
                row.iin,
                then=self._then("staff_admin.deactivate_done", row),
                failed=self._say_error,
                group="staff-action",
            ),
        )

    def action_journal(self) -> None:
        self.app.push_screen(AdminJournalScreen())

    def action_terminals(self) -> None:
        from regdesk.tui.screens.terminals import TerminalsScreen

        self.app.push_screen(TerminalsScreen())

    def action_back(self) -> None:
        self.app.pop_screen()


class ActionsScreen(DeskModal[str | None]):
    """What may be done to one account; Enter does the highlighted one."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="back")]

    def __init__(self, row: Any) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="actions-box"):
            yield Static(id="actions-title", classes="title")
            yield OptionList(id="actions")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#actions-title", Static).update(
            f"{escape(self.row.full_name)} ({self.row.iin})"
        )
        actions = self.query_one("#actions", OptionList)
        keep = actions.highlighted
        actions.clear_options()
        locked = self.row.state in ("disabled", "locked")
        for key, action in zip(("F5", "F6", "F7", "F8"), ACTIONS, strict=True):
            name = "unlock" if action == "lock" and locked else action
            actions.add_option(Option(f"{key}  {self.tr(f'staff_admin.do.{name}')}", id=action))
        actions.highlighted = keep if keep is not None else 0

    def on_mount(self) -> None:
        self.query_one("#actions", OptionList).focus()

    @on(OptionList.OptionSelected, "#actions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(DeskModal[bool]):
    """A question about an account; F10 does it, Esc does not."""

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "confirm", "Confirm", id="confirm_staff"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        self.answered = False
        """F10 pressed twice in a hurry answers once."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            yield Static(id="confirm-hint", classes="hint")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#confirm-hint", Static).update(self.tr("staff_admin.confirm_hint"))

    def action_confirm(self) -> None:
        self._answer(True)

    def action_cancel(self) -> None:
        self._answer(False)

    def _answer(self, yes: bool) -> None:
        if not self.answered:
            self.answered = True
            self.dismiss(yes)


class OneTimeScreen(DeskModal[None]):
    """The one-time password, shown once: hand it to the employee."""

    BINDINGS = [Binding("escape,enter", "close", "Close", id="close")]

    def __init__(self, name: str, iin: str, password: str) -> None:
        super().__init__()
        self.employee = name
        self.iin = iin
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="one-time-box"):
            yield Static(id="one-time-title", classes="title")
            yield Static(id="one-time-body")
            yield Static(self.password, id="one-time-password")
            yield Static(id="one-time-hint", classes="hint")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#one-time-title", Static).update(self.tr("staff_admin.one_time_title"))
        self.query_one("#one-time-body", Static).update(
            self.tr("staff_admin.one_time_for", name=escape(self.employee), iin=self.iin)
        )
        self.query_one("#one-time-hint", Static).update(self.tr("staff_admin.one_time_hint"))

    def action_close(self) -> None:
        self.dismiss(None)


class RoleScreen(DeskModal[str | None]):
    """The roles; Enter gives the highlighted one to the employee."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="back")]

    def __init__(self, name: str, current: str) -> None:
        super().__init__()
        self.employee = name
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="role-box"):
            yield Static(id="role-title", classes="title")
            yield OptionList(id="roles")
            yield Static(id="role-hint", classes="hint")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#role-title", Static).update(
            self.tr("staff_admin.role_title", name=escape(self.employee))
        )
        self.query_one("#role-hint", Static).update(self.tr("staff_admin.role_hint"))
        roles = self.query_one("#roles", OptionList)
        keep = roles.highlighted
        roles.clear_options()
        roles.add_options(
            Option(f"{self.tr(f'role.{r}')} — {self.tr(f'staff_admin.may.{r}')}", id=r.value)
            for r in STAFF_ROLES
        )
        names = [r.value for r in STAFF_ROLES]
        start = names.index(self.current) if self.current in names else 0
        roles.highlighted = keep if keep is not None else start

    def on_mount(self) -> None:
        self.query_one("#roles", OptionList).focus()

    @on(OptionList.OptionSelected, "#roles")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddEmployeeScreen(DeskModal[tuple[str, str, str] | None]):
    """IIN, full name, role; F10 adds the account and gives back (IIN, name, one-time password)."""

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f10", "add", "Add", id="confirm_add"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-box"):
            yield Static(id="add-title", classes="title")
            yield Label(id="add-iin-label")
            yield IinInput(id="add-iin", advance=True)
            yield Label(id="add-name-label")
            yield TypeaheadInput(id="add-name", compact=True)
            yield Label(id="add-role-label")
            yield OptionList(id="add-role")
            yield Static(id="add-message", classes="message")
        yield Footer(show_command_palette=False)

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#add-title", Static).update(self.tr("staff_admin.add_title"))
        self.query_one("#add-iin-label", Label).update(self.tr("staff_admin.col_iin"))
        self.query_one("#add-name-label", Label).update(self.tr("staff_admin.full_name"))
        self.query_one("#add-role-label", Label).update(self.tr("staff_admin.col_role"))
        roles = self.query_one("#add-role", OptionList)
        keep = roles.highlighted
        roles.clear_options()
        roles.add_options(Option(self.tr(f"role.{r}"), id=r.value) for r in STAFF_ROLES)
        roles.highlighted = keep if keep is not None else 0

    def on_mount(self) -> None:
        self.query_one("#add-iin", IinInput).focus()

    @on(Input.Submitted, "#add-iin")
    def _to_name(self) -> None:
        self.query_one("#add-name", Input).focus()

    @on(Input.Submitted, "#add-name")
    def _to_role(self) -> None:
        self.query_one("#add-role", OptionList).focus()

    @on(OptionList.OptionSelected, "#add-role")
    def _role_chosen(self) -> None:
        self.action_add()

    def action_add(self) -> None:
        if self.busy:
            return
        iin = self.query_one("#add-iin", IinInput).digits
        name = self.query_one("#add-name", Input).value
        roles = self.query_one("#add-role", OptionList)
        if not iin or not name.strip() or roles.highlighted is None:
            self._say(Said("staff_admin.add_fill"))
            return
        role = str(roles.get_option_at_index(roles.highlighted).id)
        self.busy = True
        self.desk_call(
            calls.add_employee,
            iin,
            name,
            role,
            then=lambda password: self.dismiss((iin, " ".join(name.split()), password)),
            failed=self._failed,
            group="add",
            exclusive=True,
        )

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say(text)

    def _say(self, said: Sayable | str) -> None:
        self.say_on("#add-message", said, error=True)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)


class AdminJournalScreen(DeskScreen[None]):
    """The journal of administrative changes, newest first; F6 writes it to a CSV file."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f6", "export", "Export", id="export_journal"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[Any] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(id="admin-journal-title", classes="title")
        yield DataTable(id="admin-journal", cursor_type="row", zebra_stripes=True)
        yield Static(id="admin-journal-detail", classes="hint")
        yield Static(id="admin-journal-message", classes="message")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#admin-journal", DataTable).focus()
        self.desk_call(calls.admin_journal, then=self._loaded, failed=self._say, group="journal")

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#admin-journal-title", Static).update(self.tr("staff_admin.journal_title"))
        table = self.query_one("#admin-journal", DataTable)
        table.clear(columns=True)
        for key in ("at", "who", "action", "whom"):
            table.add_column(self.tr(f"admin.col.{key}"), key=key)
        self._fill()

    def _loaded(self, changes: list[Any]) -> None:
        self.loaded = True
        self.changes = changes
        self._fill()

    def _fill(self) -> None:
        from regdesk.desk import describe_action

        table = self.query_one("#admin-journal", DataTable)
        table.clear()
        lang = self.desk_app.lang
        for i, c in enumerate(self.changes):
            table.add_row(
                c.at.strftime("%d.%m %H:%M"),
                initials(c.actor_name) if c.actor_name else c.actor_iin or "",
                describe_action(c.action, lang),
                initials(c.object_name) if c.object_name else c.object_iin or "",
                key=str(i),
            )
        self._detail()

    @on(DataTable.RowHighlighted, "#admin-journal")
    def _detail(self) -> None:
        from regdesk.desk import describe_changes

        table = self.query_one("#admin-journal", DataTable)
        detail = self.query_one("#admin-journal-detail", Static)
        if not self.changes or table.row_count == 0:
            detail.update(self.tr("staff_admin.journal_empty") if self.loaded else "")
            return
        c = self.changes[min(table.cursor_row, len(self.changes) - 1)]
        who = f"{c.actor_iin or ''} {c.actor_name}".strip()
        lines = [f"{c.at:%d.%m.%Y %H:%M:%S}  {escape(who)}"]
        if c.object_iin:
            lines.append(f"→ {c.object_iin} {escape(c.object_name)}")
        if c.changes:
            lines.append(escape(describe_changes(c.changes, self.desk_app.lang)))
        detail.update("\n".join(lines))

    def action_export(self) -> None:
        self.desk_call(
            calls.export_admin_journal,
            self.desk_app.lang,
            then=lambda path: self._say(Said("admin.journal_exported", path=str(path)), False),
            failed=self._say,
            group="export",
            exclusive=True,
        )

    def _say(self, said: Sayable | str, error: bool = True) -> None:
        self.say_on("#admin-journal-message", said, error=error, markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()
