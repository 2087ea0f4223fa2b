"""The Meetings section: the list of meetings with a details tab and an agenda editor,
the actions tracker across meetings, meeting mode and the one-click minutes PDF."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.dialogs.minutes_export import MinutesDialog
from panel_app.gui.dialogs.new_meeting import NewMeetingDialog
from panel_app.gui.models.meetings import MeetingRow, RawSortProxy, long_date, meetings_model
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.actions_tracker import ActionsTracker
from panel_app.gui.views.agenda_editor import AgendaEditor
from panel_app.gui.views.meeting_details import MeetingDetail, MeetingDetails, load_detail
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.views.meeting_mode import MeetingModeWindow
from panel_app.gui.worker import SessionHost, error_text

LIST_FILTERS = [("All meetings", None), ("Upcoming", True), ("Past", False)]


def load_rows(s: Any) -> list[MeetingRow]:
    today = s.clock.today()
    return [MeetingRow(m, s.meetings.quorum(m), today) for m in s.meetings.list_meetings()]


class MeetingsView(QWidget):
    loaded = Signal()  # the meeting list was shown
    detail_loaded = Signal()  # the chosen meeting's details and agenda were shown

    def __init__(self, host: SessionHost, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self._host = host
        self._ctx = window.ctx
        self._seq = 0
        self._detail_seq = 0
        self.rows: list[MeetingRow] = []
        self.mode: MeetingModeWindow | None = None
        self.minutes_dialog: MinutesDialog | None = None
        self.new_dialog: NewMeetingDialog | None = None

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Meetings", parent=self))
        top.addStretch(1)
        self.new_button = QPushButton("S&chedule meetings…")
        self.new_button.setToolTip("Add a meeting or a fortnightly series (Ctrl+Shift+N)")
        self.mode_button = QPushButton("Meeting &mode…")
        self.mode_button.setToolTip("Step through the chosen meeting's agenda and record "
                                    "decisions and actions (Ctrl+Shift+M)")
        self.minutes_button = QPushButton("Minutes &PDF…")
        self.minutes_button.setToolTip("Save the chosen meeting's minutes as a PDF (Ctrl+M)")
        top.addWidget(self.new_button)
        top.addWidget(self.mode_button)
        top.addWidget(self.minutes_button)
        layout.addLayout(top)
        self.message = message_label()
        layout.addWidget(self.message)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Meetings pages")
        self.tabs.addTab(self._meetings_page(), "Meetings")
        self.tracker = ActionsTracker(host)
        self.tabs.addTab(self.tracker, "Actions tracker")
        layout.addWidget(self.tabs, 1)

        for keys, slot in (("Ctrl+Shift+M", self.open_meeting_mode),
                           ("Ctrl+Shift+N", self.new_meeting),
                           ("Ctrl+M", self.show_minutes)):
            shortcut = QShortcut(QKeySequence(keys), self)  # while this section is shown
            shortcut.activated.connect(slot)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_meeting_mode)
        self.new_button.clicked.connect(self.new_meeting)
        self.mode_button.clicked.connect(self.open_meeting_mode)
        self.minutes_button.clicked.connect(self.show_minutes)
        self.list_filter.currentIndexChanged.connect(lambda _i: self._show_rows())
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._meeting_chosen(cur))
        self.table.doubleClicked.connect(lambda _i: self.open_meeting_mode())
        self.details.changed.connect(self._detail_changed)
        self.agenda.changed.connect(self._detail_changed)
        self.tracker.changed.connect(self.refresh)
        closed = getattr(window, "closed", None)  # the app is closing: save what is typed
        if closed is not None:
            closed.connect(lambda: self.mode is not None and shiboken6.isValid(self.mode)
                           and self.mode.close())
        self._enable(False)
        d, a, t = self.details, self.agenda, self.tracker
        order = [self.new_button, self.mode_button, self.minutes_button, self.tabs,
                 self.list_filter, self.table,
                 self.detail_tabs, d.table, *d.attendance_buttons.values(), a.table,
                 a.build_button, a.up_button, a.down_button, a.remove_button, a.new_title,
                 a.new_section, a.add_button, t.filter, t.table, t.done_button,
                 t.reopen_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _meetings_page(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Vertical)
        left = QWidget()
        box = QVBoxLayout(left)
        box.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        label = QLabel("&List:")
        self.list_filter = QComboBox()
        self.list_filter.setAccessibleName("Which meetings to list")
        for text, value in LIST_FILTERS:
            self.list_filter.addItem(text, value)
        label.setBuddy(self.list_filter)
        row.addWidget(label)
        row.addWidget(self.list_filter)
        row.addStretch(1)
        box.addLayout(row)
        self.model = meetings_model(self)
        self.proxy = RawSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = readonly_table(self.proxy, "Meetings", sort_descending=True)
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 5
                                    + self.table.horizontalHeader().sizeHint().height() + 4)
        box.addWidget(self.table, 1)
        self.detail_tabs = QTabWidget()
        self.detail_tabs.setAccessibleName("Meeting")
        self.details = MeetingDetails(self._host)
        self.agenda = AgendaEditor(self._host)
        self.detail_tabs.addTab(self.details, "Details")
        self.detail_tabs.addTab(self.agenda, "Agenda")
        splitter.addWidget(left)
        splitter.addWidget(self.detail_tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setChildrenCollapsible(False)
        return splitter

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """After unlocking (and after changes): the meetings, then the actions."""
        self.refresh()

    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq

        def done(rows: list[MeetingRow]) -> None:
            if seq == self._seq:
                self.rows = rows
                self._show_rows()
                emit(self.loaded)

        self._host.run(load_rows, success=done, failure=self._failed, parent=self)
        self.tracker.load()

    def _show_rows(self) -> None:
        keep = self.selected_id()
        wanted = self.list_filter.currentData()
        self.model.set_rows([r for r in self.rows if wanted is None or r.upcoming == wanted])
        if keep is None:  # the next meeting, else the latest one
            upcoming = sorted((r for r in self.rows if r.upcoming), key=lambda r: r.meeting.date)
            chosen = upcoming[0] if upcoming else (self.rows[-1] if self.rows else None)
            keep = chosen.meeting.id if chosen else None
        row = self._proxy_row(keep) if keep else -1
        if row < 0 and self.proxy.rowCount():
            row = 0
        if row >= 0:
            self.table.selectRow(row)
            self._meeting_chosen(self.proxy.index(row, 0), force=True)
        else:
            self._show_detail(None)
        self._enable(row >= 0)

    def _proxy_row(self, meeting_id: str) -> int:
        for row in range(self.proxy.rowCount()):
            record = self._row_at(row)
            if record is not None and record.meeting.id == meeting_id:
                return row
        return -1

    def _row_at(self, proxy_row: int) -> MeetingRow | None:
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        return self.model.record(source.row()) if source.isValid() else None

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        row = self._row_at(index.row()) if index.isValid() else None
        return row.meeting.id if row is not None else None

    def select_meeting(self, meeting_id: str) -> None:
        row = self._proxy_row(meeting_id)
        if row >= 0:
            self.table.selectRow(row)

    def _meeting_chosen(self, index: QModelIndex, force: bool = False) -> None:
        row = self._row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        shown = self.details.detail
        if not force and shown is not None and shown.meeting.id == row.meeting.id:
            return
        self._detail_seq += 1
        seq, meeting_id = self._detail_seq, row.meeting.id

        def done(detail: MeetingDetail) -> None:
            if seq == self._detail_seq:
                self._show_detail(detail)

        self._host.run(lambda s: load_detail(s, meeting_id), success=done,
                       failure=self._failed, parent=self)

    def _show_detail(self, detail: MeetingDetail | None) -> None:
        self.details.show_detail(detail)
        self.agenda.show_detail(detail)
        self._enable(detail is not None)
        if detail is not None:
            emit(self.detail_loaded)

    def _detail_changed(self) -> None:
        """Attendance or the agenda changed: the list and both tabs are reloaded."""
        self.refresh()

    def _enable(self, on: bool) -> None:
        self.mode_button.setEnabled(on)
        self.minutes_button.setEnabled(on)

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    # -- new meetings ------------------------------------------------------------------------
    def new_meeting(self) -> None:
        """Ask for the date (and more), then add the meeting or series on the worker."""
        def ask(schools: list[tuple[str, str]]) -> None:
            dialog = NewMeetingDialog(self._host, schools, self._ctx.clock.today(), self)
            self.new_dialog = dialog
            dialog.succeeded.connect(self._meeting_added)
            dialog.open()

        self._host.run(lambda s: [(x.id, x.name) for x in s.list_schools() if x.member],
                       success=ask, failure=self._failed, parent=self)

    def _meeting_added(self, saved: Any) -> None:
        added = len(saved.ids) or 1
        note = " ".join(w.message for w in saved.warnings)
        text = f"Added {added} meeting{'s' if added != 1 else ''}." + (f" {note}" if note else "")
        set_message(self.message, text, "warning" if note else "ok")
        self.refresh()

    # -- meeting mode and minutes ----------------------------------------------------------
    def open_meeting_mode(self) -> MeetingModeWindow | None:
        meeting_id = self.selected_id()
        if meeting_id is None:
            set_message(self.message, "Choose a meeting first.")
            return None
        mode = self.mode if self.mode is not None and shiboken6.isValid(self.mode) else None
        if mode is not None and mode.meeting_id == meeting_id:
            mode.raise_()
            mode.activateWindow()
            return mode
        if mode is not None:
            mode.close()
        mode = MeetingModeWindow(self._host, self._ctx, meeting_id, self.window())
        mode.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        mode.changed.connect(self.refresh)
        mode.closed.connect(lambda m=mode: self._mode_closed(m))
        self.mode = mode
        mode.load()
        mode.showMaximized()
        mode.activateWindow()
        return mode

    def _mode_closed(self, mode: MeetingModeWindow) -> None:
        if self.mode is mode:
            self.mode = None

    def show_minutes(self) -> MinutesDialog | None:
        detail = self.details.detail
        if detail is None:
            set_message(self.message, "Choose a meeting first.")
            return None
        m = detail.meeting
        dialog = MinutesDialog(self._host, self._ctx, m.id, m.date.isoformat(),
                               long_date(m.date), self)
        dialog.finished.connect(dialog.deleteLater)
        self.minutes_dialog = dialog
        dialog.open()
        return dialog

    def clear(self) -> None:
        """On lock: close meeting mode and the minutes dialog, forget every row."""
        self._seq += 1
        self._detail_seq += 1
        if self.mode is not None and shiboken6.isValid(self.mode):
            self.mode.force_close()
        self.mode = None
        if self.minutes_dialog is not None and shiboken6.isValid(self.minutes_dialog):
            self.minutes_dialog.reject()
        self.minutes_dialog = None
        self.rows = []
        self.model.clear()
        self._show_detail(None)
        self.tracker.clear()
        set_message(self.message, "")
