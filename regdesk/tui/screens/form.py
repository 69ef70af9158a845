"""Table 2 step 5: the application form, its documents and scans, saved as it is typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, Select, SelectionList, Static

from regdesk.core.rules import Basis
from regdesk.desk import DistrictSuggestion
from regdesk.tui.base import DeskScreen
from regdesk.tui.cards import document_name, human_size, short_person
from regdesk.tui.widgets import IinInput

SAVE_DELAY = 0.3
"""Seconds of quiet before the draft is written: a crash loses at most the field being edited."""


class FormScreen(DeskScreen):
    """Registry data read-only; phone, address, basis, district, documents and scans editable."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f3", "documents_seen", "Originals seen", id="documents_seen"),
        Binding("f4", "add_scan", "Add scan", id="add_scan"),
        Binding("f10", "sign", "Sign", id="sign"),
        Binding("ctrl+l", "lock", "Lock", id="lock", show=False),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.record: Any = None
        self._save_timer: Timer | None = None
        self._loading = True
        self._suggested: int | None = None
        """The district last suggested from the address (None: none matched)."""
        self._leaving = False
        """Esc, F4 or F10 is being carried out (the form is written first): a second press must
        not open a second dialog or close the screen twice."""

    def compose(self) -> ComposeResult:
        yield Static(id="step-title", classes="title")
        yield Static(id="summary")
        with VerticalScroll(id="form-scroll"):
            with Horizontal(classes="field"):
                yield Label(id="phone-label", classes="field-label")
                yield Input(id="phone", compact=True, max_length=20)
            with Horizontal(classes="field"):
                yield Label(id="address-label", classes="field-label")
                yield Input(id="actual_address", compact=True, max_length=200)
            with Horizontal(classes="field"):
                yield Label(id="basis-label", classes="field-label")
                yield Select[str]([], id="basis", compact=True)
            with Horizontal(classes="field"):
                yield Label(id="district-label", classes="field-label")
                yield Select[str]([], id="district", compact=True)
            yield Static(id="district-why", classes="hint")
            with Horizontal(classes="field", id="rep-row"):
                yield Label(id="rep-label", classes="field-label")
                yield IinInput(id="representative_iin")
            yield Label(id="docs-label")
            yield SelectionList[str](id="documents", compact=True)
            yield Static(id="attachments")
        yield Static(id="form-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    # -- loading and texts -------------------------------------------------------------------

    def on_mount(self) -> None:
        self.record = self.desk_app.desk.form.get(self.app_id)
        super().on_mount()
        form = self.record.form or {}
        self.query_one("#phone", Input).value = str(form.get("phone", ""))
        self.query_one("#actual_address", Input).value = str(form.get("actual_address", ""))
        self.query_one("#representative_iin", IinInput).value = str(
            form.get("representative_iin", "")
        )
        self._fill_choices(form)
        self._show_attachments()
        self.query_one("#phone", Input).focus()
        self.call_after_refresh(self._loaded)
        desk = self.desk_app.desk
        self.run_worker(lambda: desk.form.begin_step(self.app_id, "form_and_eds"), thread=True)

    def _loaded(self) -> None:
        self._loading = False
        self._show_rules()

    def retranslate(self) -> None:
        super().retranslate()
        if self.record is None:
            return
        desk = self.desk_app.desk
        self.query_one("#step-title", Static).update(self.tr("form.title"))
        self.query_one("#summary", Static).update(short_person(self.record, self.tr))
        for wid, key in (
            ("#phone-label", "form.phone"),
            ("#address-label", "form.actual_address"),
            ("#basis-label", "form.basis"),
            ("#district-label", "form.district"),
            ("#rep-label", "form.representative"),
            ("#docs-label", "form.documents"),
        ):
            self.query_one(wid, Label).update(self.tr(key))
        needs_rep = any(
            d.value in ("representative_identity", "guardianship_decision")
            for d in desk.form.required_documents(self.record)
        )
        self.query_one("#rep-row").display = needs_rep
        if not self._loading:
            self._fill_choices(self._form())
            self._show_attachments()

    def _fill_choices(self, form: dict[str, Any]) -> None:
        desk = self.desk_app.desk
        basis = self.query_one("#basis", Select)
        basis.set_options((self.tr(b.key), b.value) for b in Basis)
        basis.value = str(form.get("basis") or Basis.FREE_CHOICE.value)
        district = self.query_one("#district", Select)
        district.set_options(
            (
                self.tr("form.district_option", number=d.number, doctor=d.doctor or "—"),
                str(d.number),
            )
            for d in desk.form.districts()
        )
        suggestion = desk.form.suggest_district(self.record, str(form.get("actual_address", "")))
        self._show_district_why(suggestion)
        chosen = form.get("district") or suggestion.district
        if chosen is not None:
            district.value = str(chosen)
        docs = self.query_one("#documents", SelectionList)
        seen = set(str(form.get("documents_seen", "")).split(","))
        docs.clear_options()
        docs.add_options(
            (self.tr(d.key), d.value, d.value in seen)
            for d in desk.form.required_documents(self.record)
        )
        # Without a highlighted row, Space on the focused checklist would tick nothing.
        if docs.option_count:
            docs.highlighted = 0

    def _show_attachments(self) -> None:
        files = self.desk_app.desk.form.attachments(self.app_id)
        lines = [self.tr("form.attachments", count=len(files))]
        for a in files:
            kind = document_name(a.doc_kind, self.tr)
            lines.append(f"  • {escape(a.original_name)}  ({kind}, {human_size(a.size)})")
        self.query_one("#attachments", Static).update("\n".join(lines))

    # -- the district, suggested from the address -------------------------------------------

    def _show_district_why(self, suggestion: DistrictSuggestion) -> None:
        """Say why a district is suggested (which range the address falls in), or that none is."""
        self._suggested = suggestion.district
        if suggestion.district is not None:
            text = self.tr(
                f"form.district_why_{suggestion.source}",
                entry=suggestion.entry,
                number=suggestion.district,
            )
        elif suggestion.source is None:
            text = self.tr("form.district_why_no_address")
        else:
            text = self.tr("form.district_why_none", address=suggestion.address)
        self.query_one("#district-why", Static).update(escape(text))

    @on(Input.Changed, "#actual_address")
    def _address_changed(self, event: Input.Changed) -> None:
        # The address the applicant gives wins over the registered one; a district the
        # receptionist chose by hand (not the previous suggestion) is left alone.
        if self._loading or self.record is None:
            return
        before = self._suggested
        suggestion = self.desk_app.desk.form.suggest_district(self.record, event.value)
        self._show_district_why(suggestion)
        district = self.query_one("#district", Select)
        untouched = district.is_blank() or district.value == str(before)
        if untouched and suggestion.district != before:
            if suggestion.district is None:
                district.clear()
            else:
                district.value = str(suggestion.district)

    # -- saving as typed --------------------------------------------------------------------

    def _form(self) -> dict[str, Any]:
        basis = self.query_one("#basis", Select).value
        district = self.query_one("#district", Select).value
        docs = self.query_one("#documents", SelectionList).selected
        return {
            "phone": self.query_one("#phone", Input).value,
            "actual_address": self.query_one("#actual_address", Input).value,
            "basis": basis if isinstance(basis, str) else "",
            "district": district if isinstance(district, str) else "",
            "representative_iin": self.query_one("#representative_iin", IinInput).value,
            "documents_seen": ",".join(sorted(str(d) for d in docs)),
        }

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self) -> None:
        if self._loading:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self._save)

    def _save(self) -> None:
        self._save_worker(self._form())

    @work(thread=True, group="save")
    def _save_worker(self, form: dict[str, Any]) -> None:
        self.desk_app.desk.form.save_form(self.app_id, form)

    def _save_then(self, after: Callable[[], object]) -> None:
        """Write the form now (off the UI thread: another terminal may hold the database for a
        moment), then carry on with ``after`` on the UI thread."""
        if self._leaving:
            return
        self._leaving = True
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        form, desk = self._form(), self.desk_app.desk

        def save() -> None:
            try:
                desk.form.save_form(self.app_id, form)
            except Exception as exc:
                self.from_worker(self._save_failed, self.desk_app.explain(exc))
                return
            self.from_worker(self._saved, after)

        self.run_worker(save, thread=True, group="save")

    def _saved(self, after: Callable[[], object]) -> None:
        self._leaving = False
        after()

    def _save_failed(self, text: str) -> None:
        self._leaving = False
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.add_class("error")

    # -- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self._save_then(lambda: self.dismiss(False))

    def action_documents_seen(self) -> None:
        """Tick every required document whose original the receptionist has in hand."""
        self.query_one("#documents", SelectionList).select_all()

    def action_add_scan(self) -> None:
        self._save_then(self._pick_scan)

    def _pick_scan(self) -> None:
        from regdesk.tui.screens.scans import ScanPickerScreen

        self.record = self.desk_app.desk.form.get(self.app_id)
        self.app.push_screen(ScanPickerScreen(self.app_id, self.record), self._scan_added)

    def _scan_added(self, added: object) -> None:
        if added:
            self._show_attachments()

    def action_sign(self) -> None:
        self._save_then(self._to_signing)

    def _to_signing(self) -> None:
        desk = self.desk_app.desk
        missing = desk.form.missing_documents(self.app_id)
        message = self.query_one("#form-message", Static)
        if missing:
            names = {
                d.value: self.tr(d.key)
                for d in desk.form.required_documents(desk.form.get(self.app_id))
            }
            message.update(
                self.tr("form.missing", names=", ".join(names.get(m, m) for m in missing))
            )
            message.add_class("error")
            return
        if desk.form.chosen_district(self.app_id) is None:  # the register refuses district 0
            message.update(self.tr("desk.district_missing"))
            message.add_class("error")
            return
        if self._show_rules():
            return  # the basis does not allow it: say so before the key password is typed
        from regdesk.tui.screens.sign import SignScreen

        self.app.push_screen(SignScreen(self.app_id), self._signed)

    @on(Select.Changed, "#basis")
    def _basis_changed(self) -> None:
        if not self._loading:
            self._show_rules()

    def _show_rules(self) -> bool:
        """What the rules say on the basis now chosen; True when they forbid the attachment."""
        desk = self.desk_app.desk
        basis = self._form()["basis"] or "free_choice"
        findings = desk.form.findings_for(desk.form.get(self.app_id), basis)
        findings = [f for f in findings if str(f.severity) != "info"]
        message = self.query_one("#form-message", Static)
        message.update("\n".join(self.tr(f.key, **dict(f.params)) for f in findings))
        blocked = any(f.blocks for f in findings)
        message.set_class(blocked, "error")
        return blocked

    def _signed(self, number: object) -> None:
        if number:
            from regdesk.tui.screens.result import ResultScreen

            self.dismiss(True)
            self.app.push_screen(ResultScreen(self.app_id))

    def action_lock(self) -> None:
        self.desk_app.lock()
