"""The proposals board: proposals grouped by lifecycle state (counted in SQL, filtered by
school and kind), the chosen one in detail beside it, and the dialogs for its steps.

Every query and change runs on the worker; after a change the board is queried again
and the same proposal stays chosen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.models import School
from panel_app.core.domain.proposals import KIND_LABELS, Board, BoardFilter, ProposalKind
from panel_app.core.domain.wording import plural
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.move_form import MoveDialog
from panel_app.gui.dialogs.proposal_form import ProposalDialog
from panel_app.gui.dialogs.proposal_steps import (
    PLAIN_STEPS,
    CloseDialog,
    DecideDialog,
    PlainStepDialog,
    SubmitProposalDialog,
)
from panel_app.gui.models.proposal_board import ID_ROLE, BoardModel
from panel_app.gui.proposal_bits import capital, fill_schools
from panel_app.gui.qtcompat import emit
from panel_app.gui.views.proposal_detail import ProposalDetail
from panel_app.gui.worker import SessionHost, error_text

PAGE = 100  # proposals loaded per state at a time (more as a group is scrolled)


class BoardPage(QWidget):
    loaded = Signal()  # a board was shown
    detail_loaded = Signal()  # the chosen proposal's detail was shown
    changed = Signal(object)  # a step or edit was saved (the core's Saved)
    message = Signal(str, str)  # text, role

    def __init__(self, host: SessionHost, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self._seq = 0
        self._detail_seq = 0
        self.schools: list[School] = []
        self.labels: dict[str, str] = {}
        self.selected_id: str | None = None
        self.dialog: QDialog | None = None
        self.board: Board | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        filters = QHBoxLayout()
        self.school = QComboBox()
        self.school.setAccessibleName("School filter (proposing or receiving)")
        self.school.addItem("All schools", None)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind filter")
        self.kind.addItem("All kinds", None)
        for kind in ProposalKind:
            self.kind.addItem(capital(KIND_LABELS[kind.value]), kind.value)
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(22)
        self.closed = QCheckBox("Show c&losed")
        self.closed.setChecked(True)
        self.closed.setToolTip("List closed proposals too (Alt+L)")
        for text, widget in (("Sch&ool:", self.school), ("&Kind:", self.kind)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.closed)
        filters.addStretch(1)
        self.new_button = QPushButton("&New proposal…")
        self.new_button.setToolTip("Draft a proposal to the panel (Ctrl+Shift+N)")
        filters.addWidget(self.new_button)
        layout.addLayout(filters)
        self.counts = QLabel()
        self.counts.setAccessibleName("Proposal counts")
        layout.addWidget(self.counts)

        self.model = BoardModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Proposals board, grouped by state")
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        # The title takes what the other columns leave, so that the submission date (the
        # last column) is never pushed out of sight on a laptop screen.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        fm = self.fontMetrics()
        widths = (fm.horizontalAdvance("C-WWWWWW") + self.tree.indentation() + 18,
                  fm.horizontalAdvance("Challenge a PX") + 16,
                  fm.horizontalAdvance("Six-week managed move") + 12,
                  fm.horizontalAdvance("Brookfield C") + 12,  # the full name: tool tip
                  fm.horizontalAdvance("Brookfield C") + 12,
                  fm.horizontalAdvance("With conditions") + 16,
                  max(fm.horizontalAdvance(t) for t in ("00/00/0000", "Submitted")) + 24)
        for column, width in enumerate(widths):
            self.tree.setColumnWidth(column, width)
        self.detail = ProposalDetail()
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)  # a wider window widens the board, not the detail
        split.setStretchFactor(1, 0)
        split.setChildrenCollapsible(False)
        split.setSizes([780, 52 * fm.averageCharWidth()])  # a label and a school's name
        layout.addWidget(split, 1)

        self.model.more_wanted.connect(self._more)
        self.model.modelReset.connect(self._span_groups)
        self.school.currentIndexChanged.connect(lambda _i: self.refresh())
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.closed.toggled.connect(lambda _c: self.refresh())
        self.tree.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._chosen(cur))
        self.new_button.clicked.connect(self.new_proposal)
        self.detail.requested.connect(self.act)
        shortcut = QShortcut(QKeySequence("Ctrl+Shift+N"), self)
        shortcut.activated.connect(lambda: self.isVisible() and self.new_proposal())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self.tree)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self.focus_actions)

    # -- querying --------------------------------------------------------------------------
    def set_context(self, schools: list[School], labels: dict[str, str]) -> None:
        self.schools, self.labels = list(schools), dict(labels)
        fill_schools(self.school, schools, "All schools")

    def current_filter(self, states: tuple[str, ...] = (), limit: int | None = None
                       ) -> BoardFilter:
        return BoardFilter(school_id=self.school.currentData(), kind=self.kind.currentData(),
                           states=states, include_closed=self.closed.isChecked(),
                           limit_per_state=limit or PAGE)

    def refresh(self) -> None:
        self._seq += 1
        seq, flt = self._seq, self.current_filter()

        def done(board: Board) -> None:
            if seq == self._seq:
                self.show_board(board)

        self._host.run(lambda s: s.proposals.board(flt), success=done, failure=self._failed,
                       parent=self)

    def show_board(self, board: Board) -> None:
        self.board = board
        keep = self.selected_id
        self.model.set_board(board)
        self.tree.expandAll()
        shown = [f"{n} {s.replace('_', ' ')}" for s, n in board.counts.items() if n]
        self.counts.setText(plural(board.total, "proposal") + (": " + ", ".join(shown)
                                                                 if shown else ""))
        if keep is not None:
            index = self.model.index_of(keep)
            if index.isValid():
                self.tree.setCurrentIndex(index)
                self._load_detail(keep)
            else:
                self.selected_id = None
                self.detail.clear()
        emit(self.loaded)

    def _span_groups(self) -> None:
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)

    def _more(self, state: str, loaded: int) -> None:
        seq, flt = self._seq, self.current_filter((state,), loaded + PAGE)

        def done(board: Board) -> None:
            if seq == self._seq:
                self.model.append_rows(state, board.columns.get(state, [])[loaded:])
            else:
                self.model.fetch_failed(state)

        def failed(exc: BaseException) -> None:
            self.model.fetch_failed(state)
            self._failed(exc)

        self._host.run(lambda s: s.proposals.board(flt), success=done, failure=failed,
                       parent=self)

    def _failed(self, exc: BaseException) -> None:
        emit(self.message, error_text(exc), "error")

    # -- the chosen proposal ---------------------------------------------------------------
    def _chosen(self, index: QModelIndex) -> None:
        pid = index.data(ID_ROLE) if index.isValid() else None
        if pid is None or pid == self.selected_id:
            return
        self.selected_id = str(pid)
        self._load_detail(self.selected_id)

    def select(self, proposal_id: str) -> bool:
        index = self.model.index_of(proposal_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)
        return index.isValid()

    def _load_detail(self, pid: str) -> None:
        self._detail_seq += 1
        seq = self._detail_seq

        def done(d: dict[str, Any]) -> None:
            if seq == self._detail_seq:
                self.detail.show_detail(d)
                emit(self.detail_loaded)

        self._host.run(lambda s: s.proposals.detail(pid), success=done, failure=self._failed,
                       parent=self)

    def focus_actions(self) -> None:
        for button in self.detail.buttons.values():
            if button.isVisible():
                button.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return

    # -- steps and edits -------------------------------------------------------------------
    def new_proposal(self) -> QDialog | None:
        if self.dialog is not None:
            return None
        return self._open(ProposalDialog(self._host, self.schools, parent=self))

    def act(self, action: str) -> QDialog | None:
        """Open the dialog for ``action`` (see proposal_detail.ACTIONS) on the proposal
        shown; returns it (tests fill it in)."""
        d = self.detail.detail
        if d is None or self.dialog is not None:
            return None
        today = self._ctx.clock.today()
        dialog: QDialog
        if action == "edit":
            dialog = ProposalDialog(self._host, self.schools, d, parent=self)
        elif action == "submit":
            dialog = SubmitProposalDialog(self._host, d, today, self)
        elif action == "decide":
            dialog = DecideDialog(self._host, d, self.schools, today, self)
        elif action == "close":
            dialog = CloseDialog(self._host, d, today, self)
        elif action == "move":
            dialog = MoveDialog(self._host, self.schools, self.labels, proposal=d, parent=self)
        elif action in PLAIN_STEPS:
            dialog = PlainStepDialog(self._host, d, action, self)
        else:
            return None
        return self._open(dialog)

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
        text = "Saved." + (" Check: " + " ".join(warnings) if warnings else "")
        emit(self.message, text, "warning" if warnings else "ok")
        if isinstance(self.dialog, ProposalDialog) and self.dialog.detail is None:
            self.selected_id = saved.id  # show the new draft
        self.refresh()
        emit(self.changed, saved)

    def close_dialogs(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.blockSignals(True)  # closing on lock is not a user's "cancel"
            dialog.reject()
            dialog.deleteLater()

    def clear(self) -> None:
        self._seq += 1
        self._detail_seq += 1
        self.close_dialogs()
        self.board = None
        self.selected_id = None
        self.model.clear()
        self.detail.clear()
        self.counts.setText("")
        fill_schools(self.school, [], "All schools")
