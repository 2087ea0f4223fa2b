"""The conflicts queue: fields that this installation and a partner both changed since
they last exchanged. Each shows both values, who and when; resolve by keeping ours,
taking theirs or typing a new value (for a record deleted on one side and edited on
the other: keep it or delete it). The resolution travels in the next bundle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.errors import ValidationError
from panel_app.gui.bundle_ui import (
    CONFLICT_STATUS,
    DELETED_FIELD,
    field_name,
    icon_label,
    kind_name,
    set_icon,
    table_view,
    uk_datetime,
    value_text,
)
from panel_app.gui.models.bundle_table import ROW_ROLE, BundleTableModel, Col, sorted_proxy
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

RESOLUTIONS = {"mine": "kept this installation's value", "theirs": "took the partner's value",
               "value": "typed a new value", "keep": "kept the record",
               "delete": "deleted the record", "superseded": "settled by a later change"}


Names = dict[str, str]


def side_value(c: Any, side: dict[str, Any], names: Names | None = None) -> str:
    if c.field == DELETED_FIELD:
        return "Deleted" if side.get("value") == "deleted" else "Kept or edited"
    return value_text(c.field, side.get("value"), names)


def side_text(c: Any, side: dict[str, Any], names: Names | None = None) -> str:
    return f"{side_value(c, side, names)} — {side['who']}, {uk_datetime(side['at'])}"


def _status(c: Any) -> tuple[str, str]:
    return CONFLICT_STATUS.get(c.status, (c.status.capitalize(), "muted"))


def conflict_columns(names: Names) -> list[Col]:
    return [
        Col("Status", lambda c: _status(c)[0], icon=lambda c: _status(c)[1],
            raw=lambda c: (c.status != "open", c.detected_at), width=10),
        Col("Record", lambda c: f"{kind_name(c.entity)} {c.record}", width=20),
        Col("Field", lambda c: field_name(c.field), width=14),
        Col("Found", lambda c: uk_datetime(c.detected_at), raw=lambda c: c.detected_at,
            width=18),
        Col("Here", lambda c: side_value(c, c.mine, names),
            tip=lambda c: side_text(c, c.mine, names), width=34),
        Col("Partner's", lambda c: side_value(c, c.theirs, names),
            tip=lambda c: side_text(c, c.theirs, names)),
    ]


class ConflictsPanel(QWidget):
    resolved = Signal(object)  # the core's Changes
    message = Signal(str, str)  # text, role: for the view's status line
    count_changed = Signal(int)  # open conflicts

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._all: list[Any] = []
        self.names: Names = {}
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.count = QLabel("")
        self.count.setWordWrap(True)
        self.show_resolved = QCheckBox("Show &resolved too")
        top.addWidget(self.count, 1)
        top.addWidget(self.show_resolved)
        layout.addLayout(top)
        self.model = BundleTableModel(conflict_columns(self.names), self)
        self.proxy = sorted_proxy(self.model)
        self.table = table_view(self.proxy, "Conflicts")
        layout.addWidget(self.table, 1)

        self.detail = QGroupBox("Selected conflict")
        detail = QVBoxLayout(self.detail)
        head = QHBoxLayout()
        self.detail_icon = icon_label("")
        self.what = QLabel("Select a conflict above.")
        self.what.setWordWrap(True)
        head.addWidget(self.detail_icon)
        head.addWidget(self.what, 1)
        detail.addLayout(head)
        sides = QFormLayout()
        self.mine = QLabel("")
        self.theirs = QLabel("")
        self.current = QLabel("")
        for label in (self.mine, self.theirs, self.current):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sides.addRow("Here:", self.mine)
        sides.addRow("Partner's:", self.theirs)
        sides.addRow("Shown now:", self.current)
        detail.addLayout(sides)
        self.value_buttons = QWidget()
        row = QHBoxLayout(self.value_buttons)
        row.setContentsMargins(0, 0, 0, 0)
        self.mine_button = QPushButton("Keep &mine")
        self.mine_button.setToolTip("Keep this installation's value")
        self.theirs_button = QPushButton("Take &theirs")
        self.theirs_button.setToolTip("Take the partner's value")
        self.value = QLineEdit()
        self.value.setAccessibleName("New value")
        value_label = QLabel("or a &new value:")
        value_label.setBuddy(self.value)
        self.value_button = QPushButton("&Use this value")
        for w in (self.mine_button, self.theirs_button, value_label):
            row.addWidget(w)
        row.addWidget(self.value, 1)
        row.addWidget(self.value_button)
        detail.addWidget(self.value_buttons)
        self.delete_buttons = QWidget()
        row = QHBoxLayout(self.delete_buttons)
        row.setContentsMargins(0, 0, 0, 0)
        self.keep_button = QPushButton("&Keep record")
        self.keep_button.setToolTip("Keep the record with its edits")
        self.delete_button = QPushButton("&Delete record")
        self.delete_button.setToolTip("Delete the record on every installation")
        row.addWidget(self.keep_button)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        detail.addWidget(self.delete_buttons)
        self.feedback = message_label()
        detail.addWidget(self.feedback)
        layout.addWidget(self.detail)

        self.show_resolved.toggled.connect(lambda _c: self._filter())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self.mine_button.clicked.connect(lambda: self.resolve("mine"))
        self.theirs_button.clicked.connect(lambda: self.resolve("theirs"))
        self.value_button.clicked.connect(lambda: self.resolve("value"))
        self.value.returnPressed.connect(lambda: self.resolve("value"))
        self.keep_button.clicked.connect(lambda: self.resolve("keep"))
        self.delete_button.clicked.connect(lambda: self.resolve("delete"))
        self._show_selected()

    # -- content ---------------------------------------------------------------------------
    def show_conflicts(self, conflicts: Sequence[Any], names: Names | None = None) -> None:
        selected = self.selected()
        self.names.clear()
        self.names.update(names or {})
        self._all = list(conflicts)
        self._filter(selected.id if selected is not None else None)
        open_count = sum(1 for c in self._all if c.status == "open")
        emit(self.count_changed, open_count)

    def _filter(self, select: str | None = None) -> None:
        rows = [c for c in self._all if self.show_resolved.isChecked() or c.status == "open"]
        self.model.set_rows(rows)
        self.proxy.sort(0, Qt.SortOrder.AscendingOrder)
        open_count = sum(1 for c in self._all if c.status == "open")
        self.count.setText("No conflicts to resolve." if not open_count else
                           f"{open_count} conflict{'s' if open_count != 1 else ''} to resolve: "
                           "both values are kept until you choose.")
        for row in range(self.proxy.rowCount()):
            if select is not None and self.proxy.index(row, 0).data(ROW_ROLE).id == select:
                self.table.selectRow(row)
                break
        else:
            if self.proxy.rowCount():
                self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        return index.data(ROW_ROLE)

    def _show_selected(self) -> None:
        c = self.selected()
        self.detail.setEnabled(c is not None)
        deletion = c is not None and c.field == DELETED_FIELD
        self.value_buttons.setVisible(not deletion)
        self.delete_buttons.setVisible(deletion)
        if c is None:
            self.what.setText("Select a conflict above." if self._all or
                              self.show_resolved.isChecked() else "Nothing to resolve.")
            set_icon(self.detail_icon, "")
            for label in (self.mine, self.theirs, self.current):
                label.setText("")
            self.value.clear()
            return
        is_open = c.status == "open"
        what = (f"{kind_name(c.entity)} {c.record}: the record was deleted on one side and "
                "edited on the other." if deletion else
                f"{kind_name(c.entity)} {c.record}, {field_name(c.field)}: changed on both sides.")
        if not is_open:
            what += f" Resolved: {RESOLUTIONS.get(c.resolution, c.resolution)}."
        self.what.setText(what)
        set_icon(self.detail_icon, _status(c)[1])
        self.mine.setText(side_text(c, c.mine, self.names))
        self.theirs.setText(side_text(c, c.theirs, self.names))
        current = ("the record is here" if c.current else "the record is deleted") \
            if deletion else value_text(c.field, c.current, self.names)
        self.current.setText(current)
        self.value.setText("" if deletion or c.current is None else str(c.current))
        for w in (self.mine_button, self.theirs_button, self.value, self.value_button,
                  self.keep_button, self.delete_button):
            w.setEnabled(is_open)
        set_message(self.feedback, "")

    # -- resolving -------------------------------------------------------------------------
    def resolve(self, choice: str) -> None:
        c = self.selected()
        if c is None or c.status != "open":
            return
        value: Any = self.value.text().strip() if choice == "value" else None
        if choice == "value" and value == "":
            value = None
        cid = c.id
        set_message(self.feedback, "Saving…", "muted")
        label = f"{kind_name(c.entity)} {c.record}, {field_name(c.field)}"
        self.detail.setEnabled(False)

        def done(changes: Any) -> None:
            self.detail.setEnabled(True)
            set_message(self.feedback, "")
            emit(self.message, f"Resolved the conflict on {label}: you "
                               f"{RESOLUTIONS.get(choice, choice)}. The choice travels to the "
                               "partner in your next bundle.", "ok")
            emit(self.resolved, changes)

        def failed(exc: BaseException) -> None:
            self.detail.setEnabled(True)
            text = error_text(exc)
            if isinstance(exc, ValidationError):
                text = " ".join(i.message for i in exc.issues) or text
            set_message(self.feedback, text)

        self._host.run(lambda s: s.bundles.resolve(cid, choice, value), success=done,
                       failure=failed, parent=self)

    def clear(self) -> None:
        self._all = []
        self.model.clear()
        self.count.setText("")
        self._show_selected()
