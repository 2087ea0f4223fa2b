"""Import pupils from a school's MIS (CSV) or a DfE Common Transfer File (CTF).

Three steps in one dialog, nothing stored before the last: (1) the file, the school and
the kind of CSV; (2) for a CSV, the column mapping, pre-filled from the school's remembered
mapping and recognised headings, each column editable; (3) the preview from
``session.imports``: every row as new / update / unchanged / error with its problems
(invalid UPN, unreal date, unknown year group...). "Import N rows" applies the preview in
one transaction on the worker, with progress; Cancel stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.imports import mis_csv
from panel_app.core.imports.files import MAX_IMPORT_BYTES, decode_text, read_import_file
from panel_app.gui.models.import_mapping import PREVIEW_COLUMNS, FieldDelegate, MappingModel
from panel_app.gui.models.records import RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text

FILE_PAGE, MAPPING_PAGE, PREVIEW_PAGE = range(3)
KINDS = (("Work it out from the headings", "auto"), ("Pupils", mis_csv.PUPILS),
         ("Exclusions", mis_csv.EXCLUSIONS))


def is_ctf(path: str) -> bool:
    return Path(path).suffix.lower() in (".xml", ".ctf")


def read_columns(s: Any, path: str, school: str | None, kind: str) -> dict[str, Any]:
    """On the worker: the file's headings and the mapping a preview would start from
    (remembered for the school, else recognised), with any problem, storing nothing."""
    file = read_import_file(Path(path), "csv", getattr(s.imports, "max_bytes",
                                                       MAX_IMPORT_BYTES))
    text, _encoding, _notes = decode_text(file.name, file.data)
    table = mis_csv.read_table(text)
    if kind == "auto":
        kind = mis_csv.detect_kind(table.headers)
    remembered = s.imports.remembered_mapping(school, kind) if school else {}
    cols, issues = mis_csv.resolve_mapping(table.headers, kind, remembered=remembered)
    return {"headers": table.headers, "kind": kind, "mapping": cols.columns,
            "origin": cols.origin, "issues": [i.message for i in issues]}


class ImportPupilsDialog(QDialog):
    imported = Signal(object)  # the ImportResult
    previewed = Signal()  # a preview is shown (tests wait on this)
    columns_read = Signal()

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import pupils")
        self.setAccessibleName("Import pupils")
        self._host = host
        self.preview: Any = None
        self.result: Any = None
        self.kind_found = "pupils"
        self.resize(860, 560)
        layout = QVBoxLayout(self)
        self.title = heading("Import pupils: choose the file", parent=self)
        layout.addWidget(self.title)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._preview_page())
        layout.addWidget(self.pages, 1)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.back_button = QPushButton("&Back")
        self.next_button = QPushButton("&Next")
        self.import_button = QPushButton("&Import")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Close without storing anything (Esc)")
        for b in (self.back_button, self.next_button, self.import_button, self.cancel_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.import_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.setDefault(True)
        self._show_page(FILE_PAGE)
        host.run(lambda s: s.list_schools(), success=self._got_schools,
                 failure=self._failed, parent=self)

    # -- pages -------------------------------------------------------------------------------
    def _file_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.path = QLineEdit()
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("A CSV export of the MIS, or a CTF (.xml)")
        self.browse_button = QPushButton("B&rowse…")
        self.browse_button.setAccessibleName("Browse for the file")
        self.school = QComboBox()
        self.school.setAccessibleName("School")
        self.school.addItem("Named in the file", None)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of file")
        for text, value in KINDS:
            self.kind.addItem(text, value)
        rows = (("&File:", self.path), ("S&chool of the pupils:", self.school),
                ("&Kind of CSV file:", self.kind))
        for r, (text, widget) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, r, 0)
            grid.addWidget(widget, r, 1)
        grid.addWidget(self.browse_button, 0, 2)
        note = QLabel("Nothing is stored until you have seen the preview and chosen "
                      "Import. A CTF brings its pupils' school with it when it is a member "
                      "school.")
        note.setWordWrap(True)
        grid.addWidget(note, 3, 0, 1, 3)
        grid.setRowStretch(4, 1)
        grid.setColumnStretch(1, 1)
        self.browse_button.clicked.connect(self.browse)
        return page

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        intro = QLabel("Check which field each column fills. Choices come from the "
                       "school's last import or the column headings; select a row and "
                       "press F2 to change it.")
        intro.setWordWrap(True)
        box.addWidget(intro)
        self.mapping = MappingModel(self)
        self.mapping_table = QTableView()
        self.mapping_table.setModel(self.mapping)
        self.mapping_table.setAccessibleName("Column mapping")
        self.mapping_table.setItemDelegateForColumn(1, FieldDelegate(self.mapping_table))
        self.mapping_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked)
        self.mapping_table.setTabKeyNavigation(False)
        self.mapping_table.verticalHeader().setVisible(False)
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.mapping_table, 1)
        self.remember = QCheckBox("Re&member this mapping for the school")
        self.remember.setChecked(True)
        box.addWidget(self.remember)
        return page

    def _preview_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.counts = QLabel("")
        self.counts.setAccessibleName("Preview counts")
        self.counts.setWordWrap(True)
        box.addWidget(self.counts)
        self.rows = RecordTableModel(PREVIEW_COLUMNS, self)
        self.rows_table = readonly_table(self.rows, "Rows to import", stretch=4)
        self.rows_table.setWordWrap(True)  # the errors are read in full
        box.addWidget(self.rows_table, 1)
        self.skip_invalid = QCheckBox("&Leave out the rows with errors")
        box.addWidget(self.skip_invalid)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        box.addWidget(self.progress)
        self.skip_invalid.toggled.connect(lambda _c: self._update_buttons())
        return page

    def _show_page(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.title.setText({FILE_PAGE: "Import pupils: choose the file",
                            MAPPING_PAGE: "Import pupils: match the columns",
                            PREVIEW_PAGE: "Import pupils: check the rows"}[page])
        self.title.setAccessibleName(self.title.text())
        self._update_buttons()

    def _update_buttons(self, busy: bool = False) -> None:
        page = self.pages.currentIndex()
        self.back_button.setEnabled(page != FILE_PAGE and not busy)
        self.next_button.setVisible(page != PREVIEW_PAGE)
        self.next_button.setEnabled(not busy)
        self.next_button.setText("&Next" if page == FILE_PAGE else "&Preview rows")
        count = self.importable()
        self.import_button.setVisible(page == PREVIEW_PAGE)
        self.import_button.setText(f"&Import {count} row" + ("" if count == 1 else "s"))
        self.import_button.setEnabled(page == PREVIEW_PAGE and count > 0 and not busy)

    def importable(self) -> int:
        """Rows the import would store: all, or those without errors when leaving out."""
        if self.preview is None:
            return 0
        bad = len(self.preview.error_rows)
        if bad and not self.skip_invalid.isChecked():
            return 0
        return len(self.preview.rows) - bad

    # -- steps -------------------------------------------------------------------------------
    def _got_schools(self, schools: list[Any]) -> None:
        for s in schools:
            if s.member:
                self.school.addItem(s.name, s.name)

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))
        self.progress.setVisible(False)
        self._update_buttons()

    def browse(self) -> None:
        name, _f = QFileDialog.getOpenFileName(
            self, "Choose the file to import", str(Path.home()),
            "MIS exports and CTFs (*.csv *.txt *.xml *.ctf);;All files (*)")
        if name:
            self.path.setText(name)

    def go_back(self) -> None:
        set_message(self.message, "")
        page = self.pages.currentIndex()
        if page == PREVIEW_PAGE and not is_ctf(self.path.text()):
            self._show_page(MAPPING_PAGE)
        else:
            self._show_page(FILE_PAGE)

    def go_next(self) -> None:
        set_message(self.message, "")
        path = self.path.text().strip()
        if not path:
            set_message(self.message, "Choose the file to import.")
            return
        school = self.school.currentData()
        self._update_buttons(busy=True)
        if self.pages.currentIndex() == FILE_PAGE and is_ctf(path):
            self._host.run(lambda s: s.imports.preview_ctf(path, school=school),
                           success=self._got_preview, failure=self._failed, parent=self)
        elif self.pages.currentIndex() == FILE_PAGE:
            kind = self.kind.currentData()
            self._host.run(lambda s: read_columns(s, path, school, kind),
                           success=self._got_columns, failure=self._failed, parent=self)
        else:
            mapping, kind = self.mapping.mapping(), self.kind_found
            self._host.run(lambda s: s.imports.preview_csv(path, school=school, kind=kind,
                                                           mapping=mapping),
                           success=self._got_preview, failure=self._failed, parent=self)

    def _got_columns(self, found: dict[str, Any]) -> None:
        self.kind_found = found["kind"]
        self.mapping.set_mapping(found["headers"], found["kind"], found["mapping"],
                                 found["origin"])
        self._show_page(MAPPING_PAGE)
        if found["issues"]:
            set_message(self.message, " ".join(found["issues"]).replace(
                "choose one with --map", "choose one in the list"), "warning")
        emit(self.columns_read)

    def _got_preview(self, preview: Any) -> None:
        self.preview = preview
        self.rows.set_rows(preview.rows)
        self._show_page(PREVIEW_PAGE)
        self.rows_table.resizeRowsToContents()
        c = preview.counts
        text = (f"{preview.filename} for {preview.school or 'the schools it names'}: "
                f"{c['rows']} row(s): {c['new']} new, {c['update']} to update, "
                f"{c['unchanged']} unchanged, {c['error']} with errors.")
        if preview.notes:
            text += " " + " ".join(preview.notes)
        self.counts.setText(text)
        self.counts.setAccessibleName(text)
        self.skip_invalid.setVisible(bool(preview.error_rows))
        if preview.error_rows:
            first = preview.error_rows[0]
            set_message(self.message, f"{len(preview.error_rows)} row(s) have errors (line "
                        f"{first.line}: {first.errors[0].message.rstrip('.')}). Correct the "
                        "file and choose it again, or leave those rows out.", "warning")
        emit(self.previewed)

    def apply(self) -> None:
        if self.preview is None or self.importable() == 0:
            return
        preview, skip = self.preview, self.skip_invalid.isChecked()
        remember = self.remember.isChecked() and preview.format == "csv"
        self.progress.setRange(0, max(1, len(preview.rows)))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._update_buttons(busy=True)
        self._host.run(lambda s, progress: s.imports.apply(
            preview, skip_invalid=skip, remember_mapping=remember, progress=progress),
            success=self._applied, failure=self._failed, progress=self._progress,
            parent=self)

    def _progress(self, done: int, total: int, _text: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _applied(self, result: Any) -> None:
        self.result = result
        self.progress.setValue(self.progress.maximum())
        emit(self.imported, result)
        self.accept()
