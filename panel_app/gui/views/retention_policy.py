"""The partnership's retention policy, editable: each rule with its default, the reason
for it and a spin box (0 turns a rule off; the range is the core's), Save through the
worker (the core checks the values again, records the change in the audit trail and
the policy travels to partners with the partnership record) and Restore defaults."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.retention import RuleInfo
from panel_app.core.errors import ValidationError
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

# where each rule's mnemonic goes in its label (the labels come from the core): before
# this part of the text ("pupil" -> "&pupil"); none clashes with the Retention tab's own
MNEMONICS = {"closed_case_years": "Closed", "max_age": "pupil", "inactive_open_years": "hange"}


def with_mnemonic(key: str, text: str) -> str:
    part = MNEMONICS.get(key, "")
    at = text.find(part) if part else -1
    return f"{text[:at]}&{text[at:]}" if at >= 0 else f"&{text}"


def limits_text(rule: RuleInfo) -> str:
    return (f"Default {rule.default} {rule.unit}. Allowed: {rule.minimum} to {rule.maximum} "
            f"{rule.unit}, or 0 to turn the rule off.")


class PolicyEditor(QGroupBox):
    saved = Signal()  # the policy was changed (the list of cases due must be checked again)

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__("The partnership's retention policy", parent)
        self._host = host
        self.rules: list[RuleInfo] = []
        self.spins: dict[str, QSpinBox] = {}
        self.errors: dict[str, QLabel] = {}
        self.rule_labels: list[QLabel] = []  # "Why: ..." under each rule
        layout = QVBoxLayout(self)
        intro = QLabel("Applies to the whole partnership: a change travels to every partner "
                       "with your next bundle and is recorded in the audit trail.")
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        layout.addLayout(self.grid)
        row = QHBoxLayout()
        self.save_button = QPushButton("&Save policy")
        self.save_button.setToolTip("Store these values for the partnership")
        self.defaults_button = QPushButton("Restore &defaults")
        self.defaults_button.setToolTip("Put the default values back in the boxes (then "
                                        "save them)")
        for button in (self.save_button, self.defaults_button):
            button.setAutoDefault(False)  # Return in a box saves (below), nothing else
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = message_label()
        layout.addWidget(self.message)
        self.save_button.clicked.connect(self.save)
        self.defaults_button.clicked.connect(self.restore_defaults)
        self.setEnabled(False)  # until the policy is loaded

    # -- showing ---------------------------------------------------------------------------
    def show_rules(self, rules: list[RuleInfo]) -> None:
        """Show the stored policy (the boxes take the stored values)."""
        if [r.key for r in rules] != [r.key for r in self.rules]:
            self._build(rules)
        self.rules = list(rules)
        for rule in rules:
            self.spins[rule.key].setValue(rule.value)
            set_message(self.errors[rule.key], "")
        self.setEnabled(True)

    def _build(self, rules: list[RuleInfo]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.spins, self.errors, self.rule_labels = {}, {}, []
        for n, rule in enumerate(rules):
            spin = QSpinBox()
            spin.setRange(0, rule.maximum)
            spin.setSuffix(f" {rule.unit}")
            spin.setSpecialValueText("off")
            spin.setAccessibleName(f"{rule.label} ({rule.unit}; 0 turns it off)")
            spin.setToolTip(limits_text(rule) + " Return saves the policy.")
            for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shortcut = QShortcut(QKeySequence(key), spin)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(self.save)
            label = QLabel(with_mnemonic(rule.key, rule.label + ":"))
            label.setBuddy(spin)
            hint = QLabel(limits_text(rule))
            hint.setProperty("role", "muted")
            hint.setWordWrap(True)
            why = QLabel(f"Why: {rule.reason}")
            why.setWordWrap(True)
            why.setAccessibleName(f"Why: {rule.reason}")
            why.setContentsMargins(0, 0, 0, 6)
            error = message_label()
            top = n * 3
            self.grid.addWidget(label, top, 0)
            self.grid.addWidget(spin, top, 1)
            self.grid.addWidget(hint, top, 2)
            self.grid.addWidget(why, top + 1, 0, 1, 3)
            self.grid.addWidget(error, top + 2, 0, 1, 3)
            self.spins[rule.key] = spin
            self.errors[rule.key] = error
            self.rule_labels.append(why)

    def values(self) -> dict[str, int]:
        return {key: spin.value() for key, spin in self.spins.items()}

    def clear(self) -> None:
        set_message(self.message, "")
        for error in self.errors.values():
            set_message(error, "")
        self.setEnabled(False)

    # -- actions ---------------------------------------------------------------------------
    def restore_defaults(self) -> None:
        for rule in self.rules:
            self.spins[rule.key].setValue(rule.default)
            set_message(self.errors[rule.key], "")
        set_message(self.message, "The defaults are in the boxes: save the policy to use "
                                  "them.", "warning")

    def save(self) -> None:
        values = self.values()
        for error in self.errors.values():
            set_message(error, "")
        set_message(self.message, "Saving…", "muted")
        self.save_button.setEnabled(False)

        def done(changes: Any) -> None:
            self.save_button.setEnabled(True)
            if not changes:
                set_message(self.message, "No change to save.", "muted")
                return
            set_message(self.message, "Saved and recorded in the audit trail; the cases due "
                                      "for review were checked again.", "ok")
            emit(self.saved)

        self._host.run(lambda s: s.privacy.set_retention_policy(**values), success=done,
                       failure=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            first = None
            for issue in exc.issues:
                if issue.field in self.errors:
                    set_message(self.errors[issue.field], issue.message)
                    first = first or self.spins[issue.field]
            if first is not None:
                first.setFocus()
                first.selectAll()
            set_message(self.message, "Nothing was saved: correct the value marked above.")
            return
        set_message(self.message, error_text(exc))
