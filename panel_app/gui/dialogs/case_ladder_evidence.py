"""The Ladder tab's evidence list: the case's evidence records, their buttons and keys
(Ins adds, Enter edits, Delete takes a record off the case, Shift+Delete deletes it
lawfully), and the lawful deletion of one evidence record with the documents only it uses
(``lawful_delete``: the purge confirmation names the record, its documents and what stays
on the case, and asks for the reason).

"Remove" only marks a record deleted (recorded checks still show it, and its text stays
in the file); "Delete lawfully…" removes it for good, for example evidence recorded
against the wrong pupil. Either way the tab fetches the ladder check again afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from panel_app.core.services.privacy import PurgeResult
from panel_app.gui.dialogs.case_attachments import _fit_columns, _table
from panel_app.gui.dialogs.lawful_delete import LawfulDeletion, lawful_button
from panel_app.gui.models.evidence_rows import EVIDENCE_COLUMNS, EvidenceRow
from panel_app.gui.models.records import RecordTableModel
from panel_app.gui.worker import SessionHost

ITEM_COLUMN = 1  # in EVIDENCE_COLUMNS
LAWFUL_KEY = QKeySequence(QKeyCombination(Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_Delete))


class EvidencePage(QWidget):
    """The list and its buttons; the tab connects add, edit, verify and remove
    (``connect_actions``), the lawful deletion is handled here and reports to ``deleted``."""

    def __init__(self, host: SessionHost, message: QLabel,
                 deleted: Callable[[PurgeResult], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.model = RecordTableModel(EVIDENCE_COLUMNS, self)
        self.table = _table(self.model, "Evidence records")
        self.table.setWordWrap(True)  # long item names wrap in their column
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setMinimumSectionSize(self.fontMetrics().height() + 10)
        # The item name takes the room the other columns leave (and wraps), so that every
        # column fits the tab on a laptop screen without scrolling sideways.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(ITEM_COLUMN, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.table, 1)
        self.add_button = QPushButton("&Add evidence…")
        self.add_button.setToolTip("Record evidence for a step of the ladder (Ins)")
        self.edit_button = QPushButton("Edi&t…")
        self.edit_button.setToolTip("Change the selected record's dates, outcome, notes or "
                                    "documents (Enter)")
        self.verify_button = QPushButton("Ver&ify…")
        self.verify_button.setToolTip("Record who verified the selected record")
        self.remove_button = QPushButton("Re&move")
        self.remove_button.setToolTip("Take the selected record off the case; recorded checks "
                                      "still show it (Delete)")
        self.delete_button = lawful_button("Delete the selected record and the documents only "
                                           "it uses for good, with a reason recorded in the "
                                           "audit trail (Shift+Delete)")
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.add_button, self.edit_button, self.verify_button,
                       self.remove_button, self.delete_button):
            row.addWidget(button)
        box.addLayout(row)
        self.deletion = LawfulDeletion(host, self, message, deleted)
        self.delete_button.clicked.connect(self.delete_selected)
        self._key(LAWFUL_KEY, self.delete_selected)

    def _key(self, keys: QKeySequence, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(keys, self.table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(slot)

    def connect_actions(self, add: Callable[[], object], edit: Callable[[], object],
                        verify: Callable[[], object], remove: Callable[[], object]) -> None:
        self.add_button.clicked.connect(lambda: add())
        self.edit_button.clicked.connect(lambda: edit())
        self.verify_button.clicked.connect(lambda: verify())
        self.remove_button.clicked.connect(lambda: remove())
        self.table.doubleClicked.connect(lambda _i: edit())
        for key, slot in ((Qt.Key.Key_Return, edit), (Qt.Key.Key_Enter, edit),
                          (Qt.Key.Key_Insert, add), (Qt.Key.Key_Delete, remove)):
            self._key(QKeySequence(key), slot)

    def show_rows(self, rows: Sequence[EvidenceRow]) -> None:
        self.model.set_rows(list(rows))
        _fit_columns(self.table)
        last = self.model.columnCount() - 1
        self.table.resizeColumnToContents(last)
        limit = 20 * max(self.fontMetrics().averageCharWidth(), 6)  # longer text wraps
        for column in range(last + 1):
            if column != ITEM_COLUMN and self.table.columnWidth(column) > limit:
                self.table.setColumnWidth(column, limit)

    def delete_selected(self) -> None:
        """Ask to delete the selected evidence record lawfully (the confirmation opens)."""
        self.deletion.start_selected(self.table, "evidence",
                                     "Select the evidence record to delete first.",
                                     lambda row: row.evidence.id)

    def hideEvent(self, event: QHideEvent) -> None:  # the form is closing or locking
        self.deletion.close()
        super().hideEvent(event)
