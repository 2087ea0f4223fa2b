"""The preview of an import: who sent the bundle, the new records, the changed fields
(old and new values), deletions and conflicts. Accept applies everything in one
transaction on the worker; Cancel changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.bundle_ui import (
    DELETED_FIELD,
    field_name,
    icon_label,
    import_summary,
    kind_name,
    spaced_fingerprint,
    table_view,
    uk_datetime,
    value_text,
)
from panel_app.gui.models.bundle_table import BundleTableModel, Col, sorted_proxy
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


@dataclass(frozen=True)
class PreviewRow:
    kind: str
    record: str
    field: str = ""
    old: str = ""
    new: str = ""
    old_by: str = ""
    new_by: str = ""


Names = dict[str, str]
Labels = dict[tuple[str, str], str]


def _side(value: Any, fld: str, names: Names) -> str:
    if fld == DELETED_FIELD:
        return "Deleted" if isinstance(value, dict) else "Kept or edited"
    return value_text(fld, value, names)


def record_labels(session: Any, preview: Any) -> Labels:
    """Runs on the worker: how to name the records of the preview's conflicts (their
    case reference or pupil's name), which the plan gives only for new or changed
    records. Read-only, the same way the core names them in its conflicts queue."""
    from panel_app.core.bundles.merge import record_label

    store = session.bundles.store
    labels: Labels = {}
    for c in preview.plan.conflicts:
        key = (c.entity, c.entity_id)
        if key not in labels:
            row = store.rows(store.table_info(c.entity), [c.entity_id]).get(c.entity_id)
            labels[key] = record_label(c.entity, row, c.entity_id)
    return labels


def preview_rows(preview: Any, names: Names | None = None,
                 labels: Labels | None = None) -> dict[str, list[PreviewRow]]:
    """The preview's plan as rows for the tables (plain text, done once)."""
    plan, sender, names = preview.plan, preview.sender.label, names or {}
    new = sorted((PreviewRow(kind_name(e), lbl) for e, _i, lbl in plan.new_records),
                 key=lambda r: (r.kind != "Case", r.kind, r.record))
    changed = [PreviewRow(kind_name(c.entity), c.label, field_name(c.field),
                          value_text(c.field, c.old, names), value_text(c.field, c.new, names))
               for c in plan.field_changes]
    known = dict(labels or {})
    known.update({(e, i): lbl for e, i, lbl in plan.new_records})
    known.update({(c.entity, c.entity_id): c.label for c in plan.field_changes})
    conflicts = [PreviewRow(kind_name(c.entity),
                            known.get((c.entity, c.entity_id), c.entity_id[:8]),
                            field_name(c.field), _side(c.local.decoded(), c.field, names),
                            _side(c.remote.decoded(), c.field, names),
                            f"this installation, {uk_datetime(c.local.at)}",
                            f"{sender}, {uk_datetime(c.remote.at)}") for c in plan.conflicts]
    deleted = [PreviewRow(kind_name(e), lbl) for e, _i, lbl in plan.deletions]
    return {"new": new, "changed": changed, "conflicts": conflicts, "deleted": deleted}


def preview_summary(preview: Any) -> str:
    if preview.status != "ready":
        return str(preview.message)
    plan = preview.plan
    return import_summary(preview.sender.label, len(preview.new_cases), len(plan.new_records),
                          len(plan.field_changes), len(plan.deletions), len(plan.conflicts))


_RECORD = [Col("Kind", lambda r: r.kind, width=10), Col("Record", lambda r: r.record, width=24)]
COLUMNS = {
    "new": _RECORD,
    "changed": [*_RECORD, Col("Field", lambda r: r.field, width=16),
                Col("Old value", lambda r: r.old, width=24),
                Col("New value", lambda r: f"→ {r.new}", raw=lambda r: r.new.casefold(),
                    tip=lambda r: f"{r.field}: {r.old} → {r.new}")],
    "conflicts": [Col("Kind", lambda r: r.kind, width=8),
                  Col("Record", lambda r: r.record, width=14),
                  Col("Field", lambda r: r.field, width=12),
                  Col("Here", lambda r: r.old, tip=lambda r: f"{r.old} ({r.old_by})", width=36),
                  Col("In the bundle", lambda r: r.new,
                      tip=lambda r: f"{r.new} ({r.new_by})")],
    "deleted": _RECORD,
}
WRAP_ROWS = 200  # up to this many rows, long values wrap (row heights cost time)
TAB_TITLES = {"new": "New records", "changed": "Changed fields", "conflicts": "Conflicts",
              "deleted": "Deleted"}


class ImportPreviewDialog(QDialog):
    applied = Signal(object, str)  # the core's ImportResult, and what it did in words

    def __init__(self, host: SessionHost, preview: Any, file_name: str,
                 names: Names | None = None, labels: Labels | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self.preview = preview
        self._sender = preview.sender.label
        self._new_cases = len(preview.new_cases)
        m = preview.manifest
        self.setWindowTitle(f"Import {file_name}")
        self.resize(860, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Bundle from {preview.sender.label}", parent=self))
        scope = "a full bundle" if m.scope == "full" else "changes since the previous bundle"
        facts = QLabel(f"Bundle number {m.sequence}, made {uk_datetime(m.created_at)}: {scope}."
                       + (" Re-applied on your request." if preview.reapply else ""))
        facts.setWordWrap(True)
        layout.addWidget(facts)
        signed = QHBoxLayout()
        signed.addWidget(icon_label("ok"))
        signature = QLabel(f"Signature checked against the card of {preview.sender.label} "
                           f"(fingerprint {spaced_fingerprint(preview.sender.fingerprint)}).")
        signature.setWordWrap(True)
        signed.addWidget(signature, 1)
        layout.addLayout(signed)
        summary_row = QHBoxLayout()
        done_before = preview.status == "already_imported"
        has_conflicts = bool(preview.plan.conflicts)
        summary_row.addWidget(icon_label("info" if done_before or not has_conflicts
                                         else "warning"), 0, Qt.AlignmentFlag.AlignTop)
        self.summary = QLabel(preview_summary(preview) + (
            "\nConflicts keep both values; resolve them in the Conflicts tab after the import."
            if has_conflicts else "")
            + ("\nThis database joins the bundle's partnership."
               if preview.joins_partnership else ""))
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.summary.text())
        summary_row.addWidget(self.summary, 1)
        layout.addLayout(summary_row)

        self.rows = preview_rows(preview, names, labels)
        self.models: dict[str, BundleTableModel] = {}
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("What the import changes")
        for key, title in TAB_TITLES.items():
            model = BundleTableModel(COLUMNS[key], self)
            model.set_rows(self.rows[key])
            self.models[key] = model
            table = table_view(sorted_proxy(model), title)
            if key == "changed" or not self.rows[key]:
                table.setSortingEnabled(False)
            if key in ("changed", "conflicts") and len(self.rows[key]) <= WRAP_ROWS:
                table.setWordWrap(True)  # long values (a summary) read in full
                table.verticalHeader().setSectionResizeMode(
                    QHeaderView.ResizeMode.ResizeToContents)
            index = self.tabs.addTab(table, f"{title} ({len(self.rows[key])})")
            self.tabs.setTabEnabled(index, bool(self.rows[key]))
        if preview.plan.notes:
            notes = QLabel("\n".join(preview.plan.notes))
            notes.setWordWrap(True)
            self.tabs.addTab(notes, f"Notes ({len(preview.plan.notes)})")
        first = next((i for i in range(self.tabs.count()) if self.tabs.isTabEnabled(i)), 0)
        self.tabs.setCurrentIndex(first)
        self.tabs.setVisible(not done_before)
        layout.addWidget(self.tabs, 1)
        if done_before:
            layout.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.accept_button = QPushButton("&Accept and apply")
        self.accept_button.setToolTip("Apply every change above in one go")
        self.cancel_button = QPushButton("Close" if done_before else "Cancel")
        self.cancel_button.setToolTip("Change nothing (Esc)")
        self.accept_button.setVisible(not done_before)
        self.accept_button.setDefault(not done_before)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.reject)
        self.finished.connect(lambda _r: self.forget())

    def apply(self) -> None:
        preview = self.preview
        if preview is None:
            return
        self.accept_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        set_message(self.message, "Applying the bundle…", "muted")
        self._host.run(lambda s, progress: s.bundles.apply(preview, progress=progress),
                       success=self._applied, failure=self._failed, progress=self._progress,
                       parent=self)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{text} %p%" if text else "%p%")

    def _applied(self, result: Any) -> None:
        self.progress.setVisible(False)
        emit(self.applied, result, import_summary(
            self._sender, self._new_cases, result.new_records, result.changed_fields,
            result.deleted, result.conflicts))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")
        set_message(self.message, error_text(exc))

    def forget(self) -> None:
        """The preview holds the bundle's records in memory: let them go."""
        self.preview = None
        for model in self.models.values():
            model.clear()
