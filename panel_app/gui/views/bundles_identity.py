"""This installation: whose it is (a member school or the panel seat), its fingerprint in
groups to read out over the phone, and the choice of its school."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.models import School
from panel_app.gui.bundle_ui import fingerprint_label, icon_label, set_icon
from panel_app.gui.qtcompat import emit
from panel_app.gui.worker import SessionHost, error_text

PANEL = "__panel__"


class IdentityPanel(QGroupBox):
    changed = Signal(object)  # the core's Changes
    message = Signal(str, str)  # text, role

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__("This installation", parent)
        self._host = host
        self.identity: Any = None
        layout = QVBoxLayout(self)
        who_row = QHBoxLayout()
        self.who_icon = icon_label("")
        self.who = QLabel("")
        self.who.setWordWrap(True)
        who_row.addWidget(self.who_icon)
        who_row.addWidget(self.who, 1)
        layout.addLayout(who_row)
        form = QFormLayout()
        self.fingerprint = fingerprint_label("")
        fp_box = QVBoxLayout()
        fp_box.addWidget(self.fingerprint)
        fp_hint = QLabel("Read it out to each partner who imports your card, so they can "
                         "check it is yours.")
        fp_hint.setWordWrap(True)
        fp_hint.setProperty("role", "muted")
        fp_box.addWidget(fp_hint)
        form.addRow("Fingerprint:", fp_box)
        seat_row = QHBoxLayout()
        self.school = QComboBox()
        self.school.setAccessibleName("This installation belongs to")
        self.school.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        seat_label = QLabel("&Belongs to:")
        seat_label.setBuddy(self.school)
        self.set_button = QPushButton("&Set")
        self.set_button.setToolTip("Set the school (or panel seat) of this installation; "
                                   "then export your card again for partners")
        seat_row.addWidget(self.school)
        seat_row.addWidget(self.set_button)
        seat_row.addStretch(1)
        form.addRow(seat_label, seat_row)
        layout.addLayout(form)
        self.set_button.clicked.connect(self.set_school)

    def show_identity(self, identity: Any, schools: Sequence[School]) -> None:
        self.identity = identity
        unset = identity.seat not in ("school", "panel")
        text = (f"This installation: {identity.label}." if not unset else
                "This installation is not yet linked to a school or to the panel seat. "
                "Choose which below, then export your card for partners.")
        self.who.setText(text)
        set_icon(self.who_icon, "warning" if unset else "ok")
        self.fingerprint.setText("  ".join(identity.fingerprint.split("-")))
        self.fingerprint.setAccessibleName(fingerprint_label(identity.fingerprint)
                                           .accessibleName())
        self.fingerprint.setToolTip(f"Installation {identity.installation_id}")
        self.school.blockSignals(True)
        self.school.clear()
        self.school.addItem("Choose…", "")
        self.school.addItem("Panel (clerk's) seat", PANEL)
        for s in schools:
            self.school.addItem(s.name, s.id)
        current = PANEL if identity.seat == "panel" else identity.school_id
        self.school.setCurrentIndex(max(self.school.findData(current), 0))
        self.school.blockSignals(False)

    def set_school(self) -> None:
        value = self.school.currentData()
        if not value:
            emit(self.message, "Choose this installation's school, or the panel seat.", "error")
            return
        panel = value == PANEL
        school = None if panel else str(value)
        name = self.school.currentText()

        def done(changes: Any) -> None:
            emit(self.message, f"This installation now belongs to {name}. Export your card "
                               "again and send it to your partners.", "ok")
            emit(self.changed, changes)

        self._host.run(lambda s: s.bundles.set_own_school(school, panel=panel), success=done,
                       failure=lambda e: emit(self.message, error_text(e), "error"),
                       parent=self)

    def clear(self) -> None:
        self.identity = None
        self.who.setText("")
        set_icon(self.who_icon, "")
        self.fingerprint.setText("")
        self.school.clear()
