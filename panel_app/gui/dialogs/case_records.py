"""The case form's Exclusions tab: the pupil's exclusion and attendance records (they
follow the pupil between cases and schools; they come from MIS imports, CTFs and
``panel-app exclusion add``), each of which can be deleted lawfully with a reason, for
example a permanent exclusion overturned on review (the review outcome, a note or a
panel decision, stays on the case)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.exclusions import (
    KIND_LABELS,
    REASONS,
    STATUS_LABELS,
    AttendanceRecord,
    Exclusion,
    term_index,
)
from panel_app.core.services.privacy import PurgeResult
from panel_app.gui.dialogs.case_attachments import _buttons, _fit_columns, _table
from panel_app.gui.dialogs.lawful_delete import (
    LawfulDeletion,
    lawful_button,
    selected_row,
)
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


def _sessions(a: AttendanceRecord) -> str:
    if a.sessions_possible is None or a.sessions_attended is None:
        return ""
    return f"{a.sessions_attended} of {a.sessions_possible}"


EXCLUSION_COLUMNS = (
    RecordColumn("Date", lambda e: format_uk(e.start_on), lambda e: e.start_on.isoformat()),
    RecordColumn("Kind", lambda e: KIND_LABELS.get(e.kind, e.kind).capitalize()),
    RecordColumn("Days", lambda e: f"{e.days:g}" if e.days is not None else "",
                 lambda e: e.days or 0.0),
    RecordColumn("Status", lambda e: STATUS_LABELS.get(e.status, e.status)),
    RecordColumn("Decided", lambda e: format_uk(e.decided_on) if e.decided_on else "",
                 lambda e: e.decided_on.isoformat() if e.decided_on else ""),
    RecordColumn("School", lambda e: e.school or "another school"),
    RecordColumn("Reason", lambda e: REASONS.get(e.reason, e.reason)),
)
ATTENDANCE_COLUMNS = (
    RecordColumn("Term", lambda a: a.label[:1].upper() + a.label[1:],  # "Autumn 2026/27"
                 lambda a: (a.academic_year, term_index(a.term))),
    RecordColumn("Attendance", lambda a: f"{a.percent:.1f}%", lambda a: a.percent),
    RecordColumn("Sessions attended", _sessions),
)


class RecordsTab(QWidget):
    changed = Signal()  # a record was deleted (the case's summary fields may follow)
    loaded = Signal()

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._case_id: str | None = None
        self._seq = 0
        layout = QVBoxLayout(self)
        note = QLabel("Exclusion and attendance records follow the pupil between cases and "
                      "schools. They come in with pupils imported from a school's "
                      "management information system (MIS) or a Common Transfer File "
                      "(Cases, Import…). A record that must not be kept, such as "
                      "a permanent exclusion overturned on review, can be deleted lawfully: "
                      "the reason is recorded and the rest of the case stays.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        layout.addWidget(note)
        label = QLabel("&Exclusions:")
        self.exclusion_model = RecordTableModel(EXCLUSION_COLUMNS, self)
        self.exclusions = _table(self.exclusion_model, "Exclusions")
        label.setBuddy(self.exclusions)
        layout.addWidget(label)
        layout.addWidget(self.exclusions, 3)
        label = QLabel("Atte&ndance:")
        self.attendance_model = RecordTableModel(ATTENDANCE_COLUMNS, self)
        self.attendance = _table(self.attendance_model, "Attendance")
        label.setBuddy(self.attendance)
        layout.addWidget(label)
        layout.addWidget(self.attendance, 2)
        self.message = message_label()
        self.delete_button = lawful_button("Delete the selected exclusion or attendance "
                                           "record for good, with a reason (Delete)")
        layout.addLayout(_buttons(self.message, self.delete_button))
        self.deletion = LawfulDeletion(host, self, self.message, self._deleted)
        self.delete_button.clicked.connect(self.delete_selected)
        self._last: QTableView = self.exclusions
        for table in (self.exclusions, self.attendance):
            table.clicked.connect(lambda _i, t=table: self._focus(t))
            shortcut = QShortcut(QKeySequence(Qt.Key.Key_Delete), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda t=table: self._delete_from(t))
        self.exclusions.selectionModel().currentChanged.connect(
            lambda *_a: self._focus(self.exclusions))
        self.attendance.selectionModel().currentChanged.connect(
            lambda *_a: self._focus(self.attendance))

    # -- loading ---------------------------------------------------------------------------
    @property
    def case_id(self) -> str | None:
        return self._case_id

    @case_id.setter
    def case_id(self, case_id: str | None) -> None:
        if case_id != self._case_id:
            self._case_id = case_id
            self.reload()

    def reload(self) -> None:
        if self._case_id is None:
            return
        self._seq += 1
        seq, case_id = self._seq, self._case_id

        def fetch(s: Any) -> tuple[list[Exclusion], list[AttendanceRecord]]:
            return (list(s.exclusions.list_exclusions(pupil=case_id)),
                    list(s.exclusions.list_attendance(case_id)))

        def done(result: tuple[list[Exclusion], list[AttendanceRecord]]) -> None:
            if seq == self._seq:
                self.show_records(*result)

        self._host.run(fetch, success=done,
                       failure=lambda e: set_message(self.message, error_text(e)),
                       parent=self)

    def show_records(self, exclusions: list[Exclusion],
                     attendance: list[AttendanceRecord]) -> None:
        self.exclusion_model.set_rows(list(reversed(exclusions)))  # the latest first
        self.attendance_model.set_rows(list(reversed(attendance)))
        _fit_columns(self.exclusions)
        _fit_columns(self.attendance)
        emit(self.loaded)

    # -- lawful deletion -------------------------------------------------------------------
    def _focus(self, table: QTableView) -> None:
        self._last = table

    def _delete_from(self, table: QTableView) -> None:
        self._last = table
        self.delete_selected()

    def selected_record(self) -> str | None:
        """``KIND:ID`` of the record selected in the list used last."""
        pairs = ((self.exclusions, "exclusion"), (self.attendance, "attendance"))
        for table, kind in sorted(pairs, key=lambda p: p[0] is not self._last):
            record = selected_row(table)
            if record is not None:
                return f"{kind}:{record.id}"
        return None

    def delete_selected(self) -> None:
        record = self.selected_record()
        if record is None:
            set_message(self.message, "Select an exclusion or attendance record first.")
            self.exclusions.setFocus()
            return
        self.deletion.start(record)

    def _deleted(self, _result: PurgeResult) -> None:
        emit(self.changed)
        self.reload()

    def hideEvent(self, event: Any) -> None:  # the form is closing or locking
        self.deletion.close()
        super().hideEvent(event)
