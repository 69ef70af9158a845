"""Picking a scan from the scanner's folder and saying which document it is."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from regdesk.core.rules import DocumentKind
from regdesk.tui import calls
from regdesk.tui.base import DeskModal
from regdesk.tui.cards import human_size, short_path

FOLDER_WIDTH = 48
"""Characters the scanner folder may take in the title (the rest of the 76 columns is its
label): a long folder loses its start, never a name split over two lines."""

SHORT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
}
KIND_WIDTH = 14
"""The scan list's column for the file's kind: a short type or ``scans.unsupported``/``damaged``."""


class ScanPickerScreen(DeskModal[bool]):
    """Files newest first with their type and size; Enter picks, then the document kind.

    Dismissed with True once a scan is stored with the application, False otherwise.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="back"),
        Binding("f5", "reload", "Reload", id="reload"),
    ]

    def __init__(self, app_id: int, documents: tuple[DocumentKind, ...] | None = None) -> None:
        super().__init__()
        self.app_id = app_id
        self.documents = documents
        """The kinds this applicant presents, offered for the chosen file (loaded here when
        the form had not loaded them yet)."""
        self.scans: calls.Scans | None = None
        self.chosen: Path | None = None
        self.storing = False
        """A scan is being stored: Enter again must not attach it twice."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="scan-box"):
            yield Static(id="scan-title", classes="title")
            yield OptionList(id="files")
            yield OptionList(id="kinds")
            yield Static(id="scan-message", classes="message")
        yield Footer(show_command_palette=False)  # Ctrl+P is in F1 help: room for keys

    def retranslate(self) -> None:
        super().retranslate()
        title = self.query_one("#scan-title", Static)
        if self.chosen is None:
            folder = short_path(str(self.scans.folder), FOLDER_WIDTH) if self.scans else ""
            title.update(self.tr("scans.title", folder=folder))
            self._fill_files()
        else:
            title.update(self.tr("scans.kind", name=self.chosen.name))
            self._fill_kinds()

    def on_mount(self) -> None:
        self.query_one("#kinds").display = False
        self.query_one("#files", OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.desk_call(calls.scans, then=self._listed, group="scans", exclusive=True)
        if self.documents is None:
            self.desk_call(calls.documents, self.app_id, then=self._documents, group="kinds")

    def _documents(self, documents: tuple[DocumentKind, ...]) -> None:
        self.documents = documents
        if self.chosen is not None:
            self._fill_kinds()

    def _listed(self, scans: calls.Scans) -> None:
        self.scans = scans
        self.retranslate()

    def _fill_files(self) -> None:
        files = self.query_one("#files", OptionList)
        files.clear_options()
        if self.scans is None:
            return
        scans = self.scans.files
        if not scans:
            files.add_option(Option(self.tr("scans.empty"), disabled=True))
            return
        for s in scans:
            kind = SHORT_TYPES.get(s.media_type or "", self.tr("scans.unsupported"))
            kind = self.tr("scans.damaged") if s.damaged else kind
            when = self.desk_app.clock.local(s.modified).strftime("%d.%m %H:%M")
            # KIND_WIDTH columns hold every kind in every language (a test checks), so none is cut.
            label = f"{s.name[:32]:32} {kind:{KIND_WIDTH}} {human_size(s.size):>7} {when}"
            if s.too_big:
                label += " " + self.tr("scans.too_big")
            files.add_option(Option(label, id=str(s.path), disabled=not s.usable))
        usable = [i for i, scan in enumerate(scans) if scan.usable]
        files.highlighted = usable[0] if usable else None

    def _fill_kinds(self) -> None:
        kinds = self.query_one("#kinds", OptionList)
        kinds.clear_options()
        kinds.add_options(Option(self.tr(d.key), id=d.value) for d in self.documents or ())
        kinds.add_option(Option(self.tr("scans.other_document"), id="other"))
        kinds.highlighted = 0

    @on(OptionList.OptionSelected, "#files")
    def _file_chosen(self, event: OptionList.OptionSelected) -> None:
        self.chosen = Path(str(event.option.id))
        self.query_one("#files").display = False
        kinds = self.query_one("#kinds", OptionList)
        kinds.display = True
        self.retranslate()
        kinds.focus()

    @on(OptionList.OptionSelected, "#kinds")
    def _kind_chosen(self, event: OptionList.OptionSelected) -> None:
        if self.chosen is not None and not self.storing:
            self.storing = True
            self.query_one("#scan-message", Static).update(self.tr("scans.storing"))
            self.desk_call(
                calls.attach,
                self.app_id,
                self.chosen,
                str(event.option.id),
                then=lambda _: self.dismiss(True),
                failed=self._failed,
                group="attach",
                exclusive=True,
            )

    def _failed(self, text: str) -> None:
        self.storing = False
        message = self.query_one("#scan-message", Static)
        message.update(text)
        message.add_class("error")

    def action_cancel(self) -> None:
        if self.storing:
            return
        if self.chosen is not None:
            self.chosen = None
            self.query_one("#kinds").display = False
            files = self.query_one("#files", OptionList)
            files.display = True
            files.focus()
            self.retranslate()
            return
        self.dismiss(False)
