"""Record a move between schools, or open one: home and receiving school, the
arrangement (a managed move, i.e. a transfer to the new roll, or a direction off-site
while dual registered, named with the partnership's own labels), the kind, planned dates,
dual registration, notice to parents and review dates; once recorded, the admission
meeting (date, who attended, the agreed targets from the template), the re-entry or
review meeting, and the outcome so far.

The DfE rules the core applies are shown as the user chooses (a managed move recorded as
a trial, a temporary managed move, a direction off-site without dual registration), and
``session.moves.add`` / ``update`` check everything again (messages under the fields,
nothing stored when refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import School
from panel_app.core.domain.moves import (
    ADMISSION_TEMPLATE,
    ATTENDEE_SIDES,
    MOVE_KIND_LABELS,
    Arrangement,
    check_move_rules,
)
from panel_app.gui.dialogs.evidence_dialog import date_edit
from panel_app.gui.dialogs.proposal_steps import Job
from panel_app.gui.dialogs.submit_dialog import FormRows, SubmitDialog
from panel_app.gui.proposal_bits import capital, iso_to_uk, school_combo
from panel_app.gui.theme import set_message
from panel_app.gui.worker import SessionHost

LIVE_RULES = {"managed_move_trial", "managed_move_temporary", "direction_transfer",
              "direction_not_dual"}


def split_dates(text: str) -> list[str]:
    """'01/12/2026, 15/12/2026' -> the dates as typed (the core reads each)."""
    return [t for t in re.split(r"[,;\s]+", text.strip()) if t]


def parse_attendees(text: str) -> list[tuple[str, str]]:
    """Lines of 'side: name' -> (name, side); a line without a side keeps side ''
    (the core then says which sides there are)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        side, sep, name = line.partition(":")
        out.append((name.strip(), side.strip().lower()) if sep else (line.strip(), ""))
    return out


def attendees_text(attendees: Iterable[Mapping[str, str]]) -> str:
    return "\n".join(f"{a['side']}: {a['name']}" for a in attendees)


class _BothRows:
    """The two columns' FormRows seen as one by SubmitDialog (messages, focus)."""

    def __init__(self, *parts: FormRows) -> None:
        self.parts = parts
        self.widgets = {k: v for p in parts for k, v in p.widgets.items()}
        self.messages = {k: v for p in parts for k, v in p.messages.items()}
        self.labels = {k: v for p in parts for k, v in p.labels.items()}

    def show_issues(self, issues: Iterable[Issue]) -> list[Issue]:
        rest = list(issues)
        for part in self.parts:
            rest = part.show_issues(rest)
        return rest

    def clear(self) -> None:
        for part in self.parts:
            part.clear()

    def first_with_message(self) -> QWidget | None:
        for part in self.parts:
            found = part.first_with_message()
            if found is not None:
                return found
        return None


def _box(lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class MoveDialog(SubmitDialog):
    """``move`` None: record a new move (for ``case_ref``, linked to ``proposal`` when
    given); else the move as ``session.moves.detail`` gives it, to change."""

    def __init__(self, host: SessionHost, schools: Sequence[School], labels: Mapping[str, str],
                 move: Mapping[str, Any] | None = None, case_ref: str = "",
                 proposal: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "Record a move" if move is None else "Move", parent)
        self.record = dict(move) if move is not None else None
        self.proposal = dict(proposal) if proposal is not None else None
        self.resize(980 if move is not None else 560, 560)
        left = self.rows
        self.case = QLineEdit(case_ref)
        self.case.setPlaceholderText("C-7KQ2M9")
        self.home = school_combo("", schools, "The pupil's home school")
        self.receiving = school_combo("", schools, "Choose…")
        self.arrangement = QComboBox()
        for value in (Arrangement.OFF_SITE.value, Arrangement.MANAGED_MOVE.value):
            self.arrangement.addItem(labels.get(value, value), value)
        self.kind = QComboBox()
        for value, label in MOVE_KIND_LABELS.items():
            self.kind.addItem(capital(label), value)
        self.start = date_edit()
        self.end = date_edit("dd/mm/yyyy (or give the weeks)")
        self.weeks = QSpinBox()
        self.weeks.setRange(0, 60)
        self.weeks.setSpecialValueText("Not given")
        self.weeks.setSuffix(" school weeks")
        self.dual = QCheckBox("&Dual registration (stays on the home school's roll)")
        self.dual.setChecked(True)
        self.trial = QCheckBox("Recorded as a tria&l")
        self.rules_note = QLabel()
        self.rules_note.setWordWrap(True)
        self.rules_note.setProperty("role", "warning")
        self.notified = date_edit()
        self.reviews = QLineEdit()
        self.reviews.setPlaceholderText("dd/mm/yyyy, dd/mm/yyyy")
        self.notes = _box(2)
        left.add("case", "C&ase:", self.case, "Case reference")
        left.add("home_school_id", "H&ome school:", self.home)
        left.add("receiving_school_id", "&Receiving school:", self.receiving)
        left.add("arrangement", "Arran&gement:", self.arrangement)
        left.add("kind", "&Kind:", self.kind)
        left.add("start", "&Start:", self.start, "Start date")
        left.add("planned_end", "Planned &end:", self.end)
        if move is None:
            left.add("weeks", "Or &weeks:", self.weeks, "Planned length in school weeks")
        self.form.addRow("", self.dual)
        self.form.addRow("", self.trial)
        self.form.addRow("", self.rules_note)
        left.add("parents_notified_on", "&Parents notified on:", self.notified)
        left.add("review_dates", "Re&view dates:", self.reviews)
        left.add("notes", "&Notes:", self.notes)
        self.dual.setAccessibleName("Dual registration")
        self.trial.setAccessibleName("Recorded as a trial")
        self.admission = date_edit()
        self.attendees = _box(4)
        self.attendees.setPlaceholderText("home: Head of year\nreceiving: SENCO\nfamily: Parent")
        self.targets = _box(5)
        self.template_button = QPushButton("&Insert template")
        self.template_button.setToolTip("Fill the targets from the admission meeting template "
                                        "(Alt+I)")
        self.reentry = date_edit()
        self.progress = QLabel()
        self.progress.setWordWrap(True)
        if move is not None:
            self._right_column()
        for combo in (self.arrangement, self.kind, self.home, self.receiving):
            combo.currentIndexChanged.connect(lambda _i: self.check_rules())
        for box in (self.dual, self.trial):
            box.toggled.connect(lambda _c: self.check_rules())
        self.template_button.clicked.connect(self.insert_template)
        if proposal is not None:
            self._from_proposal(proposal)
        if move is not None:
            self._show(move)
        self.check_rules()

    def _right_column(self) -> None:
        self.body.removeItem(self.form)
        columns = QHBoxLayout()
        columns.addLayout(self.form, 1)
        columns.addSpacing(18)
        right = QFormLayout()
        right.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        columns.addLayout(right, 1)
        self.body.addLayout(columns)
        rows = FormRows(right)
        rows.add("admission_meeting_on", "Admission &meeting on:", self.admission)
        rows.add("attendees", "W&ho attended:", self.attendees, "Who attended the admission "
                 "meeting, one a line as side: name")
        sides = QLabel("Sides: " + ", ".join(ATTENDEE_SIDES) + " (la: the local authority).")
        sides.setWordWrap(True)
        sides.setProperty("role", "muted")
        right.addRow("", sides)
        rows.add("targets", "Agreed &targets:", self.targets, "Agreed targets, one a line")
        right.addRow("", self.template_button)
        rows.add("reentry_meeting_on", "Re-entr&y meeting on:", self.reentry,
                 "Re-entry or review meeting on")
        right.addRow("", self.progress)
        self.rows = _BothRows(self.rows, rows)  # type: ignore[assignment]

    def _from_proposal(self, p: Mapping[str, Any]) -> None:
        self.case.setText(str(p.get("case_ref", "")))
        self.case.setReadOnly(True)
        self.title.setText(f"Record the move · {p.get('case_ref', '')}")
        self.title.setAccessibleName(self.title.text())
        for combo, value in ((self.home, p.get("school_id")),
                             (self.receiving, p.get("receiving_school_id"))):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        if p.get("requested_start"):
            self.start.setText(iso_to_uk(p["requested_start"]))
        self.weeks.setValue(int(p.get("requested_weeks") or 0))

    def _show(self, m: Mapping[str, Any]) -> None:
        label = str(m.get("arrangement_label", ""))
        self.title.setText(f"{label} · {m.get('case_ref', '')}")
        self.title.setAccessibleName(self.title.text())
        self.setWindowTitle(f"Move · {m.get('case_ref', '')}")
        self.case.setText(str(m.get("case_ref", "")))
        for combo, value in ((self.home, m.get("home_school_id")),
                             (self.receiving, m.get("receiving_school_id")),
                             (self.arrangement, m.get("arrangement")), (self.kind, m.get("kind"))):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.start.setText(iso_to_uk(m.get("start")))
        for widget in (self.case, self.start):
            widget.setReadOnly(True)
        for combo in (self.home, self.receiving, self.arrangement, self.kind):
            combo.setEnabled(False)
        self.end.setText(iso_to_uk(m.get("planned_end")))
        self.end.setPlaceholderText("dd/mm/yyyy")
        self.dual.setChecked(bool(m.get("dual_registration")))
        self.trial.setChecked(bool(m.get("trial")))
        self.notified.setText(iso_to_uk(m.get("parents_notified_on")))
        self.reviews.setText(", ".join(iso_to_uk(d) for d in m.get("review_dates") or []))
        self.notes.setPlainText(str(m.get("notes") or ""))
        self.admission.setText(iso_to_uk(m.get("admission_meeting_on")))
        self.attendees.setPlainText(attendees_text(m.get("attendees") or []))
        self.targets.setPlainText("\n".join(m.get("targets") or []))
        self.reentry.setText(iso_to_uk(m.get("reentry_meeting_on")))
        self.progress.setText(self.progress_text(m))

    @staticmethod
    def progress_text(m: Mapping[str, Any]) -> str:
        lines = [f"Status: {m.get('status', '')}."]
        if m.get("planned_weeks"):
            weeks = float(m["planned_weeks"])
            lines.append(f"Planned for {weeks:g} school week{'' if weeks == 1 else 's'}.")
        if m.get("reviewed_on"):
            lines.append(f"Last review held {iso_to_uk(m['reviewed_on'])}.")
        if m.get("next_review"):
            lines.append(f"Next review {iso_to_uk(m['next_review'])}.")
        if m.get("outcome"):
            text = f"Outcome: {m.get('outcome_label', m['outcome'])}"
            if m.get("ended_on"):
                text += f" on {iso_to_uk(m['ended_on'])}"
            if m.get("breakdown_reason"):
                text += f" ({m['breakdown_reason']})"
            lines.append(text + ".")
        return " ".join(lines)

    def insert_template(self) -> None:
        have = [t for t in self.targets.toPlainText().splitlines() if t.strip()]
        self.targets.setPlainText("\n".join(have + [t for t in ADMISSION_TEMPLATE
                                                    if t not in have]))

    def check_rules(self) -> list[Issue]:
        """The DfE rules on the arrangement as chosen, shown at once (warnings only)."""
        home = self.home.currentData() or "home"
        receiving = self.receiving.currentData() or "receiving"
        found = [i for i in check_move_rules(
            str(self.arrangement.currentData()), str(self.kind.currentData()),
            trial=self.trial.isChecked(), home=home, receiving=receiving,
            dual_registration=self.dual.isChecked(), planned_days=None, notice_days=2,
            reviews=1) if i.code in LIVE_RULES]
        set_message(self.rules_note, " ".join(i.message for i in found), "warning")
        return found

    def job(self) -> Job:
        end, notes = self.end.text().strip(), self.notes.toPlainText().strip()
        notified, reviews = self.notified.text().strip(), split_dates(self.reviews.text())
        dual, trial = self.dual.isChecked(), self.trial.isChecked()
        if self.record is not None:
            mid = str(self.record["id"])
            admission, reentry = self.admission.text().strip(), self.reentry.text().strip()
            people = parse_attendees(self.attendees.toPlainText())
            targets = [t.strip() for t in self.targets.toPlainText().splitlines() if t.strip()]
            return lambda s: s.moves.update(
                mid, planned_end=end, parents_notified_on=notified, review_dates=reviews,
                admission_meeting_on=admission, attendees=people, targets=targets,
                reentry_meeting_on=reentry, trial=trial, dual_registration=dual, notes=notes)
        case = self.case.text().strip()
        if not case:
            self.show_error("case", "Give the case reference (for example C-7KQ2M9).")
            return None
        to, home = self.receiving.currentData(), self.home.currentData()
        if to is None:
            self.show_error("receiving_school_id", "Choose the receiving school.")
            return None
        arrangement, kind = str(self.arrangement.currentData()), str(self.kind.currentData())
        start, weeks = self.start.text().strip(), self.weeks.value() or None
        pid = str(self.proposal["id"]) if self.proposal is not None else None
        return lambda s: s.moves.add(
            case, to=to, start=start, arrangement=arrangement, kind=kind, end=end or None,
            weeks=weeks, dual_registration=dual, trial=trial,
            parents_notified_on=notified or None, review_dates=reviews, proposal=pid,
            home=home, notes=notes)
