"""The Moves tab: moves between schools (open ones, or all; by school), those due for
review or ending soon flagged (moves and placements, as ``session.moves.due`` finds them),
and the move form, a review held and the end of a move."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import School
from panel_app.core.domain.moves import MOVE_KIND_LABELS, MOVE_OUTCOME_LABELS, Move
from panel_app.core.domain.wording import plural
from panel_app.core.rules.moves import DueFlag
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.move_form import MoveDialog
from panel_app.gui.dialogs.move_steps import EndMoveDialog, MoveReviewDialog
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.proposal_bits import capital, compact, fill_schools
from panel_app.gui.qtcompat import emit
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text

FLAG_WORDS = {"review_due": "⚠ Review due", "review_overdue": "⚠ Review overdue",
              "ending": "⚠ Ends soon", "overdue": "⚠ End passed"}


def flag_word(flag: DueFlag) -> str:
    return FLAG_WORDS.get(flag.code.split("_", 1)[1], "⚠ " + flag.code)


def days_text(days: int) -> str:
    if days < 0:
        return f"{plural(-days, 'school day')} ago"
    return "today" if days == 0 else f"in {plural(days, 'school day')}"


@dataclass
class MovesData:
    moves: list[Move]
    due: list[DueFlag]
    labels: dict[str, str] = field(default_factory=dict)


class MovesPage(QWidget):
    loaded = Signal()
    changed = Signal(object)
    message = Signal(str, str)

    def __init__(self, host: SessionHost, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self._seq = 0
        self.schools: list[School] = []
        self.labels: dict[str, str] = {}
        self.data: MovesData | None = None
        self.flags: dict[str, DueFlag] = {}
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        top = QHBoxLayout()
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Which moves to list")
        self.show_filter.addItem("Open moves", True)
        self.show_filter.addItem("All moves", False)
        self.school = QComboBox()
        self.school.setAccessibleName("School filter (home or receiving)")
        self.school.addItem("All schools", None)
        for text, widget in (("&Show:", self.show_filter), ("S&chool:", self.school)):
            label = QLabel(text)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
        top.addStretch(1)
        self.new_button = QPushButton("&New move…")
        self.new_button.setToolTip("Record a move between schools (Alt+N)")
        self.open_button = QPushButton("O&pen move…")
        self.open_button.setToolTip("Open the chosen move: admission meeting, reviews (Enter)")
        self.review_button = QPushButton("Record r&eview…")
        self.review_button.setToolTip("Record a review held for the chosen move (Alt+E)")
        self.end_button = QPushButton("En&d move…")
        self.end_button.setToolTip("Record how the chosen move ended (Alt+D)")
        for button in (self.new_button, self.open_button, self.review_button, self.end_button):
            top.addWidget(button)
        layout.addLayout(top)
        self.due_summary = QLabel()
        self.due_summary.setWordWrap(True)
        self.due_summary.setProperty("role", "warning")
        layout.addWidget(self.due_summary)
        self.due_model = RecordTableModel((
            RecordColumn("Flag", flag_word),
            RecordColumn("Date", lambda f: format_uk(f.on), lambda f: f.on.isoformat()),
            RecordColumn("When", lambda f: days_text(f.school_days), lambda f: f.school_days),
            RecordColumn("What", lambda f: capital(f.entity)),
            RecordColumn("Case", lambda f: f.case_ref),
            RecordColumn("Details", lambda f: f.message)), self)
        self.due_table = compact(readonly_table(
            self.due_model, "Moves and placements due for review or ending soon"))
        self.model = RecordTableModel((
            RecordColumn("Case", lambda m: m.case_ref),
            RecordColumn("Arrangement", lambda m: self.labels.get(m.arrangement, m.arrangement)),
            RecordColumn("Kind", lambda m: capital(MOVE_KIND_LABELS.get(m.kind, m.kind)
                                                   .split(" (")[0])),
            RecordColumn("From", lambda m: m.home_school),
            RecordColumn("To", lambda m: m.receiving_school),
            RecordColumn("Start", lambda m: format_uk(m.start), lambda m: m.start.isoformat()),
            RecordColumn("Planned end", lambda m: format_uk(m.planned_end),
                         lambda m: m.planned_end.isoformat() if m.planned_end else ""),
            RecordColumn("Outcome", self._outcome_text),
            RecordColumn("Flag", self._flag_text)), self)
        self.table = compact(readonly_table(self.model, "Moves"))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.due_table)
        split.addWidget(self.table)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        for combo in (self.show_filter, self.school):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button.clicked.connect(self.new_move)
        self.open_button.clicked.connect(self.open_move)
        self.review_button.clicked.connect(lambda: self.step("review"))
        self.end_button.clicked.connect(lambda: self.step("end"))
        self.table.doubleClicked.connect(lambda _i: self.open_move())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_move)
        self._enable()

    def _flag_text(self, m: Move) -> str:
        flag = self.flags.get(m.id)
        return f"{flag_word(flag)} {format_uk(flag.on)}" if flag else ""

    @staticmethod
    def _outcome_text(m: Move) -> str:
        if not m.outcome:
            return "Running" if m.ended_on is None else ""
        return capital(MOVE_OUTCOME_LABELS.get(m.outcome, m.outcome)) + (
            f" ({format_uk(m.ended_on)})" if m.ended_on else "")

    def _enable(self) -> None:
        move = self.selected()
        self.open_button.setEnabled(move is not None)
        for button in (self.review_button, self.end_button):
            button.setEnabled(move is not None and move.ended_on is None)

    def set_context(self, schools: list[School], labels: dict[str, str]) -> None:
        self.schools, self.labels = list(schools), dict(labels)
        fill_schools(self.school, schools, "All schools")

    def refresh(self) -> None:
        self._seq += 1
        seq, open_only, school = self._seq, bool(self.show_filter.currentData()), \
            self.school.currentData()

        def job(s: Any) -> MovesData:
            return MovesData(s.moves.list_moves(school=school, open_only=open_only),
                             s.moves.due(), s.moves.labels())

        def done(data: MovesData) -> None:
            if seq == self._seq:
                self.show_data(data)

        self._host.run(job, success=done, failure=self._failed, parent=self)

    def show_data(self, data: MovesData) -> None:
        keep = self.selected()
        self.data = data
        self.labels = data.labels or self.labels
        self.flags = {}
        for flag in data.due:  # soonest first: keep the first flag of each move
            if flag.entity == "move":
                self.flags.setdefault(flag.entity_id, flag)
        self.due_model.set_rows(data.due)
        self.model.set_rows(data.moves)
        n = len(data.due)
        self.due_summary.setText(f"⚠ {plural(n, 'move or placement', 'moves or placements')}"
                                 " due for review or ending soon, or past those dates:" if n else
                                 "✔ No move or placement is due for review or ending soon.")
        self.due_summary.setProperty("role", "warning" if n else "ok")
        self.due_summary.style().polish(self.due_summary)
        self.due_table.setVisible(bool(n))
        if keep is not None:
            for row in range(self.model.rowCount()):
                if self.model.record(row).id == keep.id:
                    self.table.selectRow(row)
        self._enable()
        emit(self.loaded)

    def selected(self) -> Move | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        move: Move | None = self.model.record(index.row())
        return move

    def _failed(self, exc: BaseException) -> None:
        emit(self.message, error_text(exc), "error")

    # -- dialogs ---------------------------------------------------------------------------
    def new_move(self) -> QDialog | None:
        if self.dialog is not None:
            return None
        return self._open(MoveDialog(self._host, self.schools, self.labels, parent=self))

    def open_move(self) -> None:
        move = self.selected()
        if move is None or self.dialog is not None:
            return
        mid = move.id
        self._host.run(lambda s: s.moves.detail(mid), success=self._show_move,
                       failure=self._failed, parent=self)

    def _show_move(self, detail: Mapping[str, Any]) -> None:
        if self.dialog is None:
            self._open(MoveDialog(self._host, self.schools, self.labels, move=detail,
                                  parent=self))

    def step(self, which: str) -> QDialog | None:
        move = self.selected()
        if move is None or self.dialog is not None:
            return None
        today = self._ctx.clock.today()
        cls = EndMoveDialog if which == "end" else MoveReviewDialog
        return self._open(cls(self._host, move.to_dict(), today, self))

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.succeeded.connect(self._saved)  # type: ignore[attr-defined]
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _saved(self, saved: Any) -> None:
        warnings = [w.message for w in getattr(saved, "warnings", ())]
        emit(self.message, "Saved." + (" Check: " + " ".join(warnings) if warnings else ""),
             "warning" if warnings else "ok")
        self.refresh()
        emit(self.changed, saved)

    def close_dialogs(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.blockSignals(True)
            dialog.reject()
            dialog.deleteLater()

    def clear(self) -> None:
        self._seq += 1
        self.close_dialogs()
        self.data = None
        self.flags = {}
        self.model.clear()
        self.due_model.clear()
        self.due_summary.setText("")
        fill_schools(self.school, [], "All schools")
        self._enable()
