"""A bar chart of counts for the Reports section (per term or per school), drawn with
QPainter on the shared chart base of ``gui.charts``: each bar carries its figure as text
(with the numerator and denominator of its rate), and the chart's accessible description
says the same in words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from panel_app.gui.charts import _Chart, axis


@dataclass(frozen=True)
class CountBar:
    label: str
    value: float
    text: str  # what is written at the end of the bar, e.g. "5 of 1,200 (0.42%)"


class CountChart(_Chart):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.caption = ""
        self.bars: list[CountBar] = []
        self.setMinimumHeight(120)

    def set_bars(self, caption: str, bars: list[CountBar]) -> None:
        self.caption, self.bars = caption, list(bars)
        if not self.bars:
            self._set_summary(f"{caption}: nothing to show.")
        else:
            self._set_summary(f"{caption}. " + "; ".join(f"{b.label}: {b.text}"
                                                         for b in self.bars) + ".")
        self.updateGeometry()

    def clear(self) -> None:
        self.caption, self.bars = "", []
        self._set_summary("")

    def sizeHint(self) -> QSize:
        h = self.fontMetrics().height()
        return QSize(420, (len(self.bars) + 2) * (h + 10) + h)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 120)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, grid, data, _warn = self._colours()
        fm = QFontMetrics(self.font())
        rect = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        p.setPen(text)
        p.drawText(QPointF(rect.left(), rect.top() + fm.ascent()),
                   fm.elidedText(self.caption, Qt.TextElideMode.ElideRight, int(rect.width())))
        if not self.bars:
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Nothing to show")
            self._frame(p)
            return
        label_w = min(max(fm.horizontalAdvance(b.label) for b in self.bars) + 12,
                      rect.width() * 0.4)
        value_w = max(fm.horizontalAdvance(b.text) for b in self.bars) + 10
        left = rect.left() + label_w
        width = max(20.0, rect.right() - value_w - left)
        top, step = axis(max(b.value for b in self.bars))
        scale = width / top
        y = rect.top() + fm.height() + 8
        bars_h = rect.bottom() - y - fm.height() - 6
        row_h = max(fm.height() + 4.0, min(2.2 * fm.height(), bars_h / len(self.bars)))
        bottom = y + row_h * len(self.bars)
        # numbers under every grid line that has room for one (never touching)
        every = max(1, math.ceil((fm.horizontalAdvance(str(top)) + 10) / (step * scale)))
        for k, v in enumerate(range(0, top + 1, step)):
            gx = left + v * scale
            p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(gx, y), QPointF(gx, bottom))
            if k % every:
                continue
            p.setPen(text)
            label = str(v)
            p.drawText(QPointF(gx - fm.horizontalAdvance(label) / 2, bottom + fm.ascent() + 2),
                       label)
        for i, b in enumerate(self.bars):
            ry = y + i * row_h
            bar_h = row_h * 0.62
            p.setPen(text)
            name = fm.elidedText(b.label, Qt.TextElideMode.ElideRight, int(label_w - 10))
            p.drawText(QRectF(rect.left(), ry, label_w - 8, row_h),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), name)
            if b.value:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(data)
                p.drawRect(QRectF(left, ry + (row_h - bar_h) / 2, b.value * scale, bar_h))
            p.setPen(text)
            p.drawText(QPointF(left + b.value * scale + 6,
                               ry + (row_h + fm.ascent() - fm.descent()) / 2), b.text)
        self._frame(p)
