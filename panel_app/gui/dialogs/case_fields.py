"""Editors for the case form's fields: one ``FieldEditor`` per name in ``PUPIL_FIELDS``
and ``CASE_FIELDS``, each with its labelled row and an inline message line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import PRIMARY_NEEDS, CaseStatus, Risk, SenStatus, SocialCare
from panel_app.core.domain.schoolyears import YEAR_GROUPS, year_group_label
from panel_app.gui.icons import RISK_LABELS, risk_icon
from panel_app.gui.theme import message_label, set_message

# name: (label with mnemonic, kind). Kinds: text, date, choice, editable, bool, int,
# float, percent, long.
SPECS: dict[str, tuple[str, str]] = {
    "first_name": ("&First name:", "text"),
    "last_name": ("&Last name:", "text"),
    "dob": ("Date of &birth:", "date"),
    "upn": ("&UPN:", "text"),
    "gender": ("&Gender:", "editable"),
    "year_group": ("&Year group:", "choice"),
    "home_school_id": ("&Home school:", "choice"),
    "sen_status": ("S&EN status:", "choice"),
    "primary_need": ("&Primary need:", "choice"),
    "social_care": ("Social &care:", "choice"),
    "fsm": ("Free school meals (FS&M)", "bool"),
    "pupil_premium": ("Pupil p&remium", "bool"),
    "lac": ("Loo&ked-after child (LAC)", "bool"),
    "eal": ("English as an &additional language (EAL)", "bool"),
    "young_carer": ("You&ng carer", "bool"),
    "youth_justice": ("Youth &justice involvement", "bool"),
    "risk": ("&Risk rating:", "choice"),
    "status": ("S&tatus:", "choice"),
    "opened_on": ("&Opened on:", "date"),
    "closed_on": ("Clo&sed on:", "date"),
    "lead": ("Case l&ead:", "text"),
    "attendance_pct": ("&Attendance %:", "percent"),
    "suspensions": ("S&uspensions:", "int"),
    "suspension_days": ("Suspension &days:", "float"),
    "permanent_exclusions": ("Perma&nent exclusions:", "int"),
    "summary": ("Su&mmary:", "long"),
    "pupil_voice": ("Pupil &voice:", "long"),
    "family_voice": ("Fam&ily voice:", "long"),
}

CHOICES: dict[str, list[tuple[str, Any]]] = {
    "year_group": [("Choose…", None)] + [(year_group_label(y), y) for y in YEAR_GROUPS],
    "sen_status": [("None", SenStatus.NONE.value), ("SEN support", SenStatus.SEN_SUPPORT.value),
                   ("EHCP", SenStatus.EHCP.value)],
    "primary_need": [(n or "None recorded", n) for n in PRIMARY_NEEDS],
    "social_care": [(s.value.capitalize() if s != SocialCare.NONE else "None", s.value)
                    for s in SocialCare],
    "risk": [(RISK_LABELS[r.value], r.value) for r in Risk],
    "status": [(s.value.capitalize(), s.value) for s in CaseStatus],
    "home_school_id": [("Choose…", "")],
}
PLACEHOLDERS = {"dob": "dd/mm/yyyy", "opened_on": "dd/mm/yyyy (today if empty)",
                "closed_on": "dd/mm/yyyy", "upn": "13 characters, e.g. A123456789012",
                "attendance_pct": "e.g. 87.5"}


class FieldEditor:
    """The editor widget for one field, its label, and a message line under it."""

    def __init__(self, name: str) -> None:
        self.name = name
        text, self.kind = SPECS[name]
        self.label = QLabel(text)
        self.widget = self._make()
        plain = text.replace("&", "").rstrip(":")
        self.widget.setAccessibleName(plain)
        self.plain_label = plain
        if self.kind != "bool":
            self.label.setBuddy(self.widget)
        self.message = message_label()
        self.container = QWidget()
        box = QVBoxLayout(self.container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.widget)
        box.addWidget(self.message)
        if self.kind != "long":  # only free text grows with the dialog
            self.container.setSizePolicy(QSizePolicy.Policy.Preferred,
                                         QSizePolicy.Policy.Maximum)

    def _make(self) -> QWidget:
        kind, name = self.kind, self.name
        if kind in ("text", "date", "percent"):
            line = QLineEdit()
            line.setPlaceholderText(PLACEHOLDERS.get(name, ""))
            if kind == "date":
                line.setMaxLength(10)
            w: QWidget = line
        elif kind == "choice":
            w = QComboBox()
            for label, value in CHOICES[name]:
                if name == "risk":
                    w.addItem(risk_icon(value), label, value)
                else:
                    w.addItem(label, value)
        elif kind == "editable":
            w = QComboBox()
            w.setEditable(True)
            w.addItems(["", "F", "M", "X"])
        elif kind == "bool":
            w = QCheckBox(self.label.text())
        elif kind == "int":
            w = QSpinBox()
            w.setRange(0, 999)
        elif kind == "float":
            w = QDoubleSpinBox()
            w.setRange(0, 999)
            w.setDecimals(1)
            w.setSingleStep(0.5)
        else:
            w = QPlainTextEdit()
            w.setTabChangesFocus(True)
            w.setMinimumHeight(3 * w.fontMetrics().lineSpacing())
        return w

    def set_choices(self, items: list[tuple[str, Any]]) -> None:
        assert isinstance(self.widget, QComboBox)
        current = self.widget.currentData()
        self.widget.blockSignals(True)
        self.widget.clear()
        for label, value in items:
            self.widget.addItem(label, value)
        self.widget.blockSignals(False)
        self.set(current)

    def on_change(self, slot: Callable[[], None]) -> None:
        w = self.widget
        if isinstance(w, QLineEdit):
            w.textEdited.connect(slot)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(slot)
            if w.isEditable():
                w.editTextChanged.connect(slot)
        elif isinstance(w, QCheckBox):
            w.toggled.connect(slot)
        elif isinstance(w, QSpinBox | QDoubleSpinBox):
            w.valueChanged.connect(slot)
        elif isinstance(w, QPlainTextEdit):
            w.textChanged.connect(slot)

    def get(self) -> Any:
        """The raw value to hand ``check_case_input`` (it parses and types it)."""
        w = self.widget
        if isinstance(w, QLineEdit):
            return w.text().strip()
        if isinstance(w, QComboBox):
            return w.currentText().strip() if w.isEditable() else w.currentData()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            return w.value()
        assert isinstance(w, QPlainTextEdit)
        return w.toPlainText().strip()

    def set(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        try:
            if isinstance(w, QLineEdit):
                if isinstance(value, date):
                    text = format_uk(value)
                elif isinstance(value, float):
                    text = f"{value:g}"
                else:
                    text = "" if value is None else str(value)
                w.setText(text)
            elif isinstance(w, QComboBox):
                if w.isEditable():
                    w.setEditText(str(value or ""))
                else:
                    index = w.findData(value)
                    w.setCurrentIndex(index if index >= 0 else 0)
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value or 0))
            elif isinstance(w, QDoubleSpinBox):
                w.setValue(float(value or 0))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(str(value or ""))
        finally:
            w.blockSignals(False)

    def show_issue(self, text: str, severity: str) -> None:
        set_message(self.message, text, severity)
        self.widget.setAccessibleDescription(text)
