"""The actions tracker across meetings: open, due soon, overdue and done, with the most
urgent first; mark an action done or reopen it. Overdue and due-soon actions say so in
words and with an icon, never by colour alone."""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.meetings import Action
from panel_app.gui.models.meetings import ACTION_STATES, RawSortProxy, actions_model
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text

FILTERS = [("Not done yet", "outstanding"), ("Overdue", "overdue"), ("Due soon", "due_soon"),
           ("Open (not yet due)", "open"), ("Done", "done"), ("All actions", None)]


def counts_text(actions: list[Action]) -> str:
    if not actions:
        return "No actions recorded yet."
    counts = Counter(a.state for a in actions)
    return " · ".join(f"{ACTION_STATES[s][0]}: {counts.get(s, 0)}" for s in ACTION_STATES)


class ActionsTracker(QWidget):
    loaded = Signal()
    changed = Signal()  # an action was marked done or reopened

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self.all_actions: list[Action] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        label = QLabel("&Show:")
        self.filter = QComboBox()
        self.filter.setAccessibleName("Which actions to show")
        for text, value in FILTERS:
            self.filter.addItem(text, value)
        label.setBuddy(self.filter)
        top.addWidget(label)
        top.addWidget(self.filter)
        self.counts = QLabel()
        self.counts.setAccessibleName("Action counts")
        top.addSpacing(16)
        top.addWidget(self.counts, 1)
        layout.addLayout(top)

        self.model = actions_model(self)
        self.proxy = RawSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = readonly_table(self.proxy, "Actions", 2, sort_descending=False)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.done_button = QPushButton("Mark &done")
        self.done_button.setToolTip("Mark the selected action done today (Ctrl+Return)")
        self.reopen_button = QPushButton("Re&open")
        self.reopen_button.setToolTip("Reopen the selected action")
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.reopen_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = message_label()
        layout.addWidget(self.message)

        self.filter.currentIndexChanged.connect(lambda _i: self._show())
        self.done_button.clicked.connect(self.mark_done)
        self.reopen_button.clicked.connect(self.reopen)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.mark_done)

    def load(self) -> None:
        self._seq += 1
        seq = self._seq

        def done(actions: list[Action]) -> None:
            if seq == self._seq:
                self.all_actions = list(actions)
                self._show()
                emit(self.loaded)

        self._host.run(lambda s: s.meetings.actions(), success=done,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)

    def set_filter(self, state: str | None) -> None:
        self.filter.setCurrentIndex(self.filter.findData(state))

    def _show(self) -> None:
        selected = self.selected()
        wanted = self.filter.currentData()
        rows = [a for a in self.all_actions if wanted is None or a.state == wanted
                or (wanted == "outstanding" and a.state != "done")]
        self.model.set_rows(rows)
        self.counts.setText(counts_text(self.all_actions))
        if selected is not None:
            for row in range(self.proxy.rowCount()):
                found = self._action_at(row)
                if found is not None and found.id == selected.id:
                    self.table.selectRow(row)

    def _action_at(self, proxy_row: int) -> Action | None:
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        return self.model.record(source.row()) if source.isValid() else None

    def selected(self) -> Action | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        return self._action_at(index.row())

    def _update(self, done: bool) -> None:
        action = self.selected()
        if action is None:
            set_message(self.message, "Select an action first.")
            self.table.setFocus()
            return
        if action.done == done:
            set_message(self.message, "That action is already done." if done
                        else "That action is not done.", "muted")
            return
        action_id = action.id

        def change(s: Any) -> list[Action]:
            if done:
                s.meetings.complete_action(action_id)
            else:
                s.meetings.reopen_action(action_id)
            return list(s.meetings.actions())

        def changed(actions: list[Action]) -> None:
            self.all_actions = list(actions)
            self._show()
            set_message(self.message, f"Marked done: {action.text}." if done
                        else f"Reopened: {action.text}.", "ok")
            emit(self.changed)

        self._host.run(change, success=changed,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)

    def mark_done(self) -> None:
        self._update(True)

    def reopen(self) -> None:
        self._update(False)

    def clear(self) -> None:
        self._seq += 1
        self.all_actions = []
        self.model.clear()
        self.counts.setText("")
        set_message(self.message, "")
