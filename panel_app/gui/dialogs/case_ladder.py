"""The case form's Ladder tab: the ladder strip for a request on a date, the reasons
behind each step, the case's evidence records (``case_ladder_evidence``: the list, its
buttons and its lawful deletion), and what is missing for the request.

Everything is fetched in one worker job (``fetch_case_ladder``) and fetched again after
each change, so the strip always shows what the core's check says now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.ladder import Action, Evidence, Ladder
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.case_ladder_check import MissingPanel, OverrideDialog
from panel_app.gui.dialogs.case_ladder_evidence import EvidencePage
from panel_app.gui.dialogs.evidence_dialog import EvidenceDialog, VerifyDialog, date_edit
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.ladder_icons import status_icon, status_word
from panel_app.gui.ladder_strip import LadderStrip, WrappingDelegate
from panel_app.gui.models.evidence_rows import CaseLadder, evidence_rows, fetch_case_ladder
from panel_app.gui.models.ladder_check import CheckTreeModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.views.settings_view import ask
from panel_app.gui.worker import SessionHost, error_text

REQUESTS = [("An AP place", Action.AP_PLACE.value), ("A managed move", Action.MANAGED_MOVE.value),
            ("Partnership resources", Action.PARTNERSHIP_RESOURCES.value)]


class LadderTab(QWidget):
    changed = Signal()  # evidence or a recorded check changed on the case
    documents_loaded = Signal(list)  # the case's documents (an attach may add some)
    loaded = Signal()  # the tab shows a fresh result (tests wait on this)

    def __init__(self, host: SessionHost, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self._case_id: str | None = None
        self._seq = 0
        self.data: CaseLadder | None = None
        self.dialog: SubmitDialog | None = None  # the sub-dialog open now, if any
        self.confirm: Callable[[QWidget, str, str], bool] = ask
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.action = QComboBox()
        for request, value in REQUESTS:
            self.action.addItem(request, value)
        self.action.setAccessibleName("Request to check")
        self.on = date_edit()
        self.on.setText(format_uk(ctx.clock.today()))
        self.on.setAccessibleName("Check as on date")
        self.on.setToolTip("The date to check on, dd/mm/yyyy (today by default)")
        self.on.setMaximumWidth(self.on.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        for text, widget in (("&For:", self.action), ("O&n:", self.on)):
            label = QLabel(text)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
        top.addSpacing(12)
        self.verdict_icon = QLabel()
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        top.addWidget(self.verdict_icon)
        top.addWidget(self.verdict, 1)
        layout.addLayout(top)

        self.strip = LadderStrip(self)
        layout.addWidget(self.strip)
        self.reasons_button = QPushButton("Show reason&s")
        self.reasons_button.setCheckable(True)
        self.reasons_button.setToolTip("Show or hide why each step is met, partly met or "
                                       "missing (click a step to jump to it)")
        reasons_row = QHBoxLayout()
        reasons_row.addWidget(self.reasons_button)
        reasons_row.addStretch(1)
        layout.addLayout(reasons_row)
        self.tree_model = CheckTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setAccessibleName("Reasons for each step")
        self.tree.setWordWrap(True)
        self.tree.setItemDelegate(WrappingDelegate(self.tree))
        self.tree.setUniformRowHeights(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setVisible(False)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        # long reasons wrap: row heights follow the column's width when it changes
        header.sectionResized.connect(lambda *_a: self.tree.scheduleDelayedItemsLayout())

        self.pages = QTabWidget()
        self.pages.setAccessibleName("Evidence and what is missing")
        self.pages.setDocumentMode(True)
        self.message = message_label()
        self.evidence = EvidencePage(host, self.message,
                                     lambda result: self._saved(result.message, None), self)
        self.evidence.connect_actions(self.add_evidence, self.edit_selected,
                                      self.verify_selected, self.remove_selected)
        self.evidence_model, self.evidence_table = self.evidence.model, self.evidence.table
        self.add_button = self.evidence.add_button
        self.pages.addTab(self.evidence, "&Evidence")
        self.missing = MissingPanel(self)
        scroll = QScrollArea()  # it scrolls rather than squeeze the reasons above it
        scroll.setWidget(self.missing)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("What is missing")
        self.missing_index = self.pages.addTab(scroll, "&What is missing")
        # the reasons and the pages share the height; the user can move the divider
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.tree)
        self.split.addWidget(self.pages)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.message)

        self.action.currentIndexChanged.connect(lambda _i: self.reload())
        self.on.editingFinished.connect(self._date_edited)
        self.reasons_button.toggled.connect(self.show_reasons)
        self.strip.step_activated.connect(self.show_step)
        self.missing.record_requested.connect(self.record_check)
        self.missing.override_requested.connect(self.override)

    # -- loading ---------------------------------------------------------------------------
    @property
    def case_id(self) -> str | None:
        return self._case_id

    @case_id.setter
    def case_id(self, case_id: str | None) -> None:
        if case_id != self._case_id:
            self._case_id = case_id
            if case_id is not None:
                self.reload()

    def reload(self) -> None:
        if self._case_id is None:
            return
        self._seq += 1
        seq, case_id = self._seq, self._case_id
        action, on = str(self.action.currentData()), self.on.text().strip()

        def done(data: CaseLadder) -> None:
            if seq == self._seq:
                self.show_data(data)

        def failed(exc: BaseException) -> None:
            if seq == self._seq:
                set_message(self.message, error_text(exc))

        self._host.run(lambda s: fetch_case_ladder(s, case_id, action, on), success=done,
                       failure=failed, parent=self)

    def _date_edited(self) -> None:
        if self.data is None or self.on.text().strip() != format_uk(self.data.check.on):
            self.reload()

    def show_data(self, data: CaseLadder) -> None:
        self.data = data
        check = data.check
        set_message(self.message, "")
        empty = "" if data.version else ("The partnership has no ladder yet: set it up in the "
                                         "Ladder section (load a preset or add steps).")
        self.strip.set_check(check, empty)
        self.tree_model.set_check(check)
        self.tree.expandAll()
        size = self.fontMetrics().height() + 4
        self.verdict_icon.setPixmap(status_icon(check.verdict).pixmap(size, size))
        text = f"{status_word(check.verdict)} for {check.action_label}"
        if data.version is not None:
            text += f" (ladder version {data.version.number})"
        self.verdict.setText(text)
        self.verdict.setAccessibleName(text)
        self.verdict.setToolTip(" ".join(r.message for r in check.reasons))
        ladder = data.version.ladder if data.version else None
        self.evidence.show_rows(evidence_rows(ladder, data.evidence))
        self.missing.show_check(check)
        self.missing.show_recorded(data.checks)
        has_ladder = data.version is not None and bool(ladder and ladder.steps)
        self.add_button.setEnabled(has_ladder)
        self.add_button.setToolTip("Record evidence for a step of the ladder (Ins)"
                                   if has_ladder else "Set up the ladder first (Ladder section)")
        emit(self.documents_loaded, list(data.documents))
        emit(self.loaded)

    def hideEvent(self, event: QHideEvent) -> None:
        """The form is closing (or locking): no sub-dialog stays open with pupil data."""
        if self.dialog is not None:
            self.dialog.reject()
        super().hideEvent(event)

    # -- reasons ---------------------------------------------------------------------------
    def show_reasons(self, shown: bool) -> None:
        was_shown = self.tree.isVisibleTo(self)
        self.tree.setVisible(shown)
        if shown and not was_shown:  # half each, once the splitter has seen the tree
            QTimer.singleShot(0, self._split_half)
        self.reasons_button.setChecked(shown)
        self.reasons_button.setText("Hide reason&s" if shown else "Show reason&s")

    def _split_half(self) -> None:
        self.split.setSizes([1000, 1000])
        current = self.tree.currentIndex()
        if current.isValid():
            self.tree.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtTop)

    def show_missing(self) -> None:
        self.pages.setCurrentIndex(self.missing_index)

    def show_step(self, number: int) -> None:
        self.show_reasons(True)
        self.strip.select(number)
        index = self.tree_model.step_index(number)
        if index.isValid():
            self.tree.expand(index)
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    # -- evidence --------------------------------------------------------------------------
    def selected_evidence(self) -> Evidence | None:
        index = self.evidence_table.currentIndex()
        row = self.evidence_model.record(index.row()) if index.isValid() else None
        return row.evidence if row is not None else None

    def _open(self, dialog: SubmitDialog, done: Callable[[Any], None]) -> None:
        self.dialog = dialog
        dialog.succeeded.connect(done)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: SubmitDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _need(self, what: str) -> Evidence | None:
        evidence = self.selected_evidence()
        if evidence is None:
            set_message(self.message, f"Select an evidence record to {what}.")
            self.evidence_table.setFocus()
        return evidence

    def add_evidence(self) -> EvidenceDialog | None:
        data = self.data
        if data is None or data.version is None or self._case_id is None:
            set_message(self.message, "The partnership has no ladder yet: set it up in the "
                                      "Ladder section first.")
            return None
        selected = self.strip.selected()
        steps = [s for s in data.check.steps if s.number == selected]
        if not steps:  # the first needed step that is not met yet
            steps = [s for s in data.check.steps if s.needed and s.status != "met"]
        key = steps[0].key if steps else ""
        dialog = EvidenceDialog(self._host, data.version.ladder, self._case_id,
                                data.documents, None, self, step_key=key)
        self._open(dialog, lambda saved: self._saved("Evidence added.", saved))
        return dialog

    def edit_selected(self) -> EvidenceDialog | None:
        evidence, data = self._need("edit"), self.data
        if evidence is None or data is None or self._case_id is None:
            return None
        ladder = data.version.ladder if data.version else Ladder("")
        dialog = EvidenceDialog(self._host, ladder, self._case_id, data.documents, evidence,
                                self)
        self._open(dialog, lambda saved: self._saved("Evidence saved.", saved))
        return dialog

    def verify_selected(self) -> VerifyDialog | None:
        evidence, data = self._need("verify"), self.data
        if evidence is None or data is None:
            return None
        found = data.version.ladder.step_by_key(evidence.step_key) if data.version else None
        item = found[1].item(evidence.kind) if found else None
        dialog = VerifyDialog(self._host, evidence, item, data.people, data.user_name, self)
        self._open(dialog, lambda saved: self._saved("Verification recorded.", saved))
        return dialog

    def remove_selected(self) -> None:
        evidence = self._need("remove")
        if evidence is None:
            return
        if not self.confirm(self, "Remove evidence",
                            f"Take the record started {format_uk(evidence.started_on)} off "
                            "the case? Checks already recorded keep it."):
            return
        evidence_id = evidence.id
        self._host.run(lambda s: s.ladders.remove_evidence(evidence_id),
                       success=lambda _c: self._saved("Evidence removed.", None),
                       failure=self._failed, parent=self)

    def _saved(self, text: str, saved: Any) -> None:
        warnings = list(getattr(saved, "warnings", []) or [])
        if warnings:
            set_message(self.message, text + " Check: " + " ".join(w.message for w in warnings),
                        "warning")
        else:
            set_message(self.message, text, "ok")
        emit(self.changed)
        self._reload_keeping_message()

    def _reload_keeping_message(self) -> None:
        text, role = self.message.accessibleName(), str(self.message.property("role"))
        self.loaded.connect(lambda: set_message(self.message, text, role),
                            Qt.ConnectionType.SingleShotConnection)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    # -- checks ----------------------------------------------------------------------------
    def record_check(self) -> None:
        data, case_id = self.data, self._case_id
        if data is None or case_id is None:
            return
        action, on = data.check.action, data.check.on
        self._host.run(lambda s: s.ladders.record_check(case_id, action, on),
                       success=lambda _r: self._saved("Check recorded.", None),
                       failure=lambda e: set_message(self.missing.message, error_text(e)),
                       parent=self)

    def override(self) -> OverrideDialog | None:
        data, case_id = self.data, self._case_id
        if data is None or case_id is None:
            return None
        dialog = OverrideDialog(self._host, data.check, case_id,
                                [name for name, _role in data.people], self)
        self._open(dialog, lambda _r: self._saved("Check recorded with the override.", None))
        return dialog
