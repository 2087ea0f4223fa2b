"""Meeting mode: one focused window that steps through a meeting's agenda.

Left, the agenda; middle, what the item is about (case, ladder, quota); right, the
decision and the actions. Keyboard first, with the keys listed at the bottom of the
window. Every change is saved through the worker as it is made: the decision a moment
after the last edit (at once with Ctrl+S, on moving to another item and on closing),
each action when it is added. A decision that cannot be saved yet (no outcome chosen, or
the core refuses it) is kept as a draft for its item until it can be, and said so.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.meetings import AgendaItem
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.minutes_export import MinutesDialog
from panel_app.gui.models.meetings import brief_agenda_model, long_date, quorum_text, times
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.meeting_forms import ActionsPanel, DecisionForm, readonly_table
from panel_app.gui.views.meeting_item import (
    ItemContext,
    ItemPanel,
    ModeData,
    load_context,
    load_mode_data,
)
from panel_app.gui.worker import SessionHost, error_text

AUTOSAVE_MS = 700
KEYS = [("Alt+→ or Page Down", "next item"), ("Alt+← or Page Up", "previous item"),
        ("Ctrl+G", "agenda list"), ("Ctrl+D", "decision (Alt+1…5 choose it)"),
        ("Ctrl+S", "save now"), ("Ctrl+Shift+A", "add action"),
        ("Ctrl+Shift+D", "carried action done"), ("Ctrl+M", "minutes PDF"),
        ("Ctrl+W", "close")]
SHORTCUTS_TEXT = "Keys: " + " · ".join(f"{k} {what}" for k, what in KEYS)


class MeetingModeWindow(QWidget):
    changed = Signal()  # something was saved: other views refresh
    item_shown = Signal(int)  # the position of the item now shown
    saved = Signal(str)  # "decision" or "action", after the worker stored it
    closed = Signal()

    def __init__(self, host: SessionHost, ctx: AppContext, meeting_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._host = host
        self._ctx = ctx
        self.meeting_id = meeting_id
        self.data: ModeData | None = None
        self.items: list[AgendaItem] = []
        self.current = -1
        self.context: ItemContext | None = None
        self.drafts: dict[str, dict[str, Any]] = {}  # item id -> values not yet saved
        self._dirty = False
        self._saving = False
        self._restoring = False
        self.minutes_dialog: MinutesDialog | None = None
        self.setWindowTitle("Meeting mode")
        self.resize(1280, 760)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Loading the meeting…", 1.4, self)
        top.addWidget(self.title, 1)
        self.minutes_button = QPushButton("Minutes PDF…")
        self.minutes_button.setToolTip("Save the minutes as a PDF and open it (Ctrl+M)")
        self.close_button = QPushButton("Close meeting mode")
        self.close_button.setToolTip("Everything is already saved (Ctrl+W)")
        top.addWidget(self.minutes_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.details = QLabel()
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        self.banner = message_label()
        layout.addWidget(self.banner)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        agenda_label = QLabel("Agen&da")
        self.model = brief_agenda_model(self)
        self.agenda = readonly_table(self.model, "Agenda items", 1)
        # Each item takes two lines (case and section, then the title), each elided alone.
        rows = self.agenda.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(2 * self.agenda.fontMetrics().lineSpacing() + 8)
        self.agenda.setTextElideMode(Qt.TextElideMode.ElideRight)
        agenda_label.setBuddy(self.agenda)
        left_layout.addWidget(agenda_label)
        left_layout.addWidget(self.agenda, 1)
        self.item_panel = ItemPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.item_panel)
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("About this item")
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.decision = DecisionForm()
        self.actions_panel = ActionsPanel(host)
        right_layout.addWidget(self.decision)
        right_layout.addWidget(self.actions_panel, 1)
        for widget, stretch in ((left, 3), (scroll, 4), (right, 5)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([340, 380, 520])
        layout.addWidget(splitter, 1)

        nav = QHBoxLayout()
        self.previous_button = QPushButton("◀ Previous item")
        self.previous_button.setToolTip("Previous agenda item (Alt+Left or Page Up)")
        self.position = QLabel("")
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = QPushButton("Next item ▶")
        self.next_button.setToolTip("Next agenda item (Alt+Right or Page Down)")
        for widget, stretch in ((self.previous_button, 0), (self.position, 1),
                                (self.next_button, 0)):
            nav.addWidget(widget, stretch)
        layout.addLayout(nav)
        self.keys = QLabel(SHORTCUTS_TEXT)
        self.keys.setWordWrap(True)
        self.keys.setProperty("role", "muted")
        self.keys.setAccessibleName("Keyboard shortcuts")
        layout.addWidget(self.keys)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_decision)
        self._connect()
        a = self.actions_panel
        order = [self.agenda, *self.decision.tab_order(), a.table, a.what, a.owner, a.due,
                 a.add_button, self.item_panel.done_button, self.previous_button,
                 self.next_button, self.minutes_button, self.close_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        keys = [(("Alt+Right", "PgDown"), self.next_item),
                (("Alt+Left", "PgUp"), self.previous_item), (("Ctrl+G",), self.agenda.setFocus),
                (("Ctrl+D",), self.decision.focus_outcome), (("Ctrl+S",), self.save_decision),
                (("Ctrl+Shift+A",), self.actions_panel.focus_new),
                (("Ctrl+Shift+D",), self.complete_carried), (("Ctrl+M",), self.show_minutes),
                (("Ctrl+W",), self.close)]
        for sequences, slot in keys:
            for seq in sequences:
                QShortcut(QKeySequence(seq), self).activated.connect(slot)
        self.next_button.clicked.connect(self.next_item)
        self.previous_button.clicked.connect(self.previous_item)
        self.minutes_button.clicked.connect(self.show_minutes)
        self.close_button.clicked.connect(self.close)
        self.agenda.selectionModel().currentRowChanged.connect(self._row_changed)
        self.decision.edited.connect(self._edited)
        self.actions_panel.added_action.connect(self._action_added)
        self.item_panel.done_button.clicked.connect(self.complete_carried)

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        meeting_id = self.meeting_id
        self._host.run(lambda s: load_mode_data(s, meeting_id), success=self._loaded,
                       failure=self._failed, parent=self)

    def _loaded(self, data: ModeData) -> None:
        first = self.data is None
        self.data = data
        m = data.meeting
        self.setWindowTitle(f"Meeting mode: {long_date(m.date)}")
        self.title.setText(f"Panel meeting · {long_date(m.date)}, {times(m)}")
        self.details.setText(f"Venue: {m.venue or 'not set'} · Chair: {m.chair or 'not set'} · "
                             f"Clerk: {m.clerk or 'not set'} · Quorum: "
                             f"{quorum_text(data.quorum)}")
        self.details.setToolTip(data.quorum.text)
        self.actions_panel.set_people(data.people)
        can_decide = not m.frozen and m.date <= data.today
        if m.frozen:
            set_message(self.banner, "The minutes of this meeting are approved and frozen: "
                                     "decisions and actions are shown, not changed.", "muted")
        elif m.date > data.today:
            set_message(self.banner, f"This meeting is on {long_date(m.date)}: decisions can "
                                     "be recorded from that day. You can step through the "
                                     "agenda now.", "muted")
        elif data.quorum.recorded and not data.quorum.quorate:
            set_message(self.banner, data.quorum.text, "warning")
        self.decision.setEnabled(can_decide)
        self.actions_panel.setEnabled(not m.frozen)
        self._set_items(data.agenda)
        if first and self.items:
            self.show_index(0)

    def _set_items(self, items: list[AgendaItem]) -> None:
        self.items = list(items)
        self._restoring = True
        self.model.set_rows(self.items)
        if 0 <= self.current < len(self.items):
            self.agenda.selectRow(self.current)
        self._restoring = False

    def _failed(self, exc: BaseException) -> None:
        set_message(self.banner, error_text(exc))

    # -- moving ----------------------------------------------------------------------------
    def next_item(self) -> None:
        self.show_index(min(self.current + 1, len(self.items) - 1))

    def previous_item(self) -> None:
        self.show_index(max(self.current - 1, 0))

    def _row_changed(self, current: Any, _previous: Any = None) -> None:
        if not self._restoring:
            self.show_index(current.row())

    def show_index(self, index: int) -> None:
        if not 0 <= index < len(self.items) or self.data is None or index == self.current:
            return
        self._leave_item()
        self.current = index
        item = self.items[index]
        self._restoring = True
        self.agenda.selectRow(index)
        self._restoring = False
        self.position.setText(f"Item {index + 1} of {len(self.items)}")
        self.context = None
        self.item_panel.show_item(item, len(self.items), self.data.quota, None)
        draft = self.drafts.get(item.id)
        if draft is not None:
            self.decision.set_values(draft)
        else:
            self.decision.set_decision(item.decision)
        self._dirty = draft is not None
        self.decision.setVisible(item.decidable)
        self._decision_note("This decision is not saved yet: finish it to save." if draft
                            else "", "warning")
        self._show_actions()
        data, today = self.data, self.data.today
        self._host.run(lambda s: load_context(s, data.meeting, item, today),
                       success=self._context, failure=self._failed, parent=self)
        emit(self.item_shown, item.position)

    def _context(self, context: ItemContext) -> None:
        if self.data is None or not 0 <= self.current < len(self.items):
            return
        item = self.items[self.current]
        if context.item_id == item.id:
            self.context = context
            self.item_panel.show_item(item, len(self.items), self.data.quota, context)

    def _leave_item(self) -> None:
        """Save what was typed on the item being left (or keep it as a draft)."""
        self._timer.stop()
        if self.current < 0 or not self._dirty:
            return
        item, values = self.items[self.current], self.decision.values()
        self.drafts[item.id] = values
        why = self.decision.not_ready()
        if why:
            set_message(self.banner, f"Item {item.position} is not saved yet: {why} Go back "
                                     "to it to finish it.", "warning")
        else:
            self._submit(item, values)
        self._dirty = False

    # -- the decision ----------------------------------------------------------------------
    def _decision_note(self, text: str, role: str = "muted") -> None:
        set_message(self.decision.status, text, role)

    def _edited(self) -> None:
        self._dirty = True
        if 0 <= self.current < len(self.items):
            self.drafts[self.items[self.current].id] = self.decision.values()
        self._timer.start()

    def save_decision(self) -> None:
        """Save the decision shown now (Ctrl+S, or the autosave timer)."""
        self._timer.stop()
        if self.current < 0 or not self._dirty or not self.decision.isEnabled():
            return
        why = self.decision.not_ready()
        if why:
            self._decision_note(why)
            return
        if self._saving:
            self._timer.start()  # one save at a time: try again in a moment
            return
        self._dirty = False
        self._submit(self.items[self.current], self.decision.values())

    def _submit(self, item: AgendaItem, values: dict[str, Any]) -> None:
        meeting_id, item_id = self.meeting_id, item.id
        kwargs = {k: v for k, v in values.items() if k != "outcome"}
        self._saving = True
        if item is self._shown_item():
            self._decision_note("Saving…")

        def save(s: Any) -> tuple[Any, list[AgendaItem]]:
            saved = s.meetings.decide(meeting_id, item_id, values["outcome"], **kwargs)
            return saved, s.meetings.agenda(meeting_id)

        def done(result: tuple[Any, list[AgendaItem]]) -> None:
            self._saving = False
            saved, agenda = result
            if self.drafts.get(item_id) == values:
                del self.drafts[item_id]
            self._set_items(agenda)
            if item_id == getattr(self._shown_item(), "id", None):
                warnings = " ".join(w.message for w in saved.warnings)
                self._decision_note("Saved." + (f" Note: {warnings}" if warnings else ""),
                                    "warning" if warnings else "ok")
            emit(self.saved, "decision")
            emit(self.changed)

        def failed(exc: BaseException) -> None:
            self._saving = False
            shown = item_id == getattr(self._shown_item(), "id", None)
            if shown:
                self._dirty = True
                self._decision_note(f"Not saved: {error_text(exc)}", "error")
            else:
                set_message(self.banner, f"Item {item.position} is not saved: "
                                         f"{error_text(exc)} Go back to it to finish it.")

        self._host.run(save, success=done, failure=failed, parent=self)

    def _shown_item(self) -> AgendaItem | None:
        return self.items[self.current] if 0 <= self.current < len(self.items) else None

    # -- actions ---------------------------------------------------------------------------
    def _show_actions(self) -> None:
        item = self._shown_item()
        if self.data is not None and item is not None:
            self.actions_panel.show_for(self.meeting_id, item.id, self.data.actions,
                                  self.data.default_due)

    def _action_added(self) -> None:
        if self.data is not None:
            self.data = replace(self.data, actions=self.actions_panel.all_actions)
        emit(self.saved, "action")
        emit(self.changed)

    def complete_carried(self) -> None:
        context = self.context
        if context is None or context.carried is None or context.carried.done_on:
            return
        action_id = context.carried.id
        self._host.run(lambda s: s.meetings.complete_action(action_id),
                       success=lambda _r: self._carried_done(), failure=self._failed,
                       parent=self)

    def _carried_done(self) -> None:
        item, self.current = self._shown_item(), -1
        if item is not None:
            self.show_index(self.items.index(item))
        emit(self.saved, "action")
        emit(self.changed)

    # -- minutes and closing ---------------------------------------------------------------
    def show_minutes(self) -> MinutesDialog | None:
        if self.data is None:
            return None
        self.save_decision()  # the PDF is written after it (the worker keeps the order)
        m = self.data.meeting
        dialog = MinutesDialog(self._host, self._ctx, m.id, m.date.isoformat(),
                               long_date(m.date), self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(lambda _r: self.activateWindow())  # back to the meeting
        self.minutes_dialog = dialog
        dialog.open()
        return dialog

    def force_close(self) -> None:
        """Close at once (the app is locking): drafts not saved are dropped."""
        self._timer.stop()
        self._dirty = False
        self.drafts.clear()
        if self.minutes_dialog is not None and shiboken6.isValid(self.minutes_dialog):
            self.minutes_dialog.reject()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._leave_item()
        super().closeEvent(event)
        emit(self.closed)
