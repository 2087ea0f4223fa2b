"""The Meetings section's details tab: date, time, venue, chair, clerk, the quorum, the
members with their attendance (which can be recorded here) and declared interests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.meetings import AgendaItem, Meeting, Member, Quorum
from panel_app.gui.icons import risk_icon
from panel_app.gui.models.meetings import MeetingRow, long_date, members_model, times
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text


@dataclass(frozen=True)
class MeetingDetail:
    meeting: Meeting
    quorum: Quorum
    members: list[Member]
    interests: list[str]
    agenda: list[AgendaItem]
    cutoff: date
    cutoff_rule: str
    today: date


def load_detail(s: Any, meeting_id: str) -> MeetingDetail:
    """One meeting with everything the details and agenda tabs show (on the worker)."""
    m = s.meetings
    view = m.overview(meeting_id)
    agenda = m.agenda(meeting_id)
    numbers = {i.id: i.position for i in agenda}
    interests = [f"{i['name']}: {i['text']}"
                 + (f" (item {numbers[i['item_id']]})" if i.get("item_id") in numbers else "")
                 for i in view["interests"]]
    return MeetingDetail(m.get_meeting(meeting_id), m.quorum(meeting_id),
                         m.members(meeting_id), interests, agenda,
                         date.fromisoformat(view["cutoff"]), view["cutoff_rule"],
                         s.clock.today())


def _value() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class MeetingDetails(QWidget):
    changed = Signal()  # attendance was recorded

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self.detail: MeetingDetail | None = None
        outer = QHBoxLayout(self)
        layout = QVBoxLayout()
        self.title = heading("No meeting chosen", 1.2, self)
        layout.addWidget(self.title)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key in ("Venue", "Chair", "Clerk", "Status", "Minutes", "Referral cut-off"):
            self.fields[key] = _value()
            form.addRow(f"{key}:", self.fields[key])
        layout.addLayout(form)
        quorum_row = QHBoxLayout()
        self.quorum_icon = QLabel()
        self.quorum = message_label()
        quorum_row.addWidget(self.quorum_icon, 0, Qt.AlignmentFlag.AlignTop)
        quorum_row.addWidget(self.quorum, 1)
        layout.addLayout(quorum_row)
        layout.addWidget(QLabel("Declarations of interest:"))
        self.declarations = _value()
        layout.addWidget(self.declarations)
        layout.addStretch(1)
        outer.addLayout(layout, 2)

        right = QVBoxLayout()
        self.model = members_model(self)
        self.table = readonly_table(self.model, "Members and attendance")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        members_label = QLabel("Mem&bers (select, then record attendance):")
        members_label.setBuddy(self.table)
        right.addWidget(members_label)
        right.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.attendance_buttons: dict[str, QPushButton] = {}
        for key, text, tip in (("present", "Pr&esent", "Mark the selected members present"),
                               ("apologies", "Apolog&ies sent",
                                "Record apologies from the selected members"),
                               ("absent", "Abse&nt", "Mark the selected members absent")):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, key=key: self.record(key))
            buttons.addWidget(button)
            self.attendance_buttons[key] = button
        self.declare_button = QPushButton("&Declare interest…")
        self.declare_button.setToolTip("Record an interest declared by the selected member "
                                       "(for example, governor at the receiving school)")
        self.declare_button.clicked.connect(lambda _c=False: self.declare())
        buttons.addWidget(self.declare_button)
        buttons.addStretch(1)
        right.addLayout(buttons)
        self.message = message_label()
        right.addWidget(self.message)
        outer.addLayout(right, 3)

    def show_detail(self, detail: MeetingDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.title.setText("No meeting chosen")
            for label in self.fields.values():
                label.setText("")
            self.model.clear()
            self.declarations.setText("")
            self.quorum_icon.clear()
            set_message(self.quorum, "")
            set_message(self.message, "")
            return
        m = detail.meeting
        self.title.setText(f"{long_date(m.date)}, {times(m)}")
        self.title.setAccessibleName(self.title.text())
        minutes = (f"Approved (version {m.minutes_version}), frozen" if m.frozen
                   else "Draft")  # as the meetings list says it
        values = {"Venue": m.venue or "not set", "Chair": m.chair or "not set",
                  "Clerk": m.clerk or "not set",
                  "Status": MeetingRow(m, detail.quorum, detail.today).status,  # as the list
                  "Minutes": minutes,
                  "Referral cut-off": f"{long_date(detail.cutoff)} ({detail.cutoff_rule})"}
        for key, text in values.items():
            self.fields[key].setText(text)
        q = detail.quorum
        role = "muted" if not q.recorded else ("ok" if q.quorate else "warning")
        set_message(self.quorum, q.text, role)
        size = self.fontMetrics().height()
        if q.recorded:
            icon = risk_icon("green" if q.quorate else "red")
            self.quorum_icon.setPixmap(icon.pixmap(size, size))
        else:
            self.quorum_icon.clear()
        self.model.set_rows(detail.members)
        self.declarations.setText("\n".join(detail.interests) or "None declared.")
        for button in (*self.attendance_buttons.values(), self.declare_button):
            button.setEnabled(not m.frozen)

    def declare(self, text: str | None = None) -> None:
        """Record an interest declared by the one selected member (asks what it is)."""
        if self.detail is None:
            return
        members = self.selected_members()
        if len(members) != 1:
            set_message(self.message, "Select the one member who declares the interest.")
            self.table.setFocus()
            return
        member = members[0]
        if text is None:
            text, ok = QInputDialog.getText(
                self, "Declare an interest", f"Interest declared by {member.name}:")
            if not ok:
                return
        meeting_id = self.detail.meeting.id

        def declare(s: Any) -> MeetingDetail:
            s.meetings.declare_interest(meeting_id, member.name, text)
            return load_detail(s, meeting_id)

        def done(detail: MeetingDetail) -> None:
            self.show_detail(detail)
            set_message(self.message, f"Recorded an interest declared by {member.name}.", "ok")
            emit(self.changed)

        self._host.run(declare, success=done,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)

    def selected_members(self) -> list[Member]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [m for m in (self.model.record(r) for r in rows) if m is not None]

    def record(self, attendance: str) -> None:
        if self.detail is None:
            return
        members = self.selected_members()
        if not members:
            set_message(self.message, "Select one or more members first.")
            self.table.setFocus()
            return
        meeting_id = self.detail.meeting.id
        names = [m.id for m in members]

        def record(s: Any) -> tuple[Any, MeetingDetail]:
            saved = s.meetings.record_attendance(meeting_id, **{attendance: names})
            return saved, load_detail(s, meeting_id)

        def done(result: tuple[Any, MeetingDetail]) -> None:
            saved, detail = result
            self.show_detail(detail)
            who = ", ".join(m.name for m in members)
            note = " ".join(w.message for w in saved.warnings)
            set_message(self.message, f"Recorded: {who} {attendance}." + (
                f" {note}" if note else ""), "warning" if note else "ok")
            emit(self.changed)

        self._host.run(record, success=done,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)
