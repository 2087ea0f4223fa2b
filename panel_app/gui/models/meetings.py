"""Table models for the Meetings section: meetings, agenda items, members and actions.

Each is a ``RecordTableModel`` over prepared records (no I/O in ``data``) whose columns
may also give an icon and a tooltip. Status is always a word (with a symbol) in the
cell text, so it reads without colour; the icon repeats it for a quick scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont, QIcon

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.meetings import (
    SECTION_TITLES,
    AgendaItem,
    Meeting,
    Quorum,
    Section,
)
from panel_app.gui.icons import risk_icon
from panel_app.gui.models.records import AnyIndex, RecordColumn, RecordTableModel

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                 "Sunday")
SECTION_SHORT = {
    Section.OPENING.value: "Opening",
    Section.PREVIOUS.value: "Last meeting",
    Section.NEW.value: "New items",
    Section.REVIEWS.value: "Reviews due",
    Section.QUOTA.value: "Quota",
    Section.FAIR_ACCESS.value: "Fair access",
    Section.AOB.value: "Any other business",
}
# State: (text shown, icon drawn, rank for sorting: the most urgent first).
ACTION_STATES = {
    "overdue": ("⚠ Overdue", "red", 0),
    "due_soon": ("◷ Due soon", "amber", 1),
    "open": ("○ Open", "", 2),
    "done": ("✔ Done", "green", 3),
}
ATTENDANCE_TEXT = {"present": "✔ Present", "apologies": "Apologies", "absent": "✖ Absent",
                   "invited": "Invited"}


@cache
def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def long_date(d: date) -> str:
    return f"{WEEKDAY_NAMES[d.weekday()]} {format_uk(d)}"


def times(meeting: Meeting) -> str:
    return f"{meeting.start_time}–{meeting.end_time}" if meeting.end_time else meeting.start_time


def quorum_text(quorum: Quorum) -> str:
    if not quorum.recorded:
        return "Not recorded"
    return "✔ Quorate" if quorum.quorate else "⚠ NOT quorate"


def quorum_icon(quorum: Quorum) -> QIcon | None:
    if not quorum.recorded:
        return None
    return risk_icon("green" if quorum.quorate else "red")


BRIEF_OUTCOMES = {"approved_with_conditions": "With conditions",
                  "more_evidence": "More evidence"}


def decision_text(item: AgendaItem, brief: bool = False) -> str:
    if item.decision is not None:
        label = item.decision.outcome_label
        if brief:
            label = BRIEF_OUTCOMES.get(item.decision.outcome, label)
        return f"✔ {label}"
    if item.entity == "action":
        return "Carried" if brief else "Carried action"
    if not item.decidable:
        return "—"
    return "To decide" if brief else "Not decided"


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the list shows it: with its quorum, and whether it is still to come."""

    meeting: Meeting
    quorum: Quorum
    today: date

    @property
    def upcoming(self) -> bool:
        return self.meeting.date >= self.today

    @property
    def status(self) -> str:
        m = self.meeting
        if m.status == "cancelled":
            return "Cancelled"
        if m.date == self.today:
            return "Today"
        if m.date > self.today:
            return "Upcoming"
        return "Held" if m.status == "held" else "Past (not marked held)"

    @property
    def minutes(self) -> str:
        m = self.meeting
        if m.frozen:
            return f"Approved (v{m.minutes_version})"
        return "Draft correction" if m.minutes_version else "Draft"


@dataclass(frozen=True)
class IconColumn(RecordColumn):
    icon: Callable[[Any], QIcon | None] | None = None
    tip: Callable[[Any], str] | None = None
    bold: Callable[[Any], bool] | None = None


class IconTableModel(RecordTableModel):
    """A ``RecordTableModel`` whose ``IconColumn`` cells also have an icon and tooltip."""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DecorationRole,
                                         Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole):
            record = self.record(index.row())
            column = (self._columns[index.column()]
                      if 0 <= index.column() < len(self._columns) else None)
            if record is None or column is None:
                return None
            if isinstance(column, IconColumn):
                if role == Qt.ItemDataRole.FontRole:
                    return _bold() if column.bold is not None and column.bold(record) else None
                if role == Qt.ItemDataRole.DecorationRole:
                    return column.icon(record) if column.icon else None
                if column.tip is not None:
                    return column.tip(record) or None
            if role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole):
                return None
        value = super().data(index, role)
        if role == Qt.ItemDataRole.AccessibleTextRole and isinstance(value, str):
            return value.replace("\n", ", ")  # a two-line cell read as one
        return value


MEETING_COLUMNS = (
    RecordColumn("Date", lambda r: long_date(r.meeting.date),
                 lambda r: r.meeting.date.isoformat()),
    RecordColumn("Time", lambda r: times(r.meeting)),
    RecordColumn("Venue", lambda r: r.meeting.venue),
    RecordColumn("Status", lambda r: r.status),
    IconColumn("Quorum", lambda r: quorum_text(r.quorum),
               lambda r: (not r.quorum.recorded, r.quorum.quorate),
               icon=lambda r: quorum_icon(r.quorum), tip=lambda r: r.quorum.text,
               bold=lambda r: r.quorum.recorded and not r.quorum.quorate),
    RecordColumn("Minutes", lambda r: r.minutes),
)

AGENDA_COLUMNS = (
    RecordColumn("No.", lambda i: str(i.position), lambda i: i.position),
    RecordColumn("Section", lambda i: SECTION_SHORT.get(i.section, i.section)),
    IconColumn("Item", lambda i: i.title, icon=None,
               tip=lambda i: "\n".join(x for x in (i.title, i.notes) if x)),
    RecordColumn("Case", lambda i: i.case_ref),
    IconColumn("Late", lambda i: "⚠ Late" if i.late else "", lambda i: int(i.late),
               icon=lambda i: risk_icon("amber") if i.late else None,
               tip=lambda i: i.late_note),
    RecordColumn("Decision", decision_text),
)


def brief_title(item: AgendaItem) -> str:
    """Two lines for meeting mode's narrow list: what tells the item apart first (late,
    case reference, section), then the title, which the view elides if it must."""
    kind, title = SECTION_SHORT.get(item.section, item.section), item.title
    if item.entity == "action" and ": " in title:  # 'Action from 29/09/2026: Book …'
        kind, title = title.split(": ", 1)
    first = " · ".join(x for x in ("⚠ Late" if item.late else "", item.case_ref, kind) if x)
    return f"{first}\n{title}"


BRIEF_AGENDA_COLUMNS = (  # meeting mode's narrow agenda list
    RecordColumn("No.", lambda i: str(i.position), lambda i: i.position),
    IconColumn("Item", brief_title, icon=lambda i: risk_icon("amber") if i.late else None,
               tip=lambda i: "\n".join(x for x in (i.title, i.late_note, i.notes) if x)),
    RecordColumn("Decision", lambda i: decision_text(i, brief=True)),
)

MEMBER_COLUMNS = (
    RecordColumn("Name", lambda m: m.name),
    RecordColumn("Role", lambda m: m.role),
    RecordColumn("School", lambda m: m.school),
    IconColumn("Attendance", lambda m: ATTENDANCE_TEXT.get(m.attendance, m.attendance),
               icon=lambda m: {"present": risk_icon("green"),
                               "absent": risk_icon("red")}.get(m.attendance)),
    RecordColumn("Part", lambda m: "Fair-access items only" if m.part else "Whole meeting"),
)

ACTION_COLUMNS = (
    IconColumn("State", lambda a: ACTION_STATES.get(a.state, (a.state,))[0],
               lambda a: (ACTION_STATES.get(a.state, ("", "", 9))[2], a.due_on.isoformat()),
               icon=lambda a: risk_icon(ACTION_STATES[a.state][1])
               if ACTION_STATES.get(a.state, ("", ""))[1] else None,
               bold=lambda a: a.state == "overdue"),
    RecordColumn("Due", lambda a: format_uk(a.due_on), lambda a: a.due_on.isoformat()),
    RecordColumn("Action", lambda a: a.text),
    RecordColumn("Owner", lambda a: a.owner),
    RecordColumn("Agreed on", lambda a: format_uk(a.meeting_date),
                 lambda a: a.meeting_date.isoformat()),
    RecordColumn("Item", lambda a: str(a.item_position or ""),
                 lambda a: a.item_position or 0),
    RecordColumn("Done on", lambda a: format_uk(a.done_on),
                 lambda a: a.done_on.isoformat() if a.done_on else ""),
)


def meetings_model(parent: Any = None) -> IconTableModel:
    return IconTableModel(MEETING_COLUMNS, parent)


def agenda_model(parent: Any = None) -> IconTableModel:
    return IconTableModel(AGENDA_COLUMNS, parent)


def brief_agenda_model(parent: Any = None) -> IconTableModel:
    return IconTableModel(BRIEF_AGENDA_COLUMNS, parent)


def members_model(parent: Any = None) -> IconTableModel:
    return IconTableModel(MEMBER_COLUMNS, parent)


def actions_model(parent: Any = None) -> IconTableModel:
    return IconTableModel(ACTION_COLUMNS, parent)


class RawSortProxy(QSortFilterProxyModel):
    """Sorts on the raw values in ``Qt.UserRole`` (tuples compare element by element)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a, b = left.data(Qt.ItemDataRole.UserRole), right.data(Qt.ItemDataRole.UserRole)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


def section_title(section: str) -> str:
    try:
        return SECTION_TITLES[Section(section)]
    except ValueError:
        return section

