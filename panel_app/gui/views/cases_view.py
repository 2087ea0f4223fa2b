"""The case list: search, filters, counts and a table whose sorting runs in SQL."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.models import CaseFilter, CaseList, CaseStatus, Risk, School
from panel_app.core.domain.schoolyears import YEAR_GROUPS, year_group_label
from panel_app.gui.dialogs.import_pupils import ImportPupilsDialog
from panel_app.gui.icons import RISK_LABELS, risk_icon
from panel_app.gui.models.case_table import COLUMNS, CaseTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

# Rows asked for at a time; more are loaded as the table scrolls (CaseTableModel.fetchMore).
PAGE_SIZE = 300

SEARCH_DELAY_MS = 150
# Column widths in average characters (the last column stretches).
_WIDTHS = {"case_ref": 11, "name": 22, "upn": 16, "year_group": 6, "school": 31,
           "risk": 9, "status": 8, "sen_status": 12, "opened_on": 11}


def counts_text(result: CaseList) -> str:
    if result.all_cases == 0:
        return "No cases yet: press Ctrl+N to add the first one."
    noun = "case" if result.all_cases == 1 else "cases"
    risks = ", ".join(f"{result.by_risk.get(r.value, 0)} {r.value}" for r in Risk)
    return f"{result.total} of {result.all_cases} {noun} · {risks}"


def _combo(name: str, items: list[tuple[str, Any]], with_icons: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for label, value in items:
        if with_icons and value:
            combo.addItem(risk_icon(value), label, value)
        else:
            combo.addItem(label, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class CasesView(QWidget):
    open_case = Signal(str)
    new_case = Signal()
    loaded = Signal()  # a query result was shown (tests wait on this)

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self._in_flight = False  # a list query is running on the worker
        self._again = False  # and the filter changed since it was sent
        self._sort = "name"
        self._descending = False
        self.last_result: CaseList | None = None
        self.model = CaseTableModel(self)
        self.model.more_wanted.connect(self._fetch_more)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Cases", parent=self))
        top.addStretch(1)
        self.new_button = QPushButton("&New case…")
        self.new_button.setToolTip("Add a case (Ctrl+N)")
        top.addWidget(self.new_button)
        self.import_button = QPushButton("&Import…")
        self.import_button.setToolTip(
            "Import pupils from an MIS CSV export or a CTF (Ctrl+Shift+I)")
        top.addWidget(self.import_button)
        self.import_dialog: ImportPupilsDialog | None = None
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setAccessibleName("Search cases")
        self.search.setPlaceholderText("Name, UPN or case ref")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Search by name, UPN or case reference (Ctrl+F)")
        self.school = _combo("School filter", [("All schools", None)])
        self.year = _combo("Year group filter", [("All years", None)] +
                           [(year_group_label(y), y) for y in YEAR_GROUPS])
        self.risk = _combo("Risk filter", [("All risks", None)] +
                           [(RISK_LABELS[r.value], r.value) for r in Risk], with_icons=True)
        self.status = _combo("Status filter", [("Open", CaseStatus.OPEN.value),
                                               ("Closed", CaseStatus.CLOSED.value),
                                               ("All", None)])
        for text, widget, stretch in (("&Search:", self.search, 3), ("Sch&ool:", self.school, 0),
                                      ("&Year:", self.year, 0), ("&Risk:", self.risk, 0),
                                      ("Stat&us:", self.status, 0)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget, stretch)
        layout.addLayout(filters)

        self.counts = QLabel("")
        self.counts.setAccessibleName("Case counts")
        layout.addWidget(self.counts)
        self.message = message_label()
        layout.addWidget(self.message)
        self.table = self._make_table()
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        for combo in (self.school, self.year, self.risk, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button.clicked.connect(self.new_case)
        self.import_button.clicked.connect(self.open_import)

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("Cases")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.setSortingEnabled(False)  # sorting is done by re-querying, in SQL
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self.model.column_of("name"), Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        char = max(self.fontMetrics().averageCharWidth(), 6)
        for i, column in enumerate(COLUMNS):
            if column.attr in _WIDTHS:
                table.setColumnWidth(i, _WIDTHS[column.attr] * char + 16)
        header.sortIndicatorChanged.connect(self._sort_changed)
        table.doubleClicked.connect(lambda _i: self.open_selected())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_selected)
        return table

    # -- querying --------------------------------------------------------------------------
    def current_filter(self, offset: int = 0) -> CaseFilter:
        return CaseFilter(text=self.search.text(), school_id=self.school.currentData(),
                          year_group=self.year.currentData(), risk=self.risk.currentData(),
                          status=self.status.currentData(), sort=self._sort,
                          descending=self._descending, limit=PAGE_SIZE, offset=offset)

    def load(self) -> None:
        """After unlocking: fetch the schools for the filter, then the cases."""
        self._host.run(lambda s: s.list_schools(), success=self._got_schools,
                       failure=self._failed, parent=self)

    def _got_schools(self, schools: list[School]) -> None:
        current = self.school.currentData()
        self.school.blockSignals(True)
        self.school.clear()
        self.school.addItem("All schools", None)
        for school in schools:
            self.school.addItem(school.name, school.id)
        index = self.school.findData(current)
        self.school.setCurrentIndex(max(index, 0))
        self.school.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Query again with the current filter. One query runs at a time: filters
        changed meanwhile are queried once it is back (typing never queues a backlog)."""
        self._search_timer.stop()
        self._seq += 1
        if self._in_flight:
            self._again = True
            return
        self._submit()

    def _submit(self) -> None:
        self._in_flight, self._again = True, False
        seq, flt = self._seq, self.current_filter()

        def finish() -> bool:
            self._in_flight = False
            if self._again:
                self._submit()
                return False
            return seq == self._seq

        def done(result: CaseList) -> None:
            if finish():
                self._show(result)

        def failed(exc: BaseException) -> None:
            if finish():
                self._failed(exc)

        self._host.run(lambda s: s.list_cases(flt), success=done, failure=failed, parent=self)

    def _show(self, result: CaseList) -> None:
        selected = self.selected_case_id()
        self.last_result = result
        self.model.set_rows(result.rows, result.total)
        self.counts.setText(counts_text(result))
        set_message(self.message, "")
        if selected is not None:
            row = self.model.row_of_case(selected)
            if row >= 0:
                self.table.selectRow(row)
        emit(self.loaded)

    def _fetch_more(self, offset: int) -> None:
        """The table scrolled to the end of the loaded rows: load the next page (for the
        filter the loaded rows came from; a newer query makes the answer stale)."""
        if self._in_flight:
            self.model.fetch_failed()
            return
        seq, flt = self._seq, self.current_filter(offset)

        def done(result: CaseList) -> None:
            if seq != self._seq:
                return
            if result.total != self.model.total:  # the data changed meanwhile
                self.refresh()
                return
            self.model.append_rows(result.rows)

        def failed(exc: BaseException) -> None:
            self.model.fetch_failed()
            self._failed(exc)

        self._host.run(lambda s: s.list_cases(flt), success=done, failure=failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    def _sort_changed(self, section: int, order: Qt.SortOrder) -> None:
        if 0 <= section < len(COLUMNS):
            self._sort = COLUMNS[section].sort_key
            self._descending = order == Qt.SortOrder.DescendingOrder
            self.refresh()

    # -- selection -------------------------------------------------------------------------
    def selected_case_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        row = self.model.row_at(index.row())
        return row.id if row else None

    def open_selected(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            emit(self.open_case, case_id)

    def open_import(self) -> ImportPupilsDialog:
        """The import dialog (one at a time); the list refreshes after an import."""
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            return self.import_dialog
        dialog = ImportPupilsDialog(self._host, self)
        self.import_dialog = dialog
        dialog.imported.connect(lambda _r: self.refresh())
        dialog.finished.connect(lambda _r: self._import_closed(dialog))
        dialog.show()
        return dialog

    def _import_closed(self, dialog: ImportPupilsDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None
        dialog.deleteLater()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def clear(self) -> None:
        """Drop every pupil detail shown (on lock), including typed search text."""
        self._seq += 1
        self._in_flight = self._again = False  # the lock dropped any pending result
        self._search_timer.stop()
        if self.import_dialog is not None:  # it shows pupils' rows
            self.import_dialog.reject()
        self.last_result = None
        self.model.clear()
        for widget in (self.search, self.school):
            widget.blockSignals(True)
        self.search.clear()
        self.school.clear()
        self.school.addItem("All schools", None)
        for widget in (self.search, self.school):
            widget.blockSignals(False)
        self.counts.setText("")
        set_message(self.message, "")
