"""The Meetings section's agenda tab: build the agenda from the data, add items by hand,
reorder and remove them. Items referred after the cut-off are flagged "⚠ Late" (text and
icon) with the reason in the tooltip and under the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.meetings import SECTION_ORDER, SECTION_TITLES, Section
from panel_app.gui.models.meetings import agenda_model, long_date
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.views.meeting_details import MeetingDetail, load_detail
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text

ADDABLE = [s for s in SECTION_ORDER if s not in (Section.OPENING, Section.QUOTA)]


class AgendaEditor(QWidget):
    changed = Signal()  # the agenda was changed (the details were reloaded: ``detail``)

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self.detail: MeetingDetail | None = None
        layout = QVBoxLayout(self)
        self.cutoff = QLabel()
        self.cutoff.setWordWrap(True)
        layout.addWidget(self.cutoff)
        self.model = agenda_model(self)
        self.table = readonly_table(self.model, "Agenda items", 2)
        layout.addWidget(self.table, 1)
        self.late = message_label()
        layout.addWidget(self.late)

        row = QHBoxLayout()
        self.build_button = QPushButton("&Build from data")
        self.build_button.setToolTip("Add referrals, reviews due and carried actions; items "
                                     "added by hand and decisions are kept")
        self.up_button = QPushButton("Move &up")
        self.up_button.setToolTip("Move the selected item up (Ctrl+Up)")
        self.down_button = QPushButton("Move do&wn")
        self.down_button.setToolTip("Move the selected item down (Ctrl+Down)")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Remove the selected item (Delete)")
        for button in (self.build_button, self.up_button, self.down_button,
                       self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)

        add = QHBoxLayout()
        self.new_title = QLineEdit()
        self.new_title.setAccessibleName("New item title")
        self.new_section = QComboBox()
        self.new_section.setAccessibleName("New item section")
        for section in ADDABLE:
            self.new_section.addItem(SECTION_TITLES[section], section.value)
        self.new_section.setCurrentIndex(self.new_section.findData(Section.AOB.value))
        self.add_button = QPushButton("&Add item")
        self.add_button.setToolTip("Add the item at the end of its section (Enter)")
        for text, widget in (("New item &title:", self.new_title), ("S&ection:",
                                                                    self.new_section)):
            label = QLabel(text)
            label.setBuddy(widget)
            add.addWidget(label)
            add.addWidget(widget, 1 if widget is self.new_title else 0)
        add.addWidget(self.add_button)
        layout.addLayout(add)
        self.message = message_label()
        layout.addWidget(self.message)

        self.build_button.clicked.connect(self.build)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove)
        self.add_button.clicked.connect(self.add)
        self.new_title.returnPressed.connect(self.add)
        for keys, slot in (("Ctrl+Up", lambda: self.move_selected(-1)),
                           ("Ctrl+Down", lambda: self.move_selected(1)), ("Delete", self.remove)):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    def show_detail(self, detail: MeetingDetail | None, keep: str | None = None) -> None:
        keep = keep or self.selected_id()
        self.detail = detail
        self.model.set_rows(detail.agenda if detail else [])
        if detail is None:
            self.cutoff.setText("")
            set_message(self.late, "")
            return
        self.cutoff.setText(f"Referral cut-off: {long_date(detail.cutoff)} "
                            f"({detail.cutoff_rule}). Items referred later are flagged "
                            "⚠ Late.")
        late = [i for i in detail.agenda if i.late]
        set_message(self.late, " ".join(f"Item {i.position}: {i.late_note}" for i in late),
                    "warning")
        frozen = detail.meeting.frozen
        for widget in (self.build_button, self.up_button, self.down_button,
                       self.remove_button, self.add_button, self.new_title,
                       self.new_section):
            widget.setEnabled(not frozen)
        self.table.setToolTip("The minutes are approved: this agenda is frozen." if frozen
                              else "")
        if keep is not None:
            for row, item in enumerate(detail.agenda):
                if item.id == keep:
                    self.table.selectRow(row)

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        item = self.model.record(index.row()) if index.isValid() else None
        return item.id if item is not None else None

    # -- changes ---------------------------------------------------------------------------
    def _change(self, fn: Callable[[Any], Any], done_text: str, keep: str | None = None,
                after: Callable[[], None] | None = None) -> None:
        if self.detail is None:
            return
        meeting_id = self.detail.meeting.id

        def change(s: Any) -> tuple[Any, MeetingDetail]:
            return fn(s), load_detail(s, meeting_id)

        def done(result: tuple[Any, MeetingDetail]) -> None:
            saved, detail = result
            self.show_detail(detail, keep or getattr(saved, "id", None))
            if after is not None:
                after()
            warnings = [w.message for w in getattr(saved, "warnings", ())]
            set_message(self.message, done_text + (" " + " ".join(warnings) if warnings
                                                   else ""), "warning" if warnings else "ok")
            emit(self.changed)

        self._host.run(change, success=done,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)

    def build(self) -> None:
        if self.detail is not None:
            mid = self.detail.meeting.id
            self._change(lambda s: s.meetings.build_agenda(mid), "Agenda built from the data.")

    def move_selected(self, step: int) -> None:
        item_id = self.selected_id()
        if self.detail is None or item_id is None:
            set_message(self.message, "Select an item to move.")
            return
        mid = self.detail.meeting.id
        position = next(i.position for i in self.detail.agenda if i.id == item_id)
        target = position + step
        if not 1 <= target <= len(self.detail.agenda):
            return
        self._change(lambda s: s.meetings.move_agenda_item(mid, item_id, target),
                     f"Item moved to number {target}.", keep=item_id)

    def remove(self) -> None:
        item_id = self.selected_id()
        if self.detail is None or item_id is None:
            set_message(self.message, "Select an item to remove.")
            return
        mid = self.detail.meeting.id
        self._change(lambda s: s.meetings.remove_agenda_item(mid, item_id), "Item removed.")

    def add(self) -> None:
        title = self.new_title.text().strip()
        if self.detail is None:
            return
        if not title:
            set_message(self.message, "Type the new item's title first.")
            self.new_title.setFocus()
            return
        mid, section = self.detail.meeting.id, self.new_section.currentData()
        self._change(lambda s: s.meetings.add_agenda_item(mid, title, section=section),
                     "Item added.", after=self.new_title.clear)
