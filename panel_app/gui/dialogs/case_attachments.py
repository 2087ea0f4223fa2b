"""The case form's Notes and Documents tabs (a note or document that must not be kept
can be deleted lawfully, with a reason: ``lawful_delete``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import CaseNote, DocumentInfo
from panel_app.core.errors import PanelError
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.lawful_delete import LawfulDeletion, lawful_button
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.tempdocs import TempDocuments
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


def when(moment: datetime) -> str:
    local = moment.astimezone() if moment.tzinfo is not None else moment
    return f"{format_uk(local.date())} {local:%H:%M}"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


NOTE_COLUMNS = (
    RecordColumn("When", lambda n: when(n.at), lambda n: n.at.isoformat()),
    RecordColumn("Author", lambda n: n.author),
    RecordColumn("Note", lambda n: n.text),
)
DOCUMENT_COLUMNS = (
    RecordColumn("File", lambda d: d.filename),
    RecordColumn("Size", lambda d: size_text(d.size), lambda d: d.size),
    RecordColumn("Added", lambda d: when(d.added_at), lambda d: d.added_at.isoformat()),
    RecordColumn("Added by", lambda d: d.added_by),
)


def _fit_columns(table: QTableView) -> None:
    """Size every column but the last (which stretches) to its contents: few rows."""
    for column in range(table.model().columnCount() - 1):
        table.resizeColumnToContents(column)
        table.setColumnWidth(column, table.columnWidth(column) + 12)


def _buttons(message: QWidget, *buttons: QPushButton) -> QVBoxLayout:
    """The message line above a right-aligned row of buttons."""
    box = QVBoxLayout()
    box.addWidget(message)
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    box.addLayout(row)
    return box


def _table(model: RecordTableModel, name: str) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setTabKeyNavigation(False)
    return table


class _CaseTab(QWidget):
    changed = Signal()  # the case was changed (the list's "updated" moved)
    KIND = ""  # the record kind listed, for a lawful deletion

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self.case_id: str | None = None
        self.message = message_label()
        self.model: RecordTableModel
        self.table: QTableView
        self.deletion = LawfulDeletion(host, self, self.message, self._deleted)
        self.delete_button = lawful_button("Delete the selected record for good, with a "
                                           "reason (recorded in the audit trail)")
        self.delete_button.clicked.connect(self.delete_selected)

    def delete_selected(self) -> None:
        self.deletion.start_selected(self.table, self.KIND, "Select the record to delete "
                                                            "first.")

    def _deleted(self, _result: Any) -> None:
        case_id = self.case_id
        if case_id is not None:
            self._run(lambda s: s.get_case(case_id), self._show_case)
        emit(self.changed)

    def _show_case(self, case: Any) -> None:
        """Show the case's records again after a deletion (subclasses)."""

    def hideEvent(self, event: Any) -> None:  # the form is closing or locking
        self.deletion.close()
        super().hideEvent(event)

    def _run(self, fn: Callable[[Any], Any], success: Callable[[Any], None]) -> None:
        self._host.run(fn, success=success, failure=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        set_message(self.message, error_text(exc))

    def set_busy(self, busy: bool) -> None:
        self.setEnabled(not busy)


class NotesTab(_CaseTab):
    KIND = "case_note"

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(host, parent)
        self.model = RecordTableModel(NOTE_COLUMNS, self)
        layout = QVBoxLayout(self)
        self.table = _table(self.model, "Notes")
        layout.addWidget(self.table, 1)
        label = QLabel("&New note:")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("New note")
        self.text.setTabChangesFocus(True)
        self.text.setMaximumHeight(90)
        label.setBuddy(self.text)
        layout.addWidget(label)
        layout.addWidget(self.text)
        self.add_button = QPushButton("Add n&ote")
        self.add_button.setToolTip("Add the note to this case (it cannot be edited later)")
        layout.addLayout(_buttons(self.message, self.add_button, self.delete_button))
        self.add_button.clicked.connect(self.add_note)
        self.table.setWordWrap(True)  # notes can be long: show them whole
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)

    def show_notes(self, notes: list[CaseNote]) -> None:
        self.model.set_rows(list(reversed(notes)))
        _fit_columns(self.table)

    def _show_case(self, case: Any) -> None:
        self.show_notes(list(case.notes))

    def add_note(self) -> None:
        text = self.text.toPlainText().strip()
        if not text:
            set_message(self.message, "Write the note first.")
            self.text.setFocus()
            return
        if self.case_id is None:
            set_message(self.message, "Save the case before adding notes.")
            return
        case_id = self.case_id
        self.set_busy(True)

        def add(s: Any) -> list[CaseNote]:
            s.add_note(case_id, text)
            return list(s.get_case(case_id).notes)

        self._run(add, self._added)

    def _added(self, notes: list[CaseNote]) -> None:
        self.set_busy(False)
        self.text.clear()
        set_message(self.message, "Note added.", "ok")
        self.show_notes(notes)
        emit(self.changed)


class DocumentsTab(_CaseTab):
    KIND = "document"

    def __init__(self, host: SessionHost, ctx: AppContext, temp_docs: TempDocuments,
                 owner: str, parent: QWidget | None = None) -> None:
        super().__init__(host, parent)
        self._ctx = ctx
        self._temp = temp_docs
        self._owner = owner
        self.opened: list[Path] = []
        self.model = RecordTableModel(DOCUMENT_COLUMNS, self)
        layout = QVBoxLayout(self)
        note = QLabel("Documents are stored encrypted inside the partnership file. Opening "
                      "one makes a temporary copy that is deleted when this form closes or "
                      "the app locks.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        layout.addWidget(note)
        self.table = _table(self.model, "Documents")
        layout.addWidget(self.table, 1)
        self.attach_button = QPushButton("A&ttach file…")
        self.attach_button.setToolTip("Add a document (up to 25 MB) to this case")
        self.open_button = QPushButton("Ope&n")
        self.open_button.setToolTip("Open the selected document with its usual program")
        layout.addLayout(_buttons(self.message, self.attach_button, self.open_button,
                                  self.delete_button))
        self.attach_button.clicked.connect(self._browse)
        self.open_button.clicked.connect(self.open_selected)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())

    def show_documents(self, docs: list[DocumentInfo]) -> None:
        self.model.set_rows(docs)
        _fit_columns(self.table)

    def _show_case(self, case: Any) -> None:
        self.show_documents(list(case.documents))

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Attach a document", str(Path.home()))
        if name:
            self.attach_file(Path(name))

    def attach_file(self, path: Path) -> None:
        if self.case_id is None:
            set_message(self.message, "Save the case before attaching documents.")
            return
        case_id = self.case_id
        self.set_busy(True)

        def attach(s: Any) -> list[DocumentInfo]:
            try:
                content = Path(path).read_bytes()
            except OSError as exc:
                raise PanelError(f"Cannot read {Path(path).name}: {exc.strerror}.") from None
            s.add_document(case_id, Path(path).name, content)
            return list(s.get_case(case_id).documents)

        self._run(attach, self._attached)

    def _attached(self, docs: list[DocumentInfo]) -> None:
        self.set_busy(False)
        set_message(self.message, "Document attached.", "ok")
        self.show_documents(docs)
        emit(self.changed)

    def open_selected(self) -> None:
        index = self.table.currentIndex()
        doc = self.model.record(index.row()) if index.isValid() else None
        if doc is None:
            set_message(self.message, "Select a document to open.")
            return
        doc_id = doc.id
        self._run(lambda s: s.document(doc_id), self._open_copy)

    def _open_copy(self, found: tuple[str, bytes]) -> None:
        filename, content = found
        path = self._temp.write(self._owner, filename, content)
        self.opened.append(path)
        if not self._ctx.open_file(path):
            set_message(self.message, f"No program on this computer opens {path.suffix or 'this'} "
                                      "files.")
        else:
            set_message(self.message, "")

    def discard_copies(self) -> None:
        self._temp.clear(self._owner)
        self.opened.clear()

