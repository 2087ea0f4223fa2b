"""First run: open the demo, create a new partnership, or open an existing file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.cloud import cloud_warning
from panel_app.gui.context import AppContext
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message

FILE_FILTER = "Partnership files (*.panel);;All files (*)"


def _choice(title: str, detail: str) -> QPushButton:
    button = QPushButton(f"{title}\n{detail}")
    button.setObjectName("bigChoice")
    button.setAccessibleName(title.replace("&", ""))
    button.setAccessibleDescription(detail)
    return button


class FirstRunDialog(QDialog):
    """Emits ``chosen(kind, path)``: kind is "demo", "new" (path None) or "open"."""

    chosen = Signal(str, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._pending: Path | None = None
        self.setWindowTitle("Welcome to Partnership Panel")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Welcome to Partnership Panel", parent=self))
        intro = QLabel("Cases, ladders, managed moves and panel meetings for a behaviour and "
                       "attendance partnership, kept encrypted on this computer. "
                       "How would you like to start?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.demo_button = _choice("Open the &demo partnership",
                                   "Invented schools and pupils to try things out safely.")
        self.new_button = _choice("&Create a new partnership…",
                                  "Start an empty, encrypted partnership file with a passphrase.")
        self.open_button = _choice("&Open an existing file…",
                                   "A .panel file set up on this or another computer.")
        for button in (self.demo_button, self.new_button, self.open_button):
            layout.addWidget(button)
        self.warning = message_label("warning")
        layout.addWidget(self.warning)
        self.buttons = QDialogButtonBox()
        self.anyway_button = self.buttons.addButton(
            "Open &anyway", QDialogButtonBox.ButtonRole.AcceptRole)
        self.anyway_button.setVisible(False)
        self.quit_button = self.buttons.addButton(
            "&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)
        self.demo_button.clicked.connect(lambda: self._choose("demo", self._ctx.demo_path))
        self.new_button.clicked.connect(lambda: self._choose("new", None))
        self.open_button.clicked.connect(self._browse)
        self.anyway_button.clicked.connect(self._open_anyway)
        self.quit_button.clicked.connect(self.reject)

    def show_problem(self, text: str) -> None:
        set_message(self.warning, text, "error")

    def _choose(self, kind: str, path: Path | None) -> None:
        emit(self.chosen, kind, path)
        self.accept()

    def _browse(self) -> None:
        start = str(self._ctx.data_dir if self._ctx.data_dir.is_dir() else Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open a partnership file", start,
                                              FILE_FILTER)
        if name:
            self.open_existing(Path(name))

    def open_existing(self, path: Path) -> None:
        """Open ``path``, or first warn if it sits in a cloud-synced folder."""
        warning = cloud_warning(path.parent)
        if warning and self._pending != path:
            self._pending = path
            set_message(self.warning, warning, "warning")
            self.anyway_button.setVisible(True)
            self.anyway_button.setFocus()
            return
        self._choose("open", path)

    def _open_anyway(self) -> None:
        if self._pending is not None:
            self._choose("open", self._pending)
