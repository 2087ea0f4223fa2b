"""Icons drawn in code: each risk level has its own shape as well as its colour, so the
rating reads without colour (the text label is always shown beside it too). The
application icon is the one exception: it comes from rendered files in resources/icons."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from panel_app.core.resources import resource_path

RISK_COLOURS = {"red": QColor(200, 30, 45), "amber": QColor(230, 150, 0),
                "green": QColor(30, 140, 60)}
RISK_SYMBOLS = {"red": "▲", "amber": "◆", "green": "●"}
RISK_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}

_SIZE = 64
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@cache
def app_icon() -> QIcon:
    """The application icon (resources/icons/panel-app-*.png, rendered from its SVG by
    scripts/render-icons.py): every size, so Qt picks a crisp one for each place."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        path = resource_path("icons", f"panel-app-{size}.png")
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon


def _canvas() -> tuple[QPixmap, QPainter]:
    pix = QPixmap(_SIZE, _SIZE)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pix, painter


def _round_pen(colour: Qt.GlobalColor) -> QPen:
    pen = QPen(QColor(colour), 6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


@cache
def risk_icon(risk: str) -> QIcon:
    """Red: a triangle with '!'; amber: a diamond; green: a circle with a tick."""
    colour = RISK_COLOURS.get(risk)
    if colour is None:
        return QIcon()
    pix, p = _canvas()
    p.setPen(QPen(colour.darker(140), 3))
    p.setBrush(colour)
    s = float(_SIZE)
    if risk == "red":
        p.drawPolygon(QPolygonF([QPointF(s / 2, 4), QPointF(s - 4, s - 6), QPointF(4, s - 6)]))
        p.setPen(_round_pen(Qt.GlobalColor.white))
        p.drawLine(QPointF(s / 2, 24), QPointF(s / 2, 40))
        p.drawPoint(QPointF(s / 2, 50))
    elif risk == "amber":
        p.drawPolygon(QPolygonF([QPointF(s / 2, 3), QPointF(s - 3, s / 2),
                                 QPointF(s / 2, s - 3), QPointF(3, s / 2)]))
        p.setPen(_round_pen(Qt.GlobalColor.black))
        p.drawLine(QPointF(20, s / 2), QPointF(s - 20, s / 2))
    else:
        p.drawEllipse(QRectF(6, 6, s - 12, s - 12))
        p.setPen(_round_pen(Qt.GlobalColor.white))
        path = QPainterPath(QPointF(19, 33))
        path.lineTo(28, 42)
        path.lineTo(45, 23)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    p.end()
    return QIcon(pix)


def lock_icon(locked: bool, colour: QColor | None = None) -> QIcon:
    """A padlock, closed or open, in ``colour`` (the text colour where it is shown)."""
    return _lock_icon(locked, (colour or QColor(90, 90, 90)).rgba())


@cache
def _lock_icon(locked: bool, rgba: int) -> QIcon:
    pix, p = _canvas()
    colour = QColor.fromRgba(rgba)
    p.setPen(QPen(colour, 6))
    p.setBrush(Qt.BrushStyle.NoBrush)
    shackle = QRectF(18, 6, 28, 34) if locked else QRectF(30, 2, 28, 34)
    p.drawArc(shackle, 0, 180 * 16)
    if locked:
        p.drawLine(QPointF(18, 23), QPointF(18, 30))
        p.drawLine(QPointF(46, 23), QPointF(46, 30))
    else:
        p.drawLine(QPointF(58, 19), QPointF(58, 26))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(10, 28, 44, 32), 5, 5)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    p.drawEllipse(QRectF(28, 38, 8, 8))  # a see-through keyhole suits light and dark
    p.end()
    return QIcon(pix)


def risk_text(risk: str) -> str:
    """'▲ Red' etc.: the symbol and the word, for places without an icon."""
    return f"{RISK_SYMBOLS.get(risk, '')} {RISK_LABELS.get(risk, risk.capitalize())}".strip()
