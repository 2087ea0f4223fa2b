"""The Bundles section: this installation and the partnership directory, export and
import of bundles (with a preview before anything changes), the exchange history per
partner and the conflicts queue.

Every database and crypto call runs on the worker (``host.run``); long ones report
progress. Data are fetched when the section is first shown after an unlock, and again
after each change made here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.errors import BundleError
from panel_app.gui.bundle_ui import classify_refusal, gui_wording, icon_label, set_icon
from panel_app.gui.dialogs.bundle_export import (
    BUNDLE_FILTER,
    ExportBundleDialog,
    PathChooser,
    choose_open_path,
    choose_save_path,
)
from panel_app.gui.dialogs.bundle_passphrase import BundlePassphraseDialog
from panel_app.gui.dialogs.bundle_preview import ImportPreviewDialog, record_labels
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading
from panel_app.gui.views.bundles_conflicts import ConflictsPanel
from panel_app.gui.views.bundles_directory import DirectoryPanel
from panel_app.gui.views.bundles_history import HistoryPanel
from panel_app.gui.views.bundles_identity import IdentityPanel
from panel_app.gui.views.settings_view import ask
from panel_app.gui.worker import SessionHost, error_text

NEEDS_PASSPHRASE = "needs-passphrase"


@dataclass
class BundlesState:
    identity: Any
    directory: list[Any]
    history: list[dict[str, Any]]
    conflicts: list[Any]
    schools: list[Any]


def collect(s: Any) -> BundlesState:
    b = s.bundles
    return BundlesState(b.identity(), b.directory(), b.history(),
                        b.conflicts(include_resolved=True), s.list_schools())


class BundlesView(QWidget):
    loaded = Signal()  # fresh data were shown (tests wait on this)
    cases_changed = Signal()  # an import or resolution changed cases

    def __init__(self, host: SessionHost, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self._seq = 0
        self._stale = True
        self.state: BundlesState | None = None
        self.folder = Path.home()
        self.choose_save: PathChooser = choose_save_path
        self.choose_open: PathChooser = choose_open_path
        self.confirm: Callable[[QWidget, str, str], bool] = ask
        self.dialog: QDialog | None = None  # the export, passphrase or preview dialog open
        self.refusal = ""  # the kind of the last refusal, "" if none
        self.pending: Path | None = None  # a bundle to preview once the data are shown

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Bundles", parent=self))
        top.addStretch(1)
        self.export_button = QPushButton("E&xport bundle…")
        self.export_button.setToolTip("Send cases to partners in an encrypted bundle (Ctrl+E)")
        self.import_button = QPushButton("&Import bundle…")
        self.import_button.setToolTip("Open a bundle from a partner and preview it (Ctrl+I)")
        top.addWidget(self.export_button)
        top.addWidget(self.import_button)
        layout.addLayout(top)
        explain = QLabel("Exchange cases with member schools and the panel as encrypted, "
                         "signed files for secure email. Each partner receives only the cases "
                         "they are party to; what they send back is merged field by field.")
        explain.setWordWrap(True)
        layout.addWidget(explain)

        self.status = QWidget()
        status_row = QHBoxLayout(self.status)
        status_row.setContentsMargins(0, 0, 0, 0)
        self.status_icon = icon_label("")
        text_box = QVBoxLayout()
        self.status_headline = QLabel("")
        bold = QFont(self.status_headline.font())
        bold.setBold(True)
        self.status_headline.setFont(bold)
        self.status_text = QLabel("")
        self.status_text.setWordWrap(True)
        self.status_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text_box.addWidget(self.status_headline)
        text_box.addWidget(self.status_text)
        self.reapply_button = QPushButton("Re-apply &anyway…")
        self.reapply_button.setToolTip("Open this older bundle again and preview applying it")
        status_row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addLayout(text_box, 1)
        status_row.addWidget(self.reapply_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.status)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Bundle progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Bundles sections")
        partners = QWidget()
        partners_layout = QVBoxLayout(partners)
        self.identity = IdentityPanel(host, partners)
        self.directory = DirectoryPanel(host, lambda *a: self.confirm(*a), partners)
        partners_layout.addWidget(self.identity)
        partners_layout.addWidget(self.directory, 1)
        self.history = HistoryPanel(self)
        self.conflicts = ConflictsPanel(host, self)
        self.tabs.addTab(partners, "Partners")
        self.tabs.addTab(self.history, "History")
        self.conflicts_index = self.tabs.addTab(self.conflicts, "Conflicts")
        layout.addWidget(self.tabs, 1)

        self.export_button.clicked.connect(self.export_bundle)
        self.import_button.clicked.connect(self.import_bundle)
        self.reapply_button.clicked.connect(self._reapply)
        for key, slot in (("Ctrl+E", self.export_bundle), ("Ctrl+I", self.import_bundle)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # only while shown
            shortcut.activated.connect(slot)
        for panel in (self.identity, self.directory, self.conflicts):
            panel.message.connect(self.show_status)
        self.identity.changed.connect(lambda _c: self.refresh())
        self.directory.changed.connect(lambda _c: self.refresh())
        self.conflicts.resolved.connect(self._resolved)
        self.conflicts.count_changed.connect(self._conflict_count)
        self._reapply_args: tuple[Path, str | None] | None = None
        self.show_status("")

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """After an unlock: fetch now if shown, else when first shown."""
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        self._seq += 1
        seq = self._seq

        def done(state: BundlesState) -> None:
            if seq == self._seq:
                self._show(state)

        self._host.run(collect, success=done, failure=self._failed, parent=self)

    def _show(self, state: BundlesState) -> None:
        self.state = state
        self.identity.show_identity(state.identity, state.schools)
        self.directory.show_partners(state.directory, state.schools, state.identity.label)
        self.history.show_history(state.history)
        self.conflicts.show_conflicts(state.conflicts, {s.id: s.name for s in state.schools})
        emit(self.loaded)
        if self.pending is not None:
            self.import_path(self.pending)

    def _conflict_count(self, count: int) -> None:
        self.tabs.setTabText(self.conflicts_index,
                             f"Conflicts ({count} to resolve)" if count else "Conflicts")

    def _failed(self, exc: BaseException) -> None:
        self.show_status(error_text(exc), "error")

    def _resolved(self, changes: Any) -> None:
        self.refresh()
        if "case" in getattr(changes, "entities", ()):
            emit(self.cases_changed)

    # -- status ----------------------------------------------------------------------------
    def show_status(self, text: str, role: str = "info", headline: str = "") -> None:
        """A message with an icon and (for problems) a bold headline; never colour alone."""
        self.status_headline.setText(headline)
        self.status_headline.setVisible(bool(headline))
        self.status_text.setText(text)
        self.status_text.setAccessibleName(f"{headline} {text}".strip())
        set_icon(self.status_icon, role if text else "")
        self.status.setVisible(bool(text))
        if role != "error" or not headline:
            self.refusal = ""
            self.reapply_button.setVisible(False)

    def _busy(self, text: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.setFormat(text)
        self.progress.setVisible(bool(text))
        for button in (self.export_button, self.import_button):
            button.setEnabled(not text)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{text} %p%" if text else "%p%")

    # -- export ----------------------------------------------------------------------------
    def export_bundle(self) -> ExportBundleDialog | None:
        if self.state is None or self.dialog is not None:
            return None
        partners = [p for p in self.state.directory if p.status == "active"]
        dialog = ExportBundleDialog(self._host, partners, self.state.schools, self.folder,
                                    self._ctx.clock.today().isoformat(), self.choose_save, self)
        dialog.exported.connect(self._exported)
        self._keep(dialog)
        dialog.open()
        return dialog

    def _exported(self, result: Any) -> None:
        self.folder = result.path.parent
        text = (f"Bundle number {result.sequence} saved to {result.path} for "
                f"{', '.join(result.recipients)}.")
        if result.warning:
            self.show_status(f"{text} {result.warning}", "warning", "The bundle is large")
        else:
            self.show_status(text, "ok")
        self.refresh()

    # -- import ----------------------------------------------------------------------------
    def import_bundle(self) -> None:
        if self.state is None or self.dialog is not None or not self.import_button.isEnabled():
            return
        path = self.choose_open(self, "Import a bundle from a partner", str(self.folder),
                                BUNDLE_FILTER)
        if path and self.state is not None:  # (not locked while the file dialog was open)
            self.folder = Path(path).parent
            self.open_file(Path(path))

    def import_path(self, path: Path) -> None:
        """Preview ``path`` (a bundle opened from the file manager or given on the command
        line), as soon as this section's data are shown."""
        if self.state is None:
            self.pending = path  # the data are on their way (the section was just shown)
            return
        self.pending = None
        if self.dialog is not None or not self.import_button.isEnabled():
            self.show_status(f"Finish what is open first, then import {path.name} with "
                             "Import bundle (Ctrl+I).", "warning")
            return
        self.folder = path.parent
        self.open_file(path)

    def open_file(self, path: Path, passphrase: str | None = None,
                  reapply: bool = False) -> None:
        """Decrypt and check ``path`` on the worker, then show its preview (or the reason
        it was refused)."""
        self.show_status("")
        self._busy("Checking the bundle…")

        def job(s: Any, progress: Any) -> Any:
            if passphrase is None and s.bundles.needs_passphrase(path):
                return NEEDS_PASSPHRASE
            preview = s.bundles.open_bundle(path, passphrase=passphrase, reapply=reapply,
                                            progress=progress)
            return preview, record_labels(s, preview)

        self._host.run(job, success=lambda r: self._opened(path, r),
                       failure=lambda e: self._refused(path, passphrase, e),
                       progress=self._progress, parent=self)

    def _opened(self, path: Path, result: Any) -> None:
        self._busy("")
        if result == NEEDS_PASSPHRASE:
            ask_dialog = BundlePassphraseDialog(path.name, self)
            ask_dialog.accepted.connect(lambda: self.open_file(path, ask_dialog.passphrase()))
            ask_dialog.rejected.connect(
                lambda: self.show_status("Import cancelled: nothing was changed.", "info"))
            self._keep(ask_dialog)
            ask_dialog.open()
            return
        preview, labels = result
        names = {s.id: s.name for s in self.state.schools} if self.state else {}
        dialog = ImportPreviewDialog(self._host, preview, path.name, names, labels, self)
        dialog.applied.connect(self._applied)
        dialog.rejected.connect(
            lambda: self.show_status(f"{path.name} was not imported: nothing was changed.",
                                     "info"))
        self._keep(dialog)
        dialog.open()

    def _refused(self, path: Path, passphrase: str | None, exc: BaseException) -> None:
        self._busy("")
        if not isinstance(exc, BundleError):
            self.show_status(error_text(exc), "error", f"{path.name} could not be imported")
            return
        kind, headline = classify_refusal(str(exc))
        self.show_status(gui_wording(str(exc)), "error", f"{headline} ({path.name})")
        self.refusal = kind
        if kind == "replay":
            self._reapply_args = (path, passphrase)
            self.reapply_button.setVisible(True)

    def _reapply(self) -> None:
        if self._reapply_args is None:
            return
        path, passphrase = self._reapply_args
        if self.confirm(self, "Re-apply an older bundle",
                        f"{path.name} is older than a bundle already imported from the same "
                        "partner. Re-apply it only if the partner asked you to. You will see "
                        "a preview first. Continue?"):
            self.open_file(path, passphrase, reapply=True)

    def _applied(self, result: Any, summary: str) -> None:
        text = summary
        if result.conflicts:
            text += " Resolve the conflicts in the Conflicts tab."
        self.show_status(f"Imported. {text}", "warning" if result.conflicts else "ok")
        self.refresh()
        if {"case", "pupil"} & set(result.changes.entities):
            emit(self.cases_changed)

    # -- dialogs and locking ---------------------------------------------------------------
    def _keep(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def close_dialogs(self) -> None:
        dialog, self.dialog = self.dialog, None
        if isinstance(dialog, ImportPreviewDialog):
            dialog.forget()
        if dialog is not None:
            dialog.blockSignals(True)  # closing on lock is not a user's "cancel"
            dialog.close()
            dialog.deleteLater()
        self.directory.close_dialogs()

    def clear(self) -> None:
        """On lock: drop every detail shown, close dialogs (a preview holds records)."""
        self._seq += 1
        self._stale = True
        self.state = None
        self.pending = None
        self._reapply_args = None
        self.close_dialogs()
        self._busy("")
        self.identity.clear()
        self.directory.clear()
        self.history.clear()
        self.conflicts.clear()
        self.show_status("")


def make_bundles_view(host: SessionHost, window: Any) -> BundlesView:
    """The SECTION_VIEWS factory: the view, with imports refreshing the case list."""
    view = BundlesView(host, window.ctx, window)
    cases = getattr(window, "cases", None)
    if cases is not None:
        view.cases_changed.connect(cases.refresh)
    return view
