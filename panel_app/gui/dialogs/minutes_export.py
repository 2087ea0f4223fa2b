"""Save a meeting's minutes as a PDF (members' or circulation copy) and open it.

The PDF is written by the core (``session.meetings.write_minutes``, atomically) on the
worker. The dialog says plainly, before anything is written, that the file leaves the
encrypted partnership file: whoever gets the PDF can read it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.context import AppContext
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

NOT_ENCRYPTED = ("The PDF will NOT be encrypted: anyone who gets the file can read it. "
                 "Save it only where the panel's papers are kept safe (not a shared or "
                 "synced folder, not an email attachment), and delete it when it is no "
                 "longer needed.")
COPIES = {
    "members": ("&Members' copy: names pupils (for panel members only)", False),
    "circulation": ("&Circulation copy: pupils shown by initials and case reference only",
                    True),
}


def default_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def file_name(meeting_iso: str, copy: str) -> str:
    return f"minutes-{meeting_iso}-{copy}.pdf"


class MinutesDialog(QDialog):
    saved = Signal(str)  # the path written

    def __init__(self, host: SessionHost, ctx: AppContext, meeting_id: str, meeting_iso: str,
                 label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self.meeting_id = meeting_id
        self._iso = meeting_iso
        self.written: Path | None = None
        self._confirmed: Path | None = None  # a file the save dialog agreed to replace
        self.setWindowTitle("Minutes PDF")
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Minutes of the meeting on {label}", parent=self))
        self.copies: dict[str, QRadioButton] = {}
        for key, (text, _circulation) in COPIES.items():
            button = QRadioButton(text)
            button.toggled.connect(lambda on, key=key: self._copy_changed(key, on))
            self.copies[key] = button
            layout.addWidget(button)
        self.warning = message_label()
        set_message(self.warning, NOT_ENCRYPTED, "warning")
        layout.addWidget(self.warning)

        row = QHBoxLayout()
        label_widget = QLabel("&File:")
        self.path = QLineEdit(str(default_folder() / file_name(meeting_iso, "members")))
        self.path.setAccessibleName("File to save the minutes PDF to (not encrypted)")
        label_widget.setBuddy(self.path)
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setToolTip("Choose where to save the PDF")
        self.browse_button.setAutoDefault(False)
        row.addWidget(label_widget)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        self.open_after = QCheckBox("&Open the PDF when it is saved")
        self.open_after.setChecked(True)
        layout.addWidget(self.open_after)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save PDF", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(buttons)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.browse_button.clicked.connect(self.browse)
        self.copies["members"].setChecked(True)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.path.setFocus()
        self.path.selectAll()

    @property
    def copy(self) -> str:
        return next(k for k, b in self.copies.items() if b.isChecked())

    def _copy_changed(self, key: str, chosen: bool = True) -> None:
        """Keep the suggested file name in step with the copy, unless it was changed."""
        if not chosen:
            return
        current = Path(self.path.text())
        other = "circulation" if key == "members" else "members"
        if current.name == file_name(self._iso, other):
            self.path.setText(str(current.with_name(file_name(self._iso, key))))

    def browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the minutes PDF: the file will not be encrypted", self.path.text(),
            "PDF files (*.pdf)")
        if name:
            self.path.setText(name)
            self._confirmed = Path(name)

    def target(self) -> Path | None:
        text = self.path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")

    def save(self) -> None:
        path = self.target()
        if path is None:
            set_message(self.message, "Give the file to save the PDF to.")
            self.path.setFocus()
            return
        if path.exists() and self._confirmed != path:
            answer = QMessageBox.question(
                self, "Replace the file?", f"{path.name} already exists. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        circulation = COPIES[self.copy][1]
        meeting_id = self.meeting_id
        self.setEnabled(False)
        set_message(self.message, "Writing the PDF…", "muted")
        self._host.run(
            lambda s: s.meetings.write_minutes(meeting_id, path, circulation=circulation),
            success=self._written, failure=self._failed, parent=self)

    def _written(self, path: Path) -> None:
        self.setEnabled(True)
        self.written = Path(path)
        emit(self.saved, str(path))
        if self.open_after.isChecked() and not self._ctx.open_file(self.written):
            set_message(self.message, f"Saved to {path}, but no program on this computer "
                                      "opens PDF files.", "warning")
            return
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        set_message(self.message, error_text(exc))
