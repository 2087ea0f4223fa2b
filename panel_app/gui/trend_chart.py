"""Trend lines for the Reports section: one line per school across the terms, drawn with
QPainter on the shared chart base of ``gui.charts``.

``LineChart`` in ``gui.charts`` draws one quota series over calendar weeks (a step line
against the places purchased); a trend has several series over terms, so it is its own
chart on the same base (accessible name, summary as the accessible description, palette
colours, focus frame). Nothing is told by colour alone: every school has its own marker
shape and dash pattern, repeated in the legend beside its name, and the summary gives
every point in words with its numerator and denominator. A term without a figure (no
roll) is a gap in the line, not a zero. The markers, patterns and light colours are
``core.reports.trends``'s, which the PDF's chart draws with too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from panel_app.core.reports.trends import COLOURS, DASHES, MARKERS, nice_axis
from panel_app.core.reports.trends import line_style as style
from panel_app.gui.charts import _Chart

__all__ = ["DASHES", "MARKERS", "TrendChart", "TrendLine", "line_pen", "nice_axis", "style",
           "tick_lines", "tick_text"]
# a five-pointed star's corners (outer radius 1.3, inner 0.6), clockwise from the top
STAR = tuple((round((1.3 if a % 2 == 0 else 0.6) * math.sin(a * math.pi / 5), 3),
              round(-(1.3 if a % 2 == 0 else 0.6) * math.cos(a * math.pi / 5), 3))
             for a in range(10))
# Okabe-Ito colours (told apart with colour-blindness), lighter ones on a dark background
LIGHT = COLOURS
DARK = ("#56B4E9", "#FF9A5C", "#3DDC97", "#E9A3D0", "#F0C020", "#C3A6FF", "#DDDDDD",
        "#E8D27A")


def line_pen(colour: QColor, pattern: str, width: float = 2.2) -> QPen:
    pen = QPen(colour, width)
    dashes = dict(DASHES)[pattern]
    if dashes:
        pen.setDashPattern(dashes)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def tick_lines(label: str, short: bool) -> list[str]:
    """A term's label under the axis: 'Autumn', '2025/26' (and 'so far' when given), or
    'Aut', '25/26' when short."""
    term, _, rest = label.partition(" ")
    year, _, extra = rest.partition(" ")
    lines = [term[:3], year[2:]] if short else [term, year]
    return lines + ([extra] if extra else [])


def tick_text(value: float, step: float) -> str:
    """A tick's number with as many decimals as the step has (0.25 -> two)."""
    digits = f"{step:.6f}".rstrip("0").partition(".")[2]
    return f"{value:,.{len(digits)}f}"


@dataclass(frozen=True)
class TrendLine:
    name: str
    values: list[float | None]  # one per term (None: no figure)
    texts: list[str]  # the same in words, with numerator and denominator


class TrendChart(_Chart):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.caption = ""
        self.unit = self.short_unit = ""
        self.labels: list[str] = []
        self.lines: list[TrendLine] = []
        self.short = False
        self.setMinimumHeight(220)

    def set_lines(self, caption: str, unit: str, labels: list[str],
                  lines: list[TrendLine], short_unit: str = "") -> None:
        """``labels``: the terms in order (x axis); ``unit``: what the y axis counts
        (``short_unit`` when the axis is too short for it)."""
        self.caption, self.unit, self.short_unit = caption, unit, short_unit
        self.labels, self.lines = list(labels), list(lines)
        if not self.labels or not self.lines:
            self._set_summary(f"{caption}: nothing to show.")
        else:
            parts = []
            for i, line in enumerate(self.lines):
                marker, dash = style(i)
                points = "; ".join(f"{label} {text}" for label, text in
                                   zip(self.labels, line.texts, strict=True))
                parts.append(f"{line.name} ({dash} line, {marker} markers): {points}")
            said = unit[:1].lower() + unit[1:]
            self._set_summary(f"{caption}, {said}, from {self.labels[0]} to "
                              f"{self.labels[-1]}. " + ". ".join(parts) + ".")
        self.updateGeometry()

    def clear(self) -> None:
        self.caption, self.unit, self.labels, self.lines = "", "", [], []
        self._set_summary("")

    def sizeHint(self) -> QSize:
        return QSize(560, 17 * self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(300, 220)

    def _colour(self, index: int) -> QColor:
        dark = self.palette().color(self.backgroundRole()).lightness() < 128
        names = DARK if dark else LIGHT
        return QColor(names[index % len(names)])

    # -- drawing ---------------------------------------------------------------------------
    def _marker(self, p: QPainter, kind: str, c: QPointF, r: float) -> None:
        if kind == "circle":
            p.drawEllipse(c, r, r)
        elif kind == "square":
            p.drawRect(QRectF(c.x() - r * 0.9, c.y() - r * 0.9, r * 1.8, r * 1.8))
        elif kind in ("cross", "plus"):
            d = r * (0.95 if kind == "cross" else 1.2)
            pairs = (((-d, -d), (d, d)), ((-d, d), (d, -d))) if kind == "cross" else (
                ((-d, 0), (d, 0)), ((0, -d), (0, d)))
            pen = p.pen()
            p.setPen(QPen(p.brush().color(), 2.4))
            for (x1, y1), (x2, y2) in pairs:
                p.drawLine(QPointF(c.x() + x1, c.y() + y1), QPointF(c.x() + x2, c.y() + y2))
            p.setPen(pen)
        else:
            corners = {"triangle": ((0, -1.2), (1.1, 0.8), (-1.1, 0.8)),
                       "down-triangle": ((0, 1.2), (1.1, -0.8), (-1.1, -0.8)),
                       "diamond": ((0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)),
                       "star": STAR}[kind]
            path = QPainterPath(QPointF(c.x() + corners[0][0] * r, c.y() + corners[0][1] * r))
            for x, y in corners[1:]:
                path.lineTo(QPointF(c.x() + x * r, c.y() + y * r))
            path.closeSubpath()
            p.drawPath(path)

    def _legend(self, p: QPainter, fm: QFontMetrics, rect: QRectF, y: float,
                text: QColor) -> float:
        """The legend in rows under the caption; returns the y below it."""
        sample = fm.height() * 2.2
        x = rect.left()
        row_h = fm.height() + 6
        widest = rect.width() - sample - 12
        for i, line in enumerate(self.lines):
            name = fm.elidedText(line.name, Qt.TextElideMode.ElideRight, int(widest))
            item_w = sample + 6 + fm.horizontalAdvance(name)
            if x > rect.left() and x + item_w > rect.right():
                x, y = rect.left(), y + row_h
            mid = y + row_h / 2
            marker, dash = style(i)
            colour = self._colour(i)
            p.setPen(line_pen(colour, dash))
            p.drawLine(QPointF(x, mid), QPointF(x + sample, mid))
            p.setPen(QPen(text, 1))
            p.setBrush(colour)
            self._marker(p, marker, QPointF(x + sample / 2, mid), fm.height() * 0.28)
            p.setPen(text)
            p.drawText(QPointF(x + sample + 6, mid + (fm.ascent() - fm.descent()) / 2), name)
            x += item_w + 18
        return y + row_h + 4

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, grid, _data, _warn = self._colours()
        fm = QFontMetrics(self.font())
        rect = QRectF(self.rect()).adjusted(8, 4, -12, -4)
        p.setPen(text)
        p.drawText(QPointF(rect.left(), rect.top() + fm.ascent()),
                   fm.elidedText(self.caption, Qt.TextElideMode.ElideRight, int(rect.width())))
        values = [v for line in self.lines for v in line.values if v is not None]
        if not self.labels or not self.lines:
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Nothing to show")
            self._frame(p)
            return
        top_y = self._legend(p, fm, rect, rect.top() + fm.height() + 4, text)
        top, step = nice_axis(max(values, default=0.0) * 1.08)
        ticks = [step * k for k in range(round(top / step) + 1)]
        tick_w = max(fm.horizontalAdvance(tick_text(v, step)) for v in ticks)
        left = rect.left() + fm.height() + 6 + tick_w + 6  # y title, numbers
        room = (rect.right() - left) / len(self.labels) - 8
        short = max(fm.horizontalAdvance(line) for label in self.labels
                    for line in tick_lines(label, False)) > room
        self.short = short  # the terms are written short (tests read it)
        rows = max(len(tick_lines(label, short)) for label in self.labels)
        label_h = fm.height() * rows + 6
        plot = QRectF(left, top_y + fm.height() / 2, rect.right() - left,
                      rect.bottom() - top_y - fm.height() / 2 - label_h - fm.height() - 6)
        if plot.height() < 30:
            plot.setHeight(30)

        def py(v: float) -> float:
            return plot.bottom() - v / top * plot.height()

        n = len(self.labels)
        gap = plot.width() / n

        def px(i: int) -> float:
            return plot.left() + gap * (i + 0.5)

        # y grid with its numbers, and the y axis title written upwards
        for v in ticks:
            p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(plot.left(), py(v)), QPointF(plot.right(), py(v)))
            p.setPen(text)
            label = tick_text(v, step)
            p.drawText(QPointF(plot.left() - 6 - fm.horizontalAdvance(label),
                               py(v) + (fm.ascent() - fm.descent()) / 2), label)
        p.save()
        p.translate(rect.left() + fm.ascent(), plot.center().y())
        p.rotate(-90)
        title = self.unit
        if fm.horizontalAdvance(title) > plot.height() and self.short_unit:
            title = self.short_unit
        title = fm.elidedText(title, Qt.TextElideMode.ElideRight, int(plot.height()))
        p.drawText(QPointF(-fm.horizontalAdvance(title) / 2, 0), title)
        p.restore()
        p.setPen(QPen(grid, 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        # the terms along the bottom (two lines, or short forms when narrow), then "Term"
        p.setPen(text)
        for i, label in enumerate(self.labels):
            for k, part in enumerate(tick_lines(label, short)):
                w = fm.horizontalAdvance(part)
                p.drawText(QPointF(px(i) - w / 2, plot.bottom() + 4 + fm.ascent()
                                   + k * fm.height()), part)
        axis_title = "Term"
        p.drawText(QPointF(plot.center().x() - fm.horizontalAdvance(axis_title) / 2,
                           plot.bottom() + label_h + fm.ascent()), axis_title)
        # the lines, then their markers on top
        radius = max(3.5, fm.height() * 0.28)
        for i, line in enumerate(self.lines):
            marker, dash = style(i)
            colour = self._colour(i)
            p.setPen(line_pen(colour, dash))
            p.setBrush(Qt.BrushStyle.NoBrush)
            previous: QPointF | None = None
            for k, v in enumerate(line.values):
                point = None if v is None else QPointF(px(k), py(v))
                if point is not None and previous is not None:
                    p.drawLine(previous, point)
                previous = point
        for i, line in enumerate(self.lines):
            marker, _dash = style(i)
            p.setPen(QPen(text, 1))
            p.setBrush(self._colour(i))
            for k, v in enumerate(line.values):
                if v is not None:
                    self._marker(p, marker, QPointF(px(k), py(v)), radius)
        self._frame(p)
