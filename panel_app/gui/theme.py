"""Fusion style that follows the system's light or dark scheme, and a small QSS.

Fonts are never given a fixed size: headings are the system font scaled up, so the
user's font size and display scaling (125%, 150%) carry through everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

# Text colours for messages that pass WCAG AA contrast on each scheme's window colour.
_COLOURS = {
    "light": {"error": "#a4000f", "warning": "#7a4d00", "ok": "#1d6b2f", "muted": "#555555",
              "sidebar": "#eef0f3", "banner": "#fff4d6"},
    "dark": {"error": "#ff8a8a", "warning": "#ffcc66", "ok": "#8fdc9a", "muted": "#b8b8b8",
             "sidebar": "#2a2d31", "banner": "#4a3d14"},
}

_QSS = """
QListWidget#sidebar {{ background: {sidebar}; border: none; outline: 0; }}
QListWidget#sidebar::item {{ padding-left: 10px; border-radius: 4px; }}
QListWidget#sidebar::item:selected {{ background: palette(highlight);
                                      color: palette(highlighted-text); }}
QLabel[role="error"] {{ color: {error}; }}
QLabel[role="warning"] {{ color: {warning}; }}
QLabel[role="ok"] {{ color: {ok}; }}
QLabel[role="muted"] {{ color: {muted}; }}
QLabel[role="banner"] {{ background: {banner}; border-radius: 4px; padding: 0.4em 0.6em; }}
QLabel#recoveryKey {{ font-family: "DejaVu Sans Mono", "Consolas", "Menlo", monospace;
                      border: 1px solid palette(mid); border-radius: 4px; padding: 0.6em; }}
QPushButton {{ padding: 0.3em 0.9em; }}
QPushButton#bigChoice {{ text-align: left; padding: 0.7em 1em; }}
"""


def is_dark(app: QApplication) -> bool:
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(45, 47, 51), QColor(30, 32, 35), QColor(232, 232, 232)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(38, 40, 44),
        QPalette.ColorRole.ToolTipBase: QColor(60, 62, 66),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(160, 160, 160),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(55, 57, 62),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 120, 120),
        QPalette.ColorRole.Link: QColor(120, 180, 255),
        QPalette.ColorRole.Highlight: QColor(54, 110, 180),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Mid: QColor(90, 92, 96),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    disabled = QColor(130, 130, 130)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Fusion, the scheme's palette and the QSS; call again when the scheme changes.
    ``dark`` forces a scheme (screenshots); by default the system's is followed."""
    app.setStyle("Fusion")
    if dark is None:
        dark = is_dark(app)
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setStyleSheet(_QSS.format(**_COLOURS["dark" if dark else "light"]))


def follow_system_scheme(app: QApplication) -> None:
    apply_theme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))


def heading(text: str, scale: float = 1.3, parent: QWidget | None = None) -> QLabel:
    """A bold label a little larger than the system font (never a fixed size)."""
    label = QLabel(text, parent)
    font = QFont(label.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    else:
        font.setPixelSize(round(font.pixelSize() * scale))
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def message_label(role: str = "", parent: QWidget | None = None) -> QLabel:
    """A wrapped label for inline messages; ``set_message`` fills it."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setProperty("role", role)
    label.setVisible(False)
    return label


_PREFIX = {"error": "✖ ", "warning": "⚠ ", "ok": "✔ "}


def set_message(label: QLabel, text: str, role: str = "error") -> None:
    """Show ``text`` with a symbol for its role (never colour alone), or hide if empty."""
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(_PREFIX.get(role, "") + text if text else "")
    label.setAccessibleName(text)
    label.setVisible(bool(text))
