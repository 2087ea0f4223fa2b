"""Icons and words for ladder check results: each status has its own shape as well as its
colour, and is always shown with its word beside it (never colour alone).

Statuses are the core's (``met``, ``partly_met``, ``missing``, ``unavailable``) plus
``not_needed`` for a step that the request does not need.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from panel_app.core.domain.ladder import action_label

NOT_NEEDED = "not_needed"
STATUS_WORDS = {"met": "Met", "partly_met": "Partly met", "missing": "Missing",
                "unavailable": "Not available", NOT_NEEDED: "Not needed"}
STATUS_SYMBOLS = {"met": "✔", "partly_met": "◐", "missing": "✖", "unavailable": "–",
                  NOT_NEEDED: "–"}
_COLOURS = {"met": QColor(30, 140, 60), "partly_met": QColor(215, 135, 0),
            "missing": QColor(200, 30, 45), "unavailable": QColor(120, 120, 120),
            NOT_NEEDED: QColor(120, 120, 120)}
_SIZE = 64


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def status_text(status: str) -> str:
    """'✔ Met', '◐ Partly met'...: the symbol and the word, for places without an icon."""
    return f"{STATUS_SYMBOLS.get(status, '')} {status_word(status)}".strip()


def step_status(status: str, needed: bool) -> str:
    """The status to show for a step: steps after the one that unlocks the request are
    'not needed' whatever their evidence says."""
    return status if needed else NOT_NEEDED


def request_label(action: str) -> str:
    """'ap-place' -> 'an AP place' (as in 'what is missing for an AP place')."""
    return action_label(action)


def _pen(colour: QColor | Qt.GlobalColor, width: float) -> QPen:
    pen = QPen(QColor(colour), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


@cache
def status_icon(status: str) -> QIcon:
    """Met: a filled circle with a tick; partly met: a half-filled circle; missing: a
    hollow circle with a cross; not needed / not available: a dashed circle with a bar."""
    colour = _COLOURS.get(status)
    if colour is None:
        return QIcon()
    pix = QPixmap(_SIZE, _SIZE)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(_SIZE)
    ring = QRectF(6, 6, s - 12, s - 12)
    if status == "met":
        p.setPen(_pen(colour.darker(140), 3))
        p.setBrush(colour)
        p.drawEllipse(ring)
        path = QPainterPath(QPointF(19, 33))
        path.lineTo(28, 42)
        path.lineTo(45, 23)
        p.setPen(_pen(Qt.GlobalColor.white, 6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    elif status == "partly_met":
        p.setPen(_pen(colour.darker(130), 5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(ring)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawPie(ring, 90 * 16, 180 * 16)  # the left half filled
    elif status == "missing":
        p.setPen(_pen(colour, 5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(ring)
        p.drawLine(QPointF(23, 23), QPointF(41, 41))
        p.drawLine(QPointF(41, 23), QPointF(23, 41))
    else:
        pen = _pen(colour, 4)
        pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(ring)
        p.setPen(_pen(colour, 5))
        p.drawLine(QPointF(22, s / 2), QPointF(s - 22, s / 2))
    p.end()
    return QIcon(pix)
