"""Export a bundle: choose the recipients (partners with a card, or one partner without a
card and a passphrase), a full bundle or the changes since the last one, then the file.
The export runs on the worker with progress; the size is shown, with a warning above
10 MB (a common mail limit)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.models import School
from panel_app.core.errors import ValidationError
from panel_app.gui.bundle_ui import (
    human_size,
    icon_label,
    seat_text,
    set_icon,
    spaced_fingerprint,
)
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

BUNDLE_FILTER = "Partnership Panel bundles (*.panelbundle);;All files (*)"
CARD_FILTER = "Partnership Panel contact cards (*.panelcard *.json);;All files (*)"
# (parent, caption, proposed path, filter) -> the chosen path, or "" when cancelled.
PathChooser = Callable[[QWidget, str, str, str], str]


def choose_save_path(parent: QWidget, caption: str, proposed: str, filters: str) -> str:
    return QFileDialog.getSaveFileName(parent, caption, proposed, filters)[0]


def choose_open_path(parent: QWidget, caption: str, proposed: str, filters: str) -> str:
    return QFileDialog.getOpenFileName(parent, caption, proposed, filters)[0]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40] or "partner"


class ExportBundleDialog(QDialog):
    exported = Signal(object)  # the core's ExportResult

    def __init__(self, host: SessionHost, partners: Sequence[Any], schools: Sequence[School],
                 folder: Path, today: str, choose_path: PathChooser = choose_save_path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._folder = folder
        self._today = today
        self.choose_path = choose_path
        self.result_info: Any = None
        self.setWindowTitle("Export a bundle")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Export a bundle", parent=self))
        explain = QLabel("A bundle carries only the records that every recipient is party to. "
                         "It is signed by this installation and encrypted, so it is safe to "
                         "attach to secure email.")
        explain.setWordWrap(True)
        layout.addWidget(explain)

        to_box = QGroupBox("Recipients")
        to_layout = QVBoxLayout(to_box)
        self.by_card = QRadioButton("Partners with a &contact card (encrypted to their keys)")
        self.by_passphrase = QRadioButton("A partner &without a card: protect with a passphrase")
        self.protection = QButtonGroup(self)
        self.protection.addButton(self.by_card)
        self.protection.addButton(self.by_passphrase)
        self.recipients = QListWidget()
        self.recipients.setAccessibleName("Recipients")
        for p in partners:
            where = seat_text(p.seat, p.school_name)
            item = QListWidgetItem(p.label if where in p.label else f"{p.label} — {where}")
            item.setToolTip(f"Fingerprint {spaced_fingerprint(p.fingerprint)}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, p.fingerprint)
            item.setData(Qt.ItemDataRole.UserRole + 1, p.label)
            self.recipients.addItem(item)
        self.recipients.setMaximumHeight(self.fontMetrics().height() * 7)
        recipients_label = QLabel("&Recipients (tick each one):")
        recipients_label.setBuddy(self.recipients)
        to_layout.addWidget(self.by_card)
        to_layout.addWidget(recipients_label)
        to_layout.addWidget(self.recipients)
        to_layout.addWidget(self.by_passphrase)
        self.passphrase_box = QWidget()
        form = QFormLayout(self.passphrase_box)
        form.setContentsMargins(24, 0, 0, 0)
        self.school = QComboBox()
        self.school.setAccessibleName("Recipient without a card")
        self.school.addItem("Panel (clerk's) seat", "panel")
        for s in schools:
            self.school.addItem(s.name, s.id)
        self.passphrase = QLineEdit()
        self.repeat = QLineEdit()
        for text, widget, name in (("Sch&ool or panel:", self.school, None),
                                   ("&Passphrase:", self.passphrase, "Bundle passphrase"),
                                   ("Repea&t passphrase:", self.repeat,
                                    "Repeat bundle passphrase")):
            if isinstance(widget, QLineEdit):
                widget.setEchoMode(QLineEdit.EchoMode.Password)
                widget.setAccessibleName(str(name))
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        hint = QLabel("Tell them the passphrase by phone, never in the same email. A "
                      "passphrase bundle is always complete.")
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        form.addRow(hint)
        to_layout.addWidget(self.passphrase_box)
        layout.addWidget(to_box)

        what_box = QGroupBox("What to send")
        what_layout = QVBoxLayout(what_box)
        self.full = QRadioButton("&Everything they are party to (a full bundle)")
        self.since_last = QRadioButton("Only c&hanges since the last bundle to each of them")
        self.scope = QButtonGroup(self)
        self.scope.addButton(self.full)
        self.scope.addButton(self.since_last)
        what_layout.addWidget(self.full)
        what_layout.addWidget(self.since_last)
        layout.addWidget(what_box)

        self.for_whom = QLabel("")
        self.for_whom.setWordWrap(True)
        layout.addWidget(self.for_whom)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.message = message_label()
        layout.addWidget(self.message)
        outcome_row = QHBoxLayout()
        self.outcome_icon = icon_label("")
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setVisible(False)
        outcome_row.addWidget(self.outcome_icon, 0, Qt.AlignmentFlag.AlignTop)
        outcome_row.addWidget(self.outcome, 1)
        layout.addLayout(outcome_row)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Choose where to save the bundle, then export it")
        self.export_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close (Esc)")
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.reject)
        self.protection.buttonToggled.connect(lambda *_a: self._update())
        self.recipients.itemChanged.connect(lambda _i: self._update())
        self.school.currentIndexChanged.connect(lambda _i: self._update())
        self._has_partners = bool(partners)
        (self.by_card if partners else self.by_passphrase).setChecked(True)
        self.by_card.setEnabled(self._has_partners)
        self.since_last.setChecked(True)
        self._update()

    # -- choices ---------------------------------------------------------------------------
    def set_checked(self, fingerprints: Sequence[str]) -> None:
        for i in range(self.recipients.count()):
            item = self.recipients.item(i)
            wanted = item.data(Qt.ItemDataRole.UserRole) in fingerprints
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def chosen(self) -> tuple[list[str], list[str]]:
        """(what export_bundle's ``to`` gets, the names shown to the user)."""
        if self.by_passphrase.isChecked():
            return [str(self.school.currentData())], [self.school.currentText()]
        items = [self.recipients.item(i) for i in range(self.recipients.count())]
        ticked = [i for i in items if i.checkState() == Qt.CheckState.Checked]
        return ([i.data(Qt.ItemDataRole.UserRole) for i in ticked],
                [i.data(Qt.ItemDataRole.UserRole + 1) for i in ticked])

    def _update(self) -> None:
        by_passphrase = self.by_passphrase.isChecked()
        self.recipients.setEnabled(not by_passphrase)
        self.passphrase_box.setEnabled(by_passphrase)
        self.since_last.setEnabled(not by_passphrase)
        if by_passphrase:
            self.full.setChecked(True)
        _to, names = self.chosen()
        if not names:
            self.for_whom.setText("Tick at least one recipient.")
        elif by_passphrase:
            self.for_whom.setText(f"The file will be protected by the passphrase, for "
                                  f"{names[0]}.")
        else:
            self.for_whom.setText("The file will be encrypted for " + ", ".join(names)
                                  + " (and this installation) and readable by no one else.")

    # -- exporting -------------------------------------------------------------------------
    def export(self) -> None:
        to, names = self.chosen()
        passphrase: str | None = None
        if not to:
            set_message(self.message, "Tick at least one recipient.")
            self.recipients.setFocus()
            return
        if self.by_passphrase.isChecked():
            passphrase = self.passphrase.text()
            if not passphrase:
                set_message(self.message, "Type a passphrase for the bundle.")
                self.passphrase.setFocus()
                return
            if passphrase != self.repeat.text():
                set_message(self.message, "The two passphrases are not the same.")
                self.repeat.setFocus()
                return
        since_last = self.since_last.isChecked() and passphrase is None
        proposed = self._folder / f"to-{slug(names[0] if len(names) == 1 else 'partners')}-" \
                                  f"{self._today}.panelbundle"
        how = "protected by a passphrase for" if passphrase else "encrypted for"
        path = self.choose_path(self, f"Save the bundle, {how} {', '.join(names)}",
                                str(proposed), BUNDLE_FILTER)
        if not path or not self.isVisible():  # cancelled, or locked meanwhile
            return
        out = Path(path)
        if not out.suffix:
            out = out.with_suffix(".panelbundle")
        set_message(self.message, "")
        self._busy(True)

        def job(s: Any, progress: Any) -> Any:
            return s.bundles.export_bundle(to, out, since_last=since_last,
                                           passphrase=passphrase, progress=progress)

        self._host.run(job, success=self._done, failure=self._failed,
                       progress=self._progress, parent=self)

    def _busy(self, busy: bool) -> None:
        for widget in (self.export_button, self.by_card, self.by_passphrase, self.recipients,
                       self.passphrase_box, self.full, self.since_last):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.outcome.setVisible(False)
            set_icon(self.outcome_icon, "")
        else:
            self.by_card.setEnabled(self._has_partners)
            self._update()

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{text} %p%" if text else "%p%")

    def _done(self, result: Any) -> None:
        self._busy(False)
        self.passphrase.clear()
        self.repeat.clear()
        self.result_info = result
        counts = result.counts
        records = sum(counts.get("records", {}).values())
        scope = "a full bundle" if result.scope == "full" else "changes since the last bundle"
        text = (f"Saved {result.path.name} ({human_size(result.size)}): bundle number "
                f"{result.sequence}, {scope}, {records} records and "
                f"{counts.get('documents', 0)} documents, for {', '.join(result.recipients)}. "
                "Attach it to a secure email.")
        if result.warning:
            text += f"\n\nWarning: {result.warning}"
        self.outcome.setText(text)
        self.outcome.setAccessibleName(text)
        self.outcome.setVisible(True)
        set_icon(self.outcome_icon, "warning" if result.warning else "ok")
        self.close_button.setFocus()
        emit(self.exported, result)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        text = error_text(exc)
        if isinstance(exc, ValidationError):
            text = " ".join(i.message for i in exc.issues) or text
        set_message(self.message, text)
