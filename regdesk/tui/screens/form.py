"""Table 2 step 5: the application form, its documents and scans, saved as it is typed."""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, Select, SelectionList, Static

from regdesk.core.phone import PhoneError, format_typed, normalise_phone
from regdesk.core.rules import Basis, Finding
from regdesk.desk import HEARTBEAT_SECONDS, DistrictSuggestion
from regdesk.tui import calls
from regdesk.tui.base import DeskScreen
from regdesk.tui.cards import document_name, human_size, short_person
from regdesk.tui.widgets import CheckList, IinInput, TypeaheadInput

SAVE_DELAY = 0.3
"""Seconds of quiet before the draft is written: a crash loses at most the field being edited."""

TEXT_FIELDS = ("phone", "actual_address")


class FormScreen(DeskScreen[bool]):
    """Registry data read-only; phone, address, basis, district, documents and scans editable.

    Dismissed with True once the application is registered (its EDS dialog said so), False
    when the receptionist went back; what follows is the flow's (flow.py).
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("f3", "documents_seen", "Originals seen", id="documents_seen"),
        Binding("f4", "add_scan", "Add scan", id="add_scan"),
        Binding("f6", "pick_parent", "Parent", id="pick_parent"),
        Binding("f10", "sign", "Sign", id="sign"),
        Binding("ctrl+l", "app.lock", "Lock", id="lock", show=False),
    ]

    def __init__(self, app_id: int) -> None:
        super().__init__()
        self.app_id = app_id
        self.view: calls.Form | None = None
        """The draft as loaded (in a worker); None until then, and nothing is saved before."""
        self.latest = calls.LatestForm(app_id)
        self._save_timer: Timer | None = None
        self._loading = True
        self._checking = False
        """F10's save and check are under way: a second F10 must not open a second dialog."""
        self._suggested: int | None = None
        """The district last suggested from the address (None: none matched)."""
        self._rules_said: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield Static(id="step-title", classes="title")
        yield Static(id="summary")
        with VerticalScroll(id="form-scroll"):
            with Horizontal(classes="field"):
                yield Label(id="phone-label", classes="field-label")
                yield TypeaheadInput(id="phone", compact=True, max_length=20)
            with Horizontal(classes="field"):
                yield Label(id="address-label", classes="field-label")
                yield TypeaheadInput(id="actual_address", compact=True, max_length=200)
            with Horizontal(classes="field"):
                yield Label(id="basis-label", classes="field-label")
                yield Select[str]([], id="basis", compact=True)
            with Horizontal(classes="field"):
                yield Label(id="district-label", classes="field-label")
                yield Select[str]([], id="district", compact=True)
            yield Static(id="district-why", classes="hint")
            with Vertical(id="rep-box"):
                with Horizontal(classes="field"):
                    yield Label(id="rep-label", classes="field-label")
                    yield Static(id="rep-chosen")
                yield Static(id="rep-parents", classes="hint")
                with Horizontal(classes="field", id="rep-row"):
                    yield Label(id="rep-other-label", classes="field-label")
                    yield IinInput(id="rep_iin")
                    yield Select[str]([], id="rep_relation", compact=True)
            yield Label(id="docs-label")
            yield CheckList(id="documents", compact=True)
            yield Static(id="attachments")
        yield Static(id="form-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    # -- loading and texts -------------------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one("#phone", Input).focus()
        self.desk_call(calls.open_form, self.app_id, then=self._loaded, group="load")
        self.desk_do(calls.begin_form, self.app_id)
        # A colleague who opens the same person meanwhile (or registers them) is said here too.
        self.set_interval(HEARTBEAT_SECONDS, self._rules_again)

    def _loaded(self, view: calls.Form) -> None:
        self.view = view
        form = view.record.form or {}
        # Keys typed before the draft arrived stay: the stored value fills an empty field only.
        for wid in TEXT_FIELDS:
            field = self.query_one(f"#{wid}", Input)
            if not field.value:
                field.value = str(form.get(wid, ""))
        self.retranslate()
        self.refresh_bindings()  # F6 for a minor only
        self._fill_choices(form)
        self._show_attachments(view.attachments)
        self.call_after_refresh(self._ready)

    def _ready(self) -> None:
        self._loading = False
        self._check_rules()
        stored = (self.view.record.form if self.view else None) or {}
        typed = self._form()
        if any(typed[k] != str(stored.get(k, "")) for k in TEXT_FIELDS):
            self._changed()  # typed while the draft loaded: saved like any other typing

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#step-title", Static).update(self.tr("form.title"))
        for wid, key in (
            ("#phone-label", "form.phone"),
            ("#address-label", "form.actual_address"),
            ("#basis-label", "form.basis"),
            ("#district-label", "form.district"),
            ("#rep-label", "form.representative"),
            ("#rep-other-label", "form.rep_other"),
            ("#docs-label", "form.documents"),
        ):
            self.query_one(wid, Label).update(self.tr(key))
        view = self.view
        if view is None:
            return
        self.query_one("#summary", Static).update(short_person(view.record, self.tr))
        self._show_representation()
        if not self._loading:
            self._fill_choices(self._form())
            self._show_attachments(view.attachments)

    def _fill_choices(self, form: dict[str, Any]) -> None:
        view = self.view
        if view is None:
            return
        basis = self.query_one("#basis", Select)
        basis.set_options((self.tr(b.key), b.value) for b in Basis)
        basis.value = str(form.get("basis") or Basis.FREE_CHOICE.value)
        district = self.query_one("#district", Select)
        district.set_options(
            (
                self.tr("form.district_option", number=d.number, doctor=d.doctor or "—"),
                str(d.number),
            )
            for d in view.districts
        )
        self._show_district_why(view.suggestion)
        chosen = form.get("district") or view.suggestion.district
        if chosen is not None:
            district.value = str(chosen)
        docs = self.query_one("#documents", SelectionList)
        seen = set(str(form.get("documents_seen", "")).split(","))
        docs.clear_options()
        docs.add_options((self.tr(d.key), d.value, d.value in seen) for d in view.documents)
        # Without a highlighted row, Space on the focused checklist would tick nothing.
        if docs.option_count:
            docs.highlighted = 0

    def _show_attachments(self, files: tuple[Any, ...]) -> None:
        if self.view is not None:
            self.view = dataclasses.replace(self.view, attachments=files)
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

    # -- the phone: grouped as typed, checked before signing ---------------------------------

    @on(Input.Changed, "#phone")
    def _phone_typed(self, event: Input.Changed) -> None:
        field = event.input
        if field.cursor_position < len(field.value):
            return  # an edit inside the number: regrouping would move the cursor under the keys
        shown = format_typed(field.value)
        if shown != field.value:
            field.value = shown
            field.cursor_position = len(shown)

    @on(Input.Blurred, "#phone")
    def _phone_left(self, event: Input.Blurred) -> None:
        try:
            shown = normalise_phone(event.input.value)
        except PhoneError as error:
            self._say(error.message(self.desk_app.lang), error=True)
            return
        if shown != event.input.value:
            event.input.value = shown

    def _phone_wrong(self) -> bool:
        """Say what a phone looks like when the one typed is not +7 and ten digits."""
        field = self.query_one("#phone", Input)
        try:
            normalise_phone(field.value)
        except PhoneError as error:
            self._say(error.message(self.desk_app.lang), error=True)
            field.focus()
            return True
        return False

    @on(Input.Changed, "#actual_address")
    def _address_changed(self, event: Input.Changed) -> None:
        if self._loading or self.view is None:
            return
        self.desk_call(
            calls.suggest_district,
            self.view.record,
            event.value,
            then=self._district_suggested,
            group="district",
            exclusive=True,
        )

    def _district_suggested(self, suggestion: DistrictSuggestion) -> None:
        # The address the applicant gives wins over the registered one; a district the
        # receptionist chose by hand (not the previous suggestion) is left alone.
        before = self._suggested
        self._show_district_why(suggestion)
        district = self.query_one("#district", Select)
        untouched = district.is_blank() or district.value == str(before)
        if untouched and suggestion.district != before:
            if suggestion.district is None:
                district.clear()
            else:
                district.value = str(suggestion.district)

    # -- the representative of a minor (core.representation) -------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_parent":
            return self.view is not None and self.view.representation is not None
        return True

    def _show_representation(self) -> None:
        view = self.view
        box = self.query_one("#rep-box")
        rep = view.representation if view is not None else None
        box.display = rep is not None
        if rep is None:
            return
        chosen = rep.chosen
        if chosen is None:
            text = f"[b red]{escape(self.tr('form.rep_none'))}[/b red]"
        else:
            text = escape(
                self.tr(
                    "form.rep_chosen",
                    relation=self.tr(f"representative.relation_{chosen.relation}"),
                    name=chosen.name or "—",
                    iin=chosen.iin,
                )
            )
        self.query_one("#rep-chosen", Static).update(text)
        if rep.parents:
            names = ", ".join(
                f"{self.tr(f'registry.relation_{p.relation}')} {p.iin}" for p in rep.parents
            )
            hint = self.tr("form.rep_parents", parents=names)
        else:
            hint = self.tr("form.rep_no_parents")
        self.query_one("#rep-parents", Static).update(escape(hint))
        relation = self.query_one("#rep_relation", Select)
        keep = relation.value
        relation.set_options((self.tr(f"representative.relation_{r}"), r) for r in rep.relations)
        relation.prompt = self.tr("form.rep_relation")
        if isinstance(keep, str):
            relation.value = keep

    def action_pick_parent(self) -> None:
        """F6: the registry's parent (each press the next one it names) represents the child."""
        rep = self.view.representation if self.view is not None else None
        if rep is None or not rep.parents:
            self._say(self.tr("form.rep_no_parents"), error=True)
            return
        iins = [p.iin for p in rep.parents]
        current = rep.chosen.iin if rep.chosen is not None else None
        following = iins[(iins.index(current) + 1) % len(iins)] if current in iins else iins[0]
        self._choose(following, None)

    @on(Input.Submitted, "#rep_iin")
    def _other_representative(self) -> None:
        relation = self.query_one("#rep_relation", Select).value
        iin = self.query_one("#rep_iin", IinInput).value
        self._choose(iin, relation if isinstance(relation, str) else None)

    def _choose(self, iin: str, relation: str | None) -> None:
        self._say(self.tr("form.rep_asking"), error=False)
        self.desk_call(
            calls.choose_representative,
            self.app_id,
            iin,
            relation,
            then=self._represented,
            failed=lambda text: self._say(text, error=True),
            group="representative",
            exclusive=True,
        )

    def _represented(self, rep: calls.Representation | None) -> None:
        if self.view is None:
            return
        documents = rep.documents if rep is not None else self.view.documents
        self.view = dataclasses.replace(self.view, representation=rep, documents=documents)
        self._say("", error=False)
        self._fill_choices(self._form())
        self._show_representation()
        self._check_rules()

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

    def save_typing(self) -> None:
        """Save what is typed now, not after the pause (the app is ending: a hang-up)."""
        self._save()

    def _save(self) -> None:
        """Write the form as it is now. Saves that wait for the database (another terminal's
        transaction) may run in several threads: each writes the latest form, so the last
        write is the last typing. The app runs it: it is done even if the form closes."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if self._loading:
            return
        self.latest.typed = self._form()
        self.desk_do(calls.save_form, self.latest, group="save")

    # -- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self._save()
        self.dismiss(False)

    def action_documents_seen(self) -> None:
        """Tick every required document whose original the receptionist has in hand."""
        self.query_one("#documents", SelectionList).select_all()

    def action_add_scan(self) -> None:
        from regdesk.tui.screens.scans import ScanPickerScreen

        self._save()
        documents = self.view.documents if self.view is not None else None
        self.app.push_screen(ScanPickerScreen(self.app_id, documents), self._scan_added)

    def _scan_added(self, added: bool | None) -> None:
        if added:
            self.desk_call(
                calls.attachments, self.app_id, then=self._show_attachments, group="attachments"
            )

    def action_sign(self) -> None:
        if self._loading or self._checking or self._phone_wrong():
            return
        self._checking = True
        self._save()
        self.desk_call(
            calls.check_saved,
            self.latest,
            self._basis(),
            then=self._to_signing,
            failed=self._check_failed,
            group="check",
            exclusive=True,
        )

    def _check_failed(self, text: str) -> None:
        self._checking = False
        self._say(text, error=True)

    def _to_signing(self, readiness: calls.Readiness) -> None:
        self._checking = False
        view = self.view
        if view is None:
            return
        if readiness.representative_problem is not None:
            self._say(self.tr(readiness.representative_problem), error=True)
            return
        if readiness.missing:
            names = {d.value: self.tr(d.key) for d in view.documents}
            text = self.tr(
                "form.missing", names=", ".join(names.get(m, m) for m in readiness.missing)
            )
            self._say(text, error=True)
            return
        if readiness.no_district:  # the register refuses district 0
            self._say(self.tr("desk.district_missing"), error=True)
            return
        if self._show_rules(readiness.findings):
            return  # the basis does not allow it: say so before the key password is typed
        from regdesk.tui.screens.sign import SignScreen

        self.app.push_screen(SignScreen(self.app_id), self._signed)

    def _basis(self) -> str:
        return self._form()["basis"] or "free_choice"

    @on(Select.Changed, "#basis")
    def _basis_changed(self) -> None:
        if not self._loading:
            self._check_rules()

    def _check_rules(self) -> None:
        self.desk_call(
            calls.rules_on,
            self.app_id,
            self._basis(),
            then=self._show_rules,
            group="rules",
            exclusive=True,
        )

    def _rules_again(self) -> None:
        if self._loading or self._checking or self.desk_app.locked:
            return
        self.desk_call(
            calls.rules_on,
            self.app_id,
            self._basis(),
            then=lambda found: None if list(found) == self._rules_said else self._show_rules(found),
            group="rules",
            exclusive=True,
        )

    def _show_rules(self, found: list[Finding] | tuple[Finding, ...]) -> bool:
        """What the rules say on the basis now chosen; True when they forbid the attachment."""
        self._rules_said = list(found)
        findings = [f for f in found if str(f.severity) != "info"]
        blocked = any(f.blocks for f in findings)
        self._say("\n".join(self.tr(f.key, **dict(f.params)) for f in findings), error=blocked)
        return blocked

    def _say(self, text: str, *, error: bool) -> None:
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.set_class(error, "error")

    def _signed(self, number: str | None) -> None:
        if number:
            self.dismiss(True)
