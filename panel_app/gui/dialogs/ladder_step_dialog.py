"""Add or edit a step of the partnership's ladder, or one of a step's evidence items.

Each save is one call on ``session.ladders`` (add_step/update_step, add_item/update_item)
and so one new version of the ladder, with the note the Ladder view holds; the core's
messages (a duplicate key, a minimum out of range...) appear under the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.ladder import (
    ENDING_OUTCOMES,
    EVIDENCE_KINDS,
    VERIFY_ANY,
    VERIFY_ROLES,
    Action,
    LadderItem,
    LadderStep,
    Outcome,
    action_label,
    outcome_label,
)
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.worker import SessionHost

Note = Callable[[], str]
OTHER_KIND = "Another kind…"


def _long_text(lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight((lines + 1) * edit.fontMetrics().lineSpacing())
    return edit


class _Checks(QGroupBox):
    """A titled group of checkboxes for a set of values."""

    def __init__(self, title: str, choices: list[tuple[str, str]], chosen: tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        box = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for value, label in choices:
            check = QCheckBox(label)
            check.setAccessibleName(f"{title.rstrip(':')}: {label}")
            check.setChecked(value in chosen)
            box.addWidget(check)
            self.boxes[value] = check
        box.addStretch(1)

    def values(self) -> tuple[str, ...]:
        return tuple(v for v, c in self.boxes.items() if c.isChecked())


def _request(action: str) -> str:
    """'ap-place' -> 'AP place', 'managed-move' -> 'Managed move'."""
    words = action_label(action).removeprefix("an ").removeprefix("a ")
    return words[:1].upper() + words[1:]


ACTIONS = [(a.value, _request(a.value)) for a in Action]


class StepDialog(SubmitDialog):
    def __init__(self, host: SessionHost, step: LadderStep | None, note: Note,
                 parent: QWidget | None = None, position: int | None = None) -> None:
        super().__init__(host, "Add a step" if step is None else f"Edit step: {step.name}",
                         parent)
        self.step_ = step
        self.position = position  # 1-based place of a new step; None: at the end
        self.added_key = ""  # the key of the step added, once saved
        self.note = note
        self.resize(520, 400)
        self.name = QLineEdit(step.name if step else "")
        self.key = QLineEdit(step.key if step else "")
        self.key.setPlaceholderText("made from the name if left empty")
        self.key.setEnabled(step is None)  # evidence refers to the key: it stays
        self.key.setToolTip("A short code that evidence records refer to; it cannot change "
                            "once the step exists")
        self.description = _long_text(4)
        self.description.setPlainText(step.description if step else "")
        self.min_optional = QSpinBox()
        self.min_optional.setRange(0, 20)
        self.min_optional.setValue(step.min_optional if step else 0)
        self.min_optional.setToolTip("How many of the step's optional items must be met")
        self.rows.add("name", "&Name:", self.name, "Step name")
        self.rows.add("key", "&Key:", self.key, "Step key")
        self.rows.add("description", "&Description:", self.description, "Step description")
        self.rows.add("min_optional", "&Optional items needed:", self.min_optional)
        self.unlocks = _Checks("Reaching this step unlocks a request for:", ACTIONS,
                               step.unlocks if step else ())
        self.body.addWidget(self.unlocks)
        self.name.setFocus()

    def job(self) -> Callable[[Any], Any] | None:
        name, key = self.name.text().strip(), self.key.text().strip()
        description = self.description.toPlainText().strip()
        unlocks, min_optional, note = self.unlocks.values(), self.min_optional.value(), self.note()
        if not name:
            self.show_error("name", "Give the step a name.")
            return None
        if self.step_ is None:
            position = self.position

            def add(s: Any) -> Any:
                version = s.ladders.current()
                before = {st.key for st in version.ladder.steps} if version else set()
                changes = s.ladders.add_step(name, key=key or None, description=description,
                                             unlocks=unlocks, min_optional=min_optional,
                                             position=position, note=note)
                after = s.ladders.current().ladder.steps
                return changes, next((st.key for st in after if st.key not in before), "")

            return add
        step_key = self.step_.key
        return lambda s: s.ladders.update_step(step_key, name=name, description=description,
                                               unlocks=unlocks, min_optional=min_optional,
                                               note=note)


    def _succeeded(self, result: Any) -> None:
        if isinstance(result, tuple):  # (changes, key) of a new step
            self.added_key = result[1]
        super()._succeeded(result)


class ItemDialog(SubmitDialog):
    """An evidence item of ``step``: what must be recorded, for how long, verified by whom."""

    def __init__(self, host: SessionHost, step: LadderStep, item: LadderItem | None,
                 note: Note, parent: QWidget | None = None) -> None:
        title = f"Add an item to {step.name}" if item is None else f"Edit item: {item.label}"
        super().__init__(host, title, parent)
        self.step_, self.item_, self.note = step, item, note
        self.resize(720, 560)
        self.kind = QComboBox()
        taken = {i.kind for i in step.items}
        for kind, label in EVIDENCE_KINDS.items():
            if item is not None or kind not in taken:
                self.kind.addItem(label, kind)
        self.kind.addItem(OTHER_KIND, "")
        self.other = QLineEdit()
        self.other.setPlaceholderText("lower-case letters, digits and hyphens, e.g. mentoring")
        self.label = QLineEdit(item.label if item else "")
        self.description = _long_text(2)
        self.description.setPlainText(item.description if item else "")
        self.min_count = QSpinBox()
        self.min_count.setRange(1, 50)
        self.min_weeks = QSpinBox()
        self.min_weeks.setRange(0, 200)
        self.min_weeks.setSpecialValueText("No minimum")
        self.min_weeks.setSuffix(" school weeks")
        self.min_terms = QDoubleSpinBox()
        self.min_terms.setRange(0, 12)
        self.min_terms.setSingleStep(0.5)
        self.min_terms.setDecimals(1)
        self.min_terms.setSpecialValueText("No minimum")
        self.min_terms.setSuffix(" terms")
        self.verify = QComboBox()
        self.verify.addItem("No verification needed", "")
        self.verify.addItem("Anyone may verify", VERIFY_ANY)
        for role in VERIFY_ROLES[1:]:
            self.verify.addItem(f"{role[:1].upper()}{role[1:]}", role)
        self.optional = QCheckBox("O&ptional (counts towards the step's optional items)")
        self.document = QCheckBox("A document &must be attached")
        rows = self.rows
        rows.add("kind", "&Kind:", self.kind, "Evidence kind")
        rows.add("other", "Kind &code:", self.other, "Kind code")
        rows.add("label", "&Label:", self.label, "Item label")
        rows.add("description", "&Description:", self.description, "Item description")
        rows.add("min_count", "&Records needed:", self.min_count)
        rows.add("min_weeks", "Minimum school &weeks:", self.min_weeks)
        rows.add("min_terms", "Minimum &terms:", self.min_terms)
        rows.add("verify_role", "&Verified by:", self.verify)
        self.form.addRow("", self.optional)
        self.form.addRow("", self.document)
        outcomes = [(o.value, outcome_label(o.value)) for o in Outcome
                    if o != Outcome.ONGOING]
        early = [(o, outcome_label(o)) for o in sorted(ENDING_OUTCOMES)]
        self.outcomes = _Checks("Counts only once it ended as:", outcomes,
                                item.outcomes if item else ())
        self.early = _Checks("Counts before the minimum if it ended as:", early,
                             item.early_exit_ok if item else ())
        self.applies = _Checks("Only for a request for (none: every request):", ACTIONS,
                               item.applies_to if item else ())
        groups = QHBoxLayout()
        for group in (self.outcomes, self.early, self.applies):
            groups.addWidget(group, 1)
        self.body.addLayout(groups)
        self._auto_label = ""
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        if item is not None:
            index = self.kind.findData(item.kind)
            if index < 0:
                self.kind.insertItem(0, item.kind, item.kind)
                index = 0
            self.kind.setCurrentIndex(index)
            self.kind.setEnabled(False)  # evidence refers to the kind: it stays
            self.min_count.setValue(item.min_count)
            self.min_weeks.setValue(item.min_weeks or 0)
            self.min_terms.setValue(item.min_terms or 0)
            self.verify.setCurrentIndex(max(self.verify.findData(item.verify_role), 0))
            self.optional.setChecked(item.optional)
            self.document.setChecked(item.document_required)
            self.label.setFocus()
        else:
            self._kind_changed()
            self.kind.setFocus()
        self.other.setEnabled(self.kind.isEnabled() and not self.kind.currentData())
        if item is not None:
            self.other.setText(item.kind)

    def _kind_changed(self) -> None:
        other = not self.kind.currentData()
        self.other.setEnabled(other and self.kind.isEnabled())
        self.other.setText("" if other else str(self.kind.currentData()))
        label = "" if other else self.kind.currentText()
        if not self.label.text().strip() or self.label.text() == self._auto_label:
            self.label.setText(label)
            self._auto_label = label

    def chosen_kind(self) -> str:
        return str(self.kind.currentData() or self.other.text()).strip().casefold()

    def fields(self) -> dict[str, Any]:
        return {"description": self.description.toPlainText().strip(),
                "optional": self.optional.isChecked(),
                "min_count": self.min_count.value(),
                "min_weeks": self.min_weeks.value() or None,
                "min_terms": self.min_terms.value() or None,
                "outcomes": self.outcomes.values(),
                "early_exit_ok": self.early.values(),
                "document_required": self.document.isChecked(),
                "verify_role": self.verify.currentData() or "",
                "applies_to": self.applies.values()}

    def job(self) -> Callable[[Any], Any] | None:
        kind, label, fields, note = self.chosen_kind(), self.label.text().strip(), \
            self.fields(), self.note()
        step_key = self.step_.key
        if not kind:
            self.show_error("other", "Type a code for the new kind of evidence.")
            return None
        if not label:
            self.show_error("label", "Give the item a label.")
            return None
        if self.item_ is None:
            return lambda s: s.ladders.add_item(step_key, kind, label=label, note=note, **fields)
        return lambda s: s.ladders.update_item(step_key, kind, label=label, note=note, **fields)
