"""The main window: section sidebar, pages, status bar, locking."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.context import APP_NAME, AppContext
from panel_app.gui.dialogs.about import AboutDialog
from panel_app.gui.dialogs.case_form import CaseFormDialog
from panel_app.gui.dialogs.unlock import UnlockDialog
from panel_app.gui.icons import lock_icon
from panel_app.gui.idle import IdleWatcher
from panel_app.gui.qtcompat import emit
from panel_app.gui.tempdocs import TempDocuments
from panel_app.gui.theme import heading
from panel_app.gui.views.bundles_view import make_bundles_view
from panel_app.gui.views.cases_view import CasesView
from panel_app.gui.views.ladder_view import make_ladder_view
from panel_app.gui.views.meetings_view import MeetingsView
from panel_app.gui.views.placeholder import PlaceholderPage
from panel_app.gui.views.proposals_view import make_proposals_view
from panel_app.gui.views.quotas_view import make_quotas_view
from panel_app.gui.views.reports_view import ReportsView
from panel_app.gui.views.settings_view import SettingsView
from panel_app.gui.worker import SessionHost

SECTIONS = ("Cases", "Ladder", "Proposals & moves", "Quotas", "Meetings", "Bundles",
            "Reports", "Settings")

# Views of the sections, built with (host, main_window). A view may define ``load()``
# (called after every unlock) and ``clear()`` (called on lock: it must drop every pupil
# detail it shows). Sections without a view show a placeholder saying what will come.
SECTION_VIEWS: dict[str, Callable[[SessionHost, MainWindow], QWidget]] = {}
SECTION_VIEWS["Bundles"] = make_bundles_view
SECTION_VIEWS["Meetings"] = MeetingsView
SECTION_VIEWS["Ladder"] = make_ladder_view
SECTION_VIEWS["Proposals & moves"] = make_proposals_view
SECTION_VIEWS["Quotas"] = make_quotas_view
SECTION_VIEWS["Reports"] = ReportsView


class MainWindow(QMainWindow):
    lock_changed = Signal(bool)  # True when locked
    closed = Signal()

    def __init__(self, host: SessionHost, ctx: AppContext, info: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.ctx = ctx
        self.info = dict(info)
        self.path = Path(str(info.get("path", "")))
        self.locked = False
        self.temp_docs = TempDocuments()
        self.forms: list[CaseFormDialog] = []
        self.unlock_dialog: UnlockDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self.pending_bundle: Path | None = None  # opened while locked: imported on unlock
        self.resize(1180, 720)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setSpacing(2)
        metrics = self.sidebar.fontMetrics()
        width = max(metrics.horizontalAdvance(s) for s in SECTIONS) + 40
        for name in SECTIONS:
            item = QListWidgetItem(name)
            item.setSizeHint(QSize(width, metrics.height() + 14))
            self.sidebar.addItem(item)
        self.sidebar.setFixedWidth(width + 12)
        self.stack = QStackedWidget()
        self.cases = CasesView(host, self)
        self.settings = SettingsView(host, ctx, self)
        self.pages: dict[str, QWidget] = {}
        for name in SECTIONS:
            page = {"Cases": self.cases, "Settings": self.settings}.get(name)
            factory = SECTION_VIEWS.get(name)
            if page is None and factory is not None:
                page = factory(host, self)
            page = page or PlaceholderPage(name, self)
            self.pages[name] = page
            self.stack.addWidget(page)
        self.locked_page = self._make_locked_page()
        self.stack.addWidget(self.locked_page)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 6, 0)
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.sidebar.currentRowChanged.connect(self._section_changed)

        self.lock_icon_label = QLabel()
        self.lock_state = QLabel()
        self.lock_state.setAccessibleName("Lock state")
        self.file_label = QLabel()
        self.file_label.setAccessibleName("Open file")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.audit_state = QLabel()  # shown only when the audit chain is broken
        self.audit_state.setVisible(False)
        self.statusBar().addPermanentWidget(self.audit_state)
        self.statusBar().addPermanentWidget(self.file_label)
        self.statusBar().addPermanentWidget(self.lock_icon_label)
        self.statusBar().addPermanentWidget(self.lock_state)
        self._make_actions()

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.idle = IdleWatcher(app, self._idle_ms(), self)
        self.idle.idle.connect(lambda: self.lock("idle"))
        self.idle.suspended.connect(lambda: self.lock("suspend"))
        self.settings.idle_minutes_changed.connect(
            lambda _m: self.idle.set_timeout_ms(self._idle_ms()))
        self.settings.user_name_changed.connect(lambda n: self.info.update(user_name=n))
        self.cases.open_case.connect(self.open_case)
        self.cases.new_case.connect(self.new_case)
        self.on_unlocked(self.info)

    # -- building --------------------------------------------------------------------------
    def _make_locked_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        title = heading("Locked", 1.6, self)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        text = QLabel("The partnership is locked and no pupil details are shown. "
                      "Unlock it to carry on.")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.unlock_button = QPushButton("&Unlock…")
        self.unlock_button.setIcon(
            lock_icon(True, self.palette().color(QPalette.ColorRole.ButtonText)))
        self.unlock_button.clicked.connect(self.show_unlock)
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        return page

    def _action(self, text: str,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None, slot: Any,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        plain = text.replace("&", "").rstrip("…")
        action.setToolTip(f"{tip or plain} ({keys})" if keys else (tip or plain))
        action.setStatusTip(tip or plain)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.new_case_action = self._action("&New case…", QKeySequence.StandardKey.New,
                                            self.new_case, "Add a case")
        self.lock_action = self._action("&Lock", "Ctrl+L", lambda: self.lock("user"),
                                        "Lock now: hide all pupil details")
        self.lock_action.setIcon(
            lock_icon(True, self.palette().color(QPalette.ColorRole.WindowText)))
        quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.find_action = self._action("&Find case", QKeySequence.StandardKey.Find,
                                        self.focus_search, "Search the case list")
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_case_action)
        self.import_action = self._action("&Import pupils…", "Ctrl+Shift+I", self.import_pupils,
                                          "Import pupils from an MIS CSV export or a CTF")
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu("&Go")
        go_menu.addAction(self.find_action)
        go_menu.addSeparator()
        self.section_actions = []
        for i, name in enumerate(SECTIONS):
            action = self._action(name.replace("&", "&&"), f"Ctrl+{i + 1}",
                                  lambda _c=False, i=i: self.sidebar.setCurrentRow(i))
            go_menu.addAction(action)
            self.section_actions.append(action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&About Partnership Panel", None, self.about))
        self.data_actions = [self.new_case_action, self.import_action, self.lock_action,
                             self.find_action, *self.section_actions]

    def _idle_ms(self) -> int:
        if self.ctx.idle_ms_override is not None:
            return self.ctx.idle_ms_override
        return self.ctx.settings.idle_minutes * 60_000

    # -- sections --------------------------------------------------------------------------
    def _section_changed(self, row: int) -> None:
        if not self.locked and 0 <= row < len(SECTIONS):
            self.stack.setCurrentWidget(self.pages[SECTIONS[row]])

    def show_section(self, name: str) -> None:
        self.sidebar.setCurrentRow(SECTIONS.index(name))

    def import_pupils(self) -> None:
        if not self.locked:
            self.show_section("Cases")
            self.cases.open_import()

    def focus_search(self) -> None:
        if self.locked:
            return
        self.show_section("Cases")
        self.cases.focus_search()

    # -- cases -----------------------------------------------------------------------------
    def new_case(self) -> CaseFormDialog | None:
        return self.open_case(None)

    def open_case(self, case_id: str | None) -> CaseFormDialog | None:
        if self.locked:
            return None
        for form in self.forms:
            if case_id is not None and form.case_id == case_id:
                form.raise_()
                form.activateWindow()
                return form
        form = CaseFormDialog(self.host, self.ctx, self.temp_docs, case_id, self)
        form.saved.connect(lambda _id: self.cases.refresh())
        form.finished.connect(lambda _r, f=form: self._form_closed(f))
        self.forms.append(form)
        form.show()
        return form

    def _form_closed(self, form: CaseFormDialog) -> None:
        if form in self.forms:
            self.forms.remove(form)
        form.deleteLater()

    # -- locking ---------------------------------------------------------------------------
    def lock(self, reason: str = "user") -> None:
        """Close the session and clear every view of pupil data, then ask to unlock."""
        if self.locked:
            return
        self.locked = True
        self.idle.stop()
        self.host.lock()
        for form in list(self.forms):
            form.force_close()
        self.settings.close_dialogs()
        for page in self.pages.values():
            clear = getattr(page, "clear", None)
            if callable(clear):
                clear()  # every view drops its pupil data
        self.temp_docs.clear()
        self.stack.setCurrentWidget(self.locked_page)
        self.sidebar.setEnabled(False)
        for action in self.data_actions:
            action.setEnabled(False)
        self._show_state()
        messages = {"idle": "Locked after a spell without use.",
                    "suspend": "Locked because the computer went to sleep or was locked."}
        self.statusBar().showMessage(messages.get(reason, "Locked."))
        emit(self.lock_changed, True)
        self.show_unlock()

    def show_unlock(self) -> None:
        if not self.locked:
            return
        if self.unlock_dialog is not None and self.unlock_dialog.isVisible():
            self.unlock_dialog.raise_()
            return
        dialog = UnlockDialog(self.path, self.host, self.ctx, try_keyring=False, parent=self)
        self.unlock_dialog = dialog
        dialog.unlocked.connect(self.on_unlocked)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.start()

    def on_unlocked(self, info: dict[str, Any]) -> None:
        self.info.update(info)
        self.locked = False
        self.unlock_dialog = None
        self.sidebar.setEnabled(True)
        for action in self.data_actions:
            action.setEnabled(True)
        if self.sidebar.currentRow() < 0:
            self.sidebar.setCurrentRow(0)
        self._section_changed(self.sidebar.currentRow())
        self.settings.load(self.info)
        for page in self.pages.values():
            load = getattr(page, "load", None)
            if page is not self.settings and callable(load):
                load()
        self._show_state()
        note = "Unlocked."
        if info.get("passphrase_reset"):
            note = "Unlocked with the recovery key; the new passphrase is set."
        elif info.get("keyring_note"):
            note = ("The key is not saved on this computer (no secure keyring): the "
                    "passphrase will be asked at each unlock.")
        self.statusBar().showMessage(note, 8000)
        self._show_audit_state()
        self.idle.start()
        emit(self.lock_changed, False)
        if self.pending_bundle is not None:
            self.import_bundle_file(self.pending_bundle)

    def _show_state(self) -> None:
        name = str(self.info.get("partnership", "")) or self.path.name
        state = "Locked" if self.locked else "Unlocked"
        self.setWindowTitle(f"{name} ({state.lower()}) — {APP_NAME}")
        size = self.fontMetrics().height()
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        self.lock_icon_label.setPixmap(lock_icon(self.locked, colour).pixmap(size, size))
        self.lock_state.setText(state)
        self.lock_state.setAccessibleName(f"Lock state: {state}")
        self.lock_state.setToolTip("Ctrl+L locks now" if not self.locked else "Unlock to carry on")
        self.file_label.setText(str(self.path))
        self.file_label.setToolTip(f"Partnership file: {self.path}")

    def _show_audit_state(self) -> None:
        broken = self.info.get("audit_ok") is False
        problem = str(self.info.get("audit_problem") or "an entry was changed")
        self.audit_state.setText("⚠ Audit trail broken (see Settings)" if broken else "")
        self.audit_state.setToolTip(problem if broken else "")
        self.audit_state.setAccessibleName(f"Audit trail broken: {problem}" if broken else "")
        self.audit_state.setVisible(broken)

    # -- misc ------------------------------------------------------------------------------
    def about(self) -> AboutDialog:
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()
        return self.about_dialog

    def import_bundle_file(self, path: Path) -> None:
        """Preview a bundle opened from the file manager or the command line in the
        Bundles section (as Ctrl+I there would), now or right after the next unlock."""
        if self.locked:
            self.pending_bundle = Path(path)
            return
        self.pending_bundle = None
        view = self.pages.get("Bundles")
        import_path = getattr(view, "import_path", None)
        if callable(import_path):
            self.show_section("Bundles")
            import_path(Path(path))

    def closeEvent(self, event: QCloseEvent) -> None:
        for form in list(self.forms):
            if not form.close():
                event.ignore()
                return
        self.idle.detach()
        self.temp_docs.clear()
        super().closeEvent(event)
        emit(self.closed)
