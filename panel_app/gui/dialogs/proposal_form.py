"""Draft a proposal to the panel, or change one before it closes.

A new proposal names the case (its reference), the kind, the school putting it (default:
the pupil's home school), the receiving school of a managed move or the school asked to
admit a fair-access pupil, and what is asked for. ``session.proposals.add`` / ``update``
check it and refuse with messages shown under the fields (nothing stored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from panel_app.core.domain.models import School
from panel_app.core.domain.proposals import FAIR_ACCESS_LABELS, KIND_LABELS, ProposalKind
from panel_app.gui.dialogs.evidence_dialog import date_edit
from panel_app.gui.dialogs.proposal_steps import Job
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.proposal_bits import capital, iso_to_uk, school_combo
from panel_app.gui.worker import SessionHost


class ProposalDialog(SubmitDialog):
    """``detail`` None: draft a new proposal (``case_ref`` fills the case); else edit it."""

    def __init__(self, host: SessionHost, schools: Sequence[School],
                 detail: Mapping[str, Any] | None = None, case_ref: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "New proposal" if detail is None else "Edit the proposal",
                         parent)
        self.detail = dict(detail) if detail is not None else None
        self.resize(600, 420)
        self.case = QLineEdit(case_ref)
        self.case.setPlaceholderText("C-7KQ2M9")
        self.kind = QComboBox()
        for kind in ProposalKind:
            self.kind.addItem(capital(KIND_LABELS[kind.value]), kind.value)
        self.school = school_combo("", schools, "The pupil's home school")
        self.receiving = school_combo("", schools, "None")
        self.reason = QComboBox()
        self.reason.addItem("Not a fair-access placement", "")
        for value, label in FAIR_ACCESS_LABELS.items():
            self.reason.addItem(capital(label), value)
        self.title_edit = QLineEdit()
        self.details = QPlainTextEdit()
        self.details.setTabChangesFocus(True)
        self.details.setFixedHeight(self.details.fontMetrics().lineSpacing() * 4 + 14)
        self.start = date_edit()
        self.weeks = QSpinBox()
        self.weeks.setRange(0, 200)
        self.weeks.setSpecialValueText("Not given")
        self.weeks.setSuffix(" school weeks")
        rows = self.rows
        if detail is None:
            rows.add("case", "C&ase:", self.case, "Case reference")
            rows.add("kind", "&Kind:", self.kind)
            rows.add("school_id", "Proposed &by:", self.school, "School putting the proposal")
        rows.add("receiving_school_id", "&Receiving or admitting school:", self.receiving)
        rows.add("fair_access_reason", "&Fair-access reason:", self.reason)
        rows.add("title", "&Title:", self.title_edit)
        rows.add("details", "&Details:", self.details)
        rows.add("requested_start", "&Start asked for:", self.start)
        rows.add("requested_weeks", "&Length:", self.weeks, "Length in school weeks")
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        if detail is not None:
            self._show(detail)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind_value()
        fair = kind == ProposalKind.FAIR_ACCESS.value
        self.form.setRowVisible(self.rows.labels["fair_access_reason"], fair)
        self.form.setRowVisible(self.rows.labels["receiving_school_id"], kind in (
            ProposalKind.MANAGED_MOVE.value, ProposalKind.FAIR_ACCESS.value))

    def kind_value(self) -> str:
        if self.detail is not None:
            return str(self.detail.get("kind"))
        return str(self.kind.currentData())

    def _show(self, d: Mapping[str, Any]) -> None:
        self.title.setText(f"Edit the proposal · {d.get('case_ref', '')}")
        self.title.setAccessibleName(self.title.text())
        self.receiving.setCurrentIndex(max(self.receiving.findData(d.get("receiving_school_id")),
                                           0))
        self.reason.setCurrentIndex(max(self.reason.findData(d.get("fair_access_reason") or ""),
                                        0))
        self.title_edit.setText(str(d.get("title") or ""))
        self.details.setPlainText(str(d.get("details") or ""))
        self.start.setText(iso_to_uk(d.get("requested_start")))
        self.weeks.setValue(int(d.get("requested_weeks") or 0))

    def job(self) -> Job:
        kind = self.kind_value()
        to = self.receiving.currentData() if kind in (
            ProposalKind.MANAGED_MOVE.value, ProposalKind.FAIR_ACCESS.value) else None
        reason = str(self.reason.currentData() or "") if (
            kind == ProposalKind.FAIR_ACCESS.value) else ""
        title, details = self.title_edit.text().strip(), self.details.toPlainText().strip()
        start = self.start.text().strip() or None
        weeks = self.weeks.value() or None
        if self.detail is not None:
            pid = str(self.detail["id"])
            return lambda s: s.proposals.update(pid, title=title, details=details,
                                                to=to or "", start=start or "", weeks=weeks,
                                                fair_access_reason=reason)
        case = self.case.text().strip()
        if not case:
            self.show_error("case", "Give the case reference (for example C-7KQ2M9).")
            return None
        school = self.school.currentData()
        return lambda s: s.proposals.add(case, kind, title=title, details=details,
                                         school=school, to=to, fair_access_reason=reason,
                                         start=start, weeks=weeks)
