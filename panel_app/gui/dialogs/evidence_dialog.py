"""Add or edit an evidence record on a case, and verify one.

The step and item come from the partnership's current ladder; dates are typed as
dd/mm/yyyy and checked by the core (``session.ladders.add_evidence`` /
``update_evidence``), whose messages appear under the fields, nothing stored. Documents
are the case's own: tick ones already attached to the case, or attach files, which the
core adds to the case (the same path as the Documents tab) and links to the record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.ladder import (
    Evidence,
    Ladder,
    LadderItem,
    LadderStep,
    Outcome,
    article,
    outcome_label,
)
from panel_app.core.domain.models import DocumentInfo, Role
from panel_app.core.errors import PanelError
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.worker import SessionHost

PATH_ROLE = Qt.ItemDataRole.UserRole + 2
AUTO_OUTCOME = "From the dates (ongoing, or completed once it has an end date)"


def date_edit(placeholder: str = "dd/mm/yyyy") -> QLineEdit:
    line = QLineEdit()
    line.setPlaceholderText(placeholder)
    line.setMaxLength(10)
    return line


def read_attachment(path: Path) -> tuple[str, bytes]:
    """The file's name and bytes (run on the worker, like the Documents tab's attach)."""
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise PanelError(f"Cannot read {path.name}: {exc.strerror}.") from None


def step_title(number: int, step: LadderStep) -> str:
    return f"{number}. {step.name}"


class EvidenceDialog(SubmitDialog):
    """``evidence`` None: a new record; otherwise edit it (its step and item stay)."""

    def __init__(self, host: SessionHost, ladder: Ladder, case_id: str,
                 documents: Sequence[DocumentInfo], evidence: Evidence | None = None,
                 parent: QWidget | None = None, step_key: str = "") -> None:
        title = "Add evidence" if evidence is None else "Edit evidence"
        super().__init__(host, title, parent)
        self.ladder = ladder
        self.case_id = case_id
        self.evidence = evidence
        self.resize(620, 500)
        self.step = QComboBox()
        for number, step in enumerate(ladder.steps, start=1):
            self.step.addItem(step_title(number, step), step.key)
        self.item = QComboBox()
        self.needs = QLabel()
        self.needs.setWordWrap(True)
        self.needs.setProperty("role", "muted")
        self.started = date_edit()
        self.ended = date_edit("dd/mm/yyyy (empty while it runs)")
        self.review = date_edit()
        self.outcome = QComboBox()
        self.outcome.addItem(AUTO_OUTCOME, "")
        for value in Outcome:
            self.outcome.addItem(outcome_label(value.value).capitalize(), value.value)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(5 * self.notes.fontMetrics().lineSpacing())
        self.documents = QListWidget()
        self.documents.setMaximumHeight(6 * self.documents.fontMetrics().lineSpacing())
        rows = self.rows
        rows.add("step", "&Step:", self.step)
        rows.add("kind", "&Item:", self.item)
        self.form.addRow("", self.needs)
        rows.add("started_on", "S&tarted on:", self.started)
        rows.add("ended_on", "&Ended on:", self.ended)
        rows.add("review_on", "&Review on:", self.review)
        rows.add("outcome", "&Outcome:", self.outcome)
        rows.add("notes", "&Notes:", self.notes)
        rows.add("documents", "&Documents:", self.documents, "Documents linked to the record")
        self.attach_button = QPushButton("Attach &file…")
        self.attach_button.setToolTip("Choose a file to attach to the case and this record")
        attach_row = QHBoxLayout()
        attach_row.addStretch(1)
        attach_row.addWidget(self.attach_button)
        self.form.addRow("", attach_row)
        self.attach_button.clicked.connect(self._browse)
        self.step.currentIndexChanged.connect(lambda _i: self._fill_items())
        self.item.currentIndexChanged.connect(lambda _i: self._show_needs())
        self._show_documents(documents)
        if evidence is not None:
            self._show_evidence(evidence)
        else:
            index = self.step.findData(step_key)
            self.step.setCurrentIndex(max(index, 0))
            self._fill_items()
            self.started.setFocus()

    # -- filling ---------------------------------------------------------------------------
    def _current_step(self) -> LadderStep | None:
        found = self.ladder.step_by_key(str(self.step.currentData()))
        return found[1] if found else None

    def current_item(self) -> LadderItem | None:
        step = self._current_step()
        return step.item(str(self.item.currentData() or "")) if step else None

    def _fill_items(self) -> None:
        step = self._current_step()
        self.item.clear()
        for item in step.items if step else ():
            self.item.addItem(item.label, item.kind)
        self._show_needs()

    def _show_needs(self) -> None:
        item = self.current_item()
        text = item.requirement_text() if item else ""
        if item is not None and item.description:
            text = f"{item.description} " + (f"Needs: {text}." if text else "")
        self.needs.setText(text)
        self.needs.setVisible(bool(text))

    def _show_documents(self, documents: Sequence[DocumentInfo]) -> None:
        linked = {d.id for d in self.evidence.documents} if self.evidence else set()
        for doc in documents:
            item = QListWidgetItem(f"{doc.filename} (added {format_uk(doc.added_at.date())})")
            item.setData(Qt.ItemDataRole.UserRole, doc.id)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
            if doc.id in linked:  # a link cannot be taken off here
                flags = Qt.ItemFlag.ItemIsUserCheckable
                item.setToolTip("Linked to this record")
            item.setFlags(flags)
            item.setCheckState(Qt.CheckState.Checked if doc.id in linked
                               else Qt.CheckState.Unchecked)
            self.documents.addItem(item)

    def _show_evidence(self, evidence: Evidence) -> None:
        index = self.step.findData(evidence.step_key)
        if index < 0:  # the step has left the ladder: show it as it was recorded
            self.step.addItem(evidence.step_key, evidence.step_key)
            index = self.step.count() - 1
        self.step.setCurrentIndex(index)
        self._fill_items()
        item_index = self.item.findData(evidence.kind)
        if item_index < 0:
            self.item.addItem(evidence.kind, evidence.kind)
            item_index = self.item.count() - 1
        self.item.setCurrentIndex(item_index)
        self.step.setEnabled(False)
        self.item.setEnabled(False)
        self.started.setText(format_uk(evidence.started_on))
        self.ended.setText(format_uk(evidence.ended_on) if evidence.ended_on else "")
        self.review.setText(format_uk(evidence.review_on) if evidence.review_on else "")
        self.outcome.setCurrentIndex(max(self.outcome.findData(evidence.outcome), 0))
        self.notes.setPlainText(evidence.notes)
        self.started.setFocus()

    # -- documents -------------------------------------------------------------------------
    def _browse(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Attach documents", str(Path.home()))
        self.add_files([Path(n) for n in names])

    def add_files(self, paths: Sequence[Path]) -> None:
        """Files to attach when the record is saved (read then, on the worker)."""
        for path in paths:
            item = QListWidgetItem(f"{path.name} (new: attached when you save)")
            item.setData(PATH_ROLE, str(path))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.documents.addItem(item)

    def _chosen(self) -> tuple[list[str], list[Path]]:
        ids, paths = [], []
        linked = {d.id for d in self.evidence.documents} if self.evidence else set()
        for row in range(self.documents.count()):
            item = self.documents.item(row)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            if item.data(PATH_ROLE):
                paths.append(Path(str(item.data(PATH_ROLE))))
            elif item.data(Qt.ItemDataRole.UserRole) not in linked:
                ids.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return ids, paths

    # -- saving ----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {"started_on": self.started.text().strip(),
                "ended_on": self.ended.text().strip(),
                "review_on": self.review.text().strip(),
                "outcome": self.outcome.currentData() or "",
                "notes": self.notes.toPlainText().strip()}

    def job(self) -> Callable[[Any], Any] | None:
        values = self.values()
        doc_ids, paths = self._chosen()
        if self.evidence is not None:
            evidence_id = self.evidence.id

            def update(s: Any) -> Any:
                files = [read_attachment(p) for p in paths]
                return s.ladders.update_evidence(evidence_id, values, document_ids=doc_ids,
                                                 attachments=files)

            return update
        step, kind = self.step.currentData(), self.item.currentData()
        if not kind:
            self.show_error("kind", "This step lists no evidence items: add them in the "
                                    "Ladder section first.")
            return None
        case_id = self.case_id

        def add(s: Any) -> Any:
            files = [read_attachment(p) for p in paths]
            return s.ladders.add_evidence(
                case_id, step=step, kind=kind, started_on=values["started_on"] or None,
                ended_on=values["ended_on"] or None, review_on=values["review_on"] or None,
                outcome=values["outcome"], notes=values["notes"], document_ids=doc_ids,
                attachments=files)

        return add


class VerifyDialog(SubmitDialog):
    """Record who verified an evidence record, and in which role."""

    def __init__(self, host: SessionHost, evidence: Evidence, item: LadderItem | None,
                 people: Sequence[tuple[str, str]], user_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "Verify evidence", parent)
        self.evidence = evidence
        self.resize(460, 240)
        self.save_button.setText("Verify")
        self.save_button.setToolTip("Record the verification (Enter)")
        label = item.label if item else evidence.kind
        about = QLabel(f"{label}, started {format_uk(evidence.started_on)}, recorded by "
                       f"{evidence.recorded_by or 'someone unknown'}.")
        about.setWordWrap(True)
        self.body.insertWidget(0, about)
        if item is not None and item.verify_role:
            who = "anyone" if item.verify_role == "any" else article(item.verify_role)
            needs = QLabel(f"The ladder asks for this to be verified by {who}.")
            needs.setWordWrap(True)
            needs.setProperty("role", "muted")
            self.body.insertWidget(1, needs)
        self.by = QComboBox()
        self.by.setEditable(True)
        self.by.addItems([name for name, _role in people])
        self.by.setEditText(user_name)
        self.role = QComboBox()
        self.role.addItem("As in the people list", "")
        for role in Role:
            self.role.addItem(role.value[:1].upper() + role.value[1:], role.value)
        self.rows.add("verified_by", "Verified &by:", self.by)
        self.rows.add("verified_role", "&Role:", self.role)
        roles = dict(people)
        self.by.currentTextChanged.connect(lambda name: self._suggest_role(roles.get(name)))
        self._suggest_role(roles.get(user_name))
        self.by.setFocus()

    def _suggest_role(self, role: str | None) -> None:
        index = self.role.findData(role) if role else 0
        self.role.setCurrentIndex(max(index, 0))

    def job(self) -> Callable[[Any], Any] | None:
        evidence_id = self.evidence.id
        by, role = self.by.currentText().strip(), self.role.currentData() or None
        return lambda s: s.ladders.verify_evidence(evidence_id, by=by, role=role)
