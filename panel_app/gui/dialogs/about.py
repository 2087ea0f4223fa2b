"""About Partnership Panel: name, icon, version, licence, and the versions of everything
it runs on, with "Copy details" for a support request (no pupil data, no file paths)."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import QSize, Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app import __version__
from panel_app.core.resources import resource_path
from panel_app.core.services.about import LICENCE_NAME, details_text, library_versions
from panel_app.gui.context import APP_NAME
from panel_app.gui.icons import app_icon
from panel_app.gui.theme import heading, message_label, set_message

TAGLINE = ("Case management for behaviour and attendance partnerships. The partnership's "
           "data stay encrypted on this computer; nothing is sent anywhere.")
LICENCE_FILES = ("LICENSE.txt", "THIRD-PARTY.txt")


def gui_versions() -> dict[str, str]:
    """The core's list with Qt, PySide6 and the Qt platform added after the system."""
    out: dict[str, str] = {}
    for label, value in library_versions().items():
        out[label] = value
        if label == "Operating system":
            out["Qt"] = qVersion()
            out["PySide6"] = PySide6.__version__
            out["Qt platform"] = QGuiApplication.platformName() or "unknown"
    return out


def licence_text() -> str:
    """The app's MIT licence, then the note on third-party components."""
    parts = []
    for name in LICENCE_FILES:
        path = resource_path("licences", name)
        if path.is_file():
            parts.append(path.read_text(encoding="utf-8").strip())
    separator = "\n\n" + "-" * 72 + "\n\n"
    return separator.join(parts) or f"{APP_NAME} is released under the {LICENCE_NAME} licence."


class LicenceDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} licence")
        layout = QVBoxLayout(self)
        label = QLabel(f"&Licence ({LICENCE_NAME}) and third-party components:")
        layout.addWidget(label)
        self.text = QPlainTextEdit(licence_text())
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Licence text")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        label.setBuddy(self.text)
        metrics = self.fontMetrics()
        self.text.setMinimumSize(metrics.horizontalAdvance("x") * 90, metrics.height() * 24)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class AboutDialog(QDialog):
    """Esc or Close closes it. ``versions`` defaults to what this process runs on."""

    def __init__(self, parent: QWidget | None = None,
                 versions: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.versions = versions if versions is not None else gui_versions()
        self.licence_dialog: LicenceDialog | None = None
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(app_icon())
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        side = self.fontMetrics().height() * 4  # follows the system font and scaling
        self.icon = QLabel()
        self.icon.setPixmap(app_icon().pixmap(QSize(side, side), self.devicePixelRatioF()))
        self.icon.setFixedSize(side, side)
        self.icon.setAccessibleName(f"{APP_NAME} icon")
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        intro = QVBoxLayout()
        self.title = heading(APP_NAME, 1.6, self)
        intro.addWidget(self.title)
        self.version = QLabel(f"Version {__version__}")
        self.version.setAccessibleName(f"Version {__version__}")
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        intro.addWidget(self.version)
        tagline = QLabel(TAGLINE)
        tagline.setWordWrap(True)
        intro.addWidget(tagline)
        self.licence = QLabel(f"Released under the {LICENCE_NAME} licence. Qt and PySide6 "
                              "are used under the GNU LGPL version 3.")
        self.licence.setWordWrap(True)
        intro.addWidget(self.licence)
        top.addLayout(intro, 1)
        layout.addLayout(top)

        # Two columns of "name: version" pairs, so the window fits a small screen at 150%.
        box = QGroupBox("Versions (for IT support)")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(self.fontMetrics().horizontalAdvance("x") * 2)
        self.value_labels: dict[str, QLabel] = {}
        half = (len(self.versions) + 1) // 2
        for i, (label, value) in enumerate(self.versions.items()):
            row, col = i % half, (i // half) * 2
            name = QLabel(f"{label}:")
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setAccessibleName(f"{label}: {value}")
            grid.addWidget(name, row, col, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(shown, row, col + 1)
            self.value_labels[label] = shown
        grid.setColumnMinimumWidth(2, self.fontMetrics().horizontalAdvance("x") * 12)
        grid.setColumnStretch(3, 1)
        layout.addWidget(box)

        self.status = message_label("ok", self)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.setAccessibleName("Copy details")
        self.copy_button.setToolTip("Copy the versions above as text, to paste into a "
                                    "message to IT support")
        self.licence_button = QPushButton("&Licence…")
        self.licence_button.setAccessibleName("Licence")
        self.licence_button.setToolTip(f"Show the {LICENCE_NAME} licence and the "
                                       "third-party components")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.licence_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        self.close_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.licence_button.clicked.connect(self.show_licence)
        layout.addWidget(buttons)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # never cut short
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 64)

    def details(self) -> str:
        """Everything shown, as plain text for a support message."""
        return f"{APP_NAME} {__version__}\n{details_text(self.versions)}\n"

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())
        set_message(self.status, "Copied. Paste it into your message to IT support.", "ok")
        self.adjustSize()  # room for the message (wrapped labels need their height again)

    def show_licence(self) -> LicenceDialog:
        if self.licence_dialog is None:
            self.licence_dialog = LicenceDialog(self)
        self.licence_dialog.show()
        self.licence_dialog.raise_()
        return self.licence_dialog
