"""The audit viewer: who did what and when, filtered by case, person, kind of action and
date; the record named by its case's reference (kind and short id when it has no case or
its case was purged); details such as a lawful deletion's reason; the state of the hash
chain shown in words and with an icon (the first broken entry named); and a case's
history exported as CSV (the save dialog says the file is not encrypted)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.validation import label as field_label
from panel_app.core.services.exports import LEAVES_ENCRYPTION
from panel_app.core.services.privacy import detail_text, kind_label
from panel_app.core.storage.audit import AuditCheck, AuditEntry
from panel_app.gui.icons import risk_icon
from panel_app.gui.models.meetings import IconColumn, IconTableModel, RawSortProxy
from panel_app.gui.models.records import RecordColumn
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text

ACTION_FILTERS = [("All actions", None), ("Unlock and lock", "session"),
                  ("Exports", "export"), ("Keys and passphrase", "keys"),
                  ("Purges and deletions", "purge"), ("Bundles", "bundle")]
EXPORT_TITLE = "Export case history (the CSV file is NOT encrypted)"


def when_text(at: str) -> str:
    """An audit time as dd/mm/yyyy HH:MM (local time when the entry has a zone)."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M")


Refs = dict[tuple[str, str], str]


def record_text(e: AuditEntry, refs: Refs | None = None) -> str:
    """The case reference for a case and the records hanging off it ("C-7KQ2M9 · note"),
    else the kind and a short id (a partnership-wide record, or one whose case was
    purged)."""
    if not e.entity:
        return ""
    ref = (refs or {}).get((e.entity, e.entity_id), "")
    if ref:
        return ref if e.entity == "case" else f"{ref} · {kind_label(e.entity)}"
    return f"{kind_label(e.entity)} {e.entity_id[:8]}".strip()


def action_text(e: AuditEntry) -> str:
    return e.action.replace("_", " ")


class AuditRows(IconTableModel):
    """Audit entries; the entry where the chain breaks is marked in words and by icon."""

    def __init__(self, parent: Any = None) -> None:
        self.broken_seq: int | None = None
        self.refs: Refs = {}
        columns = (
            IconColumn("No.", self._seq_text, lambda e: e.seq,
                       icon=lambda e: risk_icon("red") if e.seq == self.broken_seq else None,
                       tip=lambda e: "The chain breaks at this entry"
                       if e.seq == self.broken_seq else "",
                       bold=lambda e: e.seq == self.broken_seq),
            RecordColumn("When", lambda e: when_text(e.at), lambda e: e.at),
            RecordColumn("Who", lambda e: e.actor),
            RecordColumn("Action", action_text),
            IconColumn("Record", lambda e: record_text(e, self.refs), icon=None,
                       tip=lambda e: f"{kind_label(e.entity)} {e.entity_id}"
                       if e.entity else ""),
            IconColumn("Fields", lambda e: ", ".join(field_label(f) for f in e.fields),
                       icon=None, tip=lambda e: ", ".join(e.fields)),  # stored names
            RecordColumn("Details", lambda e: detail_text(e.detail)),
        )
        super().__init__(columns, parent)

    def _seq_text(self, e: AuditEntry) -> str:
        return f"⚠ {e.seq} (broken)" if e.seq == self.broken_seq else str(e.seq)

    def set_entries(self, entries: list[AuditEntry], broken_seq: int | None,
                    refs: Refs | None = None) -> None:
        self.broken_seq = broken_seq
        self.refs = dict(refs or {})
        self.set_rows(entries)


def chain_text(check: AuditCheck) -> str:
    if check.ok:
        return f"Audit trail intact: {check.entries} entries, every link checked."
    assert check.problem is not None
    return f"Audit trail BROKEN at entry {check.problem.seq}: {check.problem.message}"


def choose_csv(parent: QWidget, suggested: str) -> Path | None:
    path, _filter = QFileDialog.getSaveFileName(parent, EXPORT_TITLE, suggested,
                                                "CSV files (*.csv)")
    return Path(path) if path else None


class AuditViewer(QWidget):
    loaded = Signal()
    exported = Signal(str)

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self.check: AuditCheck | None = None
        self.choose_file: Callable[[QWidget, str], Path | None] = choose_csv
        layout = QVBoxLayout(self)

        grid = QGridLayout()
        self.case = QLineEdit()
        self.case.setAccessibleName("Case reference")
        self.case.setPlaceholderText("all cases")
        self.person = QLineEdit()
        self.person.setAccessibleName("Person (part of the name)")
        self.person.setPlaceholderText("anyone")
        self.action = QComboBox()
        self.action.setAccessibleName("Kind of action")
        for text, value in ACTION_FILTERS:
            self.action.addItem(text, value)
        self.since = QLineEdit()
        self.since.setAccessibleName("Since date, dd/mm/yyyy")
        self.since.setPlaceholderText("dd/mm/yyyy")
        for col, (text, widget) in enumerate((("Case &reference:", self.case),
                                              ("&Person:", self.person),
                                              ("&Action:", self.action),
                                              ("&Since:", self.since))):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 0, col)
            grid.addWidget(widget, 1, col)
        self.filter_button = QPushButton("&Filter")
        self.filter_button.setToolTip("Show the entries that match (Return)")
        grid.addWidget(self.filter_button, 1, 4)
        layout.addLayout(grid)

        status = QHBoxLayout()
        self.chain_icon = QLabel()
        self.chain_status = QLabel()
        self.chain_status.setWordWrap(True)
        self.chain_status.setAccessibleName("Audit chain status")
        status.addWidget(self.chain_icon)
        status.addWidget(self.chain_status, 1)
        layout.addLayout(status)

        self.model = AuditRows(self)
        self.proxy = RawSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = readonly_table(self.proxy, "Audit entries", 6, sort_descending=True)
        # the field names can be long: a fixed share (the whole list in the tooltip), so
        # the details stay in view
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(5, self.fontMetrics().averageCharWidth() * 36)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.export_button = QPushButton("Export case &history…")
        self.export_button.setToolTip("Save the history of the case named above as a CSV "
                                      "file (not encrypted)")
        self.verify_button = QPushButton("Re&check the chain")
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = message_label()
        layout.addWidget(self.message)

        self.filter_button.clicked.connect(self.load)
        self.verify_button.clicked.connect(self.load)
        for edit in (self.case, self.person, self.since):
            edit.returnPressed.connect(self.load)
        self.action.currentIndexChanged.connect(lambda _i: self.load())
        self.export_button.clicked.connect(self.export_case)

    # -- loading ---------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        return {"case": self.case.text().strip() or None,
                "person": self.person.text().strip() or None,
                "action": self.action.currentData(),
                "since": self.since.text().strip() or None}

    def load(self) -> None:
        self._seq += 1
        seq = self._seq
        wanted = self.filters()

        def fetch(s: Any) -> tuple[list[AuditEntry], AuditCheck, Refs]:
            check = s.privacy.verify_audit()
            entries = list(s.privacy.audit_entries(**wanted))
            refs = s.privacy.case_refs({(e.entity, e.entity_id) for e in entries})
            return entries, check, refs

        def done(result: tuple[list[AuditEntry], AuditCheck, Refs]) -> None:
            if seq != self._seq:
                return
            entries, check, refs = result
            self.show_check(check)
            self.model.set_entries(entries, check.problem.seq if check.problem else None,
                                   refs)
            count = len(entries)
            set_message(self.message, f"{count} entr{'y' if count == 1 else 'ies'} shown"
                        + (" (the newest 500)" if count >= 500 else "") + ".", "muted")
            emit(self.loaded)

        def failed(exc: BaseException) -> None:
            if seq == self._seq:
                self.model.set_entries([], None)
                set_message(self.message, error_text(exc))
                emit(self.loaded)

        self._host.run(fetch, success=done, failure=failed, parent=self)

    def show_check(self, check: AuditCheck) -> None:
        self.check = check
        size = self.fontMetrics().height()
        icon = risk_icon("green" if check.ok else "red")
        self.chain_icon.setPixmap(icon.pixmap(size, size))
        text = chain_text(check)
        self.chain_status.setText(("✔ " if check.ok else "⚠ ") + text)
        self.chain_status.setAccessibleName(text)

    def clear(self) -> None:
        self._seq += 1
        self.check = None
        self.model.set_entries([], None)
        self.chain_status.clear()
        self.chain_icon.clear()
        set_message(self.message, "")

    # -- export ----------------------------------------------------------------------------
    def export_case(self) -> None:
        case = self.case.text().strip()
        if not case:
            set_message(self.message, "Type the case reference whose history to export.")
            self.case.setFocus()
            return
        path = self.choose_file(self, f"audit-{case}.csv")
        if path is None:
            return

        def done(file: Any) -> None:
            set_message(self.message, f"Saved {file.path}. {LEAVES_ENCRYPTION}", "warning")
            emit(self.exported, str(file.path))

        self._host.run(lambda s: s.privacy.export_audit(case, path), success=done,
                       failure=lambda e: set_message(self.message, error_text(e)),
                       parent=self)
