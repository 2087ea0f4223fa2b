"""Import a partner's contact card: show its fingerprint to check with the partner over
the phone, and import only once the user confirms that it matches. The card's school
is matched to one here, or chosen. A new card for an installation replaces its old one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.models import School
from panel_app.gui.bundle_ui import (
    fingerprint_label,
    gui_wording,
    icon_label,
    seat_text,
    set_icon,
    spaced_fingerprint,
    uk_day,
)
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

AUTO, PANEL = "", "__panel__"


class CardImportDialog(QDialog):
    imported = Signal(object)  # the core's Partner

    def __init__(self, host: SessionHost, data: bytes, file_name: str,
                 schools: Sequence[School], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._data = data
        self._seq = 0
        self.check: Any = None
        self.setWindowTitle(f"Import contact card {file_name}")
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Import a partner's contact card", parent=self))
        self.about = QLabel("Reading the card…")
        self.about.setWordWrap(True)
        layout.addWidget(self.about)

        form = QFormLayout()
        self.school = QComboBox()
        self.school.setAccessibleName("The card belongs to")
        self.school.addItem("As the card says", AUTO)
        for s in schools:
            self.school.addItem(s.name, s.id)
        self.school.addItem("Panel (clerk's) seat", PANEL)
        school_label = QLabel("&Belongs to:")
        school_label.setBuddy(self.school)
        form.addRow(school_label, self.school)
        layout.addLayout(form)

        steps = QLabel("Check the fingerprint before you trust this card. Phone the partner on a "
                       "number you already know (not one from the email that brought the card) "
                       "and ask them to read out the fingerprint shown in their Bundles section. "
                       "Every group must match:")
        steps.setWordWrap(True)
        layout.addWidget(steps)
        self.fingerprint = fingerprint_label("", 1.6)
        self.fingerprint.setMinimumHeight(self.fingerprint.fontMetrics().height() * 2)
        layout.addWidget(self.fingerprint)
        action_row = QHBoxLayout()
        self.action_icon = icon_label("")
        self.action = QLabel("")
        self.action.setWordWrap(True)
        action_row.addWidget(self.action_icon)
        action_row.addWidget(self.action, 1)
        layout.addLayout(action_row)
        self.confirm = QCheckBox("I have &checked this fingerprint with the partner over the "
                                 "phone, and every group matches")
        self.confirm.setEnabled(False)
        layout.addWidget(self.confirm)
        mismatch = QLabel("If it does not match, cancel: the card is not theirs, or it was "
                          "changed on the way.")
        mismatch.setWordWrap(True)
        mismatch.setProperty("role", "muted")
        layout.addWidget(mismatch)
        self.message = message_label()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.import_button = QPushButton("&Import card")
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Do not import the card (Esc)")
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.cancel_button.setDefault(True)

        self.import_button.clicked.connect(self.import_card)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm.toggled.connect(lambda _c: self._update_button())
        self.school.currentIndexChanged.connect(lambda _i: self.run_check())
        self.run_check()

    def _choice(self) -> dict[str, Any]:
        value = self.school.currentData()
        if value == PANEL:
            return {"panel": True}
        return {"school": value} if value else {}

    def run_check(self) -> None:
        self._seq += 1
        seq, data, choice = self._seq, self._data, self._choice()
        self.check = None
        self.confirm.setChecked(False)
        self._update_button()

        def done(check: Any) -> None:
            if seq == self._seq:
                self._show_check(check)

        def failed(exc: BaseException) -> None:
            if seq == self._seq:
                self._show_problem(error_text(exc))

        self._host.run(lambda s: s.bundles.check_card(data, **choice), success=done,
                       failure=failed, parent=self)

    def _show_check(self, check: Any) -> None:
        self.check = check
        card = check.card
        set_message(self.message, "")
        self.about.setText(f"Card of {card.label}, for the partnership "
                           f"‘{card.partnership_name}’, made on {uk_day(card.issued_at)}. "
                           f"Here it will belong to: {seat_text(check.seat, check.school_name)}.")
        self.fingerprint.setText(spaced_fingerprint(check.fingerprint))
        self.fingerprint.setAccessibleName(fingerprint_label(check.fingerprint).accessibleName())
        if check.action == "replaces":
            olds = ", ".join(spaced_fingerprint(f) for f in check.replaces)
            text, kind = (f"This card replaces the partner's current card ({olds}), which will "
                          "no longer be trusted."), "warning"
        elif check.action == "same":
            text, kind = "This card is already in the directory; importing it again updates "\
                         "its details.", "info"
        else:
            text, kind = "A new partner for the directory.", "info"
        self.action.setText(text)
        set_icon(self.action_icon, kind)
        self.confirm.setEnabled(True)
        self._update_button()

    def _show_problem(self, text: str) -> None:
        self.fingerprint.setText("")
        self.action.setText("")
        set_icon(self.action_icon, "")
        self.confirm.setEnabled(False)
        text = gui_wording(text)
        set_message(self.message, f"{text} Choose where it belongs above."
                    if "not a school" in text else text)
        self._update_button()

    def _update_button(self) -> None:
        ready = self.check is not None and self.confirm.isChecked()
        self.import_button.setEnabled(ready)
        self.import_button.setDefault(ready)

    def import_card(self) -> None:
        check = self.check
        if check is None or not self.confirm.isChecked():
            return
        data, choice, fp = self._data, self._choice(), check.fingerprint
        self.import_button.setEnabled(False)
        self._host.run(lambda s: s.bundles.import_card(data, fp, **choice),
                       success=self._imported, failure=self._failed, parent=self)

    def _imported(self, partner: Any) -> None:
        emit(self.imported, partner)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))
        self._update_button()
