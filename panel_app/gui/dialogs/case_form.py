"""Add or edit a case: every pupil and case field, notes and documents.

Input is checked by the core (``session.check_case_input``) on the worker as the user
types; errors are shown under the field (for fields already touched, and all of them
after a Save), warnings are shown but never block. Save calls ``create_case`` or
``update_case``, which refuse with a ``ValidationError`` carrying the same issues.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import CASE_FIELDS, PUPIL_FIELDS, CaseRecord, School
from panel_app.core.errors import ValidationError
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.case_attachments import DocumentsTab, NotesTab
from panel_app.gui.dialogs.case_fields import FieldEditor
from panel_app.gui.dialogs.case_ladder import LadderTab
from panel_app.gui.dialogs.case_records import RecordsTab
from panel_app.gui.dialogs.case_sar import export_subject_access
from panel_app.gui.icons import risk_text
from panel_app.gui.qtcompat import emit
from panel_app.gui.tempdocs import TempDocuments
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

# Each tab: (title, columns of short fields side by side, long text fields below).
TABS: list[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]]] = [
    ("Pupil", (("first_name", "last_name", "dob", "upn", "gender", "year_group",
                "home_school_id"),
               ("sen_status", "primary_need", "social_care", "fsm", "pupil_premium", "lac",
                "eal", "young_carer", "youth_justice")), ("pupil_voice", "family_voice")),
    ("Case", (("risk", "status", "opened_on", "closed_on", "lead"),
              ("attendance_pct", "suspensions", "suspension_days", "permanent_exclusions")),
     ("summary",)),
]
VALIDATE_DELAY_MS = 250


class CaseFormDialog(QDialog):
    saved = Signal(str)  # case id, after every successful save (and note or document)

    def __init__(self, host: SessionHost, ctx: AppContext, temp_docs: TempDocuments,
                 case_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self.case_id = case_id
        self.dirty = False
        self._touched: set[str] = set()
        self._show_all = False
        self._check_seq = 0
        self._close_after_save = False
        self.last_issues: list[Issue] = []
        self.setWindowTitle("Case" if case_id else "New case")
        self.resize(840, 540)
        self.setMinimumSize(600, 460)

        self.fields = {name: FieldEditor(name) for name in (*PUPIL_FIELDS, *CASE_FIELDS)}
        layout = QVBoxLayout(self)
        self.title = heading("New case" if case_id is None else "Loading…", parent=self)
        layout.addWidget(self.title)
        self.banner = message_label()
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case sections")
        self._tab_of: dict[str, int] = {}
        for index, (title, columns, long_fields) in enumerate(TABS):
            self.tabs.addTab(self._field_page(columns, long_fields), title)
            for names in (*columns, long_fields):
                self._tab_of.update(dict.fromkeys(names, index))
        owner = f"case-form-{id(self)}"
        self.notes_tab = NotesTab(host, self)
        self.documents_tab = DocumentsTab(host, ctx, temp_docs, owner, self)
        self.notes_index = self.tabs.addTab(self.notes_tab, "Notes")
        self.documents_index = self.tabs.addTab(self.documents_tab, "Documents")
        self.ladder_tab = LadderTab(host, ctx, self)
        self.ladder_index = self.tabs.addTab(self.ladder_tab, "Ladder")
        self.records_tab = RecordsTab(host, self)
        self.records_index = self.tabs.addTab(self.records_tab, "Exclusions")
        layout.addWidget(self.tabs, 1)

        self.buttons = QWidget()
        button_row = QHBoxLayout(self.buttons)
        button_row.setContentsMargins(0, 0, 0, 0)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the case (Ctrl+S)")
        self.save_close_button = QPushButton("Save and close")
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the form (Esc)")
        self.sar_button = QPushButton("Subject access e&xport…")
        self.sar_button.setToolTip("Everything held about this pupil as a PDF and JSON for a "
                                   "subject-access request (not encrypted)")
        self.sar_button.setAutoDefault(False)
        self.sar_result: Any = None
        button_row.addWidget(self.sar_button)
        button_row.addStretch(1)
        for button in (self.save_button, self.save_close_button, self.close_button):
            button.setAutoDefault(False)
            button.setDefault(False)
            button_row.addWidget(button)
        layout.addWidget(self.buttons)
        self.save_button.clicked.connect(self.save)
        self.save_close_button.clicked.connect(self.save_and_close)
        self.close_button.clicked.connect(self.reject)
        self.sar_button.clicked.connect(lambda: export_subject_access(self, host))
        save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_shortcut.activated.connect(self.save)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(VALIDATE_DELAY_MS)
        self._check_timer.timeout.connect(self.validate)
        for editor in self.fields.values():
            editor.on_change(lambda *_args, name=editor.name: self._edited(name))
        self.notes_tab.changed.connect(self._attachments_changed)
        self.documents_tab.changed.connect(self._attachments_changed)
        self.documents_tab.changed.connect(self.ladder_tab.reload)
        self.ladder_tab.changed.connect(self._attachments_changed)
        self.ladder_tab.documents_loaded.connect(self.documents_tab.show_documents)
        self.records_tab.changed.connect(self._records_changed)
        self.finished.connect(lambda _r: self.documents_tab.discard_copies())
        self._update_attachment_tabs()
        self._load()

    # -- layout ----------------------------------------------------------------------------
    def _field_page(self, columns: tuple[tuple[str, ...], ...],
                    long_fields: tuple[str, ...]) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        row = QHBoxLayout()  # (no setSpacing: nested form layouts would inherit it)
        for i, names in enumerate(columns):
            if i:
                row.addSpacing(24)
            column = QVBoxLayout()
            form = QFormLayout()
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            column.addLayout(form)
            flags = [n for n in names if self.fields[n].kind == "bool"]
            for name in names:
                editor = self.fields[name]
                if editor.kind != "bool":
                    form.addRow(editor.label, editor.container)
            if flags:
                group = QGroupBox("Needs and vulnerabilities")
                box = QVBoxLayout(group)
                for name in flags:
                    box.addWidget(self.fields[name].container)
                column.addWidget(group)
            column.addStretch(1)
            row.addLayout(column, 1)
        if columns:
            outer.addLayout(row, 0 if long_fields else 1)
        for name in long_fields:
            editor = self.fields[name]
            outer.addWidget(editor.label)
            outer.addWidget(editor.container, 1)
        return page

    def _update_attachment_tabs(self) -> None:
        saved = self.case_id is not None
        for index, tab in ((self.notes_index, self.notes_tab),
                           (self.documents_index, self.documents_tab),
                           (self.ladder_index, self.ladder_tab),
                           (self.records_index, self.records_tab)):
            self.tabs.setTabEnabled(index, saved)
            self.tabs.setTabToolTip(index, "" if saved else "Save the case first")
            tab.case_id = self.case_id
        self.sar_button.setEnabled(saved)

    # -- loading ---------------------------------------------------------------------------
    def _load(self) -> None:
        self.tabs.setEnabled(False)
        case_id = self.case_id

        def load(s: Any) -> tuple[CaseRecord | None, list[School]]:
            return (s.get_case(case_id) if case_id else None), s.list_schools()

        self._host.run(load, success=self._loaded, failure=self._failed, parent=self)

    def _loaded(self, result: tuple[CaseRecord | None, list[School]]) -> None:
        record, schools = result
        self.fields["home_school_id"].set_choices(
            [("Choose…", "")] + [(s.name, s.id) for s in schools])
        if record is not None:
            self.show_record(record)
        else:
            self.fields["opened_on"].set(self._ctx.clock.today())
        self.tabs.setEnabled(True)
        self.fields["first_name"].widget.setFocus()
        if record is not None:
            self.validate()

    def show_record(self, record: CaseRecord) -> None:
        for name, editor in self.fields.items():
            editor.set(getattr(record, name))
        self.case_id = record.id
        self.dirty = False
        self.setWindowTitle(f"Case {record.case_ref}")
        self.title.setText(f"{record.full_name} · {record.case_ref} · {risk_text(record.risk)}")
        self.title.setAccessibleName(self.title.text())
        self.notes_tab.show_notes(record.notes)
        self.documents_tab.show_documents(record.documents)
        self._update_attachment_tabs()

    # -- values and checks -----------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        values = {name: editor.get() for name, editor in self.fields.items()}
        if self.case_id is None and not values["opened_on"]:
            del values["opened_on"]  # the core then opens the case today
        return values

    def _edited(self, name: str) -> None:
        self.dirty = True
        self._touched.add(name)
        self._check_timer.start()

    def validate(self) -> None:
        self._check_timer.stop()
        if not self._host.running:
            return  # the app is closing (a pending check fired late): nothing to check with
        self._check_seq += 1
        seq, values, case_id = self._check_seq, self.values(), self.case_id

        def done(issues: list[Issue]) -> None:
            if seq == self._check_seq:
                self.show_issues(issues)

        self._host.run(lambda s: s.check_case_input(values, case_id)[1], success=done,
                       failure=self._failed, parent=self)

    def show_issues(self, issues: list[Issue]) -> None:
        self.last_issues = list(issues)
        by_field: dict[str, Issue] = {}
        for issue in issues:
            known = by_field.get(issue.field)
            if known is None or (known.severity == "warning" and issue.severity == "error"):
                by_field[issue.field] = issue
        shown_errors = 0
        for name, editor in self.fields.items():
            found = by_field.get(name)
            visible = found is not None and (
                found.severity == "warning" or self._show_all or name in self._touched)
            if visible and found is not None:
                editor.show_issue(found.message, found.severity)
                shown_errors += found.severity == "error"
            else:
                editor.show_issue("", "error")
        for index, (title, columns, long_fields) in enumerate(TABS):
            names = [n for group in (*columns, long_fields) for n in group]
            count = sum(1 for n in names if self.fields[n].message.text())
            self.tabs.setTabText(index, f"{title} ({count})" if count else title)
        others = [i.message for i in issues if i.field not in self.fields
                  and i.severity == "error"]
        if others:
            set_message(self.banner, " ".join(others))
        elif shown_errors and self._show_all:
            noun = "problem" if shown_errors == 1 else "problems"
            set_message(self.banner, f"Fix the {shown_errors} {noun} marked below, then save.")
        elif not shown_errors and self.banner.property("role") == "error":
            set_message(self.banner, "")

    def first_error_field(self) -> str | None:
        for name in self.fields:
            if any(i.field == name and i.severity == "error" for i in self.last_issues):
                return name
        return None

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> None:
        self._check_timer.stop()
        self._check_seq += 1  # a pending check must not overwrite the save's result
        values, case_id = self.values(), self.case_id
        set_message(self.banner, "Saving…", "muted")
        self.buttons.setEnabled(False)

        def save(s: Any) -> Any:
            return s.update_case(case_id, values) if case_id else s.create_case(values)

        self._host.run(save, success=self._saved, failure=self._save_failed, parent=self)

    def save_and_close(self) -> None:
        self._close_after_save = True
        self.save()

    def _saved(self, saved: Any) -> None:
        self.buttons.setEnabled(True)
        self._show_all = False
        self._touched.clear()
        self.show_record(saved.case)
        self.show_issues(list(saved.warnings))
        message = "Saved." if saved.changed_fields else "No changes to save."
        if saved.warnings:
            message += " Check: " + " ".join(w.message for w in saved.warnings)
        set_message(self.banner, message, "warning" if saved.warnings else "ok")
        emit(self.saved, saved.case.id)
        if self._close_after_save:
            self._close_after_save = False
            self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self._close_after_save = False
        if isinstance(exc, ValidationError):
            self._show_all = True
            self.show_issues(exc.issues)
            name = self.first_error_field()
            if name is not None:
                self.tabs.setCurrentIndex(self._tab_of[name])
                self.fields[name].widget.setFocus()
            return
        set_message(self.banner, error_text(exc))

    def _failed(self, exc: BaseException) -> None:
        self.tabs.setEnabled(True)
        set_message(self.banner, error_text(exc))

    def _attachments_changed(self) -> None:
        if self.case_id:
            emit(self.saved, self.case_id)

    def _records_changed(self) -> None:
        """A record was deleted lawfully: the case's summary fields (suspensions,
        permanent exclusions) may have followed; the list refreshes too."""
        if self.case_id:
            case_id = self.case_id
            self._host.run(lambda s: s.get_case(case_id), success=self._refresh_fields,
                           failure=self._failed, parent=self)

    def _refresh_fields(self, record: CaseRecord) -> None:
        if self.dirty:  # keep what the user is typing; the list still refreshes
            emit(self.saved, record.id)
            return
        self.show_record(record)
        emit(self.saved, record.id)

    # -- closing ---------------------------------------------------------------------------
    def force_close(self) -> None:
        """Close without asking (the app is locking): unsaved edits are discarded."""
        self.dirty = False
        self.reject()
        self.hide()

    def reject(self) -> None:
        if self.dirty and not self._confirm_discard():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.dirty and not self._confirm_discard():
            event.ignore()
            return
        self.dirty = False
        super().closeEvent(event)

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self, "Unsaved changes", "This case has changes that are not saved. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Discard:
            self.dirty = False
            return True
        return False

