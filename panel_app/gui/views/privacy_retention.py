"""Retention: the partnership's policy with the reason for each rule (editable: see
``retention_policy``), the cases due for review, and a purge that shows what will go and
asks for PURGE to be typed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.retention import RuleInfo
from panel_app.core.services.privacy import PurgePlan, PurgeResult, ReviewItem
from panel_app.gui.dialogs.purge_confirm import PurgeConfirmDialog
from panel_app.gui.icons import risk_icon
from panel_app.gui.models.meetings import IconColumn, IconTableModel, RawSortProxy
from panel_app.gui.models.records import RecordColumn
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.views.retention_policy import PolicyEditor
from panel_app.gui.worker import SessionHost, error_text

DUE_COLUMNS = (
    IconColumn("Due since", lambda r: "⚠ " + format_uk(r.due_since),
               lambda r: r.due_since.isoformat(), icon=lambda r: risk_icon("amber")),
    RecordColumn("Case", lambda r: r.case_ref),
    RecordColumn("Pupil", lambda r: r.pupil),
    RecordColumn("Status", lambda r: r.status.capitalize()),
    RecordColumn("Closed on", lambda r: format_uk(r.closed_on) if r.closed_on else "",
                 lambda r: r.closed_on.isoformat() if r.closed_on else ""),
    RecordColumn("Why", lambda r: " ".join(d.text for d in r.reasons)),
)


def due_model(parent: Any = None) -> IconTableModel:
    return IconTableModel(DUE_COLUMNS, parent)


class RetentionPanel(QWidget):
    loaded = Signal()
    purged = Signal(str)  # the result message

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self.dialog: PurgeConfirmDialog | None = None
        self.items: list[ReviewItem] = []
        outer = QVBoxLayout(self)  # a short screen scrolls rather than squeeze the reasons
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("Retention")
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)

        self.policy = PolicyEditor(host, self)
        self.policy.saved.connect(self.load)
        layout.addWidget(self.policy)

        due_box = QGroupBox("Due for review")
        box = QVBoxLayout(due_box)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        self.model = due_model(self)
        self.proxy = RawSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = readonly_table(self.proxy, "Cases due for review", 5,
                                    sort_descending=False)
        self.table.setWordWrap(True)  # the reason in full, not cut off
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.purge_selected_button = QPushButton("P&urge selected case…")
        self.purge_all_button = QPushButton("Purge &all cases due…")
        buttons.addWidget(self.purge_selected_button)
        buttons.addWidget(self.purge_all_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        layout.addWidget(due_box, 1)
        self.message = message_label()
        layout.addWidget(self.message)

        self.purge_selected_button.clicked.connect(lambda: self.prepare_purge(selected=True))
        self.purge_all_button.clicked.connect(lambda: self.prepare_purge(selected=False))

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        self._seq += 1
        seq = self._seq

        def fetch(s: Any) -> tuple[list[RuleInfo], list[ReviewItem]]:
            return list(s.privacy.retention_rules()), list(s.privacy.due_for_review())

        def done(result: tuple[list[RuleInfo], list[ReviewItem]]) -> None:
            if seq == self._seq:
                self.show_policy(result[0])
                self.show_due(result[1])
                emit(self.loaded)

        self._host.run(fetch, success=done, failure=self._failed, parent=self)

    def show_policy(self, rules: list[RuleInfo]) -> None:
        self.policy.show_rules(rules)

    @property
    def rule_labels(self) -> list[QLabel]:
        """The reason shown under each rule ("Why: ...")."""
        return self.policy.rule_labels

    def show_due(self, items: list[ReviewItem]) -> None:
        self.items = list(items)
        self.model.set_rows(self.items)
        n = len(self.items)
        self.summary.setText("No case is due for review." if not n else
                             f"{n} {'case is' if n == 1 else 'cases are'} due for review: "
                             "check each and purge those no longer needed. A case that "
                             "must be kept longer stays listed until the case or the "
                             "policy above changes.")
        self.purge_selected_button.setEnabled(bool(n))
        self.purge_all_button.setEnabled(bool(n))
        if n:
            self.table.selectRow(0)

    def selected(self) -> ReviewItem | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        source = self.proxy.mapToSource(self.proxy.index(index.row(), 0))
        record = self.model.record(source.row())
        return record if isinstance(record, ReviewItem) else None

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    # -- purging ---------------------------------------------------------------------------
    def prepare_purge(self, selected: bool = True) -> None:
        cases: list[str] | None = None
        if selected:
            item = self.selected()
            if item is None:
                set_message(self.message, "Select a case in the list first.")
                self.table.setFocus()
                return
            cases = [item.case_id]
        self._host.run(lambda s: s.privacy.plan_purge(cases),
                       success=self._plan_ready,
                       failure=self._failed, parent=self)

    def _plan_ready(self, plan: PurgePlan) -> None:
        self.confirm(plan)

    def confirm(self, plan: PurgePlan) -> PurgeConfirmDialog | None:
        if plan.empty:
            set_message(self.message, "Nothing to purge.", "muted")
            return None
        dialog = PurgeConfirmDialog(plan, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.purge(dialog.plan, dialog.remove_backups()))
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: PurgeConfirmDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def purge(self, plan: PurgePlan, remove_backups: bool = True) -> None:
        set_message(self.message, "Purging… the database file is being rewritten.", "muted")

        def done(result: PurgeResult) -> None:
            set_message(self.message, result.message, "ok")
            emit(self.purged, result.message)
            self.load()

        self._host.run(lambda s: s.privacy.purge(plan, remove_backups=remove_backups),
                       success=done, failure=self._failed, parent=self)

    def clear(self) -> None:
        self._seq += 1
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reject()
        self.items = []
        self.model.clear()
        self.summary.clear()
        self.policy.clear()
        set_message(self.message, "")
