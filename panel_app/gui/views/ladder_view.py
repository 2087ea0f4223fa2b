"""The Ladder section: the partnership's intervention ladder editor (steps and their
evidence items: add, edit, reorder, remove; load a preset), its version history, and the
school calendar the durations are counted on.

Every edit is one call on ``session.ladders`` and stores a new version of the whole
ladder (with the note typed here), so recorded checks keep the version they used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.ladder import LadderItem, LadderStep
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.case_attachments import _fit_columns, _table, when
from panel_app.gui.dialogs.ladder_step_dialog import ItemDialog, StepDialog
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.models.ladder_rows import (
    ITEM_COLUMNS,
    STEP_COLUMNS,
    LadderData,
    StepRow,
    fetch_ladder,
)
from panel_app.gui.models.records import RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.calendar_page import CalendarPage
from panel_app.gui.views.ladder_history import HistoryPage
from panel_app.gui.views.settings_view import ask
from panel_app.gui.worker import SessionHost, error_text


def _button(text: str, tip: str, name: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    if name:
        button.setAccessibleName(name)
    return button


class LadderView(QWidget):
    loaded = Signal()  # the ladder (and history) shown is fresh

    def __init__(self, host: SessionHost, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self.data: LadderData | None = None
        self.dialog: SubmitDialog | None = None
        self.confirm: Callable[[QWidget, str, str], bool] = ask
        self._keep: tuple[str, str] = ("", "")  # step key and item kind to select again
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Ladder", parent=self))
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Ladder pages")
        self.tabs.addTab(self._editor_page(), "Ladder &editor")
        self.history = HistoryPage(self)
        self.tabs.addTab(self.history, "Version histor&y")
        self.calendar = CalendarPage(host, self)
        self.tabs.addTab(self.calendar, "&Calendar")
        layout.addWidget(self.tabs, 1)

    # -- building --------------------------------------------------------------------------
    def _editor_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Preset")
        label = QLabel("&Preset:")
        label.setBuddy(self.preset)
        self.load_preset_button = _button("&Load preset", "Replace the ladder with the chosen "
                                          "preset (a new version; recorded checks keep theirs)")
        top.addWidget(label)
        top.addWidget(self.preset)
        top.addWidget(self.load_preset_button)
        box.addLayout(top)

        self.steps_model = RecordTableModel(STEP_COLUMNS, self)
        self.steps = _table(self.steps_model, "Steps")
        self.items_model = RecordTableModel(ITEM_COLUMNS, self)
        self.items = _table(self.items_model, "Items of the selected step")
        for table in (self.steps, self.items):  # names and rules can be long: wrap them
            table.setWordWrap(True)
            table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.verticalHeader().setMinimumSectionSize(self.fontMetrics().height() + 10)
        self.add_step_button = _button("&Add step…", "Add a step after the selected one (Ins)")
        self.edit_step_button = _button("Edit s&tep…", "Edit the selected step (Enter)")
        self.step_up = _button("Up", "Move the selected step up (Alt+Up)", "Move step up")
        self.step_down = _button("Down", "Move the selected step down (Alt+Down)",
                                 "Move step down")
        self.remove_step_button = _button("&Remove step", "Remove the selected step (Delete)")
        self.add_item_button = _button("Add &item…", "Add an evidence item to the selected "
                                       "step (Ins)")
        self.edit_item_button = _button("Edit ite&m…", "Edit the selected item (Enter)")
        self.item_up = _button("Up", "Move the selected item up (Alt+Up)", "Move item up")
        self.item_down = _button("Down", "Move the selected item down (Alt+Down)",
                                 "Move item down")
        self.remove_item_button = _button("Remo&ve item", "Remove the selected item (Delete)")
        split = QSplitter()
        split.setChildrenCollapsible(False)
        for title, table, buttons in (
                ("Steps, in order", self.steps,
                 (self.add_step_button, self.edit_step_button, self.step_up, self.step_down,
                  self.remove_step_button)),
                ("Evidence items of the selected step", self.items,
                 (self.add_item_button, self.edit_item_button, self.item_up, self.item_down,
                  self.remove_item_button))):
            pane = QWidget()
            column = QVBoxLayout(pane)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(QLabel(title))
            column.addWidget(table, 1)
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            row.addStretch(1)
            column.addLayout(row)
            split.addWidget(pane)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        box.addWidget(split, 1)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setProperty("role", "muted")
        box.addWidget(self.details)
        note_row = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setAccessibleName("Note for the history")
        self.note.setPlaceholderText("why the ladder changes (kept with the new version)")
        note_label = QLabel("&Note for the history:")
        note_label.setBuddy(self.note)
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)
        box.addLayout(note_row)
        self.message = message_label()
        box.addWidget(self.message)

        self.load_preset_button.clicked.connect(self.load_preset)
        self.steps.selectionModel().currentRowChanged.connect(lambda *_a: self._show_items())
        self.items.selectionModel().currentRowChanged.connect(lambda *_a: self._show_details())
        for table, actions in (
                (self.steps, {"Alt+Up": lambda: self.move_step(-1),
                              "Alt+Down": lambda: self.move_step(1), "Ins": self.add_step,
                              "Del": self.remove_step, "Return": self.edit_step,
                              "Enter": self.edit_step}),
                (self.items, {"Alt+Up": lambda: self.move_item(-1),
                              "Alt+Down": lambda: self.move_item(1), "Ins": self.add_item,
                              "Del": self.remove_item, "Return": self.edit_item,
                              "Enter": self.edit_item})):
            for keys, slot in actions.items():
                shortcut = QShortcut(QKeySequence(keys), table)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
                shortcut.activated.connect(slot)
        for button, slot in ((self.add_step_button, self.add_step),
                             (self.edit_step_button, self.edit_step),
                             (self.step_up, lambda: self.move_step(-1)),
                             (self.step_down, lambda: self.move_step(1)),
                             (self.remove_step_button, self.remove_step),
                             (self.add_item_button, self.add_item),
                             (self.edit_item_button, self.edit_item),
                             (self.item_up, lambda: self.move_item(-1)),
                             (self.item_down, lambda: self.move_item(1)),
                             (self.remove_item_button, self.remove_item)):
            button.clicked.connect(lambda _c=False, slot=slot: slot())
        self.steps.doubleClicked.connect(lambda _i: self.edit_step())
        self.items.doubleClicked.connect(lambda _i: self.edit_item())
        return page

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        self._host.run(fetch_ladder, success=self.show_data, failure=self._failed, parent=self)
        self.calendar.load()

    def clear(self) -> None:
        self.data = None
        for model in (self.steps_model, self.items_model):
            model.clear()
        self.history.clear()
        self.title.setText("")
        self.details.setText("")
        self.note.clear()
        set_message(self.message, "")
        self.calendar.clear()
        if self.dialog is not None:
            self.dialog.reject()

    def show_data(self, data: LadderData) -> None:
        self.data = data
        key, kind = self._keep if any(self._keep) else (self.selected_step_key(),
                                                        self.selected_item_kind())
        self._keep = ("", "")
        current = self.preset.currentData()
        self.preset.clear()
        for preset, name in data.presets:
            self.preset.addItem(name, preset)
        version = data.version
        if version is None:
            self.title.setText("The partnership has no ladder yet: load a preset, or add the "
                               "first step.")
        else:
            self.title.setText(f"<b>{version.ladder.name}</b> · version {version.number}, "
                               f"saved {when(version.created_at)} by {version.created_by}")
        self.title.setAccessibleName(self.title.text().replace("<b>", "").replace("</b>", ""))
        wanted = current or (version.ladder.preset if version else "")
        self.preset.setCurrentIndex(max(self.preset.findData(wanted), 0))
        steps = list(version.ladder.steps) if version else []
        self.steps_model.set_rows([StepRow(n, s) for n, s in enumerate(steps, start=1)])
        _fit_columns(self.steps)
        row = next((i for i, s in enumerate(steps) if s.key == key), 0 if steps else -1)
        if row >= 0:
            self.steps.selectRow(row)
        self._show_items(kind)
        self.history.show_history(data.history)
        emit(self.loaded)

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    # -- selection -------------------------------------------------------------------------
    def selected_step(self) -> LadderStep | None:
        index = self.steps.currentIndex()
        row = self.steps_model.record(index.row()) if index.isValid() else None
        return row.step if row is not None else None

    def selected_step_key(self) -> str:
        step = self.selected_step()
        return step.key if step else ""

    def selected_item(self) -> LadderItem | None:
        index = self.items.currentIndex()
        return self.items_model.record(index.row()) if index.isValid() else None

    def selected_item_kind(self) -> str:
        item = self.selected_item()
        return item.kind if item else ""

    def _show_items(self, kind: str = "") -> None:
        step = self.selected_step()
        items = list(step.items) if step else []
        self.items_model.set_rows(items)
        _fit_columns(self.items)
        row = next((i for i, it in enumerate(items) if it.kind == kind), 0 if items else -1)
        if row >= 0:
            self.items.selectRow(row)
        has_step = step is not None
        for button in (self.edit_step_button, self.step_up, self.step_down,
                       self.remove_step_button, self.add_item_button):
            button.setEnabled(has_step)
        for button in (self.edit_item_button, self.item_up, self.item_down,
                       self.remove_item_button):
            button.setEnabled(bool(items))
        self._show_details()

    def _show_details(self) -> None:
        step, item = self.selected_step(), self.selected_item()
        parts = [f"Step: {step.description}"] if step and step.description else []
        if item is not None and item.description:
            parts.append(f"Item ({item.label}): {item.description}")
        self.details.setText("\n".join(parts))

    # -- changes ---------------------------------------------------------------------------
    def _note(self) -> str:
        return self.note.text().strip()

    def _changed(self, text: str, keep: tuple[str, str] | None = None) -> None:
        self.note.clear()
        set_message(self.message, text, "ok")
        self._keep = keep or ("", "")
        self._host.run(fetch_ladder, success=self.show_data, failure=self._failed, parent=self)

    def _run(self, fn: Callable[[Any], Any], text: str, keep: tuple[str, str]) -> None:
        set_message(self.message, "")
        self._host.run(fn, success=lambda changes: self._changed(
            text if changes else "Nothing changed.", keep), failure=self._failed, parent=self)

    def _open(self, dialog: SubmitDialog, text: str,
              keep: Callable[[], tuple[str, str]]) -> None:
        self.dialog = dialog
        dialog.succeeded.connect(lambda _r: self._changed(text, keep()))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: Any) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def load_preset(self) -> None:
        preset, name = self.preset.currentData(), self.preset.currentText()
        if not preset or not self.confirm(
                self, "Load a preset", f"Replace the partnership's ladder with {name}? It is "
                                       "saved as a new version: recorded checks keep theirs."):
            return
        note = self._note()
        self._run(lambda s: s.ladders.load_preset(preset, note), f"Loaded {name}.", ("", ""))

    def add_step(self) -> StepDialog:
        # a new step goes after the selected one (at the end when none is selected)
        position = self.steps.currentIndex().row() + 2 if self.selected_step() else None
        dialog = StepDialog(self._host, None, self._note, self, position=position)
        self._open(dialog, "Step added.", lambda: (dialog.added_key, ""))
        return dialog

    def edit_step(self) -> StepDialog | None:
        step = self.selected_step()
        if step is None:
            return None
        dialog = StepDialog(self._host, step, self._note, self)
        self._open(dialog, "Step saved.", lambda: (step.key, ""))
        return dialog

    def move_step(self, delta: int) -> None:
        step, row = self.selected_step(), self.steps.currentIndex().row()
        count = self.steps_model.rowCount()
        if step is None or not 0 <= row + delta < count:
            return
        key, position, note = step.key, row + delta + 1, self._note()
        self._run(lambda s: s.ladders.move_step(key, position, note),
                  f"Step moved to place {position}.", (key, ""))

    def remove_step(self) -> None:
        step = self.selected_step()
        if step is None or not self.confirm(
                self, "Remove step", f"Remove the step '{step.name}'? Evidence recorded for it "
                                     "stays on the cases but no longer counts."):
            return
        key, note = step.key, self._note()
        self._run(lambda s: s.ladders.remove_step(key, note), "Step removed.", ("", ""))

    def add_item(self) -> ItemDialog | None:
        step = self.selected_step()
        if step is None:
            return None
        dialog = ItemDialog(self._host, step, None, self._note, self)
        self._open(dialog, "Item added.", lambda: (step.key, dialog.chosen_kind()))
        return dialog

    def edit_item(self) -> ItemDialog | None:
        step, item = self.selected_step(), self.selected_item()
        if step is None or item is None:
            return None
        dialog = ItemDialog(self._host, step, item, self._note, self)
        self._open(dialog, "Item saved.", lambda: (step.key, item.kind))
        return dialog

    def move_item(self, delta: int) -> None:
        step, item = self.selected_step(), self.selected_item()
        row = self.items.currentIndex().row()
        if step is None or item is None or not 0 <= row + delta < len(step.items):
            return
        key, kind, position, note = step.key, item.kind, row + delta + 1, self._note()
        self._run(lambda s: s.ladders.move_item(key, kind, position, note),
                  f"Item moved to place {position}.", (key, kind))

    def remove_item(self) -> None:
        step, item = self.selected_step(), self.selected_item()
        if step is None or item is None or not self.confirm(
                self, "Remove item", f"Remove '{item.label}' from the step '{step.name}'?"):
            return
        key, kind, note = step.key, item.kind, self._note()
        self._run(lambda s: s.ladders.remove_item(key, kind, note), "Item removed.", (key, ""))



def make_ladder_view(host: SessionHost, window: Any) -> LadderView:
    """The factory for ``SECTION_VIEWS["Ladder"]`` (``window`` is the main window)."""
    return LadderView(host, window.ctx, window)
